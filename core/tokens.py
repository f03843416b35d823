"""Personal API tokens: issued by their user, stored hashed, checked on every request.

A token reads `icp_<key>.<secret>`. The key (12 characters) finds the row and is shown
in lists; the secret (256 random bits) is shown once, when the token is made, and only
its SHA-256 digest is kept. A token works until it expires or is revoked, and only while
its user is active, not locked out and still holds a role: all of it is checked on each
request, nothing is cached. A read-only token may only read (GET, HEAD, OPTIONS).
"""

import hashlib
import hmac
import secrets
import string
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from core.auth import record_event
from core.models import AccountLockout, ApiToken, SecurityEvent

PREFIX = "icp_"
KEY_LENGTH = 12
KEY_ALPHABET = string.ascii_lowercase + string.digits
KEYWORDS = (b"bearer", b"token")
# last_used_at is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

READ_ONLY_MESSAGE = (
    "This API token is read-only: it cannot create, change or delete. "
    "Use a read-write token for this request."
)
INVALID_MESSAGE = "Invalid API token."


def digest_of(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def expiry_for(day):
    """A token chosen to expire on `day` works through that day (portal time zone)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def default_expiry_day():
    return timezone.localdate() + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)


def latest_expiry_day():
    return timezone.localdate() + timedelta(days=settings.API_TOKEN_MAX_DAYS)


def has_role(user):
    """May this user use the portal at all: a superuser, or a member of some role."""
    return user.is_superuser or user.groups.exists()


@transaction.atomic
def issue(user, description, expires_on, read_only=True, request=None):
    """Make a token for `user`; returns (row, the plain token — shown once, never stored)."""
    secret = secrets.token_urlsafe(32)
    while True:
        key = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))
        if not ApiToken.objects.filter(key=key).exists():
            break
    token = ApiToken(
        user=user,
        key=key,
        digest=digest_of(secret),
        description=description,
        read_only=read_only,
        expires_at=expiry_for(expires_on),
    )
    token.full_clean()
    token.save()
    record_event(
        SecurityEvent.Kind.API_TOKEN_CREATED,
        request,
        user=user,
        key=token.prefix,
        read_only=token.read_only,
        expires=token.expires_at.isoformat(),
    )
    return token, f"{token.prefix}.{secret}"


@transaction.atomic
def revoke(token, by, request=None):
    """Revoke a token (its user or a Portal Admin); it stops working at once."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    record_event(
        SecurityEvent.Kind.API_TOKEN_REVOKED,
        request,
        user=token.user,
        key=token.prefix,
        by=by.get_username() if by else "",
    )
    return token


def _parse(raw):
    """(key, secret) of `icp_<key>.<secret>`, or None."""
    if not raw.startswith(PREFIX) or "." not in raw:
        return None
    key, secret = raw[len(PREFIX) :].split(".", 1)
    if len(key) != KEY_LENGTH or not secret:
        return None
    return key, secret


class PortalTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer icp_…` (or `Token icp_…`), for the API under /api/v1/."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # not ours: the session may authenticate the request
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid authorization header: one token.")
        try:
            parsed = _parse(parts[1].decode("ascii"))
        except UnicodeDecodeError:
            parsed = None
        if parsed is None:
            raise exceptions.AuthenticationFailed(INVALID_MESSAGE)
        key, secret = parsed
        User = get_user_model()
        token = (
            ApiToken.objects.select_related("user")
            .annotate(
                locked=Exists(AccountLockout.objects.filter(user_id=OuterRef("user_id"))),
                in_a_role=Exists(User.groups.through.objects.filter(user_id=OuterRef("user_id"))),
            )
            .filter(key=key)
            .first()
        )
        if token is None or not hmac.compare_digest(token.digest, digest_of(secret)):
            raise exceptions.AuthenticationFailed(INVALID_MESSAGE)
        user = token.user
        if token.revoked_at:
            record_event(
                SecurityEvent.Kind.API_TOKEN_REVOKED_USE,
                request,
                user=user,
                key=token.prefix,
                method=request.method,
                path=request.path[:200],
            )
            raise exceptions.AuthenticationFailed("This API token was revoked.")
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This API token has expired.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is deactivated.")
        if token.locked:
            raise exceptions.AuthenticationFailed("The token's user is locked out.")
        if not (user.is_superuser or token.in_a_role):
            raise exceptions.AuthenticationFailed("The token's user has no role in the portal.")
        if token.read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(READ_ONLY_MESSAGE)
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class PortalTokenScheme(OpenApiAuthenticationExtension):
    """The token scheme in the OpenAPI schema."""

    target_class = PortalTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`icp_…`), made under *API tokens* in the "
            "user menu: `Authorization: Bearer icp_…` (`Token icp_…` works too).",
        }
