"""Models every app shares: reference data, security events, audit, lockouts."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditedModel
from core.documents import document_path, validate_upload
from core.markings import MarkedModel


class Country(AuditedModel):
    """An ISO 3166 country with the alliance memberships the office cares about."""

    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    name = models.CharField(max_length=100)
    region = models.CharField(max_length=60, blank=True)
    nato = models.BooleanField("NATO", default=False)
    mnna = models.BooleanField("Major non-NATO ally", default=False)
    five_eyes = models.BooleanField("Five Eyes", default=False)
    eu = models.BooleanField("EU", default=False)
    security_agreement = models.BooleanField(
        "General security agreement with the US", default=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:country", args=[self.iso3])

    @property
    def memberships(self):
        flags = [
            ("NATO", self.nato),
            ("MNNA", self.mnna),
            ("Five Eyes", self.five_eyes),
            ("EU", self.eu),
            ("GSA", self.security_agreement),
        ]
        return [label for label, on in flags if on]


class Organization(AuditedModel):
    """A ministry, service, agency, company, university or international body."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", "Ministry"
        SERVICE = "service", "Military service"
        AGENCY = "agency", "Agency"
        INDUSTRY = "industry", "Industry"
        ACADEMIA = "academia", "Academia"
        INTERNATIONAL = "international", "International organisation"

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=30, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="organizations")
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organization_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self):
        return f"{self.country.get_absolute_url()}#org-{self.pk}"


class Contact(AuditedModel):
    """A counterpart person. Portal users are Django users, not contacts."""

    name = models.CharField(max_length=150)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    title = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.organization.acronym or self.organization.name}"

    def get_absolute_url(self):
        return f"{self.organization.country.get_absolute_url()}#contact-{self.pk}"


class SecurityEvent(models.Model):
    """A security-relevant event: sign-ins, lockouts, role changes, downloads, PDFs."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGOUT = "logout", "Signed out"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOGIN_REFUSED_LOCKED = "login_refused_locked", "Sign-in refused: account locked"
        LOCKED = "locked", "Account locked"
        UNLOCKED = "unlocked", "Account unlocked"
        IDLE_TIMEOUT = "idle_timeout", "Session ended when idle"
        ROLE_CHANGE = "role_change", "Role changed"
        PERMISSION_CHANGE = "permission_change", "Object permission changed"
        DOWNLOAD = "download", "Document downloaded"
        EXPORT = "export", "Data exported"
        PDF_GENERATED = "pdf_generated", "PDF generated"
        PDF_DOWNLOADED = "pdf_downloaded", "PDF downloaded"
        API_TOKEN_CREATED = "api_token_created", "API token created"
        API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
        API_TOKEN_REVOKED_USE = "api_token_revoked_use", "Revoked API token used"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"


class AccountLockout(models.Model):
    """A locked account. Deleting the row (admin 'unlock' action) unlocks it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lockout"
    )
    locked_at = models.DateTimeField(default=timezone.now)
    failures = models.PositiveSmallIntegerField(default=0)

    def __str__(self):
        return f"{self.user} locked at {self.locked_at:%Y-%m-%d %H:%M} UTC"


class SignInAttempts(models.Model):
    """One row per account that was ever signed in to, the lock of its lockout rule.

    A sign-in takes this row's lock (core.auth) before it counts the recent failures and
    checks the password, and keeps it until the failure and any lockout are written, so
    parallel attempts on one account are checked one at a time: however many arrive at
    once, no more than LOCKOUT_FAILURES wrong passwords are ever checked in the window.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    attempts = models.PositiveBigIntegerField(default=0, help_text="sign-in attempts, ever")
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "sign-in attempts"

    def __str__(self):
        return f"{self.attempts} sign-in attempt(s) to {self.user}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of its secret is stored.

    The token reads `icp_<key>.<secret>`: the key is a short public id used to find the
    row (and shown in lists), the secret is 256 random bits shown once, at creation.
    Checked on every request by core.tokens.PortalTokenAuthentication.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField("SHA-256 of the secret", max_length=64, editable=False)
    description = models.CharField(max_length=200)
    read_only = models.BooleanField(
        "read-only", default=True, help_text="A read-only token cannot create, change or delete."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField("expires")
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("revoked", null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            )
        ]

    def __str__(self):
        return f"{self.prefix} ({self.description})"

    @property
    def prefix(self):
        return f"icp_{self.key}"

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def status(self):
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired else "active"

    def clean(self):
        from datetime import timedelta

        from django.core.exceptions import ValidationError

        if self.expires_at is None:
            return
        created = self.created_at or timezone.now()
        longest = timedelta(days=settings.API_TOKEN_MAX_DAYS + 1)  # through the last day
        if self.expires_at <= created:
            raise ValidationError({"expires_at": "The expiry must be in the future."})
        if self.expires_at - created > longest:
            raise ValidationError(
                {
                    "expires_at": f"A token lives at most {settings.API_TOKEN_MAX_DAYS} days: "
                    "choose an earlier expiry date."
                }
            )


class AuditEntry(models.Model):
    """One create, update or delete of a domain record, with old and new values.

    `root` points at the record whose History tab shows the entry: a program for its
    milestones and partners, the record itself otherwise. Never edited or deleted.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    root_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    root_id = models.PositiveBigIntegerField()
    changes = models.JSONField(default=dict, help_text="field → [old, new]")
    source = models.CharField(max_length=200, blank=True, help_text="request or job")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["root_type", "root_id", "-at"])]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"


class TeamMember(models.Model):
    """A user's role on a record's team (program, agreement, forum...).

    Saving or deleting a membership grants or revokes django-guardian object
    permissions on the record (see core.teams); the rows here are the truth.
    """

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="team_member_unique"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.user.get_full_name() or self.user} ({self.get_role_display()})"

    @property
    def record(self):
        return self.content_type.get_object_for_this_type(pk=self.object_id)


class SavedView(models.Model):
    """A named list view (filters, sort, columns) kept for its owner or shared with a group."""

    name = models.CharField(max_length=100)
    list_key = models.CharField(max_length=60, help_text="which list, e.g. programs.program")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    shared_with = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Members of this group can use the view too.",
    )
    query = models.CharField(max_length=2000, blank=True, help_text="filters, sort, page size")
    columns = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="saved_view_unique")
        ]

    def __str__(self):
        return self.name


class TablePreference(models.Model):
    """The columns a user last chose for a list; remembered across sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="table_preferences"
    )
    list_key = models.CharField(max_length=60)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key"], name="table_preference_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.list_key}"


class Document(MarkedModel, AuditedModel):
    """A file attached to any record; its visibility is its record's."""

    class Kind(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed text"
        BRIEFING = "briefing", "Briefing"
        CORRESPONDENCE = "correspondence", "Correspondence"
        PLAN = "plan", "Plan"
        OTHER = "other", "Other"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    revision = models.CharField("version", max_length=20, blank=True)
    file = models.FileField(upload_to=document_path, validators=[validate_upload])
    original_name = models.CharField(max_length=255, editable=False)
    size = models.PositiveBigIntegerField(editable=False, default=0)
    checksum = models.CharField("SHA-256", max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.title} {self.revision}".strip()

    @property
    def record(self):
        return self.content_type.get_object_for_this_type(pk=self.object_id)

    def audit_root(self):
        return self.record

    def get_absolute_url(self):
        return reverse("core:document-download", args=[self.pk])

    @classmethod
    def visibility_q(cls, user, action):
        """A document follows its record: view it to see the file, change it to change them."""
        from core.permissions import record_models, restrict

        record_action = "view" if action == "view" else "change"
        condition = models.Q(pk__in=[])
        for model in record_models():
            allowed = restrict(model._default_manager.all(), user, record_action).values("pk")
            condition |= models.Q(
                content_type=ContentType.objects.get_for_model(model), object_id__in=allowed
            )
        return condition


class Notification(models.Model):
    """A message to one user in the portal (and by e-mail): assignments, decisions, due items.

    `key` makes scheduled reminders idempotent: the same reminder to the same user is
    stored once however many workers raise it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~models.Q(key=""), name="notification_once"
            )
        ]

    def __str__(self):
        return self.subject


class TransitionLog(models.Model):
    """One step of a record's lifecycle (agreements, TSFD requests): the timeline."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=60, help_text="the transition's name")
    source = models.CharField(max_length=40)
    target = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.source} → {self.target}"


class SearchEntry(models.Model):
    """The text of one searchable record. Rebuilt on save; read only through core.search,
    which joins it with the permission layer so nobody finds what they may not see."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    text = models.TextField()
    url = models.CharField(max_length=300)
    updated_at = models.DateTimeField(auto_now=True)
    # The parsed text, kept by a PostgreSQL trigger on every insert and update (migration
    # 0009), so a search never re-parses the text of the rows it filters. Unused on SQLite.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="search_entry_once")
        ]
        verbose_name_plural = "search entries"

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """How a user wants e-mail about their notifications."""

    class Email(models.TextChoices):
        EACH = "each", "An e-mail for each notification"
        DIGEST = "digest", "One daily digest"
        NONE = "none", "No e-mail (in the portal only)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.EACH)

    def __str__(self):
        return f"{self.user}: {self.get_email_display()}"


class Follow(models.Model):
    """A user following a record (program, agreement, request, forum) to hear of its changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="follow_once"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.user} follows {self.content_type.model} {self.object_id}"


class DataQualityRun(models.Model):
    """One run of the data-quality audit (core.quality): when, how long, what it found.

    The page and the packets read the findings of the last finished run; a run replaces
    the previous run's findings in one transaction when it finishes, so a reader never
    sees half a run. At most one run is running at a time (a partial unique index).
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(
        default=timezone.now, help_text="written after each batch while the run works"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="empty for the nightly run",
    )
    records_checked = models.PositiveIntegerField(default=0)
    findings_count = models.PositiveIntegerField("findings", default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("run_dataqualityrun", "Start a data-quality audit")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="data_quality_one_running",
            )
        ]

    def __str__(self):
        return f"Data-quality run {self.started_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class DataQualityFinding(models.Model):
    """A stored record that breaks a rule, found by the audit.

    The record is a reference (content type and id), shown through restrict() for
    whoever reads: a finding on a record the reader may not see is not shown or counted.
    `message` is the rule's own words about this record; it never names another record.
    """

    run = models.ForeignKey(DataQualityRun, on_delete=models.CASCADE, related_name="findings")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    root_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    root_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=100, blank=True, help_text="empty: the whole record")
    rule = models.CharField(max_length=150, db_index=True, help_text="e.g. programs.program.code")
    message = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_quality_findings",
    )
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rule", "content_type", "object_id", "field"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["root_type", "root_id"]),
            models.Index(fields=["owner", "rule"]),
        ]

    def __str__(self):
        return f"{self.rule} on {self.content_type.model} {self.object_id}"
