"""Programs through the generic permission suite: every URL, every API endpoint."""

import pytest

from programs.models import Program
from tests.generic import PermissionSuite
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db


class TestProgramPermissions(PermissionSuite):
    namespace = "programs"
    model = Program
    api_list = "/api/v1/programs/"
    api_children = (
        ("/api/v1/programs/participants/", "program"),
        ("/api/v1/programs/funding/", "program"),
        ("/api/v1/programs/milestones/", "program"),
    )
    post_only = ("bulk_edit",)

    def make_objects(self):
        return (
            with_children(ProgramFactory(name="Visible falcon")),
            with_children(ProgramFactory(name="Hidden osprey")),
        )


def test_program_manager_named_on_a_program_sees_it(client, make_user):
    pm = make_user("pm-x", "Program Manager")
    mine = with_children(ProgramFactory(program_manager=pm))
    other = with_children(ProgramFactory())
    client.force_login(pm)
    body = client.get("/programs/").text
    assert mine.code in body and other.code not in body
    assert client.get(f"/programs/{other.pk}/").status_code == 404


def test_team_membership_grants_and_revokes(client, make_user, users):
    from core import teams

    program = with_children(ProgramFactory())
    staff = users["staff"]
    client.force_login(staff)
    assert client.get(program.get_absolute_url()).status_code == 404
    teams.set_member(program, staff, "viewer")
    assert client.get(program.get_absolute_url()).status_code == 200
    assert client.get(f"/programs/{program.pk}/edit/").status_code == 403
    teams.set_member(program, staff, "editor")
    assert client.get(f"/programs/{program.pk}/edit/").status_code == 200
    teams.remove_member(program, staff)
    assert client.get(program.get_absolute_url()).status_code == 404


def test_country_page_lists_only_visible_programs(client, users):
    from core import teams

    seen = with_children(ProgramFactory(name="Seen harrier"), countries=("USA", "NOR"))
    with_children(ProgramFactory(name="Unseen kestrel"), countries=("USA", "NOR"))
    teams.set_member(seen, users["staff"], "viewer")
    client.force_login(users["staff"])
    body = client.get("/countries/NOR/").text
    assert "Seen harrier" in body and "Unseen kestrel" not in body
