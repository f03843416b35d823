"""Roles are groups created by migration, with the model permissions the design gives them."""

import pytest
from django.contrib.auth.models import Group

from core import roles

pytestmark = pytest.mark.django_db


def _perms(role):
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_every_role_exists_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ROLE_PERMISSIONS) <= names
    assert len(roles.ROLE_PERMISSIONS) == 7


def test_reference_data_is_visible_to_every_role():
    for role in roles.ROLE_PERMISSIONS:
        assert {"core.view_country", "core.view_organization"} <= _perms(role), role


def test_only_portal_admin_manages_users_and_reference_data():
    assert "auth.change_user" in _perms(roles.PORTAL_ADMIN)
    assert "core.change_country" in _perms(roles.PORTAL_ADMIN)
    for role in set(roles.ROLE_PERMISSIONS) - {roles.PORTAL_ADMIN}:
        assert not any(p.startswith("auth.") for p in _perms(role)), role
        assert "core.change_country" not in _perms(role), role


def test_audit_and_security_logs_cannot_be_changed_by_any_role():
    for role in set(roles.ROLE_PERMISSIONS) - {roles.PORTAL_ADMIN}:
        assert not {"core.change_auditentry", "core.delete_securityevent"} & _perms(role)


def test_sync_is_idempotent_and_restores_removed_permissions():
    from django.contrib.auth.models import Permission

    staff = Group.objects.get(name=roles.IC_STAFF)
    before = _perms(roles.IC_STAFF)
    staff.permissions.clear()
    roles.sync_roles(Group, Permission)
    roles.sync_roles(Group, Permission)
    assert _perms(roles.IC_STAFF) == before


def test_admin_site_is_for_portal_admin_only(client, users):
    client.force_login(users["admin"])
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/core/country/?q=GBR").status_code == 200
    client.force_login(users["leader"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_countries_are_loaded_with_alliance_flags():
    from core.models import Country

    assert Country.objects.count() >= 249
    gbr = Country.objects.get(iso3="GBR")
    assert gbr.nato and gbr.five_eyes and not gbr.eu
    assert Country.objects.get(iso3="JPN").mnna
    assert Country.objects.filter(nato=True).count() == 32
