"""Authorization over every URL of the project, found through the resolver.

A URL added without a permission path fails here: every route must either be public
(marked `login_not_required`), need no record, or name the model behind its <pk>
(a class-based view's queryset, or `core.permissions.guards` on a function view).
Each demo role is tried against a record it may see and one it may not: the one it
may not see answers 404 and its title never appears; nothing answers 500.
"""

import pytest

from core.permissions import guarded_model, restrict
from tests.conftest import ROLE_USERNAMES
from tests.generic import every_route

EXCLUDED_PREFIXES = ("/admin/", "/static/", "/media/", "/api/")  # admin: Django's own checks;
# the API is covered by tests/security/test_every_api_operation.py
SESSION_ENDING = ("/accounts/logout/",)  # tested in tests/core/test_auth.py
ROLES = tuple(ROLE_USERNAMES)  # the demo users: one of each role


def all_routes():
    return [
        (r, p.callback)
        for r, p, _ in every_route()
        if not r.startswith(EXCLUDED_PREFIXES) and r not in SESSION_ENDING
    ]


def is_public(view):
    return getattr(view, "login_required", True) is False


def post_only(view):
    cls = getattr(view, "view_class", None)
    if cls is not None:
        return "get" not in cls.http_method_names or not hasattr(cls, "get")
    return False


def fill(route, **values):
    url = route
    for name, value in values.items():
        for converter in ("int", "str", "slug", "uuid", "path"):
            url = url.replace(f"<{converter}:{name}>", str(value))
    return url


SAMPLE_VALUES = {"iso3": "GBR"}


TRIED = {"signed out": 0, "roles": 0}  # requests made, printed for the report (-s)


def _request(client, url, view):
    TRIED["roles"] += 1
    if post_only(view):
        return client.post(url)
    response = client.get(url)
    if response.status_code == 405:  # a POST-only function view
        response = client.post(url)
    return response


def _visible_and_hidden(model, owner, user):
    everything = model._default_manager.all()
    if owner:
        mine = everything.filter(**{owner: user})
        theirs = everything.exclude(**{owner: user})
        return mine.first(), theirs.first()
    visible = restrict(everything, user, "view")
    return visible.first(), everything.exclude(pk__in=visible.values("pk")).first()


@pytest.mark.slow
def test_signed_out_users_reach_sign_in_from_every_page(client, demo):
    for route, view in all_routes():
        if is_public(view):
            continue
        url = fill(route, pk=1, **SAMPLE_VALUES)
        assert "<" not in url, f"{route}: a parameter this test cannot fill — declare it"
        response = client.get(url)
        TRIED["signed out"] += 1
        assert response.status_code == 302, f"{url} answered {response.status_code}"
        assert response["Location"].startswith("/accounts/login/"), url
    print(f"\nevery URL, signed out: {TRIED['signed out']} pages of {len(all_routes())} routes")


def test_every_record_url_declares_its_model():
    undeclared = [
        route
        for route, view in all_routes()
        if "<int:pk>" in route and not is_public(view) and guarded_model(view)[0] is None
    ]
    assert undeclared == [], f"URLs with no permission path: {undeclared}"


@pytest.mark.slow
def test_each_role_gets_404_for_what_it_may_not_see_and_never_500(client, demo):
    for role in ROLES:
        _check_role(client, demo[role], role)
    print(f"\nevery URL × {len(ROLES)} roles: {TRIED['roles']} requests")


def _check_role(client, user, role):
    client.force_login(user)
    checked = 0
    for route, view in all_routes():
        if is_public(view):
            continue
        if "<int:pk>" not in route:
            url = fill(route, **SAMPLE_VALUES)
            if "<" in url:
                continue  # token routes are tested with their app
            response = _request(client, url, view)
            assert response.status_code < 500, f"{role} {url}: {response.status_code}"
            continue
        model, owner = guarded_model(view)
        visible, hidden = _visible_and_hidden(model, owner, user)
        if hidden is not None:
            url = fill(route, pk=hidden.pk, **SAMPLE_VALUES)
            response = _request(client, url, view)
            assert response.status_code == 404, f"{role} {url}: {response.status_code}"
            title = str(hidden)
            if len(title) > 6:
                assert title not in response.content.decode(errors="replace"), url
            checked += 1
        if visible is not None:
            url = fill(route, pk=visible.pk, **SAMPLE_VALUES)
            response = _request(client, url, view)
            allowed = (200, 302, 403, 405)
            if not route.endswith("<int:pk>/"):
                allowed += (400, 404)  # an action may need a parameter (?step=...) it lacks
            assert response.status_code in allowed, f"{role} {url}: {response.status_code}"
            checked += 1
    assert checked > 0
