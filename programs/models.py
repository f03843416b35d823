"""Cooperative programs, their partners and cost shares, funding and milestones."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.audit import AuditedModel, VersionedModel
from core.markings import MarkedModel
from core.models import Country, Organization


class Program(VersionedModel, AuditedModel, MarkedModel):
    """A cooperative program with allied partner nations."""

    class Kind(models.TextChoices):
        RDTE = "rdte", "Cooperative RDT&E"
        JOINT_PRODUCTION = "production", "Joint production"
        SUSTAINMENT = "sustainment", "Sustainment / follow-on development"
        FCT = "fct", "Foreign procurement / comparative testing"
        INFO_EXCHANGE = "info_exchange", "Information exchange"
        ESEP = "esep", "Engineer and scientist exchange"

    class Phase(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONCEPT = "concept", "Concept"
        DEVELOPMENT = "development", "Development"
        PRODUCTION = "production", "Production"
        SUSTAINMENT = "sustainment", "Sustainment"
        CLOSED = "closed", "Closed"

    class Health(models.TextChoices):
        GREEN = "green", "Green"
        YELLOW = "yellow", "Yellow"
        RED = "red", "Red"

    class Trend(models.TextChoices):
        IMPROVING = "improving", "Improving"
        STEADY = "steady", "Steady"
        DECLINING = "declining", "Declining"

    class ProtectionPlan(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        DRAFTING = "drafting", "Drafting"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        NOT_REQUIRED = "not_required", "Not required"

    code = models.CharField(max_length=30, unique=True, help_text="e.g. CP-2026-014")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, db_index=True)
    us_lead = models.ForeignKey(
        Organization,
        verbose_name="US lead organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_programs",
    )
    program_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_programs",
    )
    summary = models.TextField(blank=True)
    objectives = models.TextField(blank=True)
    benefit_operational = models.TextField("operational benefit", blank=True)
    benefit_economic = models.TextField("economic benefit", blank=True)
    benefit_technical = models.TextField("technical benefit", blank=True)
    benefit_political = models.TextField("political benefit", blank=True)
    benefit_industrial = models.TextField("industrial benefit", blank=True)
    health = models.CharField(
        max_length=10, choices=Health.choices, default=Health.GREEN, db_index=True
    )
    health_trend = models.CharField(max_length=10, choices=Trend.choices, default=Trend.STEADY)
    health_reason = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True, db_index=True)
    end_date = models.DateField(null=True, blank=True, db_index=True)
    # Technology protection and exportability.
    cpi_identified = models.BooleanField(
        "critical program information identified", default=False, db_index=True
    )
    cpi_identified_on = models.DateField("CPI identified on", null=True, blank=True)
    anti_tamper_required = models.BooleanField(default=False, db_index=True)
    export_differential_capability = models.BooleanField(
        "exportability: differential capability", default=False
    )
    export_anti_tamper = models.BooleanField("exportability: anti-tamper", default=False)
    export_variant = models.BooleanField("exportability: export variant", default=False)
    protection_plan_status = models.CharField(
        "technology protection plan",
        max_length=20,
        choices=ProtectionPlan.choices,
        default=ProtectionPlan.NOT_STARTED,
        db_index=True,
    )
    protection_plan_date = models.DateField("protection plan date", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = ("id", "version", "updated_at")

    class Meta:
        ordering = ["code"]
        permissions = [("manage_program", "Manage the program's team")]

    def __str__(self):
        return f"{self.code} {self.name}"

    detail_url_name = "programs:detail"  # lets tables fill the URL in without reverse()

    def get_absolute_url(self):
        return reverse(self.detail_url_name, args=[self.pk])

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date is before the start date."})
        if self.cpi_identified_on and not self.cpi_identified:
            raise ValidationError(
                {"cpi_identified_on": "A CPI date needs “critical program information identified”."}
            )

    @classmethod
    def visibility_q(cls, user, action):
        # The program manager named on a program always sees and edits it.
        if action in ("view", "change"):
            return Q(program_manager=user)
        return None

    @property
    def benefit_areas(self):
        fields = [
            "benefit_operational",
            "benefit_economic",
            "benefit_technical",
            "benefit_political",
            "benefit_industrial",
        ]
        return [
            (
                self._meta.get_field(f).verbose_name.replace(" benefit", "").capitalize(),
                getattr(self, f),
            )
            for f in fields
            if getattr(self, f)
        ]

    @property
    def exportability_features(self):
        features = [
            ("differential capability", self.export_differential_capability),
            ("anti-tamper", self.export_anti_tamper),
            ("export variant", self.export_variant),
        ]
        return [name for name, on in features if on] or ["none"]


class ProgramUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Program, on_delete=models.CASCADE)


class ProgramGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Program, on_delete=models.CASCADE)


class ProgramChild(AuditedModel):
    """A record that belongs to a program and follows its permissions and history."""

    permission_parent = "program"

    class Meta:
        abstract = True

    def audit_root(self):
        return self.program

    def get_absolute_url(self):
        return self.program.get_absolute_url()


class Participant(ProgramChild):
    """A partner nation (and organisation) in a program, with its cost share."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead nation"
        PARTNER = "partner", "Partner"
        OBSERVER = "observer", "Observer"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="participants")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="participations")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PARTNER)
    cost_share = models.DecimalField(
        "cost share %",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    financial_contribution = models.DecimalField(
        "financial contribution (USD)",
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    in_kind_contribution = models.DecimalField(
        "in-kind contribution (USD)",
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    in_kind_description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["program", "-cost_share", "country__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "country", "organization"], name="participant_unique"
            )
        ]

    def __str__(self):
        return f"{self.country} in {self.program.code}"

    def clean(self):
        super().clean()
        if (
            self.organization_id
            and self.country_id
            and self.organization.country_id != self.country_id
        ):
            raise ValidationError({"organization": "The organization is not in this country."})


class Funding(ProgramChild):
    """Money a participant puts into a program in one fiscal year."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="funding")
    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="funding")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["program", "fiscal_year", "participant__country__name"]
        verbose_name_plural = "funding"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "fiscal_year", "participant", "currency"],
                name="funding_unique_year",
            )
        ]

    def __str__(self):
        return f"FY{self.fiscal_year} {self.participant.country} {self.amount} {self.currency}"

    def clean(self):
        super().clean()
        if (
            self.participant_id
            and self.program_id
            and self.participant.program_id != self.program_id
        ):
            raise ValidationError({"participant": "That participant is not in this program."})
        self.currency = (self.currency or "USD").upper()
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValidationError({"currency": "Use a three-letter ISO currency code, e.g. USD."})


class Milestone(ProgramChild):
    """A program milestone; its status and lateness are derived from its dates."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    planned_date = models.DateField(db_index=True)
    forecast_date = models.DateField(null=True, blank=True)
    actual_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["program", "planned_date", "id"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.actual_date and self.actual_date > timezone.localdate():
            raise ValidationError({"actual_date": "An actual date cannot be in the future."})

    @property
    def due_date(self):
        return self.forecast_date or self.planned_date

    @property
    def is_overdue(self):
        return self.actual_date is None and self.due_date < date.today()

    @property
    def status(self):
        if self.actual_date:
            return "complete"
        if self.is_overdue:
            return "overdue"
        if self.forecast_date and self.forecast_date > self.planned_date:
            return "slipping"
        return "on track"
