"""Packets through the generic permission suite: only the requester (and Portal Admin).

Packets have no edit page, no export and no API update: the suite's tests that use
those are narrowed here to what packets have; everything else runs as is.
"""

import pytest

from briefs.models import Packet
from tests.generic import PermissionSuite, app_url_patterns, fill

pytestmark = pytest.mark.django_db


class TestPacketPermissions(PermissionSuite):
    namespace = "briefs"
    model = Packet
    api_list = "/api/v1/briefs/packets/"
    post_only = ("cancel", "rerun")
    model_level = ("request", "weekly", "weekly_stop")

    def make_objects(self):
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.get(username="leader")
        return (
            Packet.objects.create(requested_by=owner, kind="leadership", title="Kestrel packet"),
            Packet.objects.create(requested_by=owner, kind="leadership", title="Plover packet"),
        )

    def test_no_permission_lists_exports_and_api_show_nothing(self, client, pair, nobody):
        client.force_login(nobody)
        body = client.get("/briefs/").content.decode()
        for obj in pair:
            assert obj.title not in body
            assert client.get(f"{self.api_list}{obj.pk}/").status_code == 404
            assert client.delete(f"{self.api_list}{obj.pk}/").status_code == 404
        assert client.get(self.api_list).json()["count"] == 0

    def test_view_permission_does_not_allow_changes(self, client, pair, nobody):
        self.grant_model(nobody, "view")
        client.force_login(nobody)
        first, _ = pair
        for route, name in self.object_routes():
            if name in ("cancel", "rerun", "delete"):
                assert client.post(fill(route, first.pk)).status_code == 403, route
        assert client.delete(f"{self.api_list}{first.pk}/").status_code == 403
        assert client.post(f"{self.api_list}{first.pk}/cancel/").status_code == 403
        first.refresh_from_db()
        assert first.status == "queued"

    def test_object_permission_on_one_hides_the_other(self, client, pair, nobody):
        first, second = pair
        self.grant_object(nobody, first, "view")
        client.force_login(nobody)
        body = client.get("/briefs/").content.decode()
        assert first.title in body and second.title not in body
        for route, name in self.object_routes():
            response = self._get(client, fill(route, second.pk), name)
            assert response.status_code == 404, route
        assert [row["id"] for row in client.get(self.api_list).json()["results"]] == [first.pk]


def test_every_briefs_url_is_covered_by_the_suite():
    names = {name for _route, name, _pk in app_url_patterns("briefs")}
    assert names == {
        "list",
        "request",
        "weekly",
        "weekly_stop",
        "detail",
        "progress",
        "download",
        "cancel",
        "rerun",
        "delete",
    }
