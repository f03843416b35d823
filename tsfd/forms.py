"""TSFD forms: the request, intake, a review, a step with its comment, the decision."""

from django import forms

from core.forms import PortalFormMixin, VersionedModelForm
from core.models import Organization
from tsfd.models import DisclosureRequest, InformationCategory, Review

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
    ("To whom", ["recipient_country", "recipient_organization"]),
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
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == "approve_with_provisos" and not self.proviso_lines():
            self.add_error("provisos", "Record at least one proviso (one per line).")
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
