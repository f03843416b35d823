"""Issue 17, part 9: a decision's validity and scope, and the release log under it."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from core.workflow import TransitionRefused
from tests.tsfd.factories import VALID, S, advance, draft, fresh, record_release
from tsfd import workflow
from tsfd.models import Release

pytestmark = pytest.mark.django_db


def decided(cast, decision="approve", **fields):
    return advance(
        draft(cast["requester"], **fields),
        S.APPROVED if decision == "approve" else S.DENIED,
        cast["approver"],
        [cast["reviewer"]],
        decision=decision,
    )


def test_an_approval_says_until_when_and_up_to_which_level(client, cast):
    case = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    with pytest.raises(TransitionRefused) as refused:
        workflow.decide(fresh(case), cast["approver"], "approve", "Fine.")
    assert "until when" in " ".join(refused.value.reasons)
    assert "highest classification" in " ".join(refused.value.reasons)
    with pytest.raises(TransitionRefused, match="after today"):
        workflow.decide(
            fresh(case), cast["approver"], "approve", "Fine.", valid_until=date.today(), limit="C"
        )
    client.force_login(cast["approver"])
    api = client.post(
        f"/api/v1/tsfd/requests/{case.pk}/decide/",
        {"decision": "approve", "rationale": "Fine."},
        content_type="application/json",
    )
    assert api.status_code == 400 and "until when" in " ".join(api.json()["reasons"])
    page = client.post(f"/tsfd/{case.pk}/decide/", {"decision": "approve", "rationale": "Fine."})
    assert page.status_code == 400 and "Say until when" in page.text
    assert fresh(case).status == S.DECISION_PENDING
    workflow.decide(fresh(case), cast["approver"], "approve", "Fine.", **VALID)
    case = fresh(case)
    assert case.decision_valid_until == VALID["valid_until"] and case.decision_limit == "CUI"
    # A denial has neither.
    denied = decided(cast, "deny")
    assert denied.decision_valid_until is None and denied.decision_limit == ""


def test_a_release_under_a_denial_is_refused_on_every_path(client, cast):
    case = decided(cast, "deny")
    with pytest.raises(ValidationError, match="denied"):
        record_release(case, cast["approver"])
    client.force_login(cast["approver"])
    response = client.post(
        "/api/v1/tsfd/releases/",
        {
            "request": case.pk,
            "released_on": date.today().isoformat(),
            "what": "Drawings",
            "recipient": "Partner",
            "recipient_country": "GBR",
            "classification_released": "CUI",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "denied" in str(response.json())
    page = client.post(
        f"/tsfd/{case.pk}/releases/add/",
        {
            "released_on": date.today().isoformat(),
            "what": "Drawings",
            "recipient": "Partner",
            "recipient_country": case.recipient_country_id,
            "classification_released": "CUI",
        },
    )
    assert page.status_code == 200 and "denied" in page.text
    # Nor before a decision.
    pending = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    with pytest.raises(ValidationError, match="not decided"):
        record_release(pending, cast["approver"])
    assert not Release.objects.exists()


def test_only_a_foreign_disclosure_officer_records_a_release(client, cast):
    case = decided(cast)
    with pytest.raises(ValidationError, match="foreign disclosure officer"):
        record_release(case, cast["requester"])
    client.force_login(cast["requester"])  # may change their own case, is not an FDO
    assert client.get(f"/tsfd/{case.pk}/releases/add/").status_code == 403
    response = client.post(
        "/api/v1/tsfd/releases/",
        {
            "request": case.pk,
            "released_on": date.today().isoformat(),
            "what": "x",
            "recipient": "y",
            "recipient_country": "GBR",
            "classification_released": "CUI",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    client.force_login(cast["reviewer"])  # sees the case, may not change it
    assert client.get(f"/tsfd/{case.pk}/releases/add/").status_code == 403
    assert not Release.objects.exists()


def test_the_fdo_records_a_release_through_the_page_and_the_api(client, cast):
    case = decided(cast)
    client.force_login(cast["approver"])
    form = client.get(f"/tsfd/{case.pk}/releases/add/")
    assert form.status_code == 200
    response = client.post(
        f"/tsfd/{case.pk}/releases/add/",
        {
            "released_on": date.today().isoformat(),
            "what": "Interface drawings sheet 1-4",
            "recipient": "MOD program office",
            "recipient_country": case.recipient_country_id,
            "classification_released": "CUI",
        },
    )
    assert response.status_code == 302, response.content
    release = Release.objects.get()
    assert release.released_by == cast["approver"] and release.beyond_scope() == []
    api = client.post(
        "/api/v1/tsfd/releases/",
        {
            "request": case.pk,
            "released_on": date.today().isoformat(),
            "what": "Sheet 5",
            "recipient": "MOD program office",
            "recipient_country": "GBR",
            "classification_released": "CUI",
        },
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert api.json()["released_by"] == "approver" and api.json()["beyond_scope"] == []
    # The log is append-only through the API.
    rid = api.json()["id"]
    assert client.delete(f"/api/v1/tsfd/releases/{rid}/").status_code == 405
    assert client.patch(f"/api/v1/tsfd/releases/{rid}/", {}).status_code == 405
    page = client.get(case.get_absolute_url()).text
    assert "Interface drawings sheet 1-4" in page and "Sheet 5" in page


def test_releases_beyond_scope_are_flagged_on_the_release_the_case_and_the_list(client, cast):
    case = decided(cast)  # limit CUI, valid a year, to GBR
    above = record_release(case, cast["approver"], classification_released="S", what="Above")
    elsewhere = record_release(
        case,
        cast["approver"],
        recipient_country=case.recipient_country.__class__.objects.get(iso3="FRA"),
        what="Elsewhere",
    )
    fine = record_release(case, cast["approver"], what="Fine")
    assert "above the decision's limit" in above.beyond_scope()[0]
    assert "other than the case's" in elsewhere.beyond_scope()[0]
    assert fine.beyond_scope() == []
    client.force_login(cast["approver"])
    page = client.get(case.get_absolute_url()).text
    assert "2 releases beyond the decision" in page
    listing = client.get("/tsfd/releases/").text
    assert listing.count("Beyond scope") == 2
    assert "Beyond the decision" in client.get(above.get_absolute_url()).text
    api = client.get(f"/api/v1/tsfd/releases/{fine.pk}/").json()
    assert api["beyond_scope"] == []


def test_an_expired_decision_is_flagged_and_a_later_release_is_beyond_scope(client, cast):
    case = decided(cast)
    # The decision is final: its validity ran out as time passed (set here in the past).
    type(case).objects.filter(pk=case.pk).update(
        decision_valid_until=date.today() - timedelta(days=1)
    )
    case = fresh(case)
    assert case.decision_expired
    late = record_release(case, cast["approver"], what="Late")
    assert late.beyond_scope() == ["Released after the decision expired."]
    client.force_login(cast["requester"])
    page = client.get(case.get_absolute_url()).text
    assert "The decision expired on" in page


def test_a_release_cannot_predate_its_decision_or_lie_in_the_future(cast):
    case = decided(cast)
    with pytest.raises(ValidationError, match="before its decision"):
        record_release(case, cast["approver"], released_on=date.today() - timedelta(days=3))
    with pytest.raises(ValidationError, match="once it has happened"):
        record_release(case, cast["approver"], released_on=date.today() + timedelta(days=3))


def test_releases_show_on_the_country_page_and_in_search(client, cast):
    case = decided(cast)
    record_release(case, cast["approver"], what="Periscope optics interface sheet")
    client.force_login(cast["requester"])
    country = client.get(case.recipient_country.get_absolute_url()).text
    assert "TSFD releases" in country and case.number in country
    assert "Release of" in client.get("/search/?q=periscope").text
