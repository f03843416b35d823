"""What fora shows on other apps' pages: the meetings a record is on, a user's calendar.

Each context function reads through core.permissions: a panel lists only the meetings
the viewer may see, and shows nothing of the others.
"""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core import permissions
from fora.models import ActionItem, AgendaItem, CalendarToken, Meeting


def meetings_about(record, user):
    """The meetings whose agenda is about `record`, that `user` may see."""
    content_type = ContentType.objects.get_for_model(type(record))
    items = AgendaItem.objects.filter(linked_type=content_type, linked_id=record.pk)
    meetings = permissions.restrict(
        Meeting.objects.filter(pk__in=items.values("meeting_id")), user, "view"
    ).select_related("forum")
    titles = defaultdict(list)
    for meeting_id, title in items.filter(meeting__in=meetings).values_list("meeting_id", "title"):
        titles[meeting_id].append(title)
    rows = [(m, titles[m.pk]) for m in meetings.order_by("-start_date")]
    return {"fora_meetings": rows, "today": timezone.localdate()}


def country_fora(country, user):
    fora = permissions.restrict(country.fora.all(), user, "view")
    upcoming = permissions.restrict(
        Meeting.objects.filter(forum__in=fora.values("pk"), end_date__gte=timezone.localdate())
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("forum"),
        user,
        "view",
    ).order_by("start_date")[:10]
    return {"fora": list(fora), "upcoming_meetings": list(upcoming)}


def user_calendar(profile_user, viewer):
    if profile_user.pk != viewer.pk:
        return {"calendar_token": None, "own_profile": False}
    mine = permissions.restrict(ActionItem.objects.open().filter(owner_user=viewer), viewer, "view")
    return {
        "own_profile": True,
        "calendar_token": CalendarToken.active_for(viewer),
        "open_action_items": mine.count(),
        "overdue_action_items": mine.filter(due_date__lt=timezone.localdate()).count(),
    }
