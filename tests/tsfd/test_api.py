"""The TSFD API: the same rules as the pages, with the workflow as actions."""

import pytest

from tests.tsfd.factories import COMPLETE, S, advance, area, attach, draft, fresh
from tsfd.models import DisclosureRequest

pytestmark = pytest.mark.django_db

BODY = {
    "title": "API disclosure",
    "recipient_country": "GBR",
    "technology": "Interface drawings.",
    "disclosure_form": "documentary",
    "purpose": "Integration.",
    **COMPLETE,
}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_requester_creates_and_submits_through_the_api(client, cast):
    client.force_login(cast["requester"])
    created = post(client, "/api/v1/tsfd/requests/", BODY)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["requested_by"] == "requester" and data["status"] == "draft"
    assert data["number"].startswith("TSFD-")
    attach(DisclosureRequest.objects.get(pk=data["id"]))
    submitted = post(client, f"/api/v1/tsfd/requests/{data['id']}/transition/", {"name": "submit"})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_classification_above_cui_is_refused_with_a_clear_message(client, cast):
    """The case's own marking stays at most CUI; the technology involved may be Secret,
    recorded as a fact of the case (highest classification involved)."""
    client.force_login(cast["requester"])
    response = post(client, "/api/v1/tsfd/requests/", {**BODY, "classification": "S"})
    assert response.status_code == 400
    assert "proper classified system" in str(response.json()["classification"])
    assert not DisclosureRequest.objects.exists()
    response = post(client, "/api/v1/tsfd/requests/", {**BODY, "highest_classification": "S"})
    assert response.status_code == 201, response.content
    case = DisclosureRequest.objects.get()
    assert case.highest_classification == "S" and case.classification == "CUI"
    page = client.get("/tsfd/add/")
    assert "Top Secret" in page.text and "stay at most CUI" in page.text


def test_status_and_requester_cannot_be_written(client, cast):
    client.force_login(cast["requester"])
    created = post(client, "/api/v1/tsfd/requests/", {**BODY, "status": "approved"}).json()
    assert created["status"] == "draft"
    case = DisclosureRequest.objects.get(pk=created["id"])
    assert case.requested_by == cast["requester"]


def test_workflow_actions_follow_the_rules(client, cast):
    case = advance(draft(cast["requester"]), S.INTAKE, cast["approver"])
    ndp = area("NDP")
    client.force_login(cast["approver"])
    url = f"/api/v1/tsfd/requests/{case.pk}/"
    refused = post(client, url + "assign/", {"area": "NDP", "reviewer": "requester"})
    assert refused.status_code == 400 and "own request" in refused.json()["reasons"][0]
    assigned = post(client, url + "assign/", {"area": ndp.code, "reviewer": "reviewer"})
    assert assigned.status_code == 200
    assert post(client, url + "transition/", {"name": "send_to_review"}).status_code == 200
    client.force_login(cast["reviewer"])
    review_id = client.get(f"/api/v1/tsfd/reviews/?request={case.pk}").json()["results"][0]["id"]
    recorded = post(
        client, f"/api/v1/tsfd/reviews/{review_id}/record/", {"recommendation": "concur"}
    )
    assert recorded.status_code == 200
    assert fresh(case).status == S.DECISION_PENDING
    denied = post(client, url + "decide/", {"decision": "approve", "rationale": "Me?"})
    assert denied.status_code == 400 and fresh(case).status == S.DECISION_PENDING
    client.force_login(cast["approver"])
    decided = post(
        client,
        url + "decide/",
        {
            "decision": "approve_with_provisos",
            "rationale": "Ok.",
            "provisos": ["One", "Two"],
            "valid_until": "2099-12-31",
            "limit": "CUI",
        },
    )
    assert decided.status_code == 200
    assert [p["text"] for p in decided.json()["provisos"]] == ["One", "Two"]
    timeline = client.get(url + "timeline/").json()
    assert [t["target"] for t in timeline][-1] == "approved_provisos"


def test_invisible_case_actions_answer_404(client, cast):
    case = advance(draft(cast["requester"]), S.SUBMITTED, cast["approver"])
    client.force_login(cast["reviewer"])
    url = f"/api/v1/tsfd/requests/{case.pk}/"
    for action, body in (("transition/", {"name": "withdraw"}), ("decide/", {}), ("assign/", {})):
        assert post(client, url + action, body).status_code == 404
    assert client.get(url + "timeline/").status_code == 404
    assert fresh(case).status == S.SUBMITTED


def test_only_a_draft_is_deleted_through_the_api(client, cast):
    submitted = advance(draft(cast["requester"]), S.SUBMITTED, cast["approver"])
    a_draft = draft(cast["requester"])
    client.force_login(cast["requester"])
    assert client.delete(f"/api/v1/tsfd/requests/{submitted.pk}/").status_code == 403
    assert client.delete(f"/api/v1/tsfd/requests/{a_draft.pk}/").status_code == 204


def test_schema_documents_the_tsfd_api(client, cast):
    client.force_login(cast["staff"])
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/tsfd/requests/",
        "/api/v1/tsfd/requests/{id}/",
        "/api/v1/tsfd/requests/{id}/transition/",
        "/api/v1/tsfd/requests/{id}/decide/",
        "/api/v1/tsfd/requests/{id}/assign/",
        "/api/v1/tsfd/requests/{id}/timeline/",
        "/api/v1/tsfd/reviews/",
        "/api/v1/tsfd/reviews/{id}/record/",
        "/api/v1/tsfd/review-areas/",
    ):
        assert path in paths, path
