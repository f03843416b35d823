"""International agreements, their participants and signatories, and their lifecycle."""

from datetime import date, timedelta
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
from core.models.fields import user_link

# Days after signature within which the text must reach the Department of State.
REPORTING_DAYS = 15

# Case-Zablocki: 22 CFR 181.7(a)(1), as amended by the Department of State's final rule
# "Publication, Coordination, and Reporting of International Agreements: Amendments"
# (88 FR 67643, effective October 2, 2023, implementing section 5947 of the FY2023 NDAA),
# requires the signed text to reach State's Treaty Affairs office within 15 days of
# signature. Agreements signed before that date fell under the earlier rule: the portal
# does not apply today's deadline to them (no retroactive "late").
DEFAULT_CASE_ZABLOCKI_RULE_DATE = date(2023, 10, 2)


def case_zablocki_rule_date():
    """The day the current 15-day rule took effect (settings.CASE_ZABLOCKI_RULE_DATE)."""
    return getattr(settings, "CASE_ZABLOCKI_RULE_DATE", DEFAULT_CASE_ZABLOCKI_RULE_DATE)


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


class NoAuthorityReason(AuditedModel):
    """Why an agreement needs no Circular 175 authority (admin-editable reference data)."""

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Inactive reasons are not offered.")

    class Meta:
        ordering = ["name"]
        verbose_name = "reason no Circular 175 authority is needed"
        verbose_name_plural = "reasons no Circular 175 authority is needed"

    def __str__(self):
        return self.name


class CoordinatingOffice(AuditedModel):
    """An office asked to coordinate on agreements (legal, comptroller...): reference data.

    Its members are the people who answer for it; they see the agreements their office is
    asked about while the coordination is open.
    """

    name = models.CharField(max_length=150, unique=True, help_text="e.g. Office of General Counsel")
    short_name = models.CharField(max_length=30, blank=True, help_text="e.g. OGC")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="coordinating_offices"
    )
    asked_by_default = models.BooleanField(
        default=True, help_text="Asked whenever a request opens a coordination."
    )
    days_to_answer = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1)], help_text="Days the office has to answer."
    )
    active = models.BooleanField(default=True, help_text="Inactive offices are not asked.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


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
        TERMINATION_PROPOSED = "termination_proposed", "Termination proposed"

    class AuthorityScope(models.TextChoices):
        NEGOTIATE = "negotiate", "Negotiate"
        CONCLUDE = "conclude", "Conclude"
        BOTH = "both", "Negotiate and conclude"

    class Ending(models.TextChoices):
        TERMINATION = "termination", "Termination"
        WITHDRAWAL = "withdrawal", "Withdrawal of the United States"

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
        help_text="The framework agreement in force this arrangement is concluded under.",
    )
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        help_text="The agreement, signed or in force, that this amendment changes.",
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
    # State authority (Circular 175): the request, the grant, and its scope.
    c175_requested_on = models.DateField(
        "Circular 175 authority requested on", null=True, blank=True
    )
    c175_granted_on = models.DateField("Circular 175 authority granted on", null=True, blank=True)
    c175_reference = models.CharField(
        "Circular 175 reference", max_length=100, blank=True, help_text="State's memorandum number"
    )
    c175_scope = models.CharField(
        "Circular 175 authority scope",
        max_length=10,
        choices=AuthorityScope.choices,
        blank=True,
        db_index=True,
    )
    no_authority_reason = models.ForeignKey(
        NoAuthorityReason,
        verbose_name="no Circular 175 authority needed because",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    # Ending an agreement in force: proposed by staff, approved by leadership.
    ending = models.CharField(
        "termination or withdrawal", max_length=12, choices=Ending.choices, blank=True
    )
    notice_period_days = models.PositiveIntegerField("notice period (days)", null=True, blank=True)
    ending_effective_on = models.DateField(
        "termination or withdrawal effective on", null=True, blank=True
    )
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
        errors.update(self._authority_problems())
        errors.update(self._link_problems())
        if (
            self.ending_effective_on
            and self.signed_on
            and self.ending_effective_on < self.signed_on
        ):
            errors["ending_effective_on"] = "The agreement cannot end before it was signed."
        if (
            self.reported_on
            and self.signed_on
            and not errors.get("reported_on")
            and self.reporting_rule_applies
            and not self.has_document("transmittal")
        ):
            errors["reported_on"] = (
                "Attach the Case-Zablocki transmittal to State (a document of kind "
                "“Case-Zablocki transmittal to State”) before recording it as sent."
            )
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

    def _authority_problems(self):
        errors = {}
        today = timezone.localdate()
        requested, granted = self.c175_requested_on, self.c175_granted_on
        for name in ("c175_requested_on", "c175_granted_on"):
            value = getattr(self, name)
            if value and value > today:
                errors[name] = "This date cannot be in the future."
        if granted and not requested:
            errors["c175_requested_on"] = "Record when Circular 175 authority was requested."
        elif granted and requested and granted < requested:
            errors["c175_granted_on"] = "Authority cannot be granted before it was requested."
        if granted and not self.c175_scope:
            errors["c175_scope"] = "Record what the authority covers: negotiate, conclude or both."
        if self.c175_scope and not granted:
            errors["c175_granted_on"] = "A scope is recorded with the date authority was granted."
        if self.no_authority_reason_id and (requested or granted):
            errors["no_authority_reason"] = (
                "Record either the Circular 175 authority or why none is needed, not both."
            )
        return errors

    def _stored(self, *fields):
        if self.pk is None:
            return {}
        return Agreement.objects.filter(pk=self.pk).values(*fields).first() or {}

    def _link_problems(self):
        """A new parent must be a framework in force; a new amendment base signed or in force.
        A link already stored stays valid when its target later expires or ends."""
        errors = {}
        stored = self._stored("parent_id", "amends_id")
        if (
            self.parent_id
            and self.parent_id != self.pk
            and self.parent_id != stored.get("parent_id")
        ):
            parent = Agreement.objects.filter(pk=self.parent_id).values("kind", "status").first()
            if parent and (
                parent["kind"] != self.Kind.FRAMEWORK or parent["status"] != self.Status.IN_FORCE
            ):
                errors["parent"] = "The parent agreement must be a framework agreement in force."
        if (
            self.amends_id
            and self.amends_id != self.pk
            and self.amends_id != stored.get("amends_id")
        ):
            base = Agreement.objects.filter(pk=self.amends_id).values("status").first()
            if base and base["status"] not in (self.Status.CONCLUDED, self.Status.IN_FORCE):
                errors["amends"] = (
                    "Only an agreement that is signed (concluded) or in force can be amended."
                )
        return errors

    def has_document(self, kind):
        from django.contrib.contenttypes.models import ContentType

        from core.models import Document

        return Document.objects.filter(
            content_type=ContentType.objects.get_for_model(Agreement), object_id=self.pk, kind=kind
        ).exists()

    def has_authority_to(self, scope):
        """Circular 175 authority covers `scope` (negotiate/conclude), or none is needed."""
        if self.no_authority_reason_id:
            return True
        return bool(self.c175_granted_on) and self.c175_scope in (scope, self.AuthorityScope.BOTH)

    @property
    def reporting_rule_applies(self):
        return self.signed_on is not None and self.signed_on >= case_zablocki_rule_date()

    @classmethod
    def reporting_q(cls, status, today):
        """A filter for agreements whose reporting status on `today` is `status`."""
        signed = Q(
            reporting_required=True,
            signed_on__isnull=False,
            signed_on__gte=case_zablocki_rule_date(),
        )
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
            q = Q(responsible_official=user)
            if action == "view":
                # The people of an office asked to coordinate see what they are asked about,
                # while the coordination is current.
                q |= Q(
                    pk__in=Coordination.objects.filter(current=True, office__members=user).values(
                        "agreement_id"
                    )
                )
            return q
        return None

    # Congressional reporting (the text reaches State within 15 days of signature).
    @property
    def reporting_deadline(self):
        if not self.reporting_required or not self.reporting_rule_applies:
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
        if self.reporting_required and self.signed_on and not self.reporting_rule_applies:
            return f"Not applicable (signed before {case_zablocki_rule_date():%Y-%m-%d})"
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


def coordination_reminder_days():
    """Days before its due date an unanswered office is reminded (setting, default 3)."""
    return getattr(settings, "COORDINATION_REMINDER_DAYS", 3)


class Coordination(ChildRecord):
    """One coordinating office asked about an agreement at one request (RAD or RFA).

    Silence procedure: an office that has not answered by its due date counts as
    concurring from the day after (computed at read time, and frozen into the record by
    the daily job so history shows it). A non-concurrence blocks the next step until the
    office changes its answer (withdraws it) or leadership overrules it with a reason.
    """

    permission_parent = "agreement"

    class Stage(models.TextChoices):
        RAD = "rad", "Request authority to develop"
        RFA = "rfa", "Request final approval"

    class Answer(models.TextChoices):
        CONCUR = "concur", "Concur"
        CONCUR_WITH_COMMENT = "concur_comment", "Concur with comment"
        NON_CONCUR = "non_concur", "Non-concur"

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for an answer"
        CONCURRED = "concurred", "Concurred"
        SILENCE = "silence", "Concurred by silence"
        NON_CONCURRED = "non_concurred", "Non-concurred (blocks the next step)"
        OVERRULED = "overruled", "Non-concurrence overruled"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="coordinations")
    stage = models.CharField(max_length=3, choices=Stage.choices, db_index=True)
    office = models.ForeignKey(
        CoordinatingOffice, on_delete=models.PROTECT, related_name="coordinations"
    )
    current = models.BooleanField(
        default=True,
        db_index=True,
        help_text="Part of the latest request; a request made again opens a new round.",
    )
    requested_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField("due on", db_index=True)
    answer = models.CharField(max_length=15, choices=Answer.choices, blank=True, db_index=True)
    comment = models.TextField(blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answered_by = user_link(verbose_name="answer entered by")
    silence_recorded_on = models.DateField(
        "concurrence by silence recorded on", null=True, blank=True
    )
    overruled_on = models.DateField(null=True, blank=True)
    overruled_by = user_link()
    overrule_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = "coordination answer"
        ordering = ["agreement", "-current", "stage", "due_on", "office__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "stage", "office"],
                condition=Q(current=True),
                name="coordination_one_current_per_office",
            )
        ]
        indexes = [models.Index(fields=["current", "answer", "due_on"])]

    def __str__(self):
        return f"{self.office} on {self.agreement.number} ({self.get_stage_display()})"

    def clean(self):
        super().clean()
        errors = {}
        today = timezone.localdate()
        if self.due_on and self.requested_on and self.due_on < self.requested_on:
            errors["due_on"] = "The due date is before the request."
        if self.answered_on and self.answered_on > today:
            errors["answered_on"] = "This date cannot be in the future."
        if self.answer == self.Answer.NON_CONCUR and not self.comment.strip():
            errors["comment"] = "A non-concurrence needs its reasons in the comment."
        if self.answer == self.Answer.CONCUR_WITH_COMMENT and not self.comment.strip():
            errors["comment"] = "Write the comment that goes with the concurrence."
        if self.silence_recorded_on and self.due_on and self.silence_recorded_on <= self.due_on:
            errors["silence_recorded_on"] = "Silence counts only after the due date has passed."
        if self.answer and not self.answered_on:
            errors["answered_on"] = "Record the day of the answer."
        if self.overruled_on and self.answer != self.Answer.NON_CONCUR:
            errors["overrule_reason"] = "Only a non-concurrence can be overruled."
        elif self.overruled_on and not self.overrule_reason.strip():
            errors["overrule_reason"] = "Overruling a non-concurrence needs a reason."
        if self.pk:
            stored = Coordination.objects.filter(pk=self.pk).values("agreement_id").first()
            if stored and stored["agreement_id"] != self.agreement_id:
                errors["agreement"] = "A coordination stays with the agreement it was opened on."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def state_q(cls, state, today):
        """A filter for rows whose answer on `today` is `state` (the same rule as state_on)."""
        nc = cls.Answer.NON_CONCUR
        unanswered = Q(answer="")
        silent = unanswered & (Q(silence_recorded_on__isnull=False) | Q(due_on__lt=today))
        return {
            cls.State.WAITING: unanswered & ~silent,
            cls.State.SILENCE: silent,
            cls.State.CONCURRED: ~unanswered & ~Q(answer=nc),
            cls.State.NON_CONCURRED: Q(answer=nc, overruled_on__isnull=True),
            cls.State.OVERRULED: Q(answer=nc, overruled_on__isnull=False),
        }[state]

    def state_on(self, today):
        if self.answer == self.Answer.NON_CONCUR:
            return self.State.OVERRULED if self.overruled_on else self.State.NON_CONCURRED
        if self.answer:
            return self.State.CONCURRED
        if self.silence_recorded_on or today > self.due_on:
            return self.State.SILENCE
        return self.State.WAITING

    @property
    def state(self):
        return self.state_on(timezone.localdate())

    @property
    def state_text(self):
        """The answer in words, as the record shows it."""
        state = self.state
        if state == self.State.SILENCE:
            return f"Concurred by silence on {self.due_on:%Y-%m-%d} (no answer by the due date)"
        if state == self.State.WAITING:
            return f"Waiting for an answer (due {self.due_on:%Y-%m-%d})"
        if state == self.State.OVERRULED:
            return f"Non-concurrence overruled on {self.overruled_on:%Y-%m-%d}"
        if state == self.State.NON_CONCURRED:
            return "Non-concur: blocks the next step until withdrawn or overruled"
        return self.get_answer_display()

    @property
    def blocks(self):
        return self.state in (self.State.WAITING, self.State.NON_CONCURRED)

    # Who may do what (the pages and the API ask these).
    def is_coordinator(self, user):
        return self.office.members.filter(pk=user.pk).exists()

    def record_answer(self, user, answer, comment, version=None):
        """Record (or change) the office's answer as `user`; the row is locked meanwhile.
        Changing a non-concurrence to a concurrence withdraws it (history keeps both)."""
        from django.db import transaction

        with transaction.atomic():
            row = Coordination.objects.select_for_update().get(pk=self.pk)
            row.answer = answer
            row.comment = comment.strip()
            row.answered_on = timezone.localdate()
            row.answered_by = user
            if answer != self.Answer.NON_CONCUR:
                row.overruled_on, row.overruled_by, row.overrule_reason = None, None, ""
            row.save()
        return row

    def overrule(self, user, reason):
        """Leadership overrules the office's non-concurrence, with a reason."""
        from django.db import transaction

        with transaction.atomic():
            row = Coordination.objects.select_for_update().get(pk=self.pk)
            row.overruled_on = timezone.localdate()
            row.overruled_by = user
            row.overrule_reason = reason.strip()
            row.save()
        return row
