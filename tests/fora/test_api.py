"""The fora API: the same permissions and rules as the pages."""

import datetime

import pytest
from django.utils import timezone

from core import teams
from fora.models import ActionItem, AgendaItem, Forum, Meeting
from tests.fora.factories import ForumFactory, MeetingFactory, with_children
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def forum(users):
    forum = ForumFactory()
    teams.set_member(forum, users["staff"], "editor")
    teams.set_member(forum, users["requester"], "viewer")
    return forum


def meeting_body(forum, **extra):
    start = TODAY + datetime.timedelta(days=20)
    return {
        "forum": forum.pk,
        "title": "API plenary",
        "start_date": str(start),
        "end_date": str(start),
        "classification": "CUI",
        **extra,
    }


def test_forum_create_validates_countries(client, users):
    client.force_login(users["staff"])
    body = {
        "name": "API talks",
        "kind": "bilateral",
        "countries": ["GBR", "FRA"],
        "classification": "CUI",
    }
    response = client.post("/api/v1/fora/", body, content_type="application/json")
    assert response.status_code == 400 and "countries" in response.json()
    body["countries"] = ["GBR"]
    response = client.post("/api/v1/fora/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    forum = Forum.objects.get(name="API talks")
    assert teams.members(forum).get().user == users["staff"]
    response = client.patch(
        f"/api/v1/fora/{forum.pk}/",
        {"kind": "multilateral", "version": forum.version},
        content_type="application/json",
    )
    assert response.status_code == 400  # one country is not multilateral
    assert client.get(f"/api/v1/fora/{forum.pk}/history/").json()["count"] >= 2


def test_meetings_are_created_by_forum_editors_only(client, forum, users):
    client.force_login(users["staff"])
    response = client.post(
        "/api/v1/fora/meetings/", meeting_body(forum), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    client.force_login(users["requester"])  # a viewer
    response = client.post(
        "/api/v1/fora/meetings/",
        meeting_body(forum, title="Viewer's"),
        content_type="application/json",
    )
    assert response.status_code == 403
    client.force_login(users["pm"])  # cannot see the forum at all
    response = client.post(
        "/api/v1/fora/meetings/",
        meeting_body(forum, title="Stranger's"),
        content_type="application/json",
    )
    assert response.status_code == 400 and "forum" in response.json()
    assert list(Meeting.objects.values_list("title", flat=True)) == ["API plenary"]


def test_meeting_rules_are_400s(client, forum, users):
    client.force_login(users["staff"])
    body = meeting_body(forum, status="held")
    response = client.post("/api/v1/fora/meetings/", body, content_type="application/json")
    assert response.status_code == 400 and "status" in response.json()


def test_agenda_links_show_only_to_those_who_may_see_the_record(client, forum, users):
    meeting = MeetingFactory(forum=forum)
    program = ProgramFactory(name="Linked gannet program")
    teams.set_member(program, users["staff"], "viewer")
    client.force_login(users["staff"])
    body = {
        "meeting": meeting.pk,
        "title": "Gannet review",
        "link_type": "programs.program",
        "link_id": program.pk,
    }
    response = client.post("/api/v1/fora/agenda-items/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["linked_record"]["title"] == str(program)
    assert "link_id" not in response.json()
    item = AgendaItem.objects.get(title="Gannet review")
    client.force_login(users["requester"])  # sees the forum, not the program
    row = client.get(f"/api/v1/fora/agenda-items/{item.pk}/").json()
    assert row["linked_record"] is None and "gannet" not in str(row).lower().replace(
        "gannet review", ""
    )
    hidden = ProgramFactory(name="Hidden")
    client.force_login(users["staff"])
    body.update(title="Sneaky", link_id=hidden.pk)
    response = client.post("/api/v1/fora/agenda-items/", body, content_type="application/json")
    assert response.status_code == 400 and "link_id" in response.json()


def test_action_items_mine_and_overdue(client, forum, users):
    meeting = with_children(MeetingFactory(forum=forum))
    late = ActionItem.objects.create(
        meeting=meeting,
        description="Late",
        owner_user=users["staff"],
        due_date=TODAY - datetime.timedelta(days=1),
    )
    client.force_login(users["staff"])
    rows = client.get("/api/v1/fora/action-items/?owner=mine").json()["results"]
    assert [r["id"] for r in rows] == [late.pk] and rows[0]["is_overdue"] is True
    everyone = client.get("/api/v1/fora/action-items/").json()["count"]
    assert everyone == 2
    overdue = client.get("/api/v1/fora/action-items/?state=overdue").json()["results"]
    assert [r["id"] for r in overdue] == [late.pk]
    response = client.post(
        "/api/v1/fora/action-items/",
        {
            "meeting": meeting.pk,
            "description": "x",
            "owner_user": "reviewer",
            "due_date": str(TODAY),
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "owner_user" in response.json()


def test_schema_lists_the_fora_endpoints(client, users):
    client.force_login(users["staff"])
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/fora/",
        "/api/v1/fora/{id}/",
        "/api/v1/fora/meetings/",
        "/api/v1/fora/meetings/{id}/",
        "/api/v1/fora/action-items/",
        "/api/v1/fora/agenda-items/",
    ):
        assert path in schema["paths"], path
