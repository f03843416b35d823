"""Every operation of the OpenAPI schema, as anonymous and as each demo role."""

import re

import pytest
from django.urls import resolve

from core.permissions import restrict
from tests.security.test_every_url import ROLES

pytestmark = pytest.mark.slow


def operations(client, admin):
    client.force_login(admin)
    schema = client.get("/api/v1/schema/?format=json").json()
    client.logout()
    ops = []
    for path, methods in schema["paths"].items():
        for method in methods:
            if method in ("get", "post", "put", "patch", "delete"):
                ops.append((path, method))
    return ops


def model_of(path):
    sample = re.sub(r"\{[^}]+\}", "1", path)
    view = resolve(sample).func
    cls = getattr(view, "cls", None)
    queryset = getattr(cls, "queryset", None)
    return queryset.model if queryset is not None else None


def call(client, method, url):
    return (
        getattr(client, method)(url, {}, content_type="application/json")
        if method in ("post", "put", "patch")
        else getattr(client, method)(url)
    )


def test_anonymous_gets_401_or_403_everywhere(client, demo):
    for path, method in operations(client, demo["admin"]):
        if path == "/api/v1/schema/":
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = call(client, method, url)
        assert response.status_code in (401, 403), f"{method} {url}: {response.status_code}"


def test_each_role_gets_404_for_records_it_may_not_see(client, demo):
    ops = operations(client, demo["admin"])
    tried = 0
    for role in ROLES:
        user = demo[role]
        client.force_login(user)
        for path, method in ops:
            if "{id}" not in path:
                if method == "get":
                    response = client.get(path)
                    tried += 1
                    assert response.status_code < 500, f"{role} GET {path}"
                continue
            model = model_of(path)
            assert model is not None, f"{path}: no queryset to check permissions against"
            everything = model._default_manager.all()
            visible = restrict(everything, user, "view")
            hidden = everything.exclude(pk__in=visible.values("pk")).first()
            if hidden is not None:
                url = path.replace("{id}", str(hidden.pk))
                response = call(client, method, url)
                tried += 1
                assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"
            shown = visible.first()
            if shown is not None and method == "get":
                url = path.replace("{id}", str(shown.pk))
                response = client.get(url)
                tried += 1
                if path.endswith("{id}/"):
                    assert response.status_code == 200, f"{role} GET {url}: {response.status_code}"
                else:  # an action (e.g. download of a packet not rendered yet) may 404/409
                    assert response.status_code < 500, f"{role} GET {url}: {response.status_code}"
    print(f"\nevery API operation ({len(ops)}) × {len(ROLES)} roles: {tried} requests")
