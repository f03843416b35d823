"""History keeps references to related records, never their text, and names each one
only to a reader who may see it (the History page and the …/history/ API alike)."""

import importlib

import pytest

from agreements.models import Agreement
from core import history
from core.audit import audit_context
from core.models import AuditEntry
from core.teams import set_member as add_member
from tests.agreements.factories import AgreementFactory
from tests.fora.factories import MeetingFactory
from tests.programs.factories import ProgramFactory
from tests.tsfd.factories import draft
from tsfd.models import DisclosureRequest

pytestmark = pytest.mark.django_db

HIDDEN_PROGRAM = "Secret Widget Initiative"


@pytest.fixture
def hidden_program():
    return ProgramFactory(code="CP-2018-002", name=HIDDEN_PROGRAM)


# Where a record's history is read: its History page and the API's …/history/.
HISTORY_URLS = {
    DisclosureRequest: ("/tsfd/{pk}/history/", "/api/v1/tsfd/requests/{pk}/history/"),
    Agreement: ("/agreements/{pk}/history/", "/api/v1/agreements/{pk}/history/"),
}


def _page_and_api(client, user, record):
    """The record's history as `user` reads it: (the page's text, the API's text)."""
    page_url, api_url = (url.format(pk=record.pk) for url in HISTORY_URLS[type(record)])
    client.force_login(user)
    client.post("/consent/")
    page = client.get(page_url)
    api = client.get(api_url)
    assert page.status_code == 200 and api.status_code == 200
    return page.content.decode(), api.content.decode()


def test_reviewer_reads_no_program_code_in_a_case_history(client, users, hidden_program):
    """A TSFD case links a program its reviewer may not see: the case's history shows the
    link as "a record you may not see", on the page and in the API."""
    case = draft(users["requester"], program=hidden_program)
    case.program = None
    case.save()  # the unlink is an update row naming the program as "before"
    reader = users["approver"]  # sees every request, no program
    page, api = _page_and_api(client, reader, case)
    for text in (page, api):
        assert "CP-2018-002" not in text and HIDDEN_PROGRAM not in text
        assert history.HIDDEN in text
        assert f'"id": {hidden_program.pk}' not in text


def test_a_reader_who_may_see_the_program_reads_its_code(client, users, hidden_program):
    case = draft(users["requester"], program=hidden_program)
    page, api = _page_and_api(client, users["admin"], case)
    assert "CP-2018-002 Secret Widget Initiative" in page
    assert "CP-2018-002 Secret Widget Initiative" in api


def test_amends_names_no_hidden_agreement(client, users):
    """IC staff see an amendment but not the agreement it amends: its history says so
    without the number or title."""
    parent = AgreementFactory(number="MOU-HIDE-2026-09", title="Quiet Framework", status="in_force")
    amendment = AgreementFactory(number="MOU-SEEN-2026-01", title="Visible amendment")
    amendment.amends = parent
    amendment.save()
    staff = users["staff"]
    add_member(amendment, staff, "viewer")
    assert not Agreement.objects.filter(pk=parent.pk).filter(
        pk__in=[a.pk for a in history.permissions.restrict(Agreement.objects.all(), staff)]
    )
    page, api = _page_and_api(client, staff, amendment)
    for text in (page, api):
        assert "MOU-HIDE-2026-09" not in text and "Quiet Framework" not in text
        assert history.HIDDEN in text


def test_linked_programs_are_references_resolved_per_reader(client, users, hidden_program):
    shown = ProgramFactory(code="CP-2020-007", name="Open Radar")
    agreement = AgreementFactory()
    staff = users["staff"]
    add_member(agreement, staff, "viewer")
    add_member(shown, staff, "viewer")
    agreement.programs.add(hidden_program, shown)
    agreement.programs.remove(hidden_program)
    linked = AuditEntry.objects.filter(changes__has_key="programs linked").get()
    assert "CP-2018-002" not in str(linked.changes)  # stored as references only
    page, api = _page_and_api(client, staff, agreement)
    for text in (page, api):
        assert "CP-2020-007 Open Radar" in text
        assert "CP-2018-002" not in text and HIDDEN_PROGRAM not in text
        assert history.HIDDEN in text


def test_agenda_item_link_is_a_reference(users, hidden_program):
    """An agenda item's generic link keeps the kind and a reference, not the bare id."""
    meeting = MeetingFactory()
    from fora.models import AgendaItem

    with audit_context(users["admin"], "test"):
        item = AgendaItem.objects.create(
            meeting=meeting, title="Radar", linked_record=hidden_program
        )
    entry = AuditEntry.objects.filter(object_id=item.pk, action="create").latest("id")
    assert entry.changes["linked_id"] == [
        None,
        {"ref": "programs.program", "id": hidden_program.pk},
    ]
    (staff_view,) = history.readable([entry], users["requester"])
    assert staff_view.changes["linked_id"] == [None, history.HIDDEN]


def test_migration_turns_stored_texts_into_references(users, hidden_program):
    """Rows written before references: a label that names one record becomes a reference,
    any other text is removed."""
    case = draft(users["requester"])
    migration = importlib.import_module("core.migrations.0010_audit_references")
    AuditEntry.objects.all().delete()
    from django.contrib.contenttypes.models import ContentType

    old = AuditEntry.objects.create(
        action="update",
        content_type=ContentType.objects.get_for_model(type(case)),
        object_id=case.pk,
        object_repr=str(case),
        root_type=ContentType.objects.get_for_model(type(case)),
        root_id=case.pk,
        changes={
            "program": ["CP-2018-002 Secret Widget Initiative", "CP-1999-999 Gone"],
            "agreement": ["#41 (deleted)", None],
            "title": ["Old", "New"],
        },
    )
    agreement = AgreementFactory()
    linked = AuditEntry.objects.create(
        action="update",
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id=agreement.pk,
        object_repr=str(agreement),
        root_type=ContentType.objects.get_for_model(Agreement),
        root_id=agreement.pk,
        changes={"programs linked": [None, "CP-2018-002"]},
    )
    from django.apps import apps

    migration.forwards(apps, None)
    old.refresh_from_db()
    linked.refresh_from_db()
    assert old.changes == {
        "program": [{"ref": "programs.program", "id": hidden_program.pk}, None],
        "agreement": [{"ref": "agreements.agreement", "id": 41}, None],
        "title": ["Old", "New"],
    }
    assert linked.changes == {
        "programs linked": [None, [{"ref": "programs.program", "id": hidden_program.pk}]]
    }
