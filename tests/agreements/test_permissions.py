"""Agreements through the generic permission suite: every URL, every API endpoint."""

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
