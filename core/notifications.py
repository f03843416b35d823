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
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _send_emails(ids))
    return created


def _send_emails(ids):
    for note in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "user"
    ):
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
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
