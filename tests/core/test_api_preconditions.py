"""Writes to a versioned record through the API must name the version they were based on.

Every PUT and PATCH route of the API whose model has a `version` field is found through
the URL resolver (so a new endpoint is covered without editing this file) and tried:

- no `version` in the body and no `If-Match` → 428, nothing saved;
- `If-Match` with the current version (quoted, bare or weak) → 200;
- a stale `If-Match` → 412, a stale body `version` → 409 (as before), nothing saved;
- both sent: each must be current (a stale one is refused whatever the other says);
- GET of a single record answers with its version as the `ETag`;
- the OpenAPI schema documents the 428 and the `If-Match` header on those operations.
"""

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.forms.models import model_to_dict
from django.urls import reverse

from core.models import AuditEntry
from tests.generic import every_route

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("put", "patch")


def model_of(view_class):
    queryset = getattr(view_class, "queryset", None)
    return queryset.model if queryset is not None else None


def is_versioned(model):
    try:
        model._meta.get_field("version")
    except FieldDoesNotExist:
        return False
    return True


def api_routes():
    """(url name, route, viewset, {method: action}) of every API route with an id."""
    found = []
    for route, pattern, _ in every_route():
        view = pattern.callback
        actions = getattr(view, "actions", None)
        if (
            not route.startswith("/api/v1/")
            or not actions
            or "pk" not in pattern.pattern.regex.groupindex
        ):
            continue
        found.append((pattern.name, route, view.cls, actions))
    return found


def versioned_write_routes():
    """(url name, method) of every PUT/PATCH on a record or child with a `version`."""
    cases = []
    for name, _route, view_class, actions in api_routes():
        model = model_of(view_class)
        if model is None or not is_versioned(model):
            continue
        for method in WRITE_METHODS:
            if method in actions:
                cases.append((name, method))
    return sorted(set(cases))


WRITE_ROUTES = versioned_write_routes()
DETAIL_ROUTES = sorted({name for name, _ in WRITE_ROUTES if name.endswith("-detail")})


def _program(users):
    from tests.programs.factories import ProgramFactory

    return ProgramFactory()


def _agreement(users):
    from tests.agreements.factories import AgreementFactory

    return AgreementFactory()


def _forum(users):
    from tests.fora.factories import ForumFactory

    return ForumFactory()


def _meeting(users):
    from tests.fora.factories import MeetingFactory

    return MeetingFactory()


def _disclosure_request(users):
    from tests.tsfd.factories import draft

    return draft(users["requester"])


def _delegation_letter(users):
    from tests.tsfd.factories import make_ddl

    return make_ddl()


# One editable record per versioned model; a new versioned model with an API route must
# add its maker here (test_every_versioned_route_has_a_record_to_try says so).
MAKERS = {
    "programs.program": _program,
    "agreements.agreement": _agreement,
    "fora.forum": _forum,
    "fora.meeting": _meeting,
    "tsfd.disclosurerequest": _disclosure_request,
    "tsfd.delegationletter": _delegation_letter,
}


def record_for(name, users):
    from django.urls import resolve

    route = reverse(name, kwargs={"pk": 1})
    model = model_of(resolve(route).func.cls)
    return MAKERS[model._meta.label_lower](users)


def snapshot(obj):
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return model_to_dict(fresh), AuditEntry.objects.count()


def body_of(client, obj, detail_name):
    """What a client would send back: the record as read, without its version."""
    body = client.get(reverse(detail_name, kwargs={"pk": obj.pk})).json()
    body.pop("version")
    return body


def send(client, method, url, body, **headers):
    return getattr(client, method)(url, body, content_type="application/json", **headers)


def test_the_routes_are_found_through_the_router():
    names = {name for name, _ in WRITE_ROUTES}
    for expected in (
        "api-programs-detail",
        "api-agreements-detail",
        "api-fora-detail",
        "api-fora-meetings-detail",
        "api-tsfd-requests-detail",
    ):
        assert expected in names, expected
    assert {method for _, method in WRITE_ROUTES} == {"put", "patch"}


def test_every_versioned_route_has_a_record_to_try():
    from django.urls import resolve

    for name, _method in WRITE_ROUTES:
        model = model_of(resolve(reverse(name, kwargs={"pk": 1})).func.cls)
        assert model._meta.label_lower in MAKERS, f"{name}: add a maker for {model} to MAKERS"


@pytest.mark.parametrize(("name", "method"), WRITE_ROUTES)
def test_a_write_without_a_version_is_428_and_changes_nothing(client, users, name, method):
    obj = record_for(name, users)
    client.force_login(users["admin"])
    detail = name if name.endswith("-detail") else name.rsplit("-", 1)[0] + "-detail"
    body = body_of(client, obj, detail) if name.endswith("-detail") else {}
    before = snapshot(obj)
    response = send(client, method, reverse(name, kwargs={"pk": obj.pk}), body)
    assert response.status_code == 428, (name, method, response.content)
    detail_text = response.json()["detail"]
    assert '"version"' in detail_text and "If-Match" in detail_text
    assert snapshot(obj) == before
    # `If-Match: *` names no version: it does not protect an edit, so it is not enough.
    response = send(client, method, reverse(name, kwargs={"pk": obj.pk}), body, HTTP_IF_MATCH="*")
    assert response.status_code == 428, (name, method)
    assert snapshot(obj) == before


@pytest.mark.parametrize(("name", "method"), [r for r in WRITE_ROUTES if r[0] in DETAIL_ROUTES])
def test_if_match_with_the_current_version_saves_and_a_stale_one_is_refused(
    client, users, name, method
):
    obj = record_for(name, users)
    client.force_login(users["admin"])
    url = reverse(name, kwargs={"pk": obj.pk})
    etag = client.get(url)["ETag"]
    assert etag == f'"{obj.version}"'
    body = body_of(client, obj, name)
    # quoted (the ETag as GET gave it), bare and weak forms all name the version
    for if_match in (etag, str(obj.version + 1), f'W/"{obj.version + 2}"'):
        response = send(client, method, url, body, HTTP_IF_MATCH=if_match)
        assert response.status_code == 200, (name, method, if_match, response.content)
        assert response["ETag"] == f'"{response.json()["version"]}"'
    current = type(obj)._base_manager.get(pk=obj.pk).version
    assert current == obj.version + 3
    before = snapshot(obj)
    stale = send(client, method, url, body, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412, (name, method)
    assert "detail" in stale.json()
    stale = send(client, method, url, {**body, "version": obj.version})
    assert stale.status_code == 409, (name, method)
    assert "detail" in stale.json()
    # Both sent: each must be current; a stale one is refused whatever the other says.
    stale = send(client, method, url, {**body, "version": current}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412, (name, method)
    stale = send(
        client, method, url, {**body, "version": obj.version}, HTTP_IF_MATCH=f'"{current}"'
    )
    assert stale.status_code == 409, (name, method)
    assert snapshot(obj) == before
    both = send(client, method, url, {**body, "version": current}, HTTP_IF_MATCH=f'"{current}"')
    assert both.status_code == 200, (name, method, both.content)
    # the body's version alone still works, as before
    ok = send(client, method, url, {**body, "version": current + 1})
    assert ok.status_code == 200, (name, method, ok.content)


def test_a_put_without_a_version_changes_nothing_even_when_valid(client, users):
    from tests.programs.factories import ProgramFactory

    program = ProgramFactory(name="Before")
    client.force_login(users["admin"])
    url = f"/api/v1/programs/{program.pk}/"
    body = {**body_of(client, program, "api-programs-detail"), "name": "After"}
    for method in WRITE_METHODS:
        response = send(client, method, url, body)
        assert response.status_code == 428
    program.refresh_from_db()
    assert program.name == "Before" and program.version == 1


def test_unseen_and_unchangeable_records_still_answer_404_and_403_first(client, users):
    from core import teams
    from tests.programs.factories import ProgramFactory

    hidden, seen = ProgramFactory(), ProgramFactory()
    teams.set_member(seen, users["staff"], "viewer")
    client.force_login(users["staff"])
    assert send(client, "patch", f"/api/v1/programs/{hidden.pk}/", {}).status_code == 404
    assert send(client, "patch", f"/api/v1/programs/{seen.pk}/", {}).status_code == 403


@pytest.mark.parametrize("name", DETAIL_ROUTES)
def test_get_of_a_record_sends_its_version_as_etag(client, users, name):
    obj = record_for(name, users)
    client.force_login(users["admin"])
    response = client.get(reverse(name, kwargs={"pk": obj.pk}))
    assert response.status_code == 200
    assert response["ETag"] == f'"{response.json()["version"]}"'


def test_the_schema_documents_428_and_if_match(client, users):
    from django.urls import resolve

    client.force_login(users["admin"])
    schema = client.get("/api/v1/schema/?format=json").json()
    documented = 0
    for path, operations in schema["paths"].items():
        if "{id}" not in path:
            continue
        view = resolve(path.replace("{id}", "1")).func
        model = model_of(getattr(view, "cls", None))
        versioned = model is not None and is_versioned(model)
        for method, operation in operations.items():
            headers = {
                p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"
            }
            if method in WRITE_METHODS:
                assert ("428" in operation["responses"]) == versioned, (method, path)
                assert ("412" in operation["responses"]) == versioned, (method, path)
                assert ("If-Match" in headers) == versioned, (method, path)
                documented += versioned
            elif method == "get" and versioned and path.endswith("{id}/"):
                assert "ETag" in operation["responses"]["200"].get("headers", {}), path
    assert documented == len(WRITE_ROUTES)
