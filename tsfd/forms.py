"""TSFD forms: the request, intake, a review, a step with its comment, the decision."""

from django import forms

from core.forms import PortalFormMixin, VersionedModelForm
from core.markings import Classification
from core.models import Organization
from tsfd.models import (
    DelegationLetter,
    DisclosureRequest,
    InformationCategory,
    Release,
    Review,
    StandardProviso,
)

REQUEST_SECTIONS = [
    (
        "What would be disclosed",
        [
            "title",
            "technology",
            "disclosure_form",
            "highest_classification",
            "information_category",
        ],
    ),
    ("To whom", ["recipient_country", "recipient_organization", "end_user", "end_use"]),
    (
        "Export control and security",
        ["export_jurisdiction", "usml_category", "eccn", "security_agreement", "ddl"],
    ),
    ("Why and when", ["purpose", "program", "agreement", "needed_by"]),
    ("Marking of this record", ["classification", "cui_category", "dissemination", "rel_to"]),
]
REQUEST_FIELDS = tuple(name for _, names in REQUEST_SECTIONS for name in names)


class DisclosureRequestForm(VersionedModelForm):
    """A disclosure request as its requester writes it (draft, or returned for information)."""

    class Meta:
        model = DisclosureRequest
        fields = REQUEST_FIELDS
        widgets = {
            "needed_by": forms.DateInput,
            "technology": forms.Textarea(attrs={"rows": 5}),
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "end_use": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Program and agreement offer only what the author may see (PortalFormMixin).
        self.fields["recipient_country"].queryset = self.fields[
            "recipient_country"
        ].queryset.exclude(iso3="USA")
        self.fields["recipient_organization"].queryset = Organization.objects.exclude(
            country__iso3="USA"
        ).select_related("country")
        self.fields["recipient_organization"].label_from_instance = (
            lambda o: f"{o} — {o.country.name}"
        )
        current = self.instance.information_category_id
        self.fields["information_category"].queryset = InformationCategory.objects.filter(
            active=True
        ) | InformationCategory.objects.filter(pk=current)

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in REQUEST_SECTIONS]

    def save(self, commit=True):
        if self.instance.pk is None:
            self.instance.requested_by = self.user
        return super().save(commit=commit)


class DecisionForm(PortalFormMixin, forms.Form):
    """The approver's decision. Once recorded it is final."""

    decision = forms.ChoiceField(
        choices=[
            ("approve", "Approve"),
            ("approve_with_provisos", "Approve with provisos"),
            ("partially_approve", "Partially approve"),
            ("deny", "Deny"),
        ],
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    provisos = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="For an approval with provisos: one proviso per line.",
    )
    scope = forms.CharField(
        label="What is released",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="For a partial approval: what is released and what is not.",
    )
    standard_provisos = forms.ModelMultipleChoiceField(
        queryset=StandardProviso.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Standard provisos",
        help_text="For an approval with provisos: drawn from the office's library.",
    )
    valid_until = forms.DateField(
        label="Valid until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For an approval: the last day releases may be made under it.",
    )
    limit = forms.ChoiceField(
        label="Highest classification released",
        required=False,
        choices=[("", "—"), *Classification.choices],
        help_text="For an approval: releases above it are flagged as beyond scope.",
    )
    ddl = forms.ModelChoiceField(
        queryset=DelegationLetter.objects.all(),
        required=False,
        label="Under DDL",
        help_text="The Delegation of Disclosure Authority Letter the decision relies on.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if (
            decision == "approve_with_provisos"
            and not self.proviso_lines()
            and not cleaned.get("standard_provisos")
        ):
            self.add_error("provisos", "Record at least one proviso (one per line).")
        if decision and decision != "deny":
            if not cleaned.get("valid_until"):
                self.add_error("valid_until", "Say until when the decision is valid.")
            if not cleaned.get("limit"):
                self.add_error("limit", "Say the highest classification released.")
        if decision == "partially_approve" and not (cleaned.get("scope") or "").strip():
            self.add_error("scope", "Say what is released and what is not.")
        return cleaned

    def proviso_lines(self):
        text = self.cleaned_data.get("provisos") or ""
        return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


class ReviewForm(PortalFormMixin, forms.ModelForm):
    """The assigned reviewer's recommendation."""

    class Meta:
        model = Review
        fields = ["recommendation", "comments"]
        widgets = {
            "recommendation": forms.RadioSelect,
            "comments": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommendation"].required = True
        self.fields["recommendation"].choices = Review.Recommendation.choices
        self.fields["comments"].help_text = "Needed for “concur with comment” and “non-concur”."


class IntakeForm(PortalFormMixin, forms.Form):
    """Intake: which review areas the case must pass and who reviews each."""

    def __init__(self, *args, request_obj=None, areas=(), candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_obj = request_obj
        self.rows = []
        existing = {r.area_id: r for r in request_obj.reviews.select_related("reviewer")}
        for area in areas:
            review = existing.get(area.pk)
            include = forms.BooleanField(
                label=f"{area.code} — {area.name}", required=False, initial=review is not None
            )
            reviewer = forms.ModelChoiceField(
                queryset=candidates,
                required=False,
                label=f"Reviewer for {area.code}",
                empty_label="— to be named —",
                initial=review.reviewer_id if review else None,
            )
            reviewer.label_from_instance = lambda u: u.get_full_name() or u.username
            self.fields[f"include_{area.pk}"] = include
            self.fields[f"reviewer_{area.pk}"] = reviewer
            locked = review is not None and review.is_complete
            if locked:
                include.disabled = reviewer.disabled = True
            self.rows.append(
                {
                    "area": area,
                    "review": review,
                    "locked": locked,
                    "include": f"include_{area.pk}",
                    "reviewer": f"reviewer_{area.pk}",
                }
            )
        for field in self.fields.values():
            css = "usa-checkbox__input" if isinstance(field, forms.BooleanField) else "usa-select"
            field.widget.attrs["class"] = css
        self.fields["shared_reviewer_reason"] = forms.CharField(
            label="Why one person reviews several areas",
            required=False,
            initial=request_obj.shared_reviewer_reason,
            widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
            help_text="Needed when you name the same reviewer for two or more areas.",
        )

    def clean(self):
        cleaned = super().clean()
        named = {}
        for row in self.rows:
            reviewer = cleaned.get(row["reviewer"])
            wanted = cleaned.get(row["include"]) or row["locked"]
            if row["locked"] and row["review"] is not None:
                reviewer = row["review"].reviewer
            if wanted and reviewer is not None:
                named.setdefault(reviewer.pk, []).append(row["area"].code)
        shared = [codes for codes in named.values() if len(codes) > 1]
        if shared and not (cleaned.get("shared_reviewer_reason") or "").strip():
            self.add_error(
                "shared_reviewer_reason",
                f"The same reviewer is named for {' and '.join(shared[0])}: say why.",
            )
        return cleaned

    def bound_rows(self):
        return [
            {**row, "include": self[row["include"]], "reviewer": self[row["reviewer"]]}
            for row in self.rows
        ]

    def choices(self):
        """(area, wanted?, reviewer) for every row that can still change."""
        return [
            (
                row["area"],
                self.cleaned_data.get(row["include"]),
                self.cleaned_data.get(row["reviewer"]),
            )
            for row in self.rows
            if not row["locked"]
        ]


RELEASE_FIELDS = (
    "released_on",
    "what",
    "recipient_country",
    "recipient",
    "classification_released",
)


class ReleaseForm(PortalFormMixin, forms.ModelForm):
    """A release under a decision, recorded by the foreign disclosure officer who made it."""

    class Meta:
        model = Release
        fields = RELEASE_FIELDS
        widgets = {
            "released_on": forms.DateInput(attrs={"type": "date"}),
            "what": forms.Textarea(attrs={"rows": 3}),
        }

    def save(self, commit=True):
        if self.instance.pk is None:
            self.instance.released_by = self.user
        return super().save(commit=commit)


DDL_FIELDS = (
    "number",
    "title",
    "system",
    "program",
    "scope",
    "countries",
    "classification_limit",
    "issued_on",
    "expires_on",
    "classification",
    "cui_category",
    "dissemination",
    "rel_to",
)


class DelegationLetterForm(VersionedModelForm):
    class Meta:
        model = DelegationLetter
        fields = DDL_FIELDS
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
            "scope": forms.Textarea(attrs={"rows": 4}),
        }
