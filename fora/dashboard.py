"""Fora on the home page: meetings in the next 90 days and action items."""

from datetime import timedelta

from django.utils import timezone

from core import permissions
from fora.models import ActionItem, Meeting


def upcoming_meetings(user):
    today = timezone.localdate()
    meetings = list(
        permissions.restrict(Meeting.objects.all(), user, "view")
        .filter(start_date__gte=today, start_date__lte=today + timedelta(days=90))
        .exclude(status="cancelled")
        .select_related("forum", "host_country")
        .order_by("start_date")[:10]
    )
    return {"meetings": meetings} if meetings else None


def my_action_items(user):
    items = list(
        permissions.restrict(ActionItem.objects.all(), user, "view")
        .open()
        .filter(owner_user=user)
        .select_related("meeting__forum")
        .order_by("due_date")[:10]
    )
    return {"items": items, "today": timezone.localdate()} if items else None


def overdue_action_items(user):
    if not (user.is_superuser or permissions.has_model_perm(user, Meeting, "view")):
        return None
    visible = permissions.restrict(ActionItem.objects.all(), user, "view")
    count = visible.overdue().count()
    open_count = visible.open().count()
    return {"overdue": count, "open": open_count}
