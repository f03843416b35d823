"""Technology security and foreign disclosure (TSFD): requests, reviews, decisions, provisos.

A requester asks to disclose US technology or information to a foreign recipient.
Intake picks the review areas (the "pipes": NDP, anti-tamper, LO/CLO, COMSEC, EW…)
and a reviewer for each; the reviews run in parallel; an approver decides. The
lifecycle itself is the table in `tsfd/workflow.py`; the rules that must hold
whoever writes (separation of duties, decisions are final) live here.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from core.markings import LEVEL, Classification
from core.models import AuditedModel, Country, MarkedModel, Organization, VersionedModel
from core.models.bases import ChildRecord, object_permission_models

DAY = timedelta(days=1)


class ReviewArea(AuditedModel):
    """A review a case may have to pass (NDP, anti-tamper, LO/CLO…); admin-editable."""

    code = models.CharField(max_length=20, unique=True, help_text="Short name, e.g. NDP")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    target_days = models.PositiveSmallIntegerField(
        "target turnaround (days)",
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Working age (paused time excluded) after which a review is overdue.",
    )
    active = models.BooleanField(default=True, help_text="Inactive areas are not offered.")
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self):
        return self.code


class InformationCategory(AuditedModel):
    """A category of information to be disclosed (the NDP-1 categories); admin-editable."""

    number = models.PositiveSmallIntegerField(null=True, blank=True)
    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number", "name"]
        verbose_name_plural = "information categories"

    def __str__(self):
        return f"{self.number}. {self.name}" if self.number else self.name


class NdpLevel(AuditedModel):
    """The level to which disclosure of one NDP category to one country is delegated.

    Reference data kept by Portal Admins (the demo values are fictional). A case whose
    highest classification is above its recipient's level for its category, or whose
    category has no level for the country, needs an exception to National Disclosure Policy.
    """

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="ndp_levels")
    category = models.ForeignKey(
        InformationCategory, on_delete=models.CASCADE, related_name="ndp_levels"
    )
    level = models.CharField(
        "delegated disclosure level",
        max_length=4,
        choices=Classification.choices,
        db_index=True,
        help_text="The highest classification that may be disclosed without an exception.",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["country__name", "category__number"]
        verbose_name = "NDP level"
        constraints = [
            models.UniqueConstraint(fields=["country", "category"], name="ndp_level_once")
        ]

    def __str__(self):
        return f"{self.country} · {self.category}: {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse("tsfd:ndp:list") + "?" + urlencode({"country": self.country.iso3})


class StandardProviso(AuditedModel):
    """A proviso the office attaches often, worded once (reference data)."""

    code = models.CharField(max_length=20, unique=True, help_text="Short name, e.g. NO-RETRANSFER")
    text = models.TextField()
    active = models.BooleanField(default=True, help_text="Inactive provisos are not offered.")
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self):
        return self.code


class DelegationLetter(VersionedModel, AuditedModel, MarkedModel):
    """A Delegation of Disclosure Authority Letter (DDL): what may be disclosed, to whom,
    up to which level, until when. The letter itself is a document of kind "ddl"."""

    number = models.CharField(max_length=40, unique=True, help_text="e.g. DDL-2025-014")
    title = models.CharField(max_length=200)
    system = models.CharField(
        "system or program", max_length=200, help_text="The system or program it covers."
    )
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegation_letters",
    )
    scope = models.TextField(help_text="What may be disclosed and what may not.")
    countries = models.ManyToManyField(Country, related_name="delegation_letters")
    classification_limit = models.CharField(
        "classification limit",
        max_length=4,
        choices=Classification.choices,
        db_index=True,
        help_text="The highest classification the letter delegates.",
    )
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField("expires on", db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = ("id", "version", "updated_at")

    class Meta:
        ordering = ["-expires_on", "number"]
        verbose_name = "delegation of disclosure authority letter"

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("tsfd:ddl:detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": "A DDL cannot expire before it is issued."})

    def is_expired_on(self, day=None):
        return self.expires_on < (day or timezone.localdate())

    @property
    def is_expired(self):
        return self.is_expired_on()


DelegationLetterUserObjectPermission, DelegationLetterGroupObjectPermission = (
    object_permission_models(DelegationLetter)
)


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
USML_CATEGORIES = [*ROMAN, *(f"X{n}" for n in ROMAN), "XX", "XXI"]
ECCN = re.compile(r"^[0-9][A-E][0-9]{3}(\.[a-z0-9.]+)?$")


def step_user(on_delete=models.SET_NULL):
    """The user who took a workflow step: written by the step, never typed in a form."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=on_delete,
        related_name="+",
        editable=False,
    )


class DisclosureRequest(VersionedModel, AuditedModel, MarkedModel):
    """A request to disclose US technology or information to a foreign recipient."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        INTAKE = "intake", "Intake"
        IN_REVIEW = "in_review", "In review"
        DECISION_PENDING = "decision_pending", "Decision pending"
        RETURNED = "returned", "Returned for information"
        APPROVED = "approved", "Approved"
        APPROVED_WITH_PROVISOS = "approved_provisos", "Approved with provisos"
        PARTIALLY_APPROVED = "partially_approved", "Partially approved"
        DENIED = "denied", "Denied"
        WITHDRAWN = "withdrawn", "Withdrawn"

    DECIDED = {
        Status.APPROVED,
        Status.APPROVED_WITH_PROVISOS,
        Status.PARTIALLY_APPROVED,
        Status.DENIED,
    }
    CLOSED = DECIDED | {Status.WITHDRAWN}
    # The requester may change the case's content only while it is with them.
    EDITABLE = {Status.DRAFT, Status.RETURNED}
    OPEN = {
        Status.SUBMITTED,
        Status.INTAKE,
        Status.IN_REVIEW,
        Status.DECISION_PENDING,
        Status.RETURNED,
    }

    class Form(models.TextChoices):
        ORAL_VISUAL = "oral_visual", "Oral / visual"
        DOCUMENTARY = "documentary", "Documentary"
        HARDWARE = "hardware", "Hardware"
        SOFTWARE_DATA = "software_data", "Software / data"

    number = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
    )
    recipient_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="disclosure_requests"
    )
    recipient_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
    )
    technology = models.TextField(
        "technology or information",
        help_text="What would be disclosed, at what level of detail.",
    )
    disclosure_form = models.CharField(
        "form of disclosure", max_length=20, choices=Form.choices, db_index=True
    )
    # A fact about the technology (it may be Secret), not the marking of this record:
    # what the portal keeps about the case stays at most CUI (its `classification`).
    highest_classification = models.CharField(
        "highest classification involved",
        max_length=4,
        choices=Classification.choices,
        default=Classification.CUI,
        db_index=True,
        help_text=(
            "The highest level of the technology or information involved in the case, "
            "Unclassified to Top Secret. It is a fact about the case: what you type in "
            "this portal must itself stay at most CUI."
        ),
    )
    information_category = models.ForeignKey(
        InformationCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    purpose = models.TextField(
        "purpose and benefit to the US",
        help_text="Why the disclosure is needed and what the US gains.",
    )
    end_use = models.TextField(
        "end use", blank=True, help_text="What the recipient will do with it."
    )
    end_user = models.CharField(
        "end user", max_length=200, blank=True, help_text="Who will finally hold and use it."
    )

    class Jurisdiction(models.TextChoices):
        ITAR = "itar", "ITAR (USML)"
        EAR = "ear", "EAR (CCL)"

    export_jurisdiction = models.CharField(
        "export jurisdiction", max_length=4, choices=Jurisdiction.choices, blank=True
    )
    usml_category = models.CharField(
        "USML category", max_length=5, blank=True, help_text="For ITAR: I to XXI."
    )
    eccn = models.CharField(
        "ECCN", max_length=20, blank=True, help_text="For EAR, e.g. 5A002 or 7A994."
    )
    security_agreement = models.CharField(
        "General Security Agreement",
        max_length=200,
        blank=True,
        help_text="The General Security Agreement (or equivalent) with the recipient country.",
    )
    ddl = models.ForeignKey(
        DelegationLetter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name="DDL",
        help_text="The Delegation of Disclosure Authority Letter the case falls under.",
    )
    shared_reviewer_reason = models.TextField(
        "reason one person reviews several areas",
        blank=True,
        help_text="Recorded at intake when one reviewer is named for two or more areas.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
        editable=False,
    )
    needed_by = models.DateField("needed by", null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    reconsideration_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reconsiderations",
        editable=False,
    )
    # The clock: age counts from the first submission, minus time returned to the requester.
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    clock_paused_since = models.DateTimeField(null=True, blank=True, editable=False)
    clock_paused_total = models.DurationField(default=timedelta(0), editable=False)
    returned_from = models.CharField(max_length=20, blank=True, editable=False)
    returned_by = step_user()
    intake_by = step_user()
    # The decision: written once by the deciding transition, never edited afterwards.
    decided_by = step_user(on_delete=models.PROTECT)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_rationale = models.TextField(blank=True, editable=False)
    decision_scope = models.TextField(
        "what is released",
        blank=True,
        editable=False,
        help_text="For a partial approval: what is released and what is not.",
    )
    decision_valid_until = models.DateField(
        "decision valid until", null=True, blank=True, editable=False, db_index=True
    )
    decision_limit = models.CharField(
        "highest classification released",
        max_length=4,
        choices=Classification.choices,
        blank=True,
        editable=False,
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # core.audit cannot store a timedelta (its _plain() has no case for it); the pauses
    # themselves are on the timeline (returned / resubmitted), so the running total is left out.
    audit_exclude = ("id", "version", "updated_at", "clock_paused_total")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("decide_disclosurerequest", "Run intake and decide disclosure requests"),
            ("review_disclosurerequest", "Review disclosure requests assigned to them"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self):
        return reverse("tsfd:detail", args=[self.pk])

    # Rules that hold whoever writes -----------------------------------------------

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._stored_status = self.status

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.recipient_organization_id
            and self.recipient_country_id
            and self.recipient_organization.country_id != self.recipient_country_id
        ):
            errors["recipient_organization"] = "That organisation is not in the recipient country."
        if self.needed_by and self._state.adding and self.needed_by < timezone.localdate():
            errors["needed_by"] = "The needed-by date is in the past."
        if self.reconsideration_of_id and self.reconsideration_of_id == self.pk:
            errors["reconsideration_of"] = "A request cannot reconsider itself."
        if self.usml_category:
            self.usml_category = self.usml_category.strip().upper()
            if self.usml_category not in USML_CATEGORIES:
                errors["usml_category"] = "A USML category is a roman numeral from I to XXI."
        if self.eccn:
            self.eccn = self.eccn.strip().upper()
            if not ECCN.match(self.eccn[:5] + self.eccn[5:].lower()):
                errors["eccn"] = "An ECCN reads like 5A002 or 7A994 (digit, letter A-E, 3 digits)."
        if self.export_jurisdiction == self.Jurisdiction.ITAR and self.eccn:
            errors["eccn"] = "An ITAR case has a USML category, not an ECCN."
        if self.export_jurisdiction == self.Jurisdiction.EAR and self.usml_category:
            errors["usml_category"] = "An EAR case has an ECCN, not a USML category."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored_status", None)
        if not self._state.adding and stored in self.CLOSED:
            raise ValidationError(
                f"{self.number} is {self.Status(stored).label.lower()}: a closed case is never "
                "edited. Ask for a reconsideration (a new request linked to this one) instead."
            )
        # Separation of duties holds for every writer, not only the workflow.
        for who in ("intake_by_id", "decided_by_id"):
            if getattr(self, who) and getattr(self, who) == self.requested_by_id:
                raise ValidationError("Nobody runs the intake of, or decides, their own request.")
        if self._state.adding and not self.number:
            return self._save_with_new_number(*args, **kwargs)
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def _save_with_new_number(self, *args, **kwargs):
        # Two requests created at once may pick the same number: retry on the unique index.
        year = (self.created_at or timezone.now()).year
        for _attempt in range(5):
            self.number = next_number(year)
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
            except IntegrityError:
                self.pk = None
                self._state.adding = True
                continue
            self._stored_status = self.status
            return
        raise IntegrityError("Could not allocate a request number; try again.")

    def delete(self, *args, **kwargs):
        if self.status != self.Status.DRAFT:
            raise ValidationError("Only a draft can be deleted; withdraw a submitted request.")
        return super().delete(*args, **kwargs)

    # Visibility (core.permissions rule 4) ------------------------------------------

    @classmethod
    def visibility_q(cls, user, action):
        """Requesters see their own; reviewers the cases assigned to them; program and
        agreement teams the cases of their program or agreement."""
        from core.permissions import restrict

        if action == "view":
            from agreements.models import Agreement
            from programs.models import Program

            assigned = Review.objects.filter(reviewer=user).values("request_id")
            programs = restrict(Program.objects.all(), user, "view").values("pk")
            agreements = restrict(Agreement.objects.all(), user, "view").values("pk")
            return (
                Q(requested_by=user)
                | Q(pk__in=assigned)
                | Q(program__in=programs)
                | Q(agreement__in=agreements)
            )
        if action == "change":
            return Q(requested_by=user)
        if action == "delete":
            return Q(requested_by=user, status=cls.Status.DRAFT)
        return None

    # What the deciders may read of the program (core.permissions.read_through): its name,
    # code and technology-protection facts, on this case only, never its own pages.
    scoped_reads = {
        "program": (
            "code",
            "name",
            "cpi_identified",
            "anti_tamper_required",
            "exportability_features",
            "protection_plan_status",
        )
    }

    @classmethod
    def scoped_read_q(cls, user, link):
        """Who reads the program facts on a case: its assigned reviewers, and approvers
        (never the requester through this rule)."""
        if link != "program" or not user.is_authenticated:
            return None
        reviewer = Q(pk__in=Review.objects.filter(reviewer=user).values("request_id"))
        if user.has_perm("tsfd.decide_disclosurerequest"):
            return reviewer | ~Q(requested_by=user)
        return reviewer

    # Derived state -------------------------------------------------------------------

    @property
    def is_closed(self):
        return self.status in self.CLOSED

    @property
    def is_decided(self):
        return self.status in self.DECIDED

    @property
    def is_editable(self):
        return self.status in self.EDITABLE

    @property
    def is_paused(self):
        return self.clock_paused_since is not None

    def paused_for(self, now=None):
        """Time the clock has stood still, including a pause that is still running."""
        now = now or timezone.now()
        total = self.clock_paused_total
        if self.clock_paused_since:
            total += now - self.clock_paused_since
        return total

    def working_age(self, now=None):
        """Time since first submission, not counting time returned to the requester."""
        if not self.submitted_at:
            return timedelta(0)
        now = now or timezone.now()
        end = self.closed_at or now
        return max(end - self.submitted_at - self.paused_for(end), timedelta(0))

    @property
    def age_days(self):
        return self.working_age().days

    @property
    def blocks(self):
        """What this case holds up: its agreement and program, most important first."""
        return [x for x in (self.agreement, self.program) if x is not None]

    @property
    def target_days(self):
        """The case's target: that of its slowest review area."""
        targets = [r.area.target_days for r in self.reviews.all()]
        return max(targets) if targets else None

    # National Disclosure Policy ---------------------------------------------------------

    @property
    def ndp_level(self):
        """The recipient's delegated level for the case's category (None: no level)."""
        if not (self.recipient_country_id and self.information_category_id):
            return None
        if not hasattr(self, "_ndp_level"):
            self._ndp_level = NdpLevel.objects.filter(
                country_id=self.recipient_country_id, category_id=self.information_category_id
            ).first()
        return self._ndp_level

    @property
    def exceeds_ndp(self):
        """True when an exception to NDP is required: the highest classification involved
        is above the recipient's delegated level, or there is no level for the category."""
        if not self.information_category_id or not self.highest_classification:
            return False
        code = self.ndp_level_code
        if code is None:
            return LEVEL.get(self.highest_classification, 0) > 0
        return LEVEL.get(self.highest_classification, 0) > LEVEL.get(code, 0)

    @property
    def ndp_level_code(self):
        """The delegated level's code (C, S…), or None; a list annotates it in one query
        (`with_ndp_level`), a single case reads it once."""
        if "_ndp_level_code" in self.__dict__:
            return self.__dict__["_ndp_level_code"]
        level = self.ndp_level
        return level.level if level else None

    @classmethod
    def with_ndp_level(cls, queryset):
        """Annotate each case of `queryset` with its recipient's level for its category."""
        levels = NdpLevel.objects.filter(
            country=models.OuterRef("recipient_country"),
            category=models.OuterRef("information_category"),
        ).values("level")[:1]
        return queryset.annotate(_ndp_level_code=models.Subquery(levels))

    # The decision's validity ------------------------------------------------------------

    @property
    def decision_expired(self):
        return bool(self.decision_valid_until and self.decision_valid_until < timezone.localdate())

    @property
    def may_release(self):
        return self.status in self.DECIDED and self.status != self.Status.DENIED

    def reviews_complete(self):
        reviews = list(self.reviews.all())
        return bool(reviews) and all(r.is_complete for r in reviews)


def next_number(year):
    """The next free request number of the year, e.g. TSFD-2026-0042."""
    prefix = f"TSFD-{year}-"
    last = (
        DisclosureRequest.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


DisclosureRequestUserObjectPermission, DisclosureRequestGroupObjectPermission = (
    object_permission_models(DisclosureRequest)
)


class RequestChild(ChildRecord):
    """A record that belongs to a disclosure request and follows its permissions and history."""

    permission_parent = "request"

    class Meta:
        abstract = True

    def _refuse_if_closed(self):
        closed = DisclosureRequest.objects.filter(
            pk=self.request_id, status__in=DisclosureRequest.CLOSED
        ).exists()
        if closed:
            raise ValidationError(
                "The case is closed: its reviews and provisos are kept as they were decided."
            )


class Review(RequestChild):
    """One review area's review of a case, by one reviewer. Reviews run in parallel."""

    class Recommendation(models.TextChoices):
        CONCUR = "concur", "Concur"
        CONCUR_WITH_COMMENT = "concur_comment", "Concur with comment"
        NON_CONCUR = "non_concur", "Non-concur"

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="reviews")
    area = models.ForeignKey(ReviewArea, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tsfd_reviews",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(null=True, blank=True, db_index=True)
    recommendation = models.CharField(
        max_length=20, choices=Recommendation.choices, blank=True, db_index=True
    )
    comments = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Time this review stood still while the case was returned to the requester.
    paused_total = models.DurationField(default=timedelta(0))
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = ("id", "paused_total")

    class Meta:
        ordering = ["request", "area__order", "area__code"]
        constraints = [
            models.UniqueConstraint(fields=["request", "area"], name="review_one_per_area")
        ]

    def __str__(self):
        return f"{self.area} review of {self.request.number}"

    def get_absolute_url(self):
        return (
            reverse("tsfd:review", args=[self.request_id])
            + "?"
            + urlencode({"area": self.area.code})
        )

    def clean(self):
        super().clean()
        if self.reviewer_id and self.reviewer_id == self.request.requested_by_id:
            raise ValidationError(
                {"reviewer": "Nobody reviews their own request: choose another reviewer."}
            )
        if (
            self.recommendation == self.Recommendation.CONCUR_WITH_COMMENT
            and not (self.comments or "").strip()
        ):
            raise ValidationError({"comments": "“Concur with comment” needs the comment."})
        if (
            self.recommendation == self.Recommendation.NON_CONCUR
            and not (self.comments or "").strip()
        ):
            raise ValidationError({"comments": "A non-concurrence needs its reasons."})

    def save(self, *args, **kwargs):
        # Separation of duties holds for every writer, not only the forms.
        if self.reviewer_id and self.reviewer_id == self.request.requested_by_id:
            raise ValidationError("Nobody reviews their own request.")
        self._refuse_if_closed()
        with transaction.atomic():
            # Check-then-write under the case's row lock: two areas given to the same
            # person at once cannot both pass the check below.
            if self.reviewer_id:
                DisclosureRequest.objects.select_for_update().filter(pk=self.request_id).first()
            self._refuse_unexplained_shared_reviewer()
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_complete:
            raise ValidationError("A completed review is part of the record and is kept.")
        self._refuse_if_closed()
        return super().delete(*args, **kwargs)

    def _refuse_unexplained_shared_reviewer(self):
        """One person reviewing two areas of a case needs the reason recorded at intake."""
        if not self.reviewer_id:
            return
        shared = (
            Review.objects.filter(request_id=self.request_id, reviewer_id=self.reviewer_id)
            .exclude(pk=self.pk)
            .exists()
        )
        reason = (
            DisclosureRequest.objects.filter(pk=self.request_id)
            .values_list("shared_reviewer_reason", flat=True)
            .first()
        )
        if shared and not (reason or "").strip():
            raise ValidationError(
                {
                    "reviewer": "This reviewer already reviews another area of the case: "
                    "record at intake why one person reviews several areas."
                }
            )

    @property
    def is_complete(self):
        return self.completed_at is not None

    def working_age(self, now=None):
        """Time since assignment, not counting time the case was returned for information."""
        if not self.assigned_at:
            return timedelta(0)
        now = now or timezone.now()
        end = self.completed_at or now
        paused = self.paused_total
        since = self.request.clock_paused_since
        if since and not self.completed_at:
            paused += end - max(since, self.assigned_at)
        return max(end - self.assigned_at - paused, timedelta(0))

    @property
    def age_days(self):
        return self.working_age().days

    @property
    def days_left(self):
        """Days before the area's target turnaround (negative when overdue)."""
        return self.area.target_days - self.working_age() / DAY

    @property
    def is_overdue(self):
        return not self.is_complete and self.assigned_at is not None and self.days_left < 0


class Proviso(RequestChild):
    """One condition of an approval with provisos; each is a separate, numbered item."""

    request = models.ForeignKey(
        DisclosureRequest, on_delete=models.CASCADE, related_name="provisos"
    )
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    standard = models.ForeignKey(
        StandardProviso,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="uses",
        help_text="The standard proviso it was drawn from, if any.",
    )

    class Meta:
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="proviso_unique_number")
        ]

    def __str__(self):
        return f"Proviso {self.number} of {self.request.number}"

    def save(self, *args, **kwargs):
        self._refuse_if_closed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_closed()
        return super().delete(*args, **kwargs)


class Release(RequestChild):
    """One release under a decision: what was released, when, to whom, by which foreign
    disclosure officer. The portal's pages and API only record releases (a log); every
    write, a correction in the admin site included, is audited."""

    request = models.ForeignKey(
        DisclosureRequest,
        on_delete=models.PROTECT,
        related_name="releases",
        verbose_name="decision (case)",
    )
    released_on = models.DateField("released on", db_index=True)
    what = models.TextField("what was released")
    recipient_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="tsfd_releases"
    )
    recipient = models.CharField(
        "released to", max_length=200, help_text="The person or office that received it."
    )
    classification_released = models.CharField(
        "classification released",
        max_length=4,
        choices=Classification.choices,
        db_index=True,
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tsfd_releases",
        verbose_name="foreign disclosure officer",
        editable=False,
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-released_on", "-id"]

    def __str__(self):
        return f"Release of {self.released_on} under {self.request.number}"

    def get_absolute_url(self):
        return reverse("tsfd:releases:detail", args=[self.pk])

    def clean(self):
        super().clean()
        case = self.request if self.request_id else None
        if case is None:
            return
        if case.status == DisclosureRequest.Status.DENIED:
            # Not keyed by field: the page's form has no `request` field (it is the page's).
            raise ValidationError(f"{case.number} was denied: nothing is released under a denial.")
        if not case.may_release:
            raise ValidationError(f"{case.number} is not decided: release only under an approval.")
        if self.released_on and case.decided_at and self.released_on < case.decided_at.date():
            raise ValidationError({"released_on": "A release cannot come before its decision."})
        if self.released_on and self.released_on > timezone.localdate():
            raise ValidationError({"released_on": "Record a release once it has happened."})
        if self.released_by_id and not self.released_by.has_perm("tsfd.decide_disclosurerequest"):
            raise ValidationError("Only a foreign disclosure officer (TSFD approver) releases.")

    def beyond_scope(self):
        """Why this release goes beyond its decision (empty when it does not)."""
        case = self.request
        reasons = []
        if case.decision_limit and LEVEL.get(self.classification_released, 0) > LEVEL.get(
            case.decision_limit, 0
        ):
            reasons.append(
                f"{self.get_classification_released_display()} is above the decision's "
                f"limit ({case.get_decision_limit_display()})."
            )
        if self.recipient_country_id != case.recipient_country_id:
            reasons.append("Released to a country other than the case's recipient.")
        if case.decision_valid_until and self.released_on > case.decision_valid_until:
            reasons.append("Released after the decision expired.")
        return reasons
