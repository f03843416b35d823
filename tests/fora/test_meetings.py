"""Planning a meeting: agenda links that respect permissions, delegations, minutes,
the panels on linked records, the read-ahead hook, and the forum's own rules."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from core import teams
from core.models import AuditEntry, Country
from fora import links
from fora.models import AgendaItem, Attendee, Forum, Meeting
from fora.readahead import read_ahead
from tests.fora.factories import ForumFactory, MeetingFactory, counterpart, with_children
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def scene(users):
    """A forum staff edits; a meeting about a program staff sees and one staff does not."""
    forum = ForumFactory(name="Armaments talks")
    teams.set_member(forum, users["staff"], "editor")
    meeting = with_children(MeetingFactory(forum=forum, title="Spring plenary"))
    seen = ProgramFactory(name="Seen sparrowhawk program")
    unseen = ProgramFactory(
        name="Secret nightjar program", classification="CUI", dissemination="NOFORN"
    )
    teams.set_member(seen, users["staff"], "viewer")
    for order, program in enumerate((seen, unseen), start=2):
        AgendaItem.objects.create(
            meeting=meeting,
            order=order,
            title=f"Program review {order}",
            linked_type=links.content_type_for("programs.program"),
            linked_id=program.pk,
        )
    return {"forum": forum, "meeting": meeting, "seen": seen, "unseen": unseen}


def test_meeting_page_shows_only_linked_records_the_user_may_see(client, scene, users):
    client.force_login(users["staff"])
    body = client.get(scene["meeting"].get_absolute_url()).text
    assert "Seen sparrowhawk program" in body
    assert "Secret nightjar" not in body and "NOFORN" not in body
    client.force_login(users["leader"])  # sees every program: the marking rises
    body = client.get(scene["meeting"].get_absolute_url()).text
    assert "Secret nightjar program" in body and "NOFORN" in body


def test_agenda_editor_keeps_a_link_they_cannot_see_without_learning_of_it(client, scene, users):
    client.force_login(users["staff"])
    url = f"/fora/meetings/{scene['meeting'].pk}/agenda/"
    page = client.get(url).text
    assert "Secret nightjar" not in page
    items = list(scene["meeting"].agenda_items.order_by("order"))
    data = {
        "parent_version": scene["meeting"].version,
        "agenda_items-TOTAL_FORMS": str(len(items)),
        "agenda_items-INITIAL_FORMS": str(len(items)),
    }
    for i, item in enumerate(items):
        # The form shows the code of a record the editor sees, nothing for one they do not.
        form = links.identifier(item.linked_record) if item.linked_id else ""
        if item.linked_id == scene["unseen"].pk:
            form = ""
            assert f'name="agenda_items-{i}-link" value' not in page
        data.update(
            {
                f"agenda_items-{i}-id": item.pk,
                f"agenda_items-{i}-order": item.order,
                f"agenda_items-{i}-title": item.title + " (renamed)",
                f"agenda_items-{i}-link": form,
            }
        )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    hidden = AgendaItem.objects.get(linked_id=scene["unseen"].pk)
    assert hidden.title.endswith("(renamed)")
    assert hidden.linked_type.model == "program"


def test_agenda_refuses_a_link_to_a_record_the_editor_cannot_see(client, scene, users):
    client.force_login(users["staff"])
    url = f"/fora/meetings/{scene['meeting'].pk}/agenda/"
    response = client.post(
        url,
        {
            "parent_version": scene["meeting"].version,
            "agenda_items-TOTAL_FORMS": "1",
            "agenda_items-INITIAL_FORMS": "0",
            "agenda_items-0-order": "9",
            "agenda_items-0-title": "Sneaky",
            "agenda_items-0-link": scene["unseen"].code.lower(),
        },
    )
    assert response.status_code == 200
    assert "No program, agreement or TSFD request you may see has the code" in response.text
    assert not AgendaItem.objects.filter(title="Sneaky").exists()


def test_program_page_lists_the_meetings_it_is_on_for_those_who_see_them(client, scene, users):
    client.force_login(users["staff"])
    body = client.get(scene["seen"].get_absolute_url()).text
    assert "Fora meetings" in body and "Spring plenary" in body
    # A user who sees the program but not the forum sees no meeting.
    teams.set_member(scene["seen"], users["requester"], "viewer")
    client.force_login(users["requester"])
    body = client.get(scene["seen"].get_absolute_url()).text
    assert "Fora meetings" in body and "Spring plenary" not in body


def test_plan_then_hold_a_meeting(client, scene, users):
    client.force_login(users["staff"])
    forum = scene["forum"]
    start = TODAY + datetime.timedelta(days=40)
    form = {
        "title": "Autumn plenary",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=1)).isoformat(),
        "location": "London",
        "host_country": Country.objects.get(iso3="GBR").pk,
        "status": "held",
        "classification": "CUI",
    }
    response = client.post(f"/fora/{forum.pk}/meetings/add/", form)
    assert "cannot be held before its start date" in response.text
    form["status"] = "planned"
    response = client.post(f"/fora/{forum.pk}/meetings/add/", form)
    meeting = Meeting.objects.get(title="Autumn plenary")
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert AuditEntry.objects.filter(root_id=forum.pk, object_repr="Autumn plenary").exists()
    form.update(
        status="minutes_approved",
        expected_version=meeting.version,
        start_date=(TODAY - datetime.timedelta(days=2)).isoformat(),
        end_date=(TODAY - datetime.timedelta(days=1)).isoformat(),
    )
    response = client.post(f"/fora/meetings/{meeting.pk}/edit/", form)
    assert "Record the minutes" in response.text
    form.update(summary="Agreed the plan.", decisions="One\nTwo")
    assert client.post(f"/fora/meetings/{meeting.pk}/edit/", form).status_code == 302
    meeting.refresh_from_db()
    assert meeting.decision_list == ["One", "Two"]
    # A stale version is refused, nothing is overwritten.
    form.update(summary="Overwrite!")
    response = client.post(f"/fora/meetings/{meeting.pk}/edit/", form)
    assert "changed by someone else" in response.text
    meeting.refresh_from_db()
    assert meeting.summary == "Agreed the plan."


def test_deleting_a_meeting_with_action_items_is_refused(client, scene, users):
    teams.set_member(scene["forum"], users["staff"], "lead")
    client.force_login(users["staff"])
    meeting = scene["meeting"]
    response = client.post(f"/fora/meetings/{meeting.pk}/delete/")
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    meeting.action_items.all().delete()
    response = client.post(f"/fora/meetings/{meeting.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == scene["forum"].get_absolute_url()
    assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_delegations_are_grouped_by_country(client, scene, users):
    Attendee.objects.create(
        meeting=scene["meeting"],
        country=Country.objects.get(iso3="USA"),
        name="Uma Chair",
        is_head=True,
        visit_request_status="not_required",
    )
    client.force_login(users["staff"])
    body = client.get(scene["meeting"].get_absolute_url()).text
    assert "United Kingdom" in body and "United States" in body and "Uma Chair" in body


def test_read_ahead_is_permission_filtered(scene, users):
    data = read_ahead(scene["forum"], users["staff"])
    agenda = data["next_meeting"]["agenda"]
    linked = [a["linked"]["title"] for a in agenda if a["linked"]]
    assert linked == [str(scene["seen"])]
    assert "NOFORN" not in data["marking"]
    full = read_ahead(scene["forum"].pk, users["leader"])
    assert "NOFORN" in full["marking"]
    assert len(full["open_action_items"]) == 1
    with pytest.raises(Http404):
        read_ahead(scene["forum"], users["requester"])


def test_read_ahead_page(client, scene, users):
    client.force_login(users["staff"])
    body = client.get(f"/fora/{scene['forum'].pk}/read-ahead/").text
    assert "Spring plenary" in body and "Seen sparrowhawk" in body and "nightjar" not in body


def test_forum_countries_follow_the_kind_and_are_audited(client, users):
    client.force_login(users["staff"])
    gbr, fra = Country.objects.filter(iso3__in=["GBR", "FRA"]).order_by("iso3")
    form = {
        "name": "New talks",
        "kind": "bilateral",
        "countries": [gbr.pk, fra.pk],
        "cadence": "annual",
        "classification": "CUI",
    }
    response = client.post("/fora/add/", form)
    assert "exactly one partner country" in response.text
    form["countries"] = [Country.objects.get(iso3="USA").pk]
    assert "valid choice" in client.post("/fora/add/", form).text  # the US is not offered
    form.update(kind="multilateral", countries=[gbr.pk, fra.pk])
    form["counterpart_cochair"] = counterpart("DEU").pk
    assert "not in one of the partner countries" in client.post("/fora/add/", form).text
    del form["counterpart_cochair"]
    assert client.post("/fora/add/", form).status_code == 302
    forum = Forum.objects.get(name="New talks")
    assert teams.members(forum).get().user == users["staff"]  # the creator leads
    entry = AuditEntry.objects.filter(root_id=forum.pk, changes__has_key="countries").get()
    assert entry.changes["countries"] == ["", "FRA, GBR"]


def test_forum_list_filters_by_country_and_kind(client, users):
    ForumFactory(name="Nordic talks", kind="multilateral", countries=("NOR", "SWE"))
    ForumFactory(name="Gallic talks", countries=("FRA",))
    client.force_login(users["leader"])
    body = client.get("/fora/?country=NOR").text
    assert "Nordic talks" in body and "Gallic talks" not in body
    body = client.get("/fora/?kind=bilateral").text
    assert "Gallic talks" in body and "Nordic talks" not in body


def test_forum_import_from_csv(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users["staff"])
    csv = b"name,kind,countries,cadence,us_cochair\nNew bilateral,bilateral,JPN,annual,pm\n"
    preview = client.post("/fora/import/", {"file": SimpleUploadedFile("f.csv", csv)})
    token = preview.context["token"]
    assert token, preview.content.decode()[:2000]
    client.post("/fora/import/", {"token": token})
    forum = Forum.objects.get(name="New bilateral")
    assert [c.iso3 for c in forum.countries.all()] == ["JPN"]
    assert forum.us_cochair == users["pm"]


def test_meeting_page_queries_do_not_grow_with_the_agenda(scene, users, query_budget):
    url = scene["meeting"].get_absolute_url()
    before = query_budget(url, users["staff"])
    for n in range(10):
        program = ProgramFactory()
        AgendaItem.objects.create(
            meeting=scene["meeting"],
            order=10 + n,
            title=f"Extra {n}",
            linked_type=links.content_type_for("programs.program"),
            linked_id=program.pk,
        )
    query_budget.assert_not_grown(before, query_budget(url, users["staff"]))


def test_agenda_item_links_a_record_by_its_typed_code(client, scene, users):
    client.force_login(users["staff"])
    url = f"/fora/meetings/{scene['meeting'].pk}/agenda/"
    existing = list(scene["meeting"].agenda_items.order_by("order"))
    data = {
        "parent_version": scene["meeting"].version,
        "agenda_items-TOTAL_FORMS": str(len(existing) + 1),
        "agenda_items-INITIAL_FORMS": str(len(existing)),
    }
    for i, item in enumerate(existing):
        data.update(
            {
                f"agenda_items-{i}-id": item.pk,
                f"agenda_items-{i}-order": item.order,
                f"agenda_items-{i}-title": item.title,
                f"agenda_items-{i}-link": links.identifier(item.linked_record)
                if item.linked_id and item.linked_id != scene["unseen"].pk
                else "",
            }
        )
    n = len(existing)
    data.update(
        {
            f"agenda_items-{n}-order": "20",
            f"agenda_items-{n}-title": "Status of the seen program",
            f"agenda_items-{n}-link": f"  {scene['seen'].code.lower()} ",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = AgendaItem.objects.get(title="Status of the seen program")
    assert added.linked_record == scene["seen"]
    # The agenda page shows the code back in the field.
    assert f'value="{scene["seen"].code}"' in client.get(url).text
