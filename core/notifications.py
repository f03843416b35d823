"""Notifications: one call for every app, in the portal and by e-mail.

`notify()` stores one row per recipient and sends the e-mail after the transaction
commits. Pass `key` for scheduled reminders: the same key to the same user is kept
once, however many workers or beat runs raise it (a database constraint decides).

A notification's subject names its record as it was when it was sent. Whoever reads it
later (the bell, the notifications page, a digest) reads it through core.permissions
at that moment: `readable()` leaves out notifications about a record the reader may no
longer see (a team membership removed, a review unassigned, the record deleted).
"""

from collections import defaultdict

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
        notes = readable(user, Notification.objects.filter(pk__in=won).order_by("created_at"))
        lines = [
            f"- {n.subject}" + (f" ({settings.PORTAL_BASE_URL}{n.url})" if n.url else "")
            for n in notes
        ]
        if not lines:
            continue  # everything pending was about records the user may no longer see
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
        if not note.user.email or not _may_read(note):
            continue
        link = f"\n\n{settings.PORTAL_BASE_URL}{note.url}" if note.url else ""
        send_mail(
            f"[IC Portal] {note.subject}",
            f"{note.body}{link}",
            settings.DEFAULT_FROM_EMAIL,
            [note.user.email],
            fail_silently=True,
        )


def record_of(url):
    """(model, pk) of the record a notification's portal URL names, or None."""
    from django.urls import Resolver404, resolve

    from core.permissions import guarded_model

    path = url.split("?")[0].split("#")[0]
    if not path.startswith("/"):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    pk = match.kwargs.get("pk")
    model, owner = guarded_model(match.func)
    if pk is None or model is None or owner:
        return None
    return model, int(pk)


def _may_read(note):
    from core.permissions import restrict

    record = record_of(note.url) if note.url else None
    if record is None:
        return True
    model, pk = record
    return restrict(model._default_manager.filter(pk=pk), note.user, "view").exists()


def unreadable_ids(user, notes):
    """The ids among `notes` (a queryset) about records `user` may not see now."""
    return _unreadable(user, notes.exclude(url="").values_list("pk", "url"))


def _unreadable(user, rows):
    """The note ids among (id, url) `rows` naming a record `user` may not see: one
    query per kind of record named."""
    from core.permissions import restrict

    about = defaultdict(lambda: defaultdict(list))  # model -> record pk -> note ids
    for pk, url in rows:
        record = record_of(url) if url else None
        if record is not None:
            about[record[0]][record[1]].append(pk)
    hidden = []
    for model, notes_of in about.items():
        seen = set(
            restrict(
                model._default_manager.filter(pk__in=list(notes_of)), user, "view"
            ).values_list("pk", flat=True)
        )
        hidden += [n for record, ids in notes_of.items() if record not in seen for n in ids]
    return hidden


def readable(user, notes=None):
    """`user`'s notifications (or those of `notes`) they may read now."""
    notes = Notification.objects.filter(user=user) if notes is None else notes
    hidden = unreadable_ids(user, notes)
    return notes.exclude(pk__in=hidden) if hidden else notes


def unread_count(user):
    """The bell's number: unread notifications the user may read now."""
    rows = list(
        Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", "url")
    )
    return len(rows) - len(_unreadable(user, rows))
