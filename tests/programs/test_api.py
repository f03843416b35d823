"""The programs API: same permissions, validation and locking as the pages."""

import pytest

from core import teams
from programs.models import Milestone, Program
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db


def post_milestone(client, program, title):
    """POST a milestone of `program` (due 2027-01-01) to the API."""
    return client.post(
        "/api/v1/programs/milestones/",
        {"program": program.pk, "title": title, "planned_date": "2027-01-01"},
        content_type="application/json",
    )


def test_token_authenticated_create_makes_the_author_team_lead(client, users):
    from core import tokens

    _, token = tokens.issue(users["pm"], "test", tokens.default_expiry_day(), read_only=False)
    response = client.post(
        "/api/v1/programs/",
        {"code": "CP-2026-901", "name": "From the API", "kind": "rdte", "phase": "concept"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] and body["code"] == "CP-2026-901" and body["version"] == 1
    program = Program.objects.get(pk=body["id"])
    assert teams.members(program).get().role == "lead"


def test_field_errors_come_back_as_400_with_field_names(client, users):
    client.force_login(users["pm"])
    ends_before_it_starts = {
        "code": "CP-2026-902",
        "name": "Bad",
        "kind": "rdte",
        "phase": "concept",
        "start_date": "2027-01-01",
        "end_date": "2026-01-01",
    }
    response = client.post(
        "/api/v1/programs/",
        {**ends_before_it_starts, "classification": "TS"},
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "classification" in errors and "proper classified system" in errors["classification"][0]
    assert not Program.objects.filter(code="CP-2026-902").exists()
    response = client.post(
        "/api/v1/programs/", ends_before_it_starts, content_type="application/json"
    )
    assert response.json() == {"end_date": ["The end date is before the start date."]}


def test_leadership_reads_but_cannot_create(client, users):
    with_children(ProgramFactory())
    client.force_login(users["leader"])
    assert client.get("/api/v1/programs/").json()["count"] == 1
    response = client.post(
        "/api/v1/programs/",
        {"code": "X", "name": "X", "kind": "rdte", "phase": "concept"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_stale_version_is_refused_with_409_and_if_match_with_412(client, users):
    program = ProgramFactory(name="Original")
    teams.set_member(program, users["pm"], "editor")
    client.force_login(users["pm"])
    url = f"/api/v1/programs/{program.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == '"1"'
    ok = client.patch(url, {"name": "First", "version": 1}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(url, {"name": "Second", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    precondition = client.patch(
        url, {"name": "Third"}, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert precondition.status_code == 412
    program.refresh_from_db()
    assert program.name == "First"


def test_children_of_invisible_programs_cannot_be_created_or_seen(client, users):
    hidden = with_children(ProgramFactory())
    mine = ProgramFactory()
    teams.set_member(mine, users["pm"], "editor")
    client.force_login(users["pm"])
    response = post_milestone(client, hidden, "Sneaky")
    assert response.status_code == 400
    assert "program" in response.json()
    assert not Milestone.objects.filter(title="Sneaky").exists()
    response = post_milestone(client, mine, "Fine")
    assert response.status_code == 201
    assert response.json()["status"] in ("on track", "overdue")


def test_viewer_cannot_add_children(client, users):
    program = ProgramFactory()
    teams.set_member(program, users["staff"], "viewer")
    client.force_login(users["staff"])
    response = post_milestone(client, program, "No")
    assert response.status_code == 403


def test_api_filters_match_the_list_page(client, users):
    with_children(ProgramFactory(name="Red api", health="red"), countries=("USA", "NOR"))
    with_children(ProgramFactory(name="Green api", health="green"))
    client.force_login(users["leader"])
    names = [r["name"] for r in client.get("/api/v1/programs/?health=red").json()["results"]]
    assert names == ["Red api"]
    rows = client.get("/api/v1/programs/?country=NOR").json()["results"]
    assert [r["name"] for r in rows] == ["Red api"] and rows[0]["partner_countries"] == [
        "USA",
        "NOR",
    ]


def test_schema_documents_the_programs_api(client, users):
    client.force_login(users["staff"])
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/programs/",
        "/api/v1/programs/{id}/",
        "/api/v1/programs/{id}/history/",
        "/api/v1/programs/milestones/",
        "/api/v1/programs/participants/",
        "/api/v1/programs/funding/",
    ):
        assert path in schema["paths"], path
    assert client.get("/api/v1/docs/").status_code == 200
