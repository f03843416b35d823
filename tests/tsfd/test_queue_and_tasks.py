"""The reviewer's queue (most urgent first) and the daily overdue-review job (idempotent)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from core.models import Notification
from tests.programs.factories import ProgramFactory
from tests.tsfd.factories import S, advance, area, draft, fresh
from tsfd import queue, workflow
from tsfd.models import Review
from tsfd.tasks import flag_overdue_reviews

pytestmark = pytest.mark.django_db


def case_in_review(cast, title, *, assigned_days_ago=0, code="NDP", target=30, **fields):
    when = timezone.now() - timedelta(days=assigned_days_ago)
    area(code, target)
    with mock.patch("django.utils.timezone.now", return_value=when):
        case = advance(
            draft(cast["requester"], title=title, **fields),
            S.IN_REVIEW,
            cast["approver"],
            [cast["reviewer"]],
            areas=(code,),
        )
    return case


def test_queue_puts_the_most_urgent_first(client, cast):
    today = timezone.localdate()
    relaxed = case_in_review(cast, "Relaxed", assigned_days_ago=5, code="LO/CLO", target=60)
    overdue = case_in_review(cast, "Overdue", assigned_days_ago=40)
    needed_soon = case_in_review(
        cast, "Needed tomorrow", code="EW", target=45, needed_by=today + timedelta(days=1)
    )
    paused = case_in_review(cast, "Paused", assigned_days_ago=50, code="AT", target=45)
    workflow.step(fresh(paused), cast["approver"], "return", comment="More, please.")
    # Same urgency, but one case blocks a program: it comes first.
    plain = case_in_review(cast, "Plain", assigned_days_ago=10, code="PNT", target=30)
    blocking = case_in_review(
        cast,
        "Blocks a program",
        assigned_days_ago=10,
        code="COMSEC",
        target=30,
        program=ProgramFactory(),
    )
    not_mine = advance(draft(cast["requester"]), S.IN_REVIEW, cast["approver"], [cast["reviewer2"]])

    ordered = [r.request.title for r in queue.review_queue(cast["reviewer"])]
    assert ordered == [
        "Overdue",
        "Needed tomorrow",
        "Blocks a program",
        "Plain",
        "Relaxed",
        "Paused",
    ]
    client.force_login(cast["reviewer"])
    page = client.get("/tsfd/queue/").text
    positions = [page.index(title) for title in ordered]
    assert positions == sorted(positions)
    assert not_mine.title not in page
    assert relaxed.number in page and overdue.number in page and needed_soon.number in page
    assert plain.number in page and blocking.number in page


def test_approver_queue_excludes_their_own_requests(cast, make_user):
    from django.contrib.auth.models import Group

    from core import roles

    both = make_user("both-queue", roles.TSFD_REQUESTER)
    both.groups.add(Group.objects.get(name=roles.TSFD_APPROVER))
    own = advance(draft(both, title="My own"), S.SUBMITTED, cast["approver"])
    other = advance(draft(cast["requester"], title="Theirs"), S.SUBMITTED, cast["approver"])
    queues = queue.approver_queues(both)
    assert [c.pk for c in queues["intake"]] == [other.pk]
    assert own.pk not in [c.pk for c in queues["intake"]]
    assert queue.approver_queues(cast["reviewer"]) is None


def test_overdue_job_flags_each_late_review_once(cast):
    late = case_in_review(cast, "Late", assigned_days_ago=31)
    on_time = case_in_review(cast, "On time", assigned_days_ago=5, code="EW", target=45)
    paused = case_in_review(cast, "Paused late", assigned_days_ago=60, code="AT", target=45)
    workflow.step(fresh(paused), cast["approver"], "return", comment="Details?")
    Notification.objects.all().delete()

    assert flag_overdue_reviews() == 1
    notes = Notification.objects.filter(subject__contains="overdue")
    assert set(notes.values_list("user__username", flat=True)) == {"reviewer", "approver"}
    assert all(late.number in n.subject for n in notes)
    flagged = Review.objects.get(request=late)
    assert flagged.overdue_flagged_at is not None
    # Reruns (another day, or a second worker) send nothing again.
    assert flag_overdue_reviews() == 0
    Review.objects.filter(pk=flagged.pk).update(overdue_flagged_at=None)  # even if the flag is lost
    flag_overdue_reviews()
    assert Notification.objects.filter(subject__contains="overdue").count() == 2
    assert not Review.objects.get(request=on_time).overdue_flagged_at
    assert not Review.objects.get(request=paused).overdue_flagged_at


def test_overdue_job_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "tsfd.tasks.flag_overdue_reviews" in tasks
