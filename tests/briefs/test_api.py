"""The briefs API: POST answers 202 at once; GET gives progress and the download URL."""

import pytest

from briefs.models import Packet
from core import teams
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db

API = "/api/v1/briefs/packets/"


@pytest.fixture
def mine(users):
    program = with_children(ProgramFactory(code="CP-2026-301", name="API program"))
    teams.set_member(program, users["staff"], "viewer")
    return program


def post(client, run_jobs, data):
    return run_jobs(client.post, API, data, content_type="application/json")


def test_post_answers_202_then_get_gives_status_and_download_url(client, users, mine, run_jobs):
    client.force_login(users["staff"])
    response = post(client, run_jobs, {"kind": "program", "programs": [mine.pk]})
    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == "program" and body["parameters"] == {"programs": [mine.pk]}
    assert body["requested_by"] == "staff"
    detail = client.get(f"{API}{body['id']}/").json()
    assert detail["status"] == "done" and detail["progress"] == 100
    assert detail["pages"] >= 1 and detail["size"] > 0 and detail["marking"]
    assert detail["download_url"] == f"http://testserver{API}{body['id']}/download/"
    pdf = client.get(detail["download_url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    assert client.get(API).json()["count"] == 1


def test_leadership_packet_by_filter_and_with_no_selection(client, users, run_jobs):
    with_children(ProgramFactory(health="red"))
    client.force_login(users["leader"])
    by_filter = post(client, run_jobs, {"kind": "leadership", "query": "health=red"}).json()
    assert by_filter["parameters"] == {"query": "health=red"}
    by_fields = post(
        client, run_jobs, {"kind": "leadership", "health": ["red"], "partner_country": ["GBR"]}
    ).json()
    assert by_fields["parameters"] == {"query": "health=red&country=GBR"}
    everything = post(client, run_jobs, {"kind": "leadership"}).json()
    assert everything["parameters"] == {}
    assert {p.status for p in Packet.objects.all()} == {"done"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "bogus"}, "kind", "is not a valid choice"),
        ({"kind": "program"}, "programs", "Choose at least one program."),
        ({"kind": "country", "country": "XXX"}, "country", "Select a valid choice"),
        ({"kind": "leadership", "query": "health=purple"}, "query", "This filter is not valid"),
    ],
)
def test_bad_requests_get_400_with_field_errors(client, users, run_jobs, data, field, message):
    client.force_login(users["leader"])
    response = post(client, run_jobs, data)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Packet.objects.exists()


def test_an_invisible_program_is_just_not_a_valid_choice(client, users, mine, run_jobs):
    hidden = with_children(ProgramFactory(code="CP-2026-302", name="Hidden from staff"))
    client.force_login(users["staff"])
    response = post(client, run_jobs, {"kind": "program", "programs": [mine.pk, hidden.pk]})
    assert response.status_code == 400
    assert "Hidden" not in response.text and "CP-2026-302" not in response.text
    assert not Packet.objects.exists()


def test_roles_without_the_add_permission_cannot_ask(client, users, run_jobs):
    client.force_login(users["reviewer"])
    assert post(client, run_jobs, {"kind": "leadership"}).status_code == 403


def test_cancel_rerun_and_delete(client, users, mine):
    client.force_login(users["staff"])
    client.post(API, {"kind": "program", "programs": [mine.pk]}, content_type="application/json")
    packet = Packet.objects.get()  # queued: its task was not sent (no commit in this test)
    assert client.post(f"{API}{packet.pk}/rerun/").status_code == 409
    assert client.delete(f"{API}{packet.pk}/").status_code == 409
    cancelled = client.post(f"{API}{packet.pk}/cancel/").json()
    assert cancelled["status"] == "cancelled" and cancelled["download_url"] is None
    assert client.post(f"{API}{packet.pk}/rerun/").status_code == 202
    client.post(f"{API}{packet.pk}/cancel/")
    assert client.delete(f"{API}{packet.pk}/").status_code == 204
    assert not Packet.objects.exists()


def test_schema_documents_the_briefs_api(client, users):
    client.force_login(users["staff"])
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in (API, API + "{id}/", API + "{id}/download/", API + "{id}/cancel/"):
        assert path in paths, path
