"""What several briefs show of agreements, TSFD cases and fora, as the requester may see it.

Links from a visible record to an invisible one (a case that blocks a program) are dropped.
"""

from collections import defaultdict
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from agreements.models import Agreement
from briefs.content.base import visible, visible_ids
from core.models import TransitionLog
from fora.models import ActionItem, Meeting
from programs.models import Program
from tsfd.models import DisclosureRequest

FORA_WINDOW_DAYS = 90


def open_case_queryset(user):
    return (
        visible(DisclosureRequest.objects.filter(status__in=DisclosureRequest.OPEN), user)
        .select_related("recipient_country", "agreement", "program")
        .prefetch_related("reviews__area")
        .order_by("submitted_at", "number")
    )


def with_visible_blocks(case, agreement_ids, program_ids):
    """Attach `brief_blocks`: what the case holds up, limited to what the user may see."""
    blocks = []
    if case.agreement_id and (agreement_ids is None or case.agreement_id in agreement_ids):
        blocks.append(case.agreement)
    if case.program_id and (program_ids is None or case.program_id in program_ids):
        blocks.append(case.program)
    case.brief_blocks = blocks
    targets = [review.area.target_days for review in case.reviews.all()]
    case.brief_target = max(targets) if targets else None
    case.brief_age = case.age_days
    case.brief_over = case.brief_target is not None and case.brief_age > case.brief_target
    return case


def open_cases(user, program_ids=None):
    """Open disclosure cases with age against target and what they block."""
    cases = open_case_queryset(user)
    if program_ids is not None:
        cases = cases.filter(
            Q(program__in=program_ids) | Q(agreement__programs__in=program_ids)
        ).distinct()
    agreement_ids = visible_ids(Agreement, user)
    program_visible = visible_ids(Program, user)
    cases = [with_visible_blocks(c, agreement_ids, program_visible) for c in cases]
    cases.sort(key=lambda c: (not c.brief_over, -c.brief_age))
    return cases


def agreement_steps(agreements):
    """Attach `brief_steps`, [(step label, days, is current)] from the transition log, and
    `brief_days_in_step` to each agreement; one query."""
    if not agreements:
        return
    logs = defaultdict(list)
    for log in TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id__in=[a.pk for a in agreements],
    ).order_by("object_id", "at", "id"):
        logs[log.object_id].append(log)
    now = timezone.now()
    labels = dict(Agreement.Status.choices)
    for agreement in agreements:
        state, since, steps = "concept", agreement.created_at, []
        for log in logs[agreement.pk]:
            if log.at >= since:  # a step recorded before the record was created has no length
                steps.append((labels.get(state, state), (log.at - since).days, False))
            state, since = log.target, log.at
        steps.append((labels.get(state, state), (now - since).days, True))
        agreement.brief_steps = steps
        agreement.brief_days_in_step = steps[-1][1]


def upcoming_meetings(user, days=FORA_WINDOW_DAYS, fora=None):
    """Meetings in the next `days` days the user may see."""
    today = timezone.localdate()
    meetings = visible(Meeting.objects.all(), user).filter(
        end_date__gte=today, start_date__lte=today + timedelta(days=days)
    )
    if fora is not None:
        meetings = meetings.filter(forum__in=fora)
    return list(
        meetings.exclude(status="cancelled")
        .select_related("forum", "host_country")
        .order_by("start_date", "id")
    )


def open_action_items(user, meetings=None, fora=None):
    """Open action items (overdue first) the user may see."""
    items = visible(ActionItem.objects.open(), user)
    if meetings is not None:
        items = items.filter(meeting__in=meetings)
    if fora is not None:
        items = items.filter(meeting__forum__in=fora)
    items = list(
        items.select_related("meeting__forum", "owner_user", "owner_contact__organization")
    )
    items.sort(key=lambda i: (not i.is_overdue, i.due_date, i.pk))
    return items


def action_item_records(items):
    """The marked records an action-item table shows: their meetings and fora."""
    records = {}
    for item in items:
        records[("m", item.meeting_id)] = item.meeting
        records[("f", item.meeting.forum_id)] = item.meeting.forum
    return list(records.values())


def meeting_records(meetings):
    records = {}
    for meeting in meetings:
        records[("m", meeting.pk)] = meeting
        records[("f", meeting.forum_id)] = meeting.forum
    return list(records.values())
