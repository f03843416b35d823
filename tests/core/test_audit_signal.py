"""The audit announces each change with the `record_audited` signal: a receiver gets the
record, the action and the change on create, update and delete."""

import pytest

from core.audit import audit_context, record_audited
from core.follows import on_record_audited
from core.models import Country


@pytest.fixture
def heard():
    """Every record_audited signal sent while the test runs, as its keyword arguments."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    record_audited.connect(receiver, dispatch_uid="test_audit_signal")
    yield calls
    record_audited.disconnect(dispatch_uid="test_audit_signal")


@pytest.mark.django_db
def test_create_update_and_delete_each_send_the_record_action_and_change(heard, users):
    with audit_context(users["admin"], "test: signal"):
        country = Country.objects.create(iso2="QZ", iso3="QZZ", name="Testland")
        country.name = "Testland Republic"
        country.save()
        country.delete()

    assert [call["action"] for call in heard] == ["create", "update", "delete"]
    created, updated, deleted = heard
    for call in heard:
        assert call["sender"] is Country
        assert call["record"] is country
        assert call["root"] is country
        assert call["user"] == users["admin"]
        assert call["cascade"] is False
    assert created["changes"]["iso3"] == [None, "QZZ"]
    assert created["changes"]["name"] == [None, "Testland"]
    assert updated["changes"] == {"name": ["Testland", "Testland Republic"]}
    assert deleted["changes"]["name"] == ["Testland Republic", None]


@pytest.mark.django_db
def test_a_save_that_changes_nothing_sends_nothing(heard):
    country = Country.objects.create(iso2="QY", iso3="QYY", name="Quietland")
    heard.clear()
    country.save()
    assert heard == []


def test_the_followers_receiver_is_connected_by_the_app():
    # Each entry is (lookup key, weak reference to the receiver, ...).
    receivers = [entry[1]() for entry in record_audited.receivers]
    assert on_record_audited in receivers
