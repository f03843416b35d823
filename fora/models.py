"""Bilateral and multilateral fora: their meetings, agendas, delegations and action items.

A forum is the top-level record (team, object permissions, marking). Everything else
follows it: a meeting's `permission_parent` is its forum, and an agenda item's,
attendee's or action item's is its meeting, so core.permissions walks up to the forum.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import AuditedModel, Contact, Country, MarkedModel, Organization, VersionedModel
from core.models.bases import ChildRecord, check_organization_in_country, object_permission_models
from core.permissions import can

# What an agenda item may point at. A generic link, so fora depends on no other app's
# migrations; a target whose app is not installed simply offers no choices.
LINKABLE_MODELS = ("programs.program", "agreements.agreement", "tsfd.disclosurerequest")
LINKABLE_Q = (
    Q(app_label="programs", model="program")
    | Q(app_label="agreements", model="agreement")
    | Q(app_label="tsfd", model="disclosurerequest")
)


class Forum(VersionedModel, AuditedModel, MarkedModel):
    """A standing bilateral or multilateral forum the office co-chairs or attends."""

    class Kind(models.TextChoices):
        BILATERAL = "bilateral", "Bilateral"
        MULTILATERAL = "multilateral", "Multilateral"

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        SEMIANNUAL = "semiannual", "Twice a year"
        ANNUAL = "annual", "Annual"
        BIENNIAL = "biennial", "Every two years"
        AS_NEEDED = "as_needed", "As needed"

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=30, blank=True, help_text="Short name, e.g. ACF.")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    countries = models.ManyToManyField(
        Country,
        related_name="fora",
        verbose_name="partner countries",
        help_text="The other nations at the table (the US always is). Bilateral: exactly one.",
    )
    us_cochair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="US co-chair",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cochaired_fora",
    )
    counterpart_cochair = models.ForeignKey(
        Contact,
        verbose_name="counterpart co-chair",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cochaired_fora",
    )
    cadence = models.CharField(
        max_length=20, choices=Cadence.choices, default=Cadence.ANNUAL, db_index=True
    )
    purpose = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = ("id", "version", "updated_at")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "fora"
        permissions = [("manage_forum", "Manage the forum's team")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("fora:detail", args=[self.pk])

    @property
    def short_name(self):
        return self.acronym or self.name

    @classmethod
    def visibility_q(cls, user, action):
        # The US co-chair named on a forum always sees and edits it.
        if action in ("view", "change"):
            return Q(us_cochair=user)
        return None

    @staticmethod
    def country_problems(kind, countries, counterpart_cochair=None):
        """What is wrong with this set of partner countries, in words (forms and API)."""
        countries = list(countries)
        problems = {}
        if any(c.iso3 == "USA" for c in countries):
            problems["countries"] = "List the partner nations only: the US is always a party."
        elif kind == Forum.Kind.BILATERAL and len(countries) != 1:
            problems["countries"] = "A bilateral forum has exactly one partner country."
        elif kind == Forum.Kind.MULTILATERAL and len(countries) < 2:
            problems["countries"] = "A multilateral forum has at least two partner countries."
        if (
            counterpart_cochair is not None
            and countries
            and counterpart_cochair.organization.country_id not in {c.pk for c in countries}
        ):
            problems["counterpart_cochair"] = (
                "The counterpart co-chair's organisation is not in one of the partner countries."
            )
        return problems

    def record_countries_change(self, before):
        """Countries are many-to-many, which save() does not see: audit them here."""
        after = sorted(self.countries.values_list("iso3", flat=True))
        before = sorted(before)
        if before != after:
            self._audit_write("update", {"countries": [", ".join(before), ", ".join(after)]})

    def people_who_may_view(self):
        """Active users who may see this forum (action-item owners are chosen from them)."""
        view_forum = Permission.objects.filter(
            content_type__app_label="fora", codename="view_forum"
        )
        candidates = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(
                Q(is_superuser=True)
                | Q(groups__permissions__in=view_forum)
                | Q(user_permissions__in=view_forum)
                | Q(
                    pk__in=ForumUserObjectPermission.objects.filter(content_object=self).values(
                        "user"
                    )
                )
                | Q(
                    groups__in=ForumGroupObjectPermission.objects.filter(
                        content_object=self
                    ).values("group")
                )
                | Q(pk=self.us_cochair_id or 0)
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
        # The candidates are few (team, leadership, admins); confirm each through the one
        # permission layer so this list can never disagree with it.
        return [user for user in candidates if can(user, "view", self)]


ForumUserObjectPermission, ForumGroupObjectPermission = object_permission_models(Forum)


class ForumChild(ChildRecord):
    """A record that belongs to a forum and follows its permissions and history."""

    permission_parent = "forum"

    class Meta:
        abstract = True


class WorkingGroup(ForumChild):
    """A standing working group under a forum."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="working_groups")
    name = models.CharField(max_length=150)
    focus = models.CharField(max_length=300, blank=True)
    us_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="US lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    counterpart_lead = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["forum", "-active", "name"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "name"], name="working_group_unique_name")
        ]

    def __str__(self):
        return self.name


class Meeting(VersionedModel, AuditedModel, MarkedModel):
    """One meeting of a forum: when and where, who comes, what is discussed and decided."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        CONFIRMED = "confirmed", "Confirmed"
        HELD = "held", "Held"
        MINUTES_APPROVED = "minutes_approved", "Minutes approved"
        CANCELLED = "cancelled", "Cancelled"

    permission_parent = "forum"

    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(max_length=200, help_text="e.g. 24th plenary session")
    start_date = models.DateField(db_index=True)
    end_date = models.DateField(db_index=True)
    location = models.CharField(max_length=200, blank=True, help_text="City and venue.")
    host_country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="hosted_meetings"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    summary = models.TextField("summary / minutes", blank=True)
    decisions = models.TextField(blank=True, help_text="One decision per line.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = ("id", "version", "updated_at")

    class Meta:
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="meeting_end_after_start",
                violation_error_message="The meeting ends before it starts.",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("fora:meetings:detail", args=[self.pk])

    def audit_root(self):
        return self.forum

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The meeting ends before it starts."})
        longest = settings.MEETING_MAX_DAYS
        if self.start_date and self.end_date and (self.end_date - self.start_date).days >= longest:
            raise ValidationError(
                {"end_date": f"A meeting lasts at most {longest} days; check the end date."}
            )
        today = timezone.localdate()
        if (
            self.status in (self.Status.HELD, self.Status.MINUTES_APPROVED)
            and self.start_date
            and self.start_date > today
        ):
            raise ValidationError({"status": "A meeting cannot be held before its start date."})
        if self.status == self.Status.MINUTES_APPROVED and not self.summary.strip():
            raise ValidationError({"summary": "Record the minutes before marking them approved."})

    @property
    def is_upcoming(self):
        return self.end_date >= timezone.localdate() and self.status != self.Status.CANCELLED

    @property
    def decision_list(self):
        return [line.strip() for line in self.decisions.splitlines() if line.strip()]

    @property
    def combined_marking(self):
        """The page marking: the most restrictive of the forum's and the meeting's."""
        return self.forum.marking | self.marking


class MeetingChild(ChildRecord):
    """A record that belongs to a meeting; its history shows on the forum."""

    permission_parent = "meeting"

    class Meta:
        abstract = True


class AgendaItem(MeetingChild):
    """One agenda item, optionally about a program, agreement or disclosure request."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    presenter = models.CharField(max_length=150, blank=True)
    notes = models.TextField(blank=True)
    linked_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to=LINKABLE_Q,
        related_name="+",
    )
    linked_id = models.PositiveBigIntegerField(null=True, blank=True)
    linked_record = GenericForeignKey("linked_type", "linked_id")

    class Meta:
        ordering = ["meeting", "order", "id"]
        indexes = [models.Index(fields=["linked_type", "linked_id"])]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if bool(self.linked_type_id) != bool(self.linked_id):
            raise ValidationError("A link needs both the kind of record and the record.")


class Attendee(MeetingChild):
    """A member of a national delegation to a meeting."""

    class VisitRequest(models.TextChoices):
        NOT_REQUIRED = "not_required", "Not required"
        TO_REQUEST = "to_request", "To be requested"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=100, blank=True, help_text="e.g. Head of delegation")
    is_head = models.BooleanField("head of delegation", default=False)
    visit_request_status = models.CharField(
        "visit request",
        max_length=20,
        choices=VisitRequest.choices,
        default=VisitRequest.NOT_REQUIRED,
        db_index=True,
    )

    class Meta:
        ordering = ["meeting", "country__name", "-is_head", "name"]

    def __str__(self):
        return f"{self.name} ({self.country.iso3})"

    def clean(self):
        super().clean()
        check_organization_in_country(self, "The organisation is not in this country.")


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=ActionItem.OPEN_STATUSES)

    def overdue(self, today=None):
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def due_within(self, days, today=None):
        today = today or timezone.localdate()
        return self.open().filter(due_date__gte=today, due_date__lte=today + timedelta(days=days))


class ActionItem(MeetingChild):
    """Something a meeting tasked someone to do; "overdue" is derived from the due date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="action_items")
    description = models.TextField()
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="owner (portal user)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fora_action_items",
    )
    owner_contact = models.ForeignKey(
        Contact,
        verbose_name="owner (counterpart)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fora_action_items",
    )
    due_date = models.DateField(db_index=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closure_note = models.TextField(blank=True, help_text="What closed it: evidence, outcome.")
    closed_on = models.DateField(null=True, blank=True, editable=False)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["owner_user", "status", "due_date"])]

    def __str__(self):
        text = " ".join(self.description.split())
        return text if len(text) <= 80 else text[:79] + "…"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url() + "#action-items"

    @property
    def owner(self):
        return self.owner_user or self.owner_contact

    @property
    def owner_name(self):
        if self.owner_user_id:
            return self.owner_user.get_full_name() or self.owner_user.get_username()
        return str(self.owner_contact) if self.owner_contact_id else "—"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self):
        return self.is_open and self.due_date < timezone.localdate()

    def clean(self):
        super().clean()
        if bool(self.owner_user_id) == bool(self.owner_contact_id):
            raise ValidationError(
                {"owner_user": "Name one owner: a portal user or a counterpart, not both."}
            )
        if self.status == self.Status.DONE and not self.closure_note.strip():
            raise ValidationError({"closure_note": "Say what closed the item."})
        previous = getattr(self, "_audit_snapshot", {}).get("owner_user_id")
        # Nobody is tasked on a forum they cannot see (and the reminder would leak it).
        if (
            self.owner_user_id
            and self.owner_user_id != previous
            and self.meeting_id
            and not can(self.owner_user, "view", self.meeting.forum)
        ):
            raise ValidationError(
                {"owner_user": "This person may not see this forum: add them to its team."}
            )

    def save(self, *args, **kwargs):
        if self.is_open:
            self.closed_on = None
        elif self.closed_on is None:
            self.closed_on = timezone.localdate()
        super().save(*args, **kwargs)


def new_calendar_token():
    return secrets.token_urlsafe(32)


class CalendarToken(AuditedModel):
    """A user's secret for calendar feeds: the token in the URL is the credential.

    The feed shows what the token's owner may see at the moment it is read. A revoked
    token answers 404; a user has at most one active token.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = ("id", "token", "last_used_at")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_token_one_active",
            )
        ]

    def __str__(self):
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar link of {self.user} ({state}, {self.created_at:%Y-%m-%d})"

    @classmethod
    def active_for(cls, user):
        return cls.objects.filter(user=user, revoked_at__isnull=True).first()

    @classmethod
    def find_active(cls, token):
        """The active token row (of an active user) for this secret, or None."""
        return (
            cls.objects.filter(token=token, revoked_at__isnull=True, user__is_active=True)
            .select_related("user")
            .first()
        )

    @classmethod
    @transaction.atomic
    def issue(cls, user):
        """A fresh token for `user`; any previous one stops working."""
        cls.revoke_all(user)
        return cls.objects.create(user=user)

    @classmethod
    @transaction.atomic
    def revoke_all(cls, user):
        for row in cls.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
            row.revoked_at = timezone.now()
            row.save()
