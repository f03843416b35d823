"""International agreements, their participants and signatories, and their lifecycle."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.markings import Classification
from core.models import AuditedModel, Country, MarkedModel, Organization, VersionedModel
from core.models.bases import ChildRecord, check_organization_in_country, object_permission_models

# Days after signature within which the text must reach the Department of State.
REPORTING_DAYS = 15


# Statuses before any signature: a signature date makes no sense yet.
PRE_SIGNATURE = {
    "concept",
    "ssoi_drafting",
    "rad_requested",
    "returned",
    "disapproved",
    "authorized_to_negotiate",
    "in_negotiation",
    "text_agreed",
    "final_approval_requested",
    "authorized_to_conclude",
    "awaiting_signatures",
}


class LegalAuthority(AuditedModel):
    """A statute or authority an agreement is concluded under (admin-editable reference data)."""

    name = models.CharField(max_length=150, unique=True, help_text="e.g. Arms Export Control Act")
    citation = models.CharField(max_length=100, blank=True, help_text="e.g. 22 U.S.C. 2767")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Inactive authorities are not offered.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "legal authorities"

    def __str__(self):
        return f"{self.name} ({self.citation})" if self.citation else self.name


class Agreement(VersionedModel, AuditedModel, MarkedModel):
    """An international agreement (MOU, project arrangement, loan, annex...) with partners."""

    class Kind(models.TextChoices):
        MOU = "mou", "MOU / MOA"
        PROJECT = "project", "Project agreement / arrangement"
        LOAN = "loan", "Loan agreement"
        EMT = "emt", "Equipment and material transfer"
        IEA = "iea", "Information exchange annex"
        ESEP = "esep", "Engineer and scientist exchange"
        FRAMEWORK = "framework", "Framework agreement"

    class Status(models.TextChoices):
        CONCEPT = "concept", "Concept"
        SSOI_DRAFTING = "ssoi_drafting", "SSOI drafting"
        RAD_REQUESTED = "rad_requested", "Authority to develop requested"
        RETURNED = "returned", "Returned for rework"
        DISAPPROVED = "disapproved", "Disapproved"
        AUTHORIZED_TO_NEGOTIATE = "authorized_to_negotiate", "Authorized to negotiate"
        IN_NEGOTIATION = "in_negotiation", "In negotiation"
        TEXT_AGREED = "text_agreed", "Text agreed"
        FINAL_APPROVAL_REQUESTED = "final_approval_requested", "Final approval requested"
        AUTHORIZED_TO_CONCLUDE = "authorized_to_conclude", "Authorized to conclude"
        AWAITING_SIGNATURES = "awaiting_signatures", "Awaiting signatures"
        CONCLUDED = "concluded", "Concluded"
        IN_FORCE = "in_force", "In force"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"
        SUPERSEDED = "superseded", "Superseded"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Reporting(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        DUE = "due", "Due"
        SENT = "sent", "Sent"
        LATE = "late", "Late"

    number = models.CharField(max_length=40, unique=True, help_text="e.g. MOU-GBR-2026-03")
    title = models.CharField(max_length=250)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.CONCEPT, db_index=True, editable=False
    )
    summary = models.TextField("purpose and scope", blank=True)
    legal_authority = models.ForeignKey(
        LegalAuthority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="parent agreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The framework MOU this arrangement is concluded under.",
    )
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        help_text="The agreement this amendment changes.",
    )
    programs = models.ManyToManyField("programs.Program", blank=True, related_name="agreements")
    # The level of the information to be exchanged under the agreement: a fact about the
    # agreement, not the marking of this record (which stays at or below CUI).
    highest_classification = models.CharField(
        "highest classification of information to be exchanged",
        max_length=4,
        choices=Classification.choices,
        default=Classification.UNCLASSIFIED,
        db_index=True,
    )
    responsible_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_agreements",
    )
    signed_on = models.DateField(
        "signature date",
        null=True,
        blank=True,
        db_index=True,
        help_text="The date of the last signature.",
    )
    entry_into_force_on = models.DateField("entry into force", null=True, blank=True)
    expiration_date = models.DateField(null=True, blank=True, db_index=True)
    reporting_required = models.BooleanField(
        "report to State required",
        default=True,
        help_text="The signed text must reach the Department of State within "
        f"{REPORTING_DAYS} days of signature.",
    )
    reported_on = models.DateField("State reporting sent", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = ("id", "version", "updated_at")

    class Meta:
        ordering = ["number"]
        permissions = [
            ("manage_agreement", "Manage the agreement's team"),
            ("approve_agreement", "Authorize agreements to be negotiated and concluded"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("agreements:detail", args=[self.pk])

    def value_patterns(self):
        prefixes = settings.AGREEMENT_NUMBER_PREFIXES.get(self.kind)
        pattern = settings.AGREEMENT_NUMBER_PATTERN
        if prefixes:
            pattern = pattern.replace("(?P<prefix>[A-Z]{2,5})", f"(?P<prefix>{'|'.join(prefixes)})")
        first = prefixes[0] if prefixes else "MOU"
        return {"number": (pattern, f"{first}-GBR-2026-03 (amendments add -A1)")}

    def clean(self):
        super().clean()
        errors = {}
        if self.pk and self.parent_id == self.pk:
            errors["parent"] = "An agreement cannot be its own parent."
        if self.pk and self.amends_id == self.pk:
            errors["amends"] = "An agreement cannot amend itself."
        if (
            self.entry_into_force_on
            and self.signed_on
            and self.entry_into_force_on < self.signed_on
        ):
            errors["entry_into_force_on"] = "Entry into force is before the signature date."
        if self.expiration_date and self.signed_on and self.expiration_date < self.signed_on:
            errors["expiration_date"] = "The expiration date is before the signature date."
        if self.reported_on and not self.signed_on:
            errors["reported_on"] = "Reporting to State follows signature: record it first."
        elif self.reported_on and self.reported_on < self.signed_on:
            errors["reported_on"] = "The report to State is dated before the signature."
        if self.signed_on and self.status in PRE_SIGNATURE:
            errors["signed_on"] = (
                "The signature date is recorded when the signatures are (the “Record "
                "signatures” step), not before."
            )
        today = timezone.localdate()
        for name in ("signed_on", "reported_on"):
            value = getattr(self, name)
            if value and value > today:
                errors[name] = "This date cannot be in the future."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def reporting_q(cls, status, today):
        """A filter for agreements whose reporting status on `today` is `status`."""
        signed = Q(reporting_required=True, signed_on__isnull=False)
        deadline_passed = Q(signed_on__lt=today - timedelta(days=REPORTING_DAYS))
        return {
            cls.Reporting.NOT_APPLICABLE: ~signed,
            cls.Reporting.SENT: signed & Q(reported_on__isnull=False),
            cls.Reporting.DUE: signed & Q(reported_on__isnull=True) & ~deadline_passed,
            cls.Reporting.LATE: signed & Q(reported_on__isnull=True) & deadline_passed,
        }[status]

    @classmethod
    def visibility_q(cls, user, action):
        # The responsible official named on an agreement always sees and edits it.
        if action in ("view", "change"):
            return Q(responsible_official=user)
        return None

    # Congressional reporting (the text reaches State within 15 days of signature).
    @property
    def reporting_deadline(self):
        if not self.reporting_required or self.signed_on is None:
            return None
        return self.signed_on + timedelta(days=REPORTING_DAYS)

    def reporting_status_on(self, today):
        """The reporting status on `today`: not applicable, due, sent or late."""
        deadline = self.reporting_deadline
        if deadline is None:
            return self.Reporting.NOT_APPLICABLE
        if self.reported_on:
            return self.Reporting.SENT
        return self.Reporting.DUE if today <= deadline else self.Reporting.LATE

    @property
    def reporting_status(self):
        return self.reporting_status_on(timezone.localdate())

    @property
    def reporting_status_label(self):
        return self.Reporting(self.reporting_status).label

    @property
    def reporting_days_left(self):
        """Days until the report is due (negative when late); None when nothing is due."""
        if self.reporting_status not in (self.Reporting.DUE, self.Reporting.LATE):
            return None
        return (self.reporting_deadline - timezone.localdate()).days

    @property
    def days_to_expiration(self):
        if self.expiration_date is None:
            return None
        return (self.expiration_date - timezone.localdate()).days

    @property
    def is_active(self):
        return self.status in (self.Status.CONCLUDED, self.Status.IN_FORCE)


AgreementUserObjectPermission, AgreementGroupObjectPermission = object_permission_models(Agreement)


class AgreementParticipant(ChildRecord):
    """A party to an agreement: its country, its signatory, and what it contributes."""

    permission_parent = "agreement"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="participants")
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="agreement_participations"
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The ministry or agency that signs for the country.",
    )
    signatory_name = models.CharField(max_length=150, blank=True)
    signatory_title = models.CharField(max_length=150, blank=True)
    signed_on = models.DateField("signed on", null=True, blank=True)
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
        ordering = ["agreement", "country__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "country"], name="agreement_participant_unique"
            )
        ]

    def __str__(self):
        return f"{self.country} in {self.agreement.number}"

    def clean(self):
        super().clean()
        check_organization_in_country(self)
        if self.signed_on and self.signed_on > timezone.localdate():
            raise ValidationError({"signed_on": "A signature date cannot be in the future."})
        if self.signed_on and not self.signatory_name:
            raise ValidationError({"signatory_name": "Name who signed for this participant."})

    @property
    def has_signatory(self):
        return bool(self.signatory_name and self.signatory_title)

    @property
    def has_signed(self):
        return self.signed_on is not None
