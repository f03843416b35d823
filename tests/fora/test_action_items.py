"""Action items: derived overdue, the owner rules, "my action items", the reminder job."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import teams
from core.models import Notification
from fora.models import ActionItem
from fora.tasks import remind_action_items
from tests.fora.factories import ForumFactory, MeetingFactory, counterpart

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def item(meeting, owner=None, due=None, status="open", **extra):
    return ActionItem.objects.create(
        meeting=meeting,
        description=extra.pop("description", "Send the draft text"),
        owner_user=owner,
        owner_contact=None if owner else counterpart(),
        due_date=due or days(10),
        status=status,
        **extra,
    )


@pytest.fixture
def meeting(users):
    forum = ForumFactory(us_cochair=users["pm"])
    teams.set_member(forum, users["staff"], "editor")
    return MeetingFactory(forum=forum, start_date=days(-60), end_date=days(-59), status="held")


def test_overdue_is_derived_from_due_date_and_status(meeting, users):
    late = item(meeting, users["staff"], due=days(-1))
    today = item(meeting, users["staff"], due=TODAY)
    done = item(meeting, users["staff"], due=days(-5), status="done", closure_note="Sent.")
    assert late.is_overdue and not today.is_overdue and not done.is_overdue
    assert set(ActionItem.objects.overdue()) == {late}
    late.status = "in_progress"
    late.save()
    assert late.is_overdue
    assert set(ActionItem.objects.due_within(7)) == {today}


def test_closing_records_the_date_and_reopening_clears_it(meeting, users):
    action = item(meeting, users["staff"])
    action.status = "done"
    action.closure_note = "Text sent on 3 May."
    action.save()
    assert action.closed_on == TODAY
    action.status = "open"
    action.save()
    assert action.closed_on is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"owner_user": None, "owner_contact": None}, "owner_user"),
        ({"owner_contact_id": "both"}, "owner_user"),
        ({"status": "done", "closure_note": ""}, "closure_note"),
    ],
)
def test_owner_and_closure_rules(meeting, users, changes, field):
    action = ActionItem(meeting=meeting, description="x", owner_user=users["staff"], due_date=TODAY)
    for name, value in changes.items():
        setattr(action, name, counterpart().pk if value == "both" else value)
    with pytest.raises(ValidationError) as raised:
        action.full_clean()
    assert field in raised.value.message_dict


def test_nobody_is_tasked_on_a_forum_they_cannot_see(meeting, users):
    action = ActionItem(
        meeting=meeting, description="x", owner_user=users["reviewer"], due_date=TODAY
    )
    with pytest.raises(ValidationError) as raised:
        action.full_clean()
    assert "may not see this forum" in str(raised.value)
    action.owner_user = users["leader"]  # Leadership sees every forum
    action.full_clean()


def test_my_action_items_lists_mine_across_fora_and_marks_overdue(client, meeting, users):
    other_forum = ForumFactory()
    teams.set_member(other_forum, users["staff"], "viewer")
    other = MeetingFactory(forum=other_forum)
    late = item(meeting, users["staff"], due=days(-3), description="Late thing of mine")
    item(other, users["staff"], description="Other forum thing of mine")
    item(meeting, users["pm"], description="Somebody else's thing")
    item(meeting, users["staff"], status="done", closure_note="ok", description="Closed thing")
    client.force_login(users["staff"])
    body = client.get("/fora/action-items/").text
    assert "My action items" in body
    assert "Late thing of mine" in body and "Other forum thing of mine" in body
    assert "Somebody else" not in body and "Closed thing" not in body
    assert "Overdue 3 days" in body and 'class="milestone-overdue' in body
    everyone = client.get("/fora/action-items/?owner=all").text
    assert "Somebody else" in everyone
    overdue_only = client.get("/fora/action-items/?state=overdue").text
    assert "Late thing of mine" in overdue_only and "Other forum thing" not in overdue_only
    export = b"".join(client.get("/fora/action-items/?export=csv").streaming_content).decode()
    assert "Late thing of mine" in export and late.due_date.isoformat() in export


def test_my_action_items_hides_items_on_fora_i_can_no_longer_see(client, meeting, users):
    item(meeting, users["staff"], description="Mine but hidden now")
    teams.remove_member(meeting.forum, users["staff"])
    client.force_login(users["staff"])
    assert "Mine but hidden now" not in client.get("/fora/action-items/").text
    assert client.get("/api/v1/fora/action-items/?owner=mine").json()["count"] == 0


def test_reminders_go_to_owners_once(meeting, users):
    soon = item(meeting, users["staff"], due=days(5))
    late = item(meeting, users["staff"], due=days(-2))
    item(meeting, users["staff"], due=days(30))  # not yet
    item(meeting, users["staff"], due=days(-9), status="done", closure_note="Done.")
    theirs = item(meeting, None, due=days(-4))  # a counterpart's: to the US co-chair
    assert remind_action_items() == 3
    assert remind_action_items() == 0  # idempotent: a second run (or worker) sends nothing
    staff_notes = Notification.objects.filter(user=users["staff"])
    assert staff_notes.count() == 2
    assert {n.url for n in staff_notes} == {soon.get_absolute_url(), late.get_absolute_url()}
    assert any("Overdue" in n.subject for n in staff_notes)
    pm_note = Notification.objects.get(user=users["pm"])
    assert "Overdue" in pm_note.subject and theirs.owner_contact.name in pm_note.subject


def test_overdue_items_are_chased_again_the_next_week(meeting, users):
    item(meeting, users["staff"], due=days(-2))
    assert remind_action_items(today=TODAY) == 1
    assert remind_action_items(today=TODAY + datetime.timedelta(days=1)) in (0, 1)
    assert remind_action_items(today=TODAY + datetime.timedelta(days=7)) == 1
    assert remind_action_items(today=TODAY + datetime.timedelta(days=7)) == 0


def test_no_reminder_about_a_forum_the_owner_can_no_longer_see(meeting, users):
    item(meeting, users["staff"], due=days(-2))
    teams.remove_member(meeting.forum, users["staff"])
    assert remind_action_items() == 0
    assert not Notification.objects.filter(user=users["staff"]).exists()


def test_formset_tells_a_newly_named_owner_once(client, meeting, users):
    client.force_login(users["staff"])
    url = f"/fora/meetings/{meeting.pk}/action-items/"
    form = {
        "parent_version": meeting.version,
        "action_items-TOTAL_FORMS": "1",
        "action_items-INITIAL_FORMS": "0",
        "action_items-0-description": "Book the venue",
        "action_items-0-owner_user": users["pm"].pk,
        "action_items-0-due_date": days(14).isoformat(),
        "action_items-0-status": "open",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = ActionItem.objects.get(description="Book the venue")
    note = Notification.objects.get(user=users["pm"])
    assert created.get_absolute_url() == note.url
    # Nobody outside the forum can be named.
    meeting.refresh_from_db()
    form.update(
        {
            "parent_version": meeting.version,
            "action_items-TOTAL_FORMS": "1",
            "action_items-0-description": "Leak it",
            "action_items-0-owner_user": users["reviewer"].pk,
        }
    )
    response = client.post(url, form)
    assert response.status_code == 200
    assert not ActionItem.objects.filter(description="Leak it").exists()


def test_an_owner_who_only_views_the_forum_closes_their_own_item(client, meeting, users):
    from core.models import AuditEntry

    owner = users["requester"]
    teams.set_member(meeting.forum, owner, "viewer")
    mine = item(meeting, owner, description="Confirm the test range dates")
    theirs = item(meeting, users["staff"], description="Draft the minutes")
    client.force_login(owner)
    listing = client.get("/fora/action-items/").content.decode()
    assert f"/fora/action-items/{mine.pk}/update/" in listing
    assert f"/fora/action-items/{theirs.pk}/update/" not in listing
    # The meeting's own action-items page needs "change" on the forum: not for a viewer.
    assert client.get(f"/fora/meetings/{meeting.pk}/action-items/").status_code == 403
    url = f"/fora/action-items/{mine.pk}/update/"
    refused = client.post(url, {"status": "done", "closure_note": "  "})
    assert refused.status_code == 200 and "Say what closed the item." in refused.text
    mine.refresh_from_db()
    assert mine.status == "open"  # nothing saved
    done = client.post(url, {"status": "done", "closure_note": "Dates confirmed by e-mail."})
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "done" and mine.closed_on == TODAY
    entry = AuditEntry.objects.filter(object_id=mine.pk, action="update").latest("id")
    assert entry.user == owner and entry.changes["status"] == ["Open", "Done"]
    # Someone else's item: seen, but not theirs to update.
    assert client.get(f"/fora/action-items/{theirs.pk}/update/").status_code == 403
    assert (
        client.post(f"/fora/action-items/{theirs.pk}/update/", {"status": "dropped"}).status_code
        == 403
    )
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_an_item_on_a_forum_one_may_not_see_is_not_found(client, meeting, users):
    hidden = item(meeting, users["staff"])
    client.force_login(users["requester"])
    assert client.get(f"/fora/action-items/{hidden.pk}/update/").status_code == 404
