"""Calendar feeds and .ics downloads, parsed back with the icalendar library.

A feed reads as its token's owner at request time and never contains a meeting the
owner may not see; a revoked, unknown or deactivated owner's token answers 404.
"""

import datetime

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm, remove_perm
from icalendar import Calendar

from core import teams
from fora.ical import meeting_uid
from fora.models import CalendarToken, Meeting
from tests.fora.factories import ForumFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def events(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(meeting):
    return meeting_uid(meeting)


@pytest.fixture
def setting(users):
    """Staff sees the first forum (team viewer), not the second."""
    seen = ForumFactory(name="Seen forum")
    unseen = ForumFactory(name="Unseen forum")
    teams.set_member(seen, users["staff"], "viewer")
    return {
        "seen": seen,
        "unseen": unseen,
        "mine": MeetingFactory(forum=seen, title="Seen plenary"),
        "other": MeetingFactory(forum=unseen, title="Unseen plenary"),
        "token": CalendarToken.issue(users["staff"]),
    }


def feed(token):
    return f"/fora/calendar/{token.token}/meetings.ics"


def forum_feed(token, forum):
    return f"/fora/calendar/{token.token}/fora/{forum.pk}.ics"


def test_user_feed_lists_only_meetings_the_owner_may_see_without_a_session(setting):
    anonymous = Client()  # a calendar app: no session, the token is the credential
    found = events(anonymous.get(feed(setting["token"])))
    assert uid(setting["mine"]) in found
    assert uid(setting["other"]) not in found
    assert b"Unseen" not in anonymous.get(feed(setting["token"])).content
    event = found[uid(setting["mine"])]
    assert "Seen plenary" in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == setting["mine"].start_date
    # All-day events end the day after the last day (RFC 5545).
    assert event.decoded("DTEND") == setting["mine"].end_date + datetime.timedelta(days=1)
    assert int(event["SEQUENCE"]) == setting["mine"].version
    assert "CUI" in str(event["DESCRIPTION"])


def test_forum_feed_is_404_for_a_forum_the_owner_may_not_see(setting):
    anonymous = Client()
    found = events(anonymous.get(forum_feed(setting["token"], setting["seen"])))
    assert set(found) == {uid(setting["mine"])}
    response = anonymous.get(forum_feed(setting["token"], setting["unseen"]))
    assert response.status_code == 404
    assert b"Unseen" not in response.content


def test_feed_follows_permissions_at_request_time(setting, users):
    anonymous = Client()
    assign_perm("fora.view_forum", users["staff"], setting["unseen"])
    assert uid(setting["other"]) in events(anonymous.get(feed(setting["token"])))
    remove_perm("fora.view_forum", users["staff"], setting["unseen"])
    teams.remove_member(setting["seen"], users["staff"])
    assert events(anonymous.get(feed(setting["token"]))) == {}
    assert anonymous.get(forum_feed(setting["token"], setting["seen"])).status_code == 404


def test_revoked_token_answers_404(setting, users):
    anonymous = Client()
    token = setting["token"]
    CalendarToken.revoke_all(users["staff"])
    assert anonymous.get(feed(token)).status_code == 404
    assert anonymous.get(forum_feed(token, setting["seen"])).status_code == 404


def test_regenerating_replaces_the_old_link(setting, users):
    anonymous = Client()
    old = setting["token"]
    new = CalendarToken.issue(users["staff"])
    assert new.token != old.token
    assert anonymous.get(feed(old)).status_code == 404
    assert anonymous.get(feed(new)).status_code == 200
    assert CalendarToken.objects.filter(user=users["staff"], revoked_at__isnull=True).count() == 1


def test_unknown_token_and_inactive_owner_answer_404(setting, users):
    anonymous = Client()
    assert anonymous.get("/fora/calendar/not-a-token/meetings.ics").status_code == 404
    users["staff"].is_active = False
    users["staff"].save()
    assert anonymous.get(feed(setting["token"])).status_code == 404


def test_leadership_feed_has_every_meeting(users):
    meetings = [MeetingFactory(), MeetingFactory()]
    token = CalendarToken.issue(users["leader"])
    found = events(Client().get(feed(token)))
    assert {uid(m) for m in meetings} <= set(found)


def test_cancelled_meeting_is_marked_cancelled(setting):
    meeting = setting["mine"]
    meeting.status = Meeting.Status.CANCELLED
    meeting.save()
    found = events(Client().get(feed(setting["token"])))
    assert str(found[uid(meeting)]["STATUS"]) == "CANCELLED"


def test_profile_creates_shows_and_revokes_the_link(client, users):
    client.force_login(users["staff"])
    assert "Create calendar link" in client.get("/accounts/profile/").text
    response = client.post(
        "/fora/calendar/link/", {"action": "issue", "next": "/accounts/profile/"}
    )
    assert response.status_code == 302
    token = CalendarToken.active_for(users["staff"])
    assert token is not None
    assert token.token in client.get("/accounts/profile/").text
    client.post("/fora/calendar/link/", {"action": "revoke"})
    assert CalendarToken.active_for(users["staff"]) is None
    assert Client().get(feed(token)).status_code == 404
    assert client.get("/fora/calendar/link/").status_code == 405


def test_forum_page_shows_the_feed_links(client, setting, users):
    client.force_login(users["staff"])
    body = client.get(setting["seen"].get_absolute_url()).text
    assert forum_feed(setting["token"], setting["seen"]) in body
    assert feed(setting["token"]) in body


def test_one_meeting_download(client, setting, users):
    client.force_login(users["staff"])
    response = client.get(f"/fora/meetings/{setting['mine'].pk}/meeting.ics")
    assert response["Content-Disposition"].startswith("attachment")
    assert set(events(response)) == {uid(setting["mine"])}
    assert client.get(f"/fora/meetings/{setting['other'].pk}/meeting.ics").status_code == 404


def test_feed_never_contains_an_invisible_meeting_whatever_the_mix(users, make_user):
    """Several fora, grants of every kind: the feed equals exactly what restrict() allows."""
    from core.permissions import restrict

    owner = make_user("feed-owner", "IC Staff")
    fora = [ForumFactory() for _ in range(4)]
    for forum in fora:
        MeetingFactory(forum=forum)
        MeetingFactory(forum=forum, start_date=datetime.date.today() - datetime.timedelta(days=40))
    teams.set_member(fora[0], owner, "viewer")
    assign_perm("fora.view_forum", owner, fora[1])
    fora[2].us_cochair = owner
    fora[2].save()
    token = CalendarToken.issue(owner)
    found = set(events(Client().get(feed(token))))
    expected = {uid(m) for m in restrict(Meeting.objects.all(), owner, "view")}
    assert found == expected
    assert not any(uid(m) in found for m in Meeting.objects.filter(forum=fora[3]))
