"""Sign-in rules: account lockout after repeated failures, and security events."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from core import metrics
from core.models import AccountLockout, SecurityEvent, SignInAttempts

UserModel = get_user_model()

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


def _hold_attempts_lock(user):
    """Take the account's sign-in lock until the surrounding transaction ends.

    An UPDATE, not SELECT … FOR UPDATE: it locks the row on PostgreSQL and takes the
    write lock at once on SQLite (the embedded default), where FOR UPDATE does nothing
    and a read that later writes could deadlock with a parallel attempt.
    """
    locked = SignInAttempts.objects.filter(user_id=user.pk).update(
        attempts=F("attempts") + 1, last_attempt_at=timezone.now()
    )
    if not locked:  # the account's first attempt: make the row (once), then lock it
        SignInAttempts.objects.bulk_create([SignInAttempts(user=user)], ignore_conflicts=True)
        _hold_attempts_lock(user)


def recent_failures(user):
    """Wrong passwords for `user` within LOCKOUT_WINDOW, not counting those before an unlock."""
    username = user.get_username()
    failures = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        username=username,
        at__gte=timezone.now() - settings.LOCKOUT_WINDOW,
    )
    last_unlock = (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.UNLOCKED, username=username)
        .values_list("at", flat=True)
        .first()
    )
    if last_unlock:
        failures = failures.filter(at__gt=last_unlock)
    return failures.count()


class LockoutAwareModelBackend(ModelBackend):
    """Username/password sign-in under the lockout rule (DESIGN §5), race-free.

    Each attempt on an existing account holds that account's `SignInAttempts` row lock
    from before the recent failures are counted until its own failure (and the lockout
    it may cause) is written. Attempts on one account are therefore checked one at a
    time: a locked account, or one whose failure budget is used up, is refused without
    a password check and the refusal is logged as its own event; at most
    LOCKOUT_FAILURES wrong passwords are checked in any window, and the lockout and its
    event are written exactly once. Other accounts are not held up.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(UserModel.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = UserModel._default_manager.get_by_natural_key(username)
        except UserModel.DoesNotExist:
            UserModel().set_password(password)  # as long as a real check (Django's own)
            record_event(SecurityEvent.Kind.LOGIN_FAILED, request, username=username[:150])
            return None
        if is_locked(user):  # no need to queue for the lock to refuse
            outcome = self._refuse(request, user, "locked")
        else:
            with transaction.atomic():
                _hold_attempts_lock(user)
                outcome = self._check(request, user, password)
        if outcome == "refused":
            if request is not None:
                request.signin_refused = True
            raise PermissionDenied(LOCKED_MESSAGE)  # no other backend tries either
        return user if outcome == "ok" else None

    def _check(self, request, user, password):
        """Under the account's lock: refuse, or check the password and count a failure."""
        if is_locked(user):
            return self._refuse(request, user, "locked")
        failures = recent_failures(user)
        if failures >= settings.LOCKOUT_FAILURES:  # e.g. the rule was tightened
            return self._refuse(request, user, "attempts_used", failures=failures)
        if user.check_password(password) and super().user_can_authenticate(user):
            return "ok"
        record_event(SecurityEvent.Kind.LOGIN_FAILED, request, user=user)
        failures += 1
        if failures >= settings.LOCKOUT_FAILURES:
            AccountLockout.objects.create(user=user, failures=failures)
            metrics.count_lockout()
            record_event(SecurityEvent.Kind.LOCKED, request, user=user, failures=failures)
        return "failed"

    def _refuse(self, request, user, reason, **detail):
        record_event(
            SecurityEvent.Kind.LOGIN_REFUSED_LOCKED, request, user=user, reason=reason, **detail
        )
        return "refused"

    def user_can_authenticate(self, user):
        # Also read for every request of a session (get_user): a locked account's sessions end.
        return super().user_can_authenticate(user) and not is_locked(user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    """A failure of another sign-in scheme (the remote-user header): on record too.

    Username/password attempts are recorded by the backend above, which alone knows
    whether the password was checked or the attempt refused.
    """
    if "password" in credentials:
        return
    username = str(credentials.get("remote_user") or credentials.get("username") or "")
    record_event(SecurityEvent.Kind.LOGIN_FAILED, request, username=username[:150])


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    record_event(SecurityEvent.Kind.LOGIN, request, user=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "logout_reason", "")
        record_event(SecurityEvent.Kind.LOGOUT, request, user=user, reason=reason)


def unlock(lockout, by=None):
    """Unlock an account and record who did it; failures before now no longer count."""
    user = lockout.user
    with transaction.atomic():
        _hold_attempts_lock(user)
        lockout.delete()
        record_event(
            SecurityEvent.Kind.UNLOCKED,
            user=user,
            username=user.get_username(),
            by=by.get_username() if by else "",
        )
