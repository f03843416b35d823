"""The forum read-ahead: what a principal reads before a meeting, as plain data.

`read_ahead(forum, user)` is the hook the briefing-packet PDFs call; the fora page
/fora/<id>/read-ahead/ renders the same dict as a printable page. Everything in it is
what `user` may see (core.permissions), and `marking` is the most restrictive marking
of what it contains.
"""

from collections import OrderedDict

from django.utils import timezone

from core import permissions
from core.markings import Marking
from fora import links
from fora.models import ActionItem, Forum, Meeting


def _person(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def _meeting(meeting, include_details, user, markings):
    data = {
        "id": meeting.pk,
        "title": meeting.title,
        "url": meeting.get_absolute_url(),
        "start_date": meeting.start_date,
        "end_date": meeting.end_date,
        "location": meeting.location,
        "host_country": meeting.host_country.name if meeting.host_country else "",
        "status": meeting.get_status_display(),
        "marking": str(meeting.combined_marking),
    }
    markings.append(meeting.marking)
    if not include_details:
        return data
    items = list(meeting.agenda_items.all())
    visible = links.visible_links(items, user)
    agenda = []
    for item in items:
        record = visible.get(item.pk)
        linked = None
        if record is not None:
            linked = {
                "kind": record._meta.verbose_name,
                "title": str(record),
                "url": record.get_absolute_url(),
            }
            if hasattr(record, "classification"):
                markings.append(Marking.of(record))
        agenda.append(
            {
                "order": item.order,
                "title": item.title,
                "presenter": item.presenter,
                "notes": item.notes,
                "linked": linked,
            }
        )
    delegations = OrderedDict()
    for attendee in meeting.attendees.select_related("country", "organization"):
        delegations.setdefault(attendee.country.name, []).append(
            {
                "name": attendee.name,
                "organization": str(attendee.organization or ""),
                "role": attendee.role,
                "head": attendee.is_head,
                "visit_request": attendee.get_visit_request_status_display(),
            }
        )
    data.update(
        agenda=agenda,
        delegations=[{"country": c, "attendees": a} for c, a in delegations.items()],
        summary=meeting.summary,
        decisions=meeting.decision_list,
    )
    return data


def read_ahead(forum, user, today=None):
    """The read-ahead of `forum` for `user` as a dict; Http404 if they may not see it.

    Keys: forum, generated_at, marking, next_meeting (with agenda, delegations),
    upcoming_meetings, last_meeting (with summary and decisions), open_action_items,
    overdue_count, working_groups.
    """
    pk = forum.pk if isinstance(forum, Forum) else forum
    forum = permissions.get_object_or_404(
        Forum.objects.select_related("us_cochair", "counterpart_cochair__organization"),
        user,
        "view",
        pk=pk,
    )
    today = today or timezone.localdate()
    markings = [forum.marking]
    meetings = list(
        permissions.restrict(forum.meetings.select_related("host_country", "forum"), user, "view")
    )
    upcoming = sorted(
        (m for m in meetings if m.end_date >= today and m.status != Meeting.Status.CANCELLED),
        key=lambda m: m.start_date,
    )
    past = sorted(
        (m for m in meetings if m.end_date < today and m.status != Meeting.Status.CANCELLED),
        key=lambda m: m.start_date,
        reverse=True,
    )
    next_meeting = _meeting(upcoming[0], True, user, markings) if upcoming else None
    last_meeting = _meeting(past[0], True, user, markings) if past else None
    later = [_meeting(m, False, user, markings) for m in upcoming[1:]]
    items = permissions.restrict(
        ActionItem.objects.open()
        .filter(meeting__forum=forum)
        .select_related("meeting", "owner_user", "owner_contact__organization"),
        user,
        "view",
    )
    open_items = [
        {
            "description": item.description,
            "owner": item.owner_name,
            "due_date": item.due_date,
            "status": item.get_status_display(),
            "overdue": item.due_date < today,
            "meeting": item.meeting.title,
        }
        for item in items
    ]
    marking = markings[0]
    for m in markings[1:]:
        marking = marking | m
    return {
        "forum": {
            "id": forum.pk,
            "name": forum.name,
            "acronym": forum.acronym,
            "kind": forum.get_kind_display(),
            "countries": [c.name for c in forum.countries.all()],
            "us_cochair": _person(forum.us_cochair),
            "counterpart_cochair": str(forum.counterpart_cochair or ""),
            "cadence": forum.get_cadence_display(),
            "purpose": forum.purpose,
            "url": forum.get_absolute_url(),
        },
        "generated_at": timezone.now(),
        "marking": str(marking),
        "next_meeting": next_meeting,
        "upcoming_meetings": later,
        "last_meeting": last_meeting,
        "open_action_items": open_items,
        "overdue_count": sum(1 for i in open_items if i["overdue"]),
        "working_groups": [
            {"name": g.name, "focus": g.focus, "us_lead": _person(g.us_lead)}
            for g in forum.working_groups.filter(active=True).select_related("us_lead")
        ],
    }
