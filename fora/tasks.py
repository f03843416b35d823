"""Fora jobs on beat: remind action-item owners of what is due soon or overdue.

Idempotent: every reminder carries a notification key, so re-running the job (or two
workers running it) sends nothing twice. An item due within 7 days is announced once
per due date; an overdue item is chased once per ISO week until it is closed.
Nobody is told about an item they may not see: a portal owner must still see the
forum; a counterpart's item goes to the forum's US co-chair, if they may see it.
"""

from collections import defaultdict

from celery import shared_task
from django.utils import timezone

from core import permissions
from core.notifications import notify
from fora.models import ActionItem

DUE_SOON_DAYS = 7


def _recipient(item):
    return item.owner_user or item.meeting.forum.us_cochair


def _reminder(item, today):
    """(key, subject, body) for one item."""
    forum = item.meeting.forum
    about = f"{forum.short_name} — {item.meeting.title}"
    counterpart = "" if item.owner_user_id else f" (owner: {item.owner_name})"
    if item.due_date < today:
        days = (today - item.due_date).days
        year, week, _ = today.isocalendar()
        return (
            f"fora:action-item:{item.pk}:overdue:{item.due_date}:{year}-W{week:02d}",
            f"Overdue action item{counterpart}: {item}",
            f"{item.description}\n\nDue {item.due_date:%d %b %Y}, {days} day(s) ago. {about}.",
        )
    return (
        f"fora:action-item:{item.pk}:due:{item.due_date}",
        f"Action item due {item.due_date:%d %b}{counterpart}: {item}",
        f"{item.description}\n\nDue {item.due_date:%d %b %Y}. {about}.",
    )


@shared_task
def remind_action_items(today=None):
    """Notify owners of open action items due within 7 days or overdue; returns how many."""
    today = today or timezone.localdate()
    horizon = today.fromordinal(today.toordinal() + DUE_SOON_DAYS)
    items = (
        ActionItem.objects.open()
        .filter(due_date__lte=horizon)
        .select_related("meeting__forum__us_cochair", "owner_user", "owner_contact__organization")
    )
    by_recipient = defaultdict(list)
    for item in items:
        recipient = _recipient(item)
        if recipient is not None and recipient.is_active:
            by_recipient[recipient].append(item)
    sent = 0
    for recipient, their_items in by_recipient.items():
        visible = permissions.allowed_ids(recipient, "view", their_items)
        for item in their_items:
            if item.pk not in visible:
                continue
            key, subject, body = _reminder(item, today)
            sent += len(notify([recipient], subject, body, url=item.get_absolute_url(), key=key))
    return sent
