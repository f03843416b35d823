"""Following a record: its changes reach the follower as notifications."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from core.models import Follow


def _ct(record):
    return ContentType.objects.get_for_model(type(record))


def is_following(user, record):
    return Follow.objects.filter(user=user, content_type=_ct(record), object_id=record.pk).exists()


def toggle(user, record):
    """Follow or unfollow; returns True when the user now follows the record."""
    follow = Follow.objects.filter(user=user, content_type=_ct(record), object_id=record.pk)
    if follow.exists():
        follow.delete()
        return False
    Follow.objects.create(user=user, content_type=_ct(record), object_id=record.pk)
    return True


def record_changed(record, actor, what):
    """Tell the record's followers (except whoever made the change), once a minute at most.

    Followers who can no longer see the record are skipped: a notification never
    reveals a record the reader may not see.
    """
    from core.notifications import notify
    from core.permissions import can

    followers = [
        f.user
        for f in Follow.objects.filter(
            content_type=_ct(record), object_id=record.pk
        ).select_related("user")
        if actor is None or f.user_id != actor.pk
    ]
    if not followers:
        return
    minute = timezone.now().strftime("%Y%m%d%H%M")
    key = f"follow:{_ct(record).pk}:{record.pk}:{minute}"
    who = (actor.get_full_name() or actor.get_username()) if actor else "The portal"

    def send():
        visible = [u for u in followers if can(u, "view", record)]
        notify(
            visible,
            f"{record} changed",
            body=f"{who} {what}.",
            url=record.get_absolute_url(),
            key=key,
        )

    transaction.on_commit(send)


def on_record_audited(sender, record, action, root, user, cascade, **kwargs):
    """Receiver of core.audit.record_audited: a change reaches the root record's followers.

    Rows changed by another record's delete, and the delete of a root record itself,
    are not announced."""
    if cascade or (root is record and action == "delete"):
        return
    verb = {"create": "added", "update": "changed", "delete": "deleted"}[action]
    record_changed(root, user, f"{verb} {record._meta.verbose_name} “{str(record)[:80]}”")
