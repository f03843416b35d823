"""Who sees which disclosure request: the generic suite on every TSFD URL, plus TSFD's rules."""

import pytest
from django.contrib.auth import get_user_model

from core import teams
from tests.generic import PermissionSuite
from tests.programs.factories import ProgramFactory
from tests.tsfd.factories import S, advance, draft, fresh, make_ddl, record_release
from tsfd import workflow
from tsfd.models import DelegationLetter, DisclosureRequest

pytestmark = pytest.mark.django_db


class TestDisclosureRequestPermissions(PermissionSuite):
    namespace = "tsfd"
    model = DisclosureRequest
    api_list = "/api/v1/tsfd/requests/"
    api_children = (("/api/v1/tsfd/reviews/", "request"),)

    def make_objects(self):
        people = {u.username: u for u in get_user_model().objects.all()}
        approver, reviewer = people["approver"], people["reviewer"]
        # The first is returned for information (so its requester may edit it); both have
        # a review, so the reviews API has children to hide.
        first = advance(
            draft(people["requester"], title="Visible falcon disclosure"),
            S.IN_REVIEW,
            approver,
            [reviewer],
        )
        workflow.step(first, approver, "return", comment="Which drawings?")
        second = advance(
            draft(people["pm"], title="Hidden osprey disclosure"), S.IN_REVIEW, approver, [reviewer]
        )
        return fresh(first), fresh(second)

    def title_of(self, obj):
        return obj.title


def test_requester_sees_own_requests_only(client, cast):
    mine = draft(cast["requester"], title="Mine alone")
    theirs = draft(cast["requester2"], title="Someone else's")
    client.force_login(cast["requester"])
    body = client.get("/tsfd/").text
    assert "Mine alone" in body and "Someone else&#x27;s" not in body
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/tsfd/requests/{theirs.pk}/").status_code == 404


def test_reviewer_sees_only_assigned_cases(client, cast):
    assigned = advance(draft(cast["requester"]), S.IN_REVIEW, cast["approver"], [cast["reviewer"]])
    other = advance(draft(cast["requester"]), S.IN_REVIEW, cast["approver"], [cast["reviewer2"]])
    waiting = advance(draft(cast["requester"]), S.SUBMITTED, cast["approver"])
    client.force_login(cast["reviewer"])
    assert client.get(assigned.get_absolute_url()).status_code == 200
    for case in (other, waiting):
        assert client.get(case.get_absolute_url()).status_code == 404
        assert client.get(f"/tsfd/{case.pk}/review/").status_code == 404
    ids = [r["id"] for r in client.get("/api/v1/tsfd/requests/").json()["results"]]
    assert ids == [assigned.pk]
    reviews = client.get("/api/v1/tsfd/reviews/").json()["results"]
    assert {r["request"] for r in reviews} == {assigned.pk}


def test_program_team_sees_the_cases_of_their_program(client, cast):
    program = ProgramFactory(name="Teal harrier")
    case = draft(cast["requester"], title="Harrier drawings", program=program)
    elsewhere = draft(cast["requester"], title="Unlinked case")
    staff = cast["staff"]
    client.force_login(staff)
    assert client.get(case.get_absolute_url()).status_code == 404
    teams.set_member(program, staff, "viewer")
    assert client.get(case.get_absolute_url()).status_code == 200
    assert client.get(elsewhere.get_absolute_url()).status_code == 404
    # Seeing a case does not let the team change it: only its requester does.
    assert client.get(f"/tsfd/{case.pk}/edit/").status_code == 403
    panel = client.get(program.get_absolute_url()).text
    assert 'id="tsfd"' in panel and "Harrier drawings" in panel


def test_leadership_sees_every_case_but_changes_none(client, cast):
    case = draft(cast["requester"], title="Leadership can read")
    client.force_login(cast["leader"])
    assert "Leadership can read" in client.get("/tsfd/").text
    assert client.get(f"/tsfd/{case.pk}/edit/").status_code == 403
    assert client.get(f"/tsfd/{case.pk}/delete/").status_code == 403
    response = client.patch(
        f"/api/v1/tsfd/requests/{case.pk}/", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "New disclosure request" not in client.get("/tsfd/").text


def test_invisible_program_is_neither_named_nor_offered(client, cast):
    hidden = ProgramFactory(name="Secret kestrel programme")
    case = advance(
        draft(cast["pm"], program=hidden), S.IN_REVIEW, cast["approver"], [cast["reviewer"]]
    )
    other = draft(cast["pm"], program=hidden, title="Not assigned to anyone")
    # The assigned reviewer reads the program's facts on the case (part 10, see
    # test_program_facts.py) but nowhere else: not in the list, nor the queue.
    client.force_login(cast["reviewer"])
    for url in ("/tsfd/", "/tsfd/queue/"):
        body = client.get(url).text
        assert "Secret kestrel" not in body, url
        assert hidden.code not in body, url
    assert client.get(other.get_absolute_url()).status_code == 404
    # Someone who only sees the case through the program's agreement-less link sees
    # nothing of the program: a requester2 never sees the case at all.
    client.force_login(cast["requester2"])
    assert client.get(case.get_absolute_url()).status_code == 404
    client.force_login(cast["requester"])
    assert "Secret kestrel" not in client.get("/tsfd/add/").text
    assert "Secret kestrel" not in client.get("/tsfd/").text  # the filter's dropdown


def test_program_dropdown_refuses_an_invisible_program(client, cast):
    hidden = ProgramFactory(name="Hidden gannet")
    client.force_login(cast["requester"])
    response = client.post(
        "/api/v1/tsfd/requests/",
        {
            "title": "Try to link",
            "program": hidden.pk,
            "recipient_country": "GBR",
            "technology": "x",
            "disclosure_form": "documentary",
            "highest_classification": "CUI",
            "purpose": "y",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "program" in response.json()
    assert not DisclosureRequest.objects.filter(title="Try to link").exists()


def test_profile_panel_lists_the_users_open_requests_and_reviews(client, cast):
    advance(
        draft(cast["requester"], title="Profile case"),
        S.IN_REVIEW,
        cast["approver"],
        [cast["reviewer"]],
    )
    client.force_login(cast["reviewer"])
    body = client.get("/accounts/profile/").text
    assert "NDP review of TSFD-" in body
    client.force_login(cast["requester"])
    assert "Profile case" in client.get("/accounts/profile/").text


def test_agreement_page_lists_its_visible_requests(client, cast):
    from tests.agreements.factories import AgreementFactory

    # (a responsible official is set: the agreement page needs one to render at present)
    agreement = AgreementFactory(title="Pelican arrangement", responsible_official=cast["staff"])
    draft(cast["requester"], title="Pelican annex disclosure", agreement=agreement)
    client.force_login(cast["leader"])
    body = client.get(agreement.get_absolute_url()).text
    assert "Pelican annex disclosure" in body


def test_search_finds_a_request_only_for_those_who_may_see_it(client, cast):
    case = draft(cast["requester"], title="Periscope optics disclosure")
    client.force_login(cast["requester"])
    assert case.get_absolute_url() in client.get("/search/?q=periscope").text
    client.force_login(cast["requester2"])
    body = client.get("/search/?q=periscope").text
    assert case.get_absolute_url() not in body and case.number not in body


class TestDelegationLetterPermissions(PermissionSuite):
    namespace = "ddl"
    model = DelegationLetter
    api_list = "/api/v1/tsfd/ddls/"

    def make_objects(self):
        return make_ddl("DDL-T-001", "Visible heron letter"), make_ddl(
            "DDL-T-002", "Hidden ibis letter"
        )

    def title_of(self, obj):
        return obj.title


def test_release_follows_its_case(client, cast):
    """A release is seen by whoever sees its decision, and by nobody else."""
    case = advance(
        draft(cast["requester"], title="Released case"),
        S.APPROVED,
        cast["approver"],
        [cast["reviewer"]],
    )
    release = record_release(case, cast["approver"], what="Interface drawings, sheet 1")
    client.force_login(cast["requester"])
    assert client.get(release.get_absolute_url()).status_code == 200
    assert "Interface drawings, sheet 1" in client.get("/tsfd/releases/").text
    assert client.get(f"/api/v1/tsfd/releases/{release.pk}/").status_code == 200
    client.force_login(cast["requester2"])
    assert client.get(release.get_absolute_url()).status_code == 404
    assert client.get(f"/tsfd/releases/{release.pk}/history/").status_code == 404
    assert "Interface drawings" not in client.get("/tsfd/releases/").text
    assert client.get(f"/api/v1/tsfd/releases/{release.pk}/").status_code == 404
    assert client.get("/api/v1/tsfd/releases/").json()["count"] == 0
    body = client.get("/search/?q=sheet").text
    assert release.get_absolute_url() not in body
