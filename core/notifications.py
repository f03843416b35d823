"""Notifications: one call for every app, in the portal and by e-mail.

`notify()` stores one row per recipient and sends the e-mail after the transaction
commits. Pass `key` for scheduled reminders: the same key to the same user is kept
once, however many workers or beat runs raise it (a database constraint decides).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import Notification


def notify(users, subject, body="", url="", key=""):
    """Notify each active user once; returns the notifications actually created."""
    created = []
    seen = set()
    for user in users:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    user=user, subject=subject[:200], body=body, url=url[:300], key=key[:200]
                )
        except IntegrityError:
            continue  # this reminder was already raised for this user
        created.append(note)
    if created:
        ids = [n.pk for n in created if wants_each_email(n.user)]
        if ids:
            transaction.on_commit(lambda: _send_emails(ids))
    return created


def email_preference(user):
    from core.models import NotificationPreference

    pref = NotificationPreference.objects.filter(user=user).first()
    return pref.email if pref else NotificationPreference.Email.EACH


def wants_each_email(user):
    return email_preference(user) == "each"


def _claim(ids):
    """Mark notifications as e-mailed before sending, so two workers never both send one."""
    now = timezone.now()
    claimed = list(
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    won = []
    for pk in claimed:
        if Notification.objects.filter(pk=pk, emailed_at__isnull=True).update(emailed_at=now):
            won.append(pk)
    return won


def send_digests():
    """One e-mail per digest user with everything not yet e-mailed; safe to run twice."""
    from django.contrib.auth import get_user_model

    from core.models import NotificationPreference

    sent = 0
    users = (
        get_user_model()
        .objects.filter(
            notification_preference__email=NotificationPreference.Email.DIGEST, is_active=True
        )
        .exclude(email="")
    )
    for user in users:
        pending = list(
            Notification.objects.filter(user=user, emailed_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        won = _claim(pending)
        if not won:
            continue
        notes = Notification.objects.filter(pk__in=won).order_by("created_at")
        lines = [
            f"- {n.subject}" + (f" ({settings.PORTAL_BASE_URL}{n.url})" if n.url else "")
            for n in notes
        ]
        send_mail(
            f"[IC Portal] Your daily digest: {len(lines)} notification(s)",
            "\n".join(lines),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            fail_silently=True,
        )
        sent += 1
    return sent


def _send_emails(ids):
    for note in Notification.objects.filter(pk__in=_claim(ids)).select_related("user"):
        if not note.user.email:
            continue
        link = f"\n\n{settings.PORTAL_BASE_URL}{note.url}" if note.url else ""
        send_mail(
            f"[IC Portal] {note.subject}",
            f"{note.body}{link}",
            settings.DEFAULT_FROM_EMAIL,
            [note.user.email],
            fail_silently=True,
        )


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
