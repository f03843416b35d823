"""Agreement forms: the record, its participants, CSV rows, bulk edit, a lifecycle step."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory

from agreements.models import Agreement, AgreementParticipant, LegalAuthority
from core import permissions
from core.forms import ChildForm, ChildFormSet, ImportRowForm, PortalFormMixin, VersionedModelForm
from core.models import Organization
from programs.models import Program

AGREEMENT_FIELDS = [
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
    "classification",
    "cui_category",
    "dissemination",
    "rel_to",
]
DATE_FIELDS = ("signed_on", "entry_into_force_on", "expiration_date", "reported_on")


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name")


def _authorities(current=None):
    """Active authorities, plus the one already chosen even if an admin retired it."""
    queryset = LegalAuthority.objects.filter(active=True)
    if current is not None:
        queryset = queryset | LegalAuthority.objects.filter(pk=current)
    return queryset


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
        self.fields["responsible_official"].queryset = _people()
        self.fields["responsible_official"].label_from_instance = (
            lambda u: u.get_full_name() or u.username
        )
        # The dropdowns themselves are limited to what the user may see by PortalFormMixin.
        others = Agreement.objects.only("number", "title")
        if instance.pk:
            others = others.exclude(pk=instance.pk)
        for name in ("parent", "amends"):
            current = getattr(instance, f"{name}_id")
            if current and not permissions.can(user, "view", Agreement(pk=current)):
                del self.fields[name]  # keep a link the user may not see untouched
            else:
                self.fields[name].queryset = others
        self.fields["programs"].queryset = Program.objects.only("code", "name")
        self.fields["programs"].help_text = "Ctrl-click (⌘-click) to choose several."
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
        value = self.cleaned_data["responsible_official"]
        if not value:
            return None
        user = _people().filter(username=value).first()
        if user is None:
            raise forms.ValidationError(f"No active user “{value}”.")
        return user


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
        self.fields["responsible_official"].queryset = _people()


class ParticipantForm(ChildForm):
    """A party and its contributions (signatories have their own form)."""

    class Meta:
        model = AgreementParticipant
        fields = [
            "country",
            "organization",
            "financial_contribution",
            "in_kind_contribution",
            "in_kind_description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.select_related("country")


class SignatoryForm(ChildForm):
    """Who signs for one participant, and when they signed."""

    class Meta:
        model = AgreementParticipant
        fields = ["country", "signatory_name", "signatory_title", "signed_on"]
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


ParticipantFormSet = inlineformset_factory(
    Agreement,
    AgreementParticipant,
    form=ParticipantForm,
    formset=ParticipantsFormSet,
    extra=2,
    can_delete=True,
)


SignatoryFormSet = inlineformset_factory(
    Agreement,
    AgreementParticipant,
    form=SignatoryForm,
    formset=ChildFormSet,
    extra=0,
    can_delete=False,
)
