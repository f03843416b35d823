"""Fora through the generic permission suite: every URL and API endpoint, three ways.

Forum pages are in the `fora` URL namespace (their <pk> is a forum's); meeting and
action-item pages in `fora:meetings` (their <pk> is a meeting's), and meetings are
permitted through their forum, so the meeting suite grants on the parent. The calendar
feeds (`fora:calendar`) answer without a session and are covered in test_calendar.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import assign_perm

from fora.models import Forum, Meeting
from tests.fora.factories import ForumFactory, MeetingFactory, with_children
from tests.generic import PermissionSuite, app_url_patterns

pytestmark = pytest.mark.django_db


class TestForumPermissions(PermissionSuite):
    namespace = "fora"
    model = Forum
    api_list = "/api/v1/fora/"
    api_children = (
        ("/api/v1/fora/meetings/", "forum"),
        ("/api/v1/fora/working-groups/", "forum"),
    )
    post_only = ("bulk_edit",)

    def make_objects(self):
        first = ForumFactory(name="Visible albatross forum")
        second = ForumFactory(name="Hidden cormorant forum")
        for forum in (first, second):
            with_children(MeetingFactory(forum=forum, title=f"{forum.name} plenary"))
        return first, second


class TestMeetingPermissions(PermissionSuite):
    """Meetings follow their forum: the grants go on the parent forum."""

    namespace = "meetings"
    model = Meeting
    api_list = "/api/v1/fora/meetings/"
    api_children = (
        ("/api/v1/fora/agenda-items/", "meeting"),
        ("/api/v1/fora/attendees/", "meeting"),
        ("/api/v1/fora/action-items/", "meeting"),
    )

    def make_objects(self):
        return (
            with_children(MeetingFactory(title="Visible heron plenary")),
            with_children(MeetingFactory(title="Hidden ibis plenary")),
        )

    def grant_model(self, user, action="view"):
        perm = Permission.objects.get(content_type__app_label="fora", codename=f"{action}_forum")
        group, _ = Group.objects.get_or_create(name=f"suite-{action}-fora.Forum")
        group.permissions.add(perm)
        user.groups.add(group)

    def grant_object(self, user, obj, action="view"):
        assign_perm(f"fora.{action}_forum", user, obj.forum)


def test_every_fora_url_is_covered_by_a_suite():
    """A new fora URL lands in a namespace a suite walks, or the feed tests must learn it."""
    fora = {name for _r, name, _pk in app_url_patterns("fora")}
    meetings = {name for _r, name, _pk in app_url_patterns("meetings")}
    calendar = {name for _r, name, _pk in app_url_patterns("calendar")}
    assert {"list", "detail", "edit", "meeting_add", "read_ahead"} <= fora
    assert {"list", "detail", "edit", "ics", "my_action_items"} <= meetings
    assert calendar == {"manage", "user_feed", "forum_feed"}  # see test_calendar.py


def test_us_cochair_named_on_a_forum_sees_and_edits_it(client, make_user):
    cochair = make_user("cochair-x", "IC Staff")
    mine = ForumFactory(us_cochair=cochair)
    other = ForumFactory()
    client.force_login(cochair)
    body = client.get("/fora/").text
    assert mine.name in body and other.name not in body
    assert client.get(f"/fora/{mine.pk}/edit/").status_code == 200
    assert client.get(f"/fora/{other.pk}/").status_code == 404


def test_team_viewer_sees_meetings_but_cannot_plan_or_edit(client, users):
    from core import teams

    meeting = with_children(MeetingFactory())
    staff = users["staff"]
    teams.set_member(meeting.forum, staff, "viewer")
    client.force_login(staff)
    page = client.get(meeting.get_absolute_url())
    assert page.status_code == 200
    assert "Edit agenda" not in page.text and "Edit meeting" not in page.text
    for url in (
        f"/fora/{meeting.forum_id}/meetings/add/",
        f"/fora/meetings/{meeting.pk}/agenda/",
        f"/fora/meetings/{meeting.pk}/delegations/",
        f"/fora/meetings/{meeting.pk}/action-items/",
        f"/fora/{meeting.forum_id}/working-groups/",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
