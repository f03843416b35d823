"""Cooperative programs, their partners and cost shares, funding and milestones."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import AuditedModel, Country, MarkedModel, Organization, VersionedModel
from core.models.bases import ChildRecord, check_organization_in_country, object_permission_models
from core.rules import after_write


def percent(value):
    """160.00 → "160", 33.50 → "33.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Reasons that describe a Green program; a Yellow or Red one must say what is wrong.
GREEN_REASONS = {
    "on cost and schedule",
    "on schedule and cost",
    "on track",
    "on cost, schedule and performance",
    "no issues",
    "nothing to report",
    "all good",
    "green",
}


class Program(VersionedModel, AuditedModel, MarkedModel):
    """A cooperative program with allied partner nations."""

    # The free texts, in form order: lists leave them in the database (defer).
    LONG_TEXTS = (
        "summary",
        "objectives",
        "benefit_operational",
        "benefit_economic",
        "benefit_technical",
        "benefit_political",
        "benefit_industrial",
    )

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
    # The trend follows the recorded health (see save()), never typed by hand.
    health_trend = models.CharField(
        max_length=10, choices=Trend.choices, default=Trend.STEADY, editable=False
    )
    health_reason = models.CharField(
        max_length=200, blank=True, help_text="Required for Yellow and Red: what is wrong."
    )
    health_override_reason = models.CharField(
        "reason Green stands despite overdue milestones",
        max_length=200,
        blank=True,
        help_text="Only when a milestone is overdue by more than 30 days and Green still holds.",
    )
    health_reviewed_on = models.DateField(
        "health last reviewed", null=True, blank=True, editable=False
    )
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
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="program_end_after_start",
                violation_error_message="The end date is before the start date.",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    detail_url_name = "programs:detail"  # lets tables fill the URL in without reverse()

    def get_absolute_url(self):
        return reverse(self.detail_url_name, args=[self.pk])

    def save(self, *args, **kwargs):
        before = getattr(self, "_audit_snapshot", {})
        health_fields = ("health", "health_reason", "health_override_reason")
        if self._state.adding or any(before.get(f) != getattr(self, f) for f in health_fields):
            self.health_reviewed_on = timezone.localdate()
        rank = {"green": 0, "yellow": 1, "red": 2}
        old = before.get("health")
        if old in rank and old != self.health:
            worse = rank[self.health] > rank[old]
            self.health_trend = self.Trend.DECLINING if worse else self.Trend.IMPROVING
        return super().save(*args, **kwargs)

    def value_patterns(self):
        return {"code": (settings.PROGRAM_CODE_PATTERN, settings.PROGRAM_CODE_EXAMPLE)}

    def overdue_milestones(self, days=None):
        """Milestones not done and overdue by more than `days` (settings.HEALTH_OVERDUE_DAYS)."""
        if self.pk is None:
            return []
        days = settings.HEALTH_OVERDUE_DAYS if days is None else days
        limit = timezone.localdate() - timedelta(days=days)
        return [
            m
            for m in self.milestones.filter(actual_date__isnull=True)
            if (m.forecast_date or m.planned_date) < limit
        ]

    def health_problems(self):
        """{field: message} where the recorded health contradicts the data."""
        problems = {}
        reason = " ".join(self.health_reason.split()).strip(" .").lower()
        if self.health == self.Health.GREEN and not self.health_override_reason.strip():
            late = self.overdue_milestones()
            if late:
                first = min(late, key=lambda m: m.forecast_date or m.planned_date)
                problems["health"] = (
                    f"Green, but milestone “{first.title}” is overdue since "
                    f"{(first.forecast_date or first.planned_date).isoformat()}: set Yellow or "
                    "Red, or give the reason Green stands."
                )
        if self.health in (self.Health.YELLOW, self.Health.RED):
            previous = getattr(self, "_audit_snapshot", {})
            green_reason = (
                previous.get("health") == self.Health.GREEN
                and " ".join((previous.get("health_reason") or "").split()).strip(" .").lower()
            )
            if not reason:
                problems["health_reason"] = (
                    f"{self.get_health_display()} needs a reason: what is wrong."
                )
            elif reason in GREEN_REASONS or reason == green_reason:
                problems["health_reason"] = (
                    f"“{self.health_reason}” is a Green reason; say what makes it "
                    f"{self.get_health_display()}."
                )
        return problems

    def is_health_stale(self):
        reviewed = self.health_reviewed_on
        days = settings.HEALTH_STALE_DAYS
        return reviewed is None or (timezone.localdate() - reviewed).days > days

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append("The end date is before the start date.")
        if self.cpi_identified_on and not self.cpi_identified:
            errors.setdefault("cpi_identified_on", []).append(
                "A CPI date needs “critical program information identified”."
            )
        for name, message in self.health_problems().items():
            errors.setdefault(name, []).append(message)
        if self.us_lead_id and self.us_lead.country.iso3 != "USA":
            errors.setdefault("us_lead", []).append(
                f"The US lead must be a US organisation; {self.us_lead} is in "
                f"{self.us_lead.country}."
            )
        if errors:
            raise ValidationError(errors)

    def check_cost_shares(self):
        """Whenever any participant carries a cost share, the shares add up to 100%."""
        shares = list(self.participants.values_list("cost_share", flat=True))
        total = sum(shares, Decimal("0"))
        if any(shares) and total != Decimal("100"):
            raise ValidationError(
                {
                    "cost_share": (
                        f"The participants' cost shares of {self.code} add up to "
                        f"{percent(total)}%, "
                        "not 100%. Change them together (the Partners form, or "
                        f"POST /api/v1/programs/{self.pk}/cost-shares/)."
                    )
                }
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


ProgramUserObjectPermission, ProgramGroupObjectPermission = object_permission_models(Program)


class ProgramChild(ChildRecord):
    """A record that belongs to a program and follows its permissions and history."""

    permission_parent = "program"

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        before = getattr(self, "_audit_snapshot", {}).get("program_id")
        if not self._state.adding and before is not None and before != self.program_id:
            raise ValidationError(
                {"program": f"A {self._meta.verbose_name} stays with the program it was made in."}
            )


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
            ),
            models.CheckConstraint(
                condition=Q(cost_share__gte=0, cost_share__lte=100),
                name="participant_share_percent",
                violation_error_message="A cost share is a percentage from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(financial_contribution__gte=0, in_kind_contribution__gte=0),
                name="participant_contributions_not_negative",
                violation_error_message="Contributions cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.country} in {self.program.code}"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            program = self.program
            after_write(("cost_shares", program.pk), program.check_cost_shares)

    def delete(self, *args, **kwargs):
        program = self.program
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            after_write(("cost_shares", program.pk), program.check_cost_shares)
        return result

    def clean(self):
        super().clean()
        check_organization_in_country(self)


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
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="funding_amount_not_negative",
                violation_error_message="An amount cannot be negative.",
            ),
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
        self._check_program_health()

    def _check_program_health(self):
        """A Green program (without an override reason) takes no milestone that is overdue
        by more than settings.HEALTH_OVERDUE_DAYS: its health would contradict the data."""
        if self.actual_date or not self.program_id:
            return
        program = self.program
        if program.health != Program.Health.GREEN or program.health_override_reason.strip():
            return
        due = self.forecast_date or self.planned_date
        limit = timezone.localdate() - timedelta(days=settings.HEALTH_OVERDUE_DAYS)
        if due and due < limit:
            field = "forecast_date" if self.forecast_date else "planned_date"
            raise ValidationError(
                {
                    field: (
                        f"{program.code} is Green, and this milestone would be overdue since "
                        f"{due.isoformat()}: change the program's health first (or give the "
                        "reason Green stands)."
                    )
                }
            )

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
