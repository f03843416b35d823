"""A weekly leadership packet: subscribe on a page, made on its day once, subscriber told."""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from briefs import subscriptions
from briefs.models import Packet, Subscription
from core.models import Notification
from tests.programs.factories import ProgramFactory, with_children


@pytest.fixture
def red_program(db):
    return with_children(ProgramFactory(code="CP-2026-801", name="Weekly red", health="red"))


@pytest.mark.django_db
def test_subscribe_change_and_stop_from_the_page(client, users):
    client.force_login(users["leader"])
    page = client.get("/briefs/weekly/")
    assert page.status_code == 200 and "Make it every week" in page.text
    response = client.post("/briefs/weekly/", {"weekday": "2", "health": ["red"]})
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=users["leader"])
    assert subscription.weekday == 2 and subscription.parameters == {"query": "health=red"}
    assert subscription.title == "Weekly leadership packet: filtered programs"
    page = client.get("/briefs/weekly/").text
    assert "every Wednesday" in page and "Stop the weekly packet" in page
    assert re.search(r'name="health" value="red" id="[^"]+" checked', page)  # saved selection

    client.post("/briefs/weekly/", {"weekday": "4"})  # change: every program, Fridays
    subscription = Subscription.objects.get(user=users["leader"])
    assert subscription.weekday == 4 and subscription.parameters == {}

    refused = client.post("/briefs/weekly/", {"weekday": "1", "health": ["red"], "query": "x=1"})
    assert refused.status_code == 400 and "not both" in refused.text
    assert Subscription.objects.get(user=users["leader"]).weekday == 4  # unchanged

    client.post("/briefs/weekly/stop/")
    assert not Subscription.objects.filter(user=users["leader"]).exists()


@pytest.mark.django_db
def test_a_role_that_cannot_ask_for_briefs_cannot_subscribe(client, make_user):
    client.force_login(make_user("no-role"))
    assert client.get("/briefs/weekly/").status_code == 403
    assert client.post("/briefs/weekly/", {"weekday": "0"}).status_code == 403
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_the_packet_is_made_on_its_day_once_and_the_subscriber_is_notified(
    users, red_program, run_jobs
):
    today = timezone.localdate()
    mine = Subscription.objects.create(
        user=users["leader"],
        title="Weekly leadership packet: filtered programs",
        parameters={"query": "health=red"},
        weekday=today.weekday(),
    )
    Subscription.objects.create(
        user=users["staff"], title="Another day", weekday=(today.weekday() + 1) % 7
    )
    made = run_jobs(subscriptions.send_due, today)
    assert [p.subscription_id for p in made] == [mine.pk]
    packet = Packet.objects.get(subscription=mine)
    assert packet.requested_by == users["leader"] and packet.kind == "leadership"
    assert packet.status == Packet.Status.DONE, packet.error
    note = Notification.objects.get(user=users["leader"])
    assert note.subject == f"Your weekly packet is ready: {packet.title}"
    assert note.url == packet.get_absolute_url()
    mine.refresh_from_db()
    assert mine.last_sent_on == today
    assert run_jobs(subscriptions.send_due, today) == []  # once a day
    assert Packet.objects.count() == 1
    next_week = today + datetime.timedelta(days=7)
    assert len(run_jobs(subscriptions.send_due, next_week)) == 1


@pytest.mark.django_db
def test_a_failed_weekly_packet_says_why(users, run_jobs):
    from core.models import SavedView

    view = SavedView.objects.create(
        name="Gone soon", list_key="programs.program", owner=users["leader"]
    )
    today = timezone.localdate()
    Subscription.objects.create(
        user=users["leader"], title="W", parameters={"view": view.pk}, weekday=today.weekday()
    )
    view.delete()
    (packet,) = run_jobs(subscriptions.send_due, today)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.FAILED
    note = Notification.objects.get(user=users["leader"])
    assert note.subject == "Your weekly packet failed: W"
    assert "saved view" in note.body


@pytest.mark.django_db(transaction=True)
def test_beat_runs_at_once_make_one_packet(users, reference_countries):
    today = timezone.localdate()
    Subscription.objects.create(user=users["leader"], title="W", weekday=today.weekday())
    barrier = threading.Barrier(4)
    errors = []

    def beat():
        try:
            barrier.wait()
            subscriptions.send_due(today)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Packet.objects.count() == 1
