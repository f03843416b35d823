"""The generic permission suite: subclass it per model with a little data.

Every URL of the model's app (found through the URL resolver, not a hand list) and
every API endpoint is tried three ways, as NetBox's view tests do:

- signed out: pages send to sign-in, the API answers 401/403;
- a user with no permission: lists and exports omit both records, every URL of either
  record answers 404, the API lists nothing and answers 404 for either record;
- a user with the model permission (a role): sees both;
- a user with an object permission on one record: sees that one, the other answers
  404 everywhere and is absent from lists, exports and the API.

A subclass sets `namespace`, `model`, `api_list`, `api_children` and implements
`make_objects()` returning two records whose titles appear in their pages.
"""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver
from guardian.shortcuts import assign_perm

OBJECT_KWARGS = ("pk",)


def every_route():
    """(route, pattern, namespaces) of every URL pattern of the project, through the resolver.

    `route` is the path from "/" as the patterns spell it (converters such as <int:pk>
    left in); `namespaces` are those of the includes around the pattern, outermost first.
    """

    def walk(patterns, prefix, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = (*namespaces, p.namespace) if p.namespace else namespaces
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p, namespaces

    return list(walk(get_resolver().url_patterns, "/", ()))


def app_url_patterns(namespace):
    """(route, name, needs_pk) for every URL pattern under `namespace`."""
    found = [
        (route, p.name, "<int:pk>" in route)
        for route, p, namespaces in every_route()
        if namespaces and namespaces[-1] == namespace
    ]
    if not found:
        raise AssertionError(f"No URLs found under namespace {namespace!r}")
    return found


def fill(route, pk=None):
    url = route.replace("<int:pk>", str(pk)) if pk is not None else route
    assert "<" not in url, f"route {route} has parameters the suite cannot fill"
    return re.sub(r"/+", "/", url)


class PermissionSuite:
    namespace = None  # URL namespace of the app, e.g. "programs"
    model = None
    api_list = None  # e.g. "/api/v1/programs/"
    # list endpoints of child records and their parent field: ("/api/v1/x/children/", "x")
    api_children = ()
    # Pages that only accept POST (they still must 404 for invisible records).
    post_only = ()
    # Routes without <pk> that a no-permission user may not open at all (e.g. add/import).
    model_level = ("add", "import", "bulk_edit")

    def make_objects(self):
        """Return (first, second): two records, each with its own children."""
        raise NotImplementedError

    def title_of(self, obj):
        return getattr(obj, "code", None) or str(obj)

    @pytest.fixture
    def pair(self, db, users):
        return self.make_objects()

    @pytest.fixture
    def nobody(self, make_user):
        return make_user("nobody-at-all")

    def grant_model(self, user, action="view"):
        perm = Permission.objects.get(
            content_type__app_label=self.model._meta.app_label,
            codename=f"{action}_{self.model._meta.model_name}",
        )
        group, _ = Group.objects.get_or_create(name=f"suite-{action}-{self.model._meta.label}")
        group.permissions.add(perm)
        user.groups.add(group)

    def grant_object(self, user, obj, action="view"):
        assign_perm(f"{obj._meta.app_label}.{action}_{obj._meta.model_name}", user, obj)

    def object_routes(self):
        return [(r, n) for r, n, has_pk in app_url_patterns(self.namespace) if has_pk]

    def list_routes(self):
        return [(r, n) for r, n, has_pk in app_url_patterns(self.namespace) if not has_pk]

    def _get(self, client, url, name):
        if name in self.post_only:
            return client.post(url)
        return client.get(url)

    # --- signed out ------------------------------------------------------------------

    def test_signed_out_reaches_sign_in_everywhere(self, client, pair):
        first, _ = pair
        for route, _name, has_pk in app_url_patterns(self.namespace):
            url = fill(route, first.pk if has_pk else None)
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/"), url
        api = client.get(self.api_list)
        assert api.status_code in (401, 403)
        assert self.title_of(first) not in api.content.decode()

    # --- no permission -----------------------------------------------------------------

    def test_no_permission_every_object_url_is_404(self, client, pair, nobody):
        client.force_login(nobody)
        for obj in pair:
            for route, name in self.object_routes():
                url = fill(route, obj.pk)
                response = self._get(client, url, name)
                assert response.status_code == 404, f"{url} answered {response.status_code}"
                assert self.title_of(obj) not in response.content.decode(), url

    def test_no_permission_lists_exports_and_api_show_nothing(self, client, pair, nobody):
        client.force_login(nobody)
        for route, name in self.list_routes():
            if name in self.model_level or name in self.post_only:
                continue
            body = client.get(fill(route)).content.decode()
            for obj in pair:
                assert self.title_of(obj) not in body, route
        list_url = fill(self.list_routes()[0][0])
        for fmt in ("csv",):
            body = b"".join(client.get(f"{list_url}?export={fmt}").streaming_content).decode()
            for obj in pair:
                assert self.title_of(obj) not in body
        assert client.get(self.api_list).json()["count"] == 0
        for obj in pair:
            assert client.get(f"{self.api_list}{obj.pk}/").status_code == 404
            assert (
                client.patch(
                    f"{self.api_list}{obj.pk}/", {}, content_type="application/json"
                ).status_code
                == 404
            )
            assert client.delete(f"{self.api_list}{obj.pk}/").status_code == 404
        for url, _field in self.api_children:
            assert client.get(url).json()["count"] == 0, url
        assert self.model.objects.filter(pk__in=[o.pk for o in pair]).count() == 2

    def test_no_permission_model_level_pages_are_refused(self, client, pair, nobody):
        client.force_login(nobody)
        for route, name in self.list_routes():
            if name in self.model_level:
                response = client.get(fill(route))
                assert response.status_code in (403, 405), route

    # --- model permission (a role) ----------------------------------------------------------

    def test_model_permission_sees_every_record(self, client, pair, nobody):
        self.grant_model(nobody, "view")
        client.force_login(nobody)
        body = client.get(fill(self.list_routes()[0][0])).content.decode()
        for obj in pair:
            assert self.title_of(obj) in body
            assert client.get(obj.get_absolute_url()).status_code == 200
            assert client.get(f"{self.api_list}{obj.pk}/").status_code == 200
        assert client.get(self.api_list).json()["count"] == 2

    def test_view_permission_does_not_allow_changes(self, client, pair, nobody):
        self.grant_model(nobody, "view")
        client.force_login(nobody)
        first, _ = pair
        version = getattr(first, "version", None)
        for route, name in self.object_routes():
            if name in ("edit", "delete", "team"):
                assert client.get(fill(route, first.pk)).status_code == 403, route
                assert client.post(fill(route, first.pk), {}).status_code == 403, route
        response = client.patch(f"{self.api_list}{first.pk}/", {}, content_type="application/json")
        assert response.status_code == 403
        assert client.delete(f"{self.api_list}{first.pk}/").status_code == 403
        first.refresh_from_db()
        assert getattr(first, "version", None) == version

    # --- object permission on one record -----------------------------------------------------

    def test_object_permission_on_one_hides_the_other(self, client, pair, nobody):
        first, second = pair
        self.grant_object(nobody, first, "view")
        client.force_login(nobody)
        list_url = fill(self.list_routes()[0][0])
        body = client.get(list_url).content.decode()
        assert self.title_of(first) in body
        assert self.title_of(second) not in body
        export = b"".join(client.get(f"{list_url}?export=csv").streaming_content).decode()
        assert self.title_of(first) in export and self.title_of(second) not in export
        assert client.get(first.get_absolute_url()).status_code == 200
        for route, name in self.object_routes():
            response = self._get(client, fill(route, second.pk), name)
            assert response.status_code == 404, route
        ids = [row["id"] for row in client.get(self.api_list).json()["results"]]
        assert ids == [first.pk]
        assert client.get(f"{self.api_list}{second.pk}/").status_code == 404
        for url, field in self.api_children:
            rows = client.get(url).json()["results"]
            assert rows, f"{url} shows none of the visible record's children"
            assert {row[field] for row in rows} == {first.pk}, url

    def test_change_permission_on_one_edits_only_that_one(self, client, pair, nobody):
        first, second = pair
        self.grant_object(nobody, first, "view")
        self.grant_object(nobody, first, "change")
        client.force_login(nobody)
        for route, name in self.object_routes():
            if name == "edit":
                assert client.get(fill(route, first.pk)).status_code == 200
                assert client.get(fill(route, second.pk)).status_code == 404
                assert client.post(fill(route, second.pk), {}).status_code == 404
