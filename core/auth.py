"""Sign-in rules: account lockout after repeated failures, and security events."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from core.models import AccountLockout, SecurityEvent

LOCKED_MESSAGE = (
    "This account is locked after too many failed sign-in attempts. "
    "Ask a Portal Admin to unlock it."
)


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(kind, request=None, user=None, username="", **detail):
    """Write one security event; the single place events are created."""
    if user is not None and not user.is_authenticated:
        user = None
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username or (user.get_username() if user else ""),
        ip_address=client_ip(request),
        detail=detail,
    )


def is_locked(user):
    return AccountLockout.objects.filter(user_id=user.pk).exists()


class LockoutAwareModelBackend(ModelBackend):
    """Username/password sign-in that refuses locked accounts even with the right password."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not is_locked(user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")[:150]
    record_event(SecurityEvent.Kind.LOGIN_FAILED, request, username=username)
    user = get_user_model().objects.filter(username=username).first()
    if user is None or is_locked(user):
        return
    since = timezone.now() - settings.LOCKOUT_WINDOW
    failures = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_FAILED, username=username, at__gte=since
    )
    # Failures before the last unlock do not count against the user again.
    last_unlock = (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.UNLOCKED, username=username)
        .values_list("at", flat=True)
        .first()
    )
    if last_unlock:
        failures = failures.filter(at__gt=last_unlock)
    count = failures.count()
    if count >= settings.LOCKOUT_FAILURES:
        AccountLockout.objects.get_or_create(user=user, defaults={"failures": count})
        record_event(SecurityEvent.Kind.LOCKED, request, user=user, failures=count)


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    record_event(SecurityEvent.Kind.LOGIN, request, user=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "logout_reason", "")
        record_event(SecurityEvent.Kind.LOGOUT, request, user=user, reason=reason)


def unlock(lockout, by=None):
    """Unlock an account and record who did it."""
    user = lockout.user
    lockout.delete()
    record_event(
        SecurityEvent.Kind.UNLOCKED,
        user=user,
        username=user.get_username(),
        by=by.get_username() if by else "",
    )
