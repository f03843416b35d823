"""Agreement forms: the record, its participants, CSV rows, bulk edit, a lifecycle step."""

from django import forms

from agreements.models import (
    Agreement,
    AgreementParticipant,
    Coordination,
    LegalAuthority,
    NoAuthorityReason,
)
from core import forms as core_forms
from core import permissions
from core.forms import ChildForm, ChildFormSet, ImportRowForm, PortalFormMixin, VersionedModelForm
from core.models import Organization
from programs.models import Program

# The fields of each form, which the API takes too (core.api.api_fields). Tuples: an inline
# formset adds its parent's key to its form's list of fields, in place if it is a list.
AGREEMENT_FIELDS = (
    "number",
    "title",
    "kind",
    "summary",
    "legal_authority",
    "parent",
    "amends",
    "programs",
    "highest_classification",
    "responsible_official",
    "signed_on",
    "entry_into_force_on",
    "expiration_date",
    "reporting_required",
    "reported_on",
    "c175_requested_on",
    "c175_granted_on",
    "c175_reference",
    "c175_scope",
    "no_authority_reason",
    "ending",
    "notice_period_days",
    "ending_effective_on",
    "classification",
    "cui_category",
    "dissemination",
    "rel_to",
)
DATE_FIELDS = (
    "signed_on",
    "entry_into_force_on",
    "expiration_date",
    "reported_on",
    "c175_requested_on",
    "c175_granted_on",
    "ending_effective_on",
)
# A party to an agreement is edited in two places: its contributions under Participants,
# who signed for it under Signatories. The API writes both at once.
PARTICIPANT_FIELDS = (
    "country",
    "organization",
    "financial_contribution",
    "in_kind_contribution",
    "in_kind_description",
)
SIGNATORY_FIELDS = ("country", "signatory_name", "signatory_title", "signed_on")


def _authorities(current=None):
    """Active authorities, plus the one already chosen even if an admin retired it."""
    queryset = LegalAuthority.objects.filter(active=True)
    if current is not None:
        queryset = queryset | LegalAuthority.objects.filter(pk=current)
    return queryset


def _reasons(current=None):
    queryset = NoAuthorityReason.objects.filter(active=True)
    if current is not None:
        queryset = queryset | NoAuthorityReason.objects.filter(pk=current)
    return queryset


def link_choices(name, current=None):
    """What the parent and amended-agreement pickers offer: framework agreements in force
    (parent), agreements signed or in force (amends), plus the one already chosen."""
    S = Agreement.Status
    if name == "parent":
        queryset = Agreement.objects.filter(kind=Agreement.Kind.FRAMEWORK, status=S.IN_FORCE)
    else:
        queryset = Agreement.objects.filter(status__in=(S.CONCLUDED, S.IN_FORCE))
    if current is not None:
        queryset = queryset | Agreement.objects.filter(pk=current)
    return queryset.only("number", "title")


class AgreementForm(VersionedModelForm):
    """Links (parent, amended agreement, programs) offer only records the user may see.

    A link the user cannot see is kept as it is: the field is dropped (parent, amends)
    or the hidden programs are carried over on save, so nobody removes what they cannot see.
    """

    class Meta:
        model = Agreement
        fields = AGREEMENT_FIELDS
        widgets = {name: forms.DateInput for name in DATE_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        instance = self.instance
        self.fields["legal_authority"].queryset = _authorities(instance.legal_authority_id)
        self.fields["no_authority_reason"].queryset = _reasons(instance.no_authority_reason_id)
        self.fields["responsible_official"].queryset = core_forms.active_people()
        self.fields["responsible_official"].label_from_instance = core_forms.person_label
        # The dropdowns themselves are limited to what the user may see by PortalFormMixin.
        for name in ("parent", "amends"):
            current = getattr(instance, f"{name}_id")
            if current and not permissions.can(user, "view", Agreement(pk=current)):
                del self.fields[name]  # keep a link the user may not see untouched
            else:
                others = link_choices(name, current)
                if instance.pk:
                    others = others.exclude(pk=instance.pk)
                self.fields[name].queryset = others
        self.fields["programs"].queryset = Program.objects.only("code", "name")
        self.fields["programs"].help_text = core_forms.CHOOSE_SEVERAL
        self.fields["highest_classification"].help_text = (
            "The level of what the partners will exchange under the agreement. Only the "
            "level is recorded here: this record itself stays at or below CUI."
        )
        self.hidden_programs = []
        if instance.pk:
            shown = permissions.restrict(Program.objects.all(), user, "view").values("pk")
            self.hidden_programs = list(instance.programs.exclude(pk__in=shown))

    def _save_m2m(self):
        super()._save_m2m()
        if self.hidden_programs:
            self.instance.programs.add(*self.hidden_programs)


class AgreementImportForm(ImportRowForm):
    """One agreement per CSV row. Authority by name, official by username."""

    unique_column = "number"
    legal_authority = forms.CharField(required=False, help_text="name of a legal authority")
    responsible_official = forms.CharField(required=False, help_text="username")

    class Meta:
        model = Agreement
        fields = [
            "number",
            "title",
            "kind",
            "legal_authority",
            "responsible_official",
            "highest_classification",
            "expiration_date",
            "summary",
            "classification",
        ]

    def clean_legal_authority(self):
        value = self.cleaned_data["legal_authority"]
        if not value:
            return None
        authority = LegalAuthority.objects.filter(name__iexact=value).first()
        if authority is None:
            raise forms.ValidationError(f"No legal authority named “{value}”.")
        return authority

    def clean_responsible_official(self):
        return core_forms.active_user_named(self.cleaned_data["responsible_official"])


class AgreementBulkEditForm(PortalFormMixin, forms.Form):
    legal_authority = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— leave unchanged —"
    )
    responsible_official = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— leave unchanged —"
    )
    expiration_date = forms.DateField(required=False, widget=forms.DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_authority"].queryset = _authorities()
        self.fields["responsible_official"].queryset = core_forms.active_people()


class ParticipantForm(ChildForm):
    """A party and its contributions (signatories have their own form)."""

    class Meta:
        model = AgreementParticipant
        fields = PARTICIPANT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.select_related("country")


class SignatoryForm(ChildForm):
    """Who signs for one participant, and when they signed."""

    class Meta:
        model = AgreementParticipant
        fields = SIGNATORY_FIELDS
        widgets = {"signed_on": forms.DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].disabled = True  # parties are edited under Participants


class ParticipantsFormSet(ChildFormSet):
    """A country appears once among an agreement's participants."""

    def clean(self):
        # Before the generic unique check, so the message names the countries.
        if not any(self.errors):
            kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            countries = [f.cleaned_data["country"] for f in kept if "country" in f.cleaned_data]
            twice = sorted({str(c) for c in countries if countries.count(c) > 1})
            if twice:
                raise forms.ValidationError(f"These countries appear twice: {', '.join(twice)}.")
        super().clean()


ParticipantFormSet = core_forms.child_formset(
    Agreement, ParticipantForm, formset=ParticipantsFormSet
)


SignatoryFormSet = core_forms.child_formset(Agreement, SignatoryForm, extra=0, can_delete=False)


class CoordinationAnswerForm(PortalFormMixin, forms.Form):
    """An office's answer, entered by its people or by the agreement's team for it."""

    answer = forms.ChoiceField(choices=[("", "— choose —"), *Coordination.Answer.choices])
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text="Required with a comment or a non-concurrence: the office's reasons.",
    )


class CoordinationOverruleForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for overruling",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Why the agreement may go ahead despite the office's non-concurrence.",
    )
