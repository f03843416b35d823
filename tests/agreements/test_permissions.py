"""Agreements through the generic permission suite: every URL, every API endpoint."""

import datetime

import pytest

from agreements.models import Agreement
from tests.agreements.factories import AgreementFactory, with_participants
from tests.generic import PermissionSuite

pytestmark = pytest.mark.django_db


class TestAgreementPermissions(PermissionSuite):
    namespace = "agreements"
    model = Agreement
    api_list = "/api/v1/agreements/"
    api_children = (("/api/v1/agreements/participants/", "agreement"),)
    post_only = ("bulk_edit", "transition")

    def make_objects(self):
        return (
            with_participants(AgreementFactory(title="Visible falcon accord")),
            with_participants(AgreementFactory(title="Hidden osprey accord")),
        )

    def title_of(self, obj):
        return obj.title


def test_responsible_official_sees_and_edits_their_agreement(client, make_user):
    official = make_user("official-x", "IC Staff")
    mine = with_participants(AgreementFactory(responsible_official=official))
    other = with_participants(AgreementFactory())
    client.force_login(official)
    body = client.get("/agreements/").text
    assert mine.title in body and other.title not in body
    assert client.get(f"/agreements/{mine.pk}/edit/").status_code == 200
    assert client.get(f"/agreements/{other.pk}/").status_code == 404


def test_team_membership_grants_and_revokes(client, users):
    from core import teams

    agreement = with_participants(AgreementFactory())
    staff = users["staff"]
    client.force_login(staff)
    assert client.get(agreement.get_absolute_url()).status_code == 404
    teams.set_member(agreement, staff, "viewer")
    assert client.get(agreement.get_absolute_url()).status_code == 200
    assert client.get(f"/agreements/{agreement.pk}/participants/").status_code == 403
    teams.set_member(agreement, staff, "editor")
    assert client.get(f"/agreements/{agreement.pk}/participants/").status_code == 200
    assert client.get(f"/agreements/{agreement.pk}/team/").status_code == 403
    teams.set_member(agreement, staff, "lead")
    assert client.get(f"/agreements/{agreement.pk}/team/").status_code == 200
    teams.remove_member(agreement, staff)
    assert client.get(agreement.get_absolute_url()).status_code == 404


def test_leadership_sees_every_agreement_but_changes_none(client, users):
    agreement = with_participants(AgreementFactory())
    client.force_login(users["leader"])
    assert client.get(agreement.get_absolute_url()).status_code == 200
    assert client.get(f"/agreements/{agreement.pk}/edit/").status_code == 403
    assert "Add agreement" not in client.get("/agreements/").text


# --- coordination rows follow their agreement ------------------------------------------


@pytest.fixture
def coordinations(db):
    """Two agreements, each with one office's coordination row (no office members)."""
    from agreements.models import CoordinatingOffice, Coordination

    office = CoordinatingOffice.objects.create(name="Comptroller", short_name="COMP")
    rows = []
    for title in ("Visible falcon accord", "Hidden osprey accord"):
        agreement = with_participants(AgreementFactory(title=title, status="rad_requested"))
        rows.append(
            Coordination.objects.create(
                agreement=agreement,
                stage="rad",
                office=office,
                due_on=datetime.date.today() + datetime.timedelta(days=5),
            )
        )
    return rows


def _coordination_urls(row):
    return [
        f"/agreements/coordination/{row.pk}/answer/",
        f"/agreements/coordination/{row.pk}/overrule/",
        f"/api/v1/agreements/coordination/{row.pk}/",
    ]


def test_coordination_signed_out_goes_to_sign_in(client, coordinations):
    for url in ["/agreements/coordination/", *_coordination_urls(coordinations[0])[:2]]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/agreements/coordination/").status_code in (401, 403)


def test_coordination_without_permission_shows_nothing(client, coordinations, make_user):
    client.force_login(make_user("nobody-at-all"))
    body = client.get("/agreements/coordination/").text
    assert "falcon" not in body and "osprey" not in body
    export = b"".join(client.get("/agreements/coordination/?export=csv").streaming_content)
    assert b"falcon" not in export and b"osprey" not in export
    assert client.get("/api/v1/agreements/coordination/").json()["count"] == 0
    for row in coordinations:
        for url in _coordination_urls(row):
            assert client.get(url).status_code == 404, url
        for action in ("answer", "overrule"):
            response = client.post(
                f"/api/v1/agreements/coordination/{row.pk}/{action}/",
                {"answer": "concur", "reason": "x"},
                content_type="application/json",
            )
            assert response.status_code == 404


def test_coordination_view_on_one_agreement_shows_that_one_only(client, coordinations, make_user):
    from core import teams

    visible, hidden = coordinations
    viewer = make_user("viewer-x", "IC Staff")
    teams.set_member(visible.agreement, viewer, "viewer")
    client.force_login(viewer)
    body = client.get("/agreements/coordination/").text
    assert "falcon" in body and "osprey" not in body
    ids = [r["id"] for r in client.get("/api/v1/agreements/coordination/").json()["results"]]
    assert ids == [visible.pk]
    for url in _coordination_urls(hidden):
        assert client.get(url).status_code == 404
    # Viewing is not answering (nor overruling).
    assert client.get(_coordination_urls(visible)[0]).status_code == 403
    assert client.get(_coordination_urls(visible)[1]).status_code == 403
    teams.set_member(visible.agreement, viewer, "editor")
    assert client.get(_coordination_urls(visible)[0]).status_code == 200


def test_leadership_sees_every_coordination_and_answers_none(client, coordinations, users):
    client.force_login(users["leader"])
    assert client.get("/api/v1/agreements/coordination/").json()["count"] == 2
    body = client.get("/agreements/coordination/").text
    assert "falcon" in body and "osprey" in body
    assert client.get(_coordination_urls(coordinations[0])[0]).status_code == 403
    # Nothing to overrule: the office has not non-concurred.
    assert client.get(_coordination_urls(coordinations[0])[1]).status_code == 403
