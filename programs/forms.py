"""Program forms: the record, its partners, funding and milestones, CSV rows, bulk edit."""

from decimal import Decimal

from django import forms

from core import forms as core_forms
from core.forms import ChildForm, ChildFormSet, ImportRowForm, PortalFormMixin, VersionedModelForm
from core.models import Organization
from programs.models import Funding, Milestone, Participant, Program

# The fields of each form, which the API takes too (core.api.api_fields). Tuples: an inline
# formset adds its parent's key to its form's list of fields, in place if it is a list.
PROGRAM_FIELDS = (
    "code",
    "name",
    "kind",
    "phase",
    "us_lead",
    "program_manager",
    *Program.LONG_TEXTS,
    "health",
    "health_reason",
    "health_override_reason",
    "start_date",
    "end_date",
    "cpi_identified",
    "cpi_identified_on",
    "anti_tamper_required",
    "export_differential_capability",
    "export_anti_tamper",
    "export_variant",
    "protection_plan_status",
    "protection_plan_date",
    "classification",
    "cui_category",
    "dissemination",
    "rel_to",
)
# The partners, funding and milestones of a program: the rows of its formsets, and what
# the API writes of each (programs/api/serializers.py, with the program named there).
PARTICIPANT_FIELDS = (
    "country",
    "organization",
    "role",
    "cost_share",
    "financial_contribution",
    "in_kind_contribution",
    "in_kind_description",
)
FUNDING_FIELDS = ("fiscal_year", "participant", "amount", "currency")
MILESTONE_FIELDS = ("title", "planned_date", "forecast_date", "actual_date")


class ProgramForm(VersionedModelForm):
    class Meta:
        model = Program
        fields = PROGRAM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["us_lead"].queryset = Organization.objects.filter(
            country__iso3="USA"
        ).select_related("country")
        self.fields["program_manager"].queryset = core_forms.active_people()
        self.fields["program_manager"].label_from_instance = core_forms.person_label


class ProgramImportForm(ImportRowForm):
    """One program per CSV row. Organisation by acronym, manager by username."""

    unique_column = "code"
    us_lead = forms.CharField(required=False, help_text="acronym of a US organisation")
    program_manager = forms.CharField(required=False, help_text="username")

    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "kind",
            "phase",
            "health",
            "health_reason",
            "health_override_reason",
            "us_lead",
            "program_manager",
            "start_date",
            "end_date",
            "summary",
            "classification",
        ]

    def clean_us_lead(self):
        value = self.cleaned_data["us_lead"]
        if not value:
            return None
        org = Organization.objects.filter(acronym__iexact=value, country__iso3="USA").first()
        if org is None:
            raise forms.ValidationError(f"No US organisation with acronym “{value}”.")
        return org

    def clean_program_manager(self):
        return core_forms.active_user_named(self.cleaned_data["program_manager"])


class ProgramBulkEditForm(PortalFormMixin, forms.Form):
    phase = forms.ChoiceField(
        choices=[("", "— leave unchanged —"), *Program.Phase.choices], required=False
    )
    health = forms.ChoiceField(
        choices=[("", "— leave unchanged —"), *Program.Health.choices], required=False
    )
    health_reason = forms.CharField(
        required=False,
        max_length=200,
        help_text="Needed to set Yellow or Red: what is wrong (the same for every program).",
    )
    program_manager = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— leave unchanged —"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program_manager"].queryset = core_forms.active_people()


class ParticipantForm(ChildForm):
    class Meta:
        model = Participant
        fields = PARTICIPANT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.select_related("country")


class SharesFormSet(ChildFormSet):
    """The cost shares of a program's partners must add up to exactly 100%."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            return
        total = sum((f.cleaned_data.get("cost_share") or Decimal(0)) for f in kept)
        if total != Decimal(100):
            raise forms.ValidationError(
                f"Cost shares add up to {total:g}%; they must add up to exactly 100%."
            )
        leads = [f for f in kept if f.cleaned_data.get("role") == Participant.Role.LEAD]
        if len(leads) > 1:
            raise forms.ValidationError("A program has at most one lead nation.")
        countries = [(f.cleaned_data["country"], f.cleaned_data.get("organization")) for f in kept]
        if len(set(countries)) != len(countries):
            raise forms.ValidationError("The same country and organisation appear twice.")


ParticipantFormSet = core_forms.child_formset(Program, ParticipantForm, formset=SharesFormSet)


class FundingForm(ChildForm):
    class Meta:
        model = Funding
        fields = FUNDING_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = Participant.objects.filter(
            program=self.parent
        ).select_related("country", "program")
        self.fields["participant"].label_from_instance = lambda p: str(p.country)


FundingFormSet = core_forms.child_formset(Program, FundingForm)


class MilestoneForm(ChildForm):
    class Meta:
        model = Milestone
        fields = MILESTONE_FIELDS
        widgets = {f: forms.DateInput for f in ("planned_date", "forecast_date", "actual_date")}


MilestoneFormSet = core_forms.child_formset(Program, MilestoneForm)
