"""Issue 17, parts 7, 8 and 10: DDLs, precedents and standard provisos, and the program
facts a case's deciders read on the case (and nowhere else)."""

from datetime import date, timedelta

import pytest

from core import teams
from core.permissions import read_through
from tests.programs.factories import ProgramFactory
from tests.tsfd.factories import VALID, S, advance, draft, fresh, make_ddl
from tsfd import workflow
from tsfd.models import InformationCategory, StandardProviso

pytestmark = pytest.mark.django_db


# --- Part 7: DDLs ----------------------------------------------------------------------------


def test_an_expired_ddl_is_flagged_where_it_is_used(client, cast):
    old = make_ddl("DDL-T-009", "Old heron letter", expires_in=-10)
    case = advance(
        draft(cast["requester"], ddl=old), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    client.force_login(cast["approver"])
    page = client.get(case.get_absolute_url()).text
    assert "DDL-T-009" in page and f"expired on {old.expires_on:%Y-%m-%d}" in page
    assert "Expired" in client.get("/tsfd/ddl/").text
    assert "Expired" in client.get(old.get_absolute_url()).text
    workflow.decide(fresh(case), cast["approver"], "approve", "Ok.", **VALID)
    decision = client.get(case.get_absolute_url()).text
    assert "Under DDL" in decision
    assert client.get("/api/v1/tsfd/ddls/").json()["results"][0]["is_expired"] is True


def test_the_decision_names_its_ddl_through_the_page_and_the_api(client, cast):
    letter = make_ddl("DDL-T-010", "Current letter")
    case = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    client.force_login(cast["approver"])
    response = client.post(
        f"/api/v1/tsfd/requests/{case.pk}/decide/",
        {
            "decision": "approve",
            "rationale": "Ok.",
            "ddl": letter.pk,
            "limit": "C",
            "valid_until": (date.today() + timedelta(days=30)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["ddl"] == letter.pk
    detail = client.get(letter.get_absolute_url()).text
    assert case.number in detail  # the DDL lists the cases under it


def test_a_ddl_someone_may_not_see_is_refused_at_decision(client, cast, make_user):
    letter = make_ddl("DDL-T-011", "Letter")
    case = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    client.force_login(cast["approver"])
    response = client.post(
        f"/api/v1/tsfd/requests/{case.pk}/decide/",
        {
            "decision": "approve",
            "rationale": "Ok.",
            "ddl": letter.pk + 999,
            "limit": "C",
            "valid_until": (date.today() + timedelta(days=30)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and fresh(case).status == S.DECISION_PENDING


def test_ddls_show_on_the_country_page_and_in_search(client, cast):
    letter = make_ddl("DDL-T-012", "Kestrel optics letter", countries=("GBR", "AUS"))
    client.force_login(cast["requester"])
    country = client.get(letter.countries.get(iso3="AUS").get_absolute_url()).text
    assert "DDL-T-012" in country
    assert letter.get_absolute_url() in client.get("/search/?q=kestrel").text


def test_a_ddl_refuses_to_expire_before_it_is_issued(client, users):
    client.force_login(users["admin"])
    response = client.post(
        "/api/v1/tsfd/ddls/",
        {
            "number": "DDL-T-013",
            "title": "Backwards",
            "system": "x",
            "scope": "y",
            "countries": ["GBR"],
            "classification_limit": "C",
            "issued_on": "2026-06-01",
            "expires_on": "2026-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "expires_on" in response.json()


# --- Part 8: precedents and standard provisos --------------------------------------------------


def test_precedents_list_earlier_decisions_for_the_country_and_category(client, cast):
    category = InformationCategory.objects.get(number=3)
    earlier = advance(
        draft(cast["requester"], title="Earlier harrier case", information_category=category),
        S.APPROVED_WITH_PROVISOS,
        cast["approver"],
        [cast["reviewer"]],
        decision="approve_with_provisos",
    )
    hidden = advance(
        draft(cast["requester2"], title="Hidden earlier case", information_category=category),
        S.DENIED,
        cast["approver"],
        [cast["reviewer2"]],
        decision="deny",
    )
    other_country = advance(
        draft(cast["requester"], title="French case", country="FRA", information_category=category),
        S.APPROVED,
        cast["approver"],
        [cast["reviewer"]],
    )
    case = advance(
        draft(cast["requester"], title="New harrier case", information_category=category),
        S.IN_REVIEW,
        cast["approver"],
        [cast["reviewer"]],
    )
    # The assigned reviewer sees the precedent they may see, with its provisos...
    client.force_login(cast["reviewer"])
    page = client.get(f"/tsfd/{case.pk}/review/").text
    assert earlier.number in page and "Only the interface drawings." in page
    # ...never one they may not see, nor another country's.
    assert hidden.number not in page and "Hidden earlier" not in page
    assert other_country.number not in page
    # The approver sees every decided case, so both precedents for the country.
    client.force_login(cast["approver"])
    page = client.get(case.get_absolute_url()).text
    assert earlier.number in page and hidden.number in page
    assert other_country.number not in page


def test_provisos_are_drawn_from_the_library_and_free_text(client, cast):
    standard = StandardProviso.objects.get(code="NO-RETRANSFER")
    case = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    client.force_login(cast["approver"])
    assert "NO-RETRANSFER" in client.get(f"/tsfd/{case.pk}/decide/").text
    response = client.post(
        f"/tsfd/{case.pk}/decide/",
        {
            "decision": "approve_with_provisos",
            "rationale": "Within policy.",
            "standard_provisos": [standard.pk],
            "provisos": "Interface drawings only.",
            "valid_until": VALID["valid_until"].isoformat(),
            "limit": "CUI",
        },
    )
    assert response.status_code == 302
    provisos = list(fresh(case).provisos.select_related("standard"))
    assert [(p.number, p.standard) for p in provisos] == [(1, standard), (2, None)]
    assert provisos[0].text == standard.text
    api = client.get(f"/api/v1/tsfd/requests/{case.pk}/").json()["provisos"]
    assert [p["standard"] for p in api] == ["NO-RETRANSFER", None]
    assert "standard proviso NO-RETRANSFER" in client.get(case.get_absolute_url()).text
    assert client.get("/api/v1/tsfd/standard-provisos/").json()["count"] >= 5


# --- Part 10: deciders see what they decide about ----------------------------------------------


@pytest.fixture
def hidden_program():
    return ProgramFactory(
        name="Secret kestrel programme",
        cpi_identified=True,
        anti_tamper_required=True,
        export_anti_tamper=True,
        summary="Budget line 7 and schedule risk: internal only.",
    )


def test_reviewer_and_approver_read_the_program_facts_on_the_case_only(
    client, cast, hidden_program
):
    case = advance(
        draft(cast["pm"], program=hidden_program), S.IN_REVIEW, cast["approver"], [cast["reviewer"]]
    )
    for who in ("reviewer", "approver"):
        client.force_login(cast[who])
        for url in (case.get_absolute_url(), f"/tsfd/{case.pk}/review/?area=NDP"):
            body = client.get(url).text
            assert "Secret kestrel programme" in body and hidden_program.code in body, (who, url)
            assert "Critical program information identified" in body
            assert "Anti-tamper required" in body and "anti-tamper" in body
            assert "Technology protection plan" in body
            assert "A program you may not see" not in body
            # Nothing else of the program: its description, its link.
            assert "Budget line 7" not in body
            assert hidden_program.get_absolute_url() not in body
        # The program's own pages and API still answer 404.
        assert client.get(hidden_program.get_absolute_url()).status_code == 404, who
        assert client.get(f"/api/v1/programs/{hidden_program.pk}/").status_code == 404, who
        assert "Secret kestrel" not in client.get("/programs/").text


def test_the_read_is_scoped_to_the_case_not_the_role(client, cast, hidden_program):
    assigned = advance(
        draft(cast["pm"], program=hidden_program), S.IN_REVIEW, cast["approver"], [cast["reviewer"]]
    )
    other = advance(
        draft(cast["pm"], program=hidden_program),
        S.IN_REVIEW,
        cast["approver"],
        [cast["reviewer2"]],
    )
    reviewer = cast["reviewer"]
    assert read_through(reviewer, assigned, "program")[0] == hidden_program
    # Another reviewer's case of the same program: not seen at all.
    assert read_through(reviewer, other, "program") == (None, ())
    client.force_login(reviewer)
    assert client.get(other.get_absolute_url()).status_code == 404
    # A requester who sees their own case, without the program, reads nothing of it.
    mine = draft(cast["requester"], program=hidden_program)
    assert read_through(cast["requester"], mine, "program") == (None, ())
    client.force_login(cast["requester"])
    body = client.get(mine.get_absolute_url()).text
    assert "A program you may not see" in body and "Secret kestrel" not in body
    # Someone who may see the program sees it in full, as before (a link, no fact list).
    teams.set_member(hidden_program, cast["staff"], "viewer")
    assert read_through(cast["staff"], mine, "program") == (hidden_program, None)


def test_the_approver_who_requested_a_case_reads_nothing_through_the_rule(
    cast, make_user, hidden_program
):
    from django.contrib.auth.models import Group

    from core import roles

    both = make_user("both-facts", roles.TSFD_REQUESTER)
    both.groups.add(Group.objects.get(name=roles.TSFD_APPROVER))
    case = draft(both, program=hidden_program)
    assert read_through(both, case, "program") == (None, ())
    assert read_through(cast["approver"], case, "program")[0] == hidden_program


def test_a_ddl_expiring_before_issue_is_refused_on_the_page_and_in_the_admin(client, cast, users):
    from core.models import Country
    from tsfd.models import DelegationLetter

    body = {
        "number": "DDL-T-014",
        "title": "Backwards letter",
        "system": "x",
        "scope": "y",
        "countries": [Country.objects.get(iso3="GBR").pk],
        "classification_limit": "C",
        "issued_on": "2026-06-01",
        "expires_on": "2026-01-01",
        "classification": "U",
    }
    client.force_login(cast["approver"])
    page = client.post("/tsfd/ddl/add/", body)
    assert page.status_code == 200 and "cannot expire before it is issued" in page.text
    client.force_login(users["admin"])
    admin = client.post("/admin/tsfd/delegationletter/add/", body)
    assert admin.status_code == 200 and "cannot expire before it is issued" in admin.text
    assert not DelegationLetter.objects.exists()
    # The approver adds a letter that is right; a requester only reads the library.
    client.force_login(cast["approver"])
    ok = client.post("/tsfd/ddl/add/", {**body, "expires_on": "2027-06-01"})
    assert ok.status_code == 302, ok.content
    client.force_login(cast["requester"])
    assert client.get("/tsfd/ddl/add/").status_code == 403
    assert "Backwards letter" in client.get("/tsfd/ddl/").text
