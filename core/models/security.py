"""Security of accounts: security events, lockouts, sign-in attempts, API tokens."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models.fields import user_link


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
    user = user_link()
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
    revoked_by = user_link(editable=False)

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
