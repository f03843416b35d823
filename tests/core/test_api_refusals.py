"""Workflow actions answer every 400 as `{"reasons": [...]}`, the body their schema
documents (core.api_errors), even for a body that is not JSON; and the schema says so
for exactly those actions."""

import json
import re

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from core import roles
from tests.agreements.factories import AgreementFactory
from tests.tsfd.factories import S, advance, area, draft

pytestmark = pytest.mark.django_db


def schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


def documents_reasons(spec, response):
    body = (response or {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return "reasons" in body.get("required", [])


def test_the_schema_documents_reasons_for_exactly_the_refusal_actions():
    spec = schema()
    documented, declared = set(), set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func
            action = view.actions.get(method) if hasattr(view, "actions") else None
            label = f"{method.upper()} {path}"
            if documents_reasons(spec, operation["responses"].get("400")):
                documented.add(label)
            if action in getattr(view.cls, "refusal_actions", ()):
                declared.add(label)
    assert documented == declared
    assert "POST /api/v1/tsfd/reviews/{id}/record/" in declared
    assert "POST /api/v1/agreements/{id}/transition/" in declared


@pytest.fixture
def urls(make_user):
    requester = make_user("requester", roles.TSFD_REQUESTER)
    approver = make_user("approver", roles.TSFD_APPROVER)
    reviewer = make_user("reviewer", roles.TSFD_REVIEWER)
    case = advance(draft(requester), S.IN_REVIEW, approver, reviewers=[reviewer])
    review = case.reviews.get()
    agreement = AgreementFactory()
    return {
        "approver": approver,
        "reviewer": reviewer,
        "admin": make_user("admin", roles.PORTAL_ADMIN),
        "case": f"/api/v1/tsfd/requests/{case.pk}/",
        "review": f"/api/v1/tsfd/reviews/{review.pk}/record/",
        "agreement": f"/api/v1/agreements/{agreement.pk}/transition/",
        "area": area("NDP"),
    }


@pytest.mark.parametrize(
    "who, target",
    [
        ("approver", "case:transition/"),
        ("approver", "case:decide/"),
        ("approver", "case:assign/"),
        ("reviewer", "review:"),
        ("admin", "agreement:"),
    ],
)
def test_a_body_that_is_not_json_is_refused_with_reasons(client, urls, who, target):
    name, suffix = target.split(":")
    client.force_login(urls[who])
    response = client.post(urls[name] + suffix, "\x00", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "reasons": ["JSON parse error - Expecting value: line 1 column 1 (char 0)"]
    }


def test_field_errors_read_as_reasons_naming_the_field(client, urls):
    client.force_login(urls["approver"])
    response = client.post(
        urls["case"] + "decide/", {"decision": "maybe"}, content_type="application/json"
    )
    assert response.status_code == 400
    reasons = response.json()["reasons"]
    assert any(r.startswith("decision: ") for r in reasons)
    assert any(r.startswith("rationale: ") for r in reasons)


def test_other_actions_keep_drf_error_bodies(client, urls):
    """A plain create or update is not a workflow step: its 400 names fields as before."""
    client.force_login(urls["admin"])
    response = client.post("/api/v1/tsfd/requests/", "\x00", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json() and "reasons" not in response.json()
