"""Reporting to State (15 days after signature), expiration reminders, due-for-action."""

import datetime
import os
import subprocess

import pytest
from django.conf import settings

from agreements.deadlines import due_for_action, reminders_on
from agreements.models import Agreement
from agreements.tasks import send_agreement_reminders
from core import teams
from core.models import Notification
from tests.agreements.factories import AgreementFactory, attach, with_participants
from tests.processes import database_url, start_worker, stop

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 25)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("fields", "status", "days_left"),
    [
        ({}, "not_applicable", None),
        ({"signed_on": TODAY, "reporting_required": False}, "not_applicable", None),
        ({"signed_on": TODAY}, "due", 15),
        ({"signed_on": TODAY - 15 * DAY}, "due", 0),
        ({"signed_on": TODAY - 16 * DAY}, "late", -1),
        ({"signed_on": TODAY - 40 * DAY, "reported_on": TODAY - 30 * DAY}, "sent", None),
    ],
)
def test_reporting_status_counts_fifteen_days_from_signature(
    fields, status, days_left, monkeypatch
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    reported_on = fields.pop("reported_on", None)
    agreement = AgreementFactory(status="concluded", **fields)
    if reported_on:  # recorded once the transmittal is attached
        attach(agreement, "transmittal", "Transmittal to State")
        agreement.reported_on = reported_on
        agreement.save()
    assert agreement.reporting_status == status
    assert agreement.reporting_days_left == days_left
    # The database filter (list filter, reminders) agrees with the property.
    matching = Agreement.objects.filter(Agreement.reporting_q(status, TODAY))
    assert list(matching) == [agreement]


def test_report_to_state_cannot_predate_signature_or_precede_it():
    from django.core.exceptions import ValidationError

    agreement = AgreementFactory(status="concluded", signed_on=TODAY - 5 * DAY)
    agreement.reported_on = TODAY - 6 * DAY
    with pytest.raises(ValidationError) as error:
        agreement.clean()
    assert "before the signature" in str(error.value)
    with pytest.raises(ValidationError) as error:  # refused on save, whatever the path
        AgreementFactory(status="in_negotiation", signed_on=TODAY - DAY)
    assert "signed_on" in error.value.message_dict


def _team(agreement, users):
    teams.set_member(agreement, users["pm"], "lead")
    teams.set_member(agreement, users["staff"], "editor")


def test_reminder_job_run_twice_notifies_once(users):
    agreement = with_participants(
        AgreementFactory(
            status="concluded", signed_on=TODAY - 3 * DAY, expiration_date=TODAY + 90 * DAY
        )
    )
    _team(agreement, users)
    first = send_agreement_reminders(today=TODAY.isoformat())
    second = send_agreement_reminders(today=TODAY.isoformat())
    # Reporting due + 90-day expiry, to each of the two team members; nothing the second time.
    assert (first, second) == (4, 0)
    subjects = sorted(users["pm"].notifications.values_list("subject", flat=True))
    assert subjects == [
        f"{agreement.number} expires in 90 days ({TODAY + 90 * DAY:%Y-%m-%d})",
        f"{agreement.number}: report the signed text to State by {TODAY + 12 * DAY:%Y-%m-%d}",
    ]


def test_expiry_reminders_come_at_180_90_and_30_days_once_each(users):
    expires = TODAY + 200 * DAY
    agreement = with_participants(AgreementFactory(status="in_force", expiration_date=expires))
    teams.set_member(agreement, users["pm"], "lead")
    raised = []
    for days_before in range(200, 0, -1):
        day = expires - days_before * DAY
        if send_agreement_reminders(today=day.isoformat()):
            raised.append(days_before)
    assert raised == [180, 90, 30]
    keys = sorted(users["pm"].notifications.values_list("key", flat=True))
    assert keys == sorted(f"agreement:{agreement.pk}:expires:{expires}:{t}" for t in (180, 90, 30))


def test_a_job_that_missed_days_raises_only_the_nearest_reminder(users):
    agreement = with_participants(
        AgreementFactory(status="in_force", expiration_date=TODAY + 20 * DAY)
    )
    teams.set_member(agreement, users["pm"], "lead")
    assert send_agreement_reminders(today=TODAY.isoformat()) == 1
    assert users["pm"].notifications.get().key.endswith(":30")


def test_reporting_reminders_when_due_and_again_when_late(users):
    signed = TODAY - 20 * DAY  # dates are recorded in the past, never ahead of today
    agreement = with_participants(AgreementFactory(status="concluded", signed_on=signed))
    teams.set_member(agreement, users["pm"], "lead")
    for offset in range(0, 20):
        send_agreement_reminders(today=(signed + offset * DAY).isoformat())
    keys = sorted(users["pm"].notifications.values_list("key", flat=True))
    assert keys == [
        f"agreement:{agreement.pk}:reporting:{signed}:due",
        f"agreement:{agreement.pk}:reporting:{signed}:late",
    ]
    attach(agreement, "transmittal", "Transmittal to State")
    agreement.reported_on = signed + 17 * DAY
    agreement.save()
    assert reminders_on(signed + 30 * DAY) == []


def test_no_reminders_for_inactive_or_unsigned_agreements(users):
    for status in ("in_negotiation", "expired", "terminated", "withdrawn"):
        a = with_participants(AgreementFactory(status=status, expiration_date=TODAY + 30 * DAY))
        teams.set_member(a, users["pm"], "lead")
    assert send_agreement_reminders(today=TODAY.isoformat()) == 0
    assert not Notification.objects.exists()


def test_due_for_action_lists_what_the_user_may_act_on(users):
    mine = with_participants(AgreementFactory(status="concluded", signed_on=TODAY - 20 * DAY))
    teams.set_member(mine, users["staff"], "editor")
    hidden = with_participants(AgreementFactory(status="concluded", signed_on=TODAY - 20 * DAY))
    expiring = with_participants(
        AgreementFactory(status="in_force", expiration_date=TODAY + 60 * DAY)
    )
    teams.set_member(expiring, users["staff"], "viewer")  # a viewer cannot act on it
    items = due_for_action(users["staff"], TODAY)
    assert [(i.agreement, i.action, i.days_left) for i in items] == [
        (mine, "Send the signed text to State (late)", -5)
    ]
    assert hidden not in [i.agreement for i in items]


def test_due_for_action_shows_approvers_what_waits_for_them(users):
    waiting = with_participants(AgreementFactory(status="final_approval_requested"))
    items = due_for_action(users["leader"], TODAY)
    assert [(i.agreement, i.action) for i in items] == [
        (waiting, "Decide on authority to conclude")
    ]
    assert due_for_action(users["staff"], TODAY) == []


def test_due_for_action_box_on_the_list_page(client, users):
    late = with_participants(
        AgreementFactory(status="concluded", signed_on=datetime.date.today() - 30 * DAY)
    )
    teams.set_member(late, users["staff"], "editor")
    with_participants(
        AgreementFactory(
            title="Secret pact", status="concluded", signed_on=datetime.date.today() - 30 * DAY
        )
    )
    client.force_login(users["staff"])
    page = client.get("/agreements/").text
    assert "Due for action: 1 item" in page
    assert "Send the signed text to State (late)" in page
    assert "Secret pact" not in page


def test_the_reminder_job_is_on_the_beat_schedule():
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "agreements.tasks.send_agreement_reminders" in entries


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="no REDIS_URL: embedded broker")
def test_a_real_worker_raises_the_reminders_once(make_user):
    """The beat job through Redis and a real worker process, twice: one notification."""
    # No reference data needed: other transactional tests may have flushed it.
    lead = make_user("lead-x")
    agreement = AgreementFactory(
        status="concluded", signed_on=TODAY - 3 * DAY, legal_authority=None
    )
    teams.set_member(agreement, lead, "lead")
    worker = start_worker(
        env={**os.environ, "DATABASE_URL": database_url()}, stderr=subprocess.PIPE
    )
    try:
        first = send_agreement_reminders.apply_async(kwargs={"today": TODAY.isoformat()})
        assert first.get(timeout=60) == 1
        second = send_agreement_reminders.apply_async(kwargs={"today": TODAY.isoformat()})
        assert second.get(timeout=60) == 0
    finally:
        stop(worker)
    assert lead.notifications.count() == 1
