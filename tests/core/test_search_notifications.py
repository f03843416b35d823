"""Global search, notifications, follow: never anything the user may not see."""

import pytest
from django.core import mail

from core import teams
from core.models import Follow, Notification, NotificationPreference
from core.notifications import notify, send_digests
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db


def test_search_finds_visible_programs_ranked_and_highlighted(client, users):
    seen = with_children(
        ProgramFactory(name="Hypersonic glide research", summary="Hypersonic materials testing")
    )
    ProgramFactory(name="Hypersonic secret effort")
    teams.set_member(seen, users["staff"], "viewer")
    client.force_login(users["staff"])
    response = client.get("/search/?q=hypersonic")
    assert response.status_code == 200
    assert "Hypersonic glide research" in response.text.replace("<mark>", "").replace("</mark>", "")
    assert "secret effort" not in response.text
    assert "<mark>" in response.text
    assert "1 found" in response.text


def test_search_escapes_stored_markup(client, users):
    ProgramFactory(name="Radar <script>alert(1)</script> study")
    client.force_login(users["leader"])
    response = client.get("/search/?q=radar")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_search_suggestions_respect_permissions(client, users):
    ProgramFactory(name="Invisible sonar")
    client.force_login(users["staff"])
    response = client.get("/search/suggest/?q=sonar", HTTP_HX_REQUEST="true")
    assert "Invisible sonar" not in response.text and "No matches." in response.text
    client.force_login(users["leader"])
    assert "sonar" in client.get("/search/suggest/?q=sonar").text.lower()


def test_search_finds_organisations_and_contacts(client, users):
    from core.models import Contact, Country, Organization

    org = Organization.objects.create(
        name="Nordic Test Agency", acronym="NTA", country=Country.objects.get(iso3="NOR")
    )
    Contact.objects.create(name="Astrid Nordmann", organization=org, title="Director")
    client.force_login(users["staff"])
    body = client.get("/search/?q=nordmann").text
    assert "Contacts" in body and "Nordmann" in body
    assert "/countries/NOR/#contact-" in body


def test_notify_once_per_key_and_email_each(users, django_capture_on_commit_callbacks):
    users["pm"].email = "pm@example.test"
    users["pm"].save()
    with django_capture_on_commit_callbacks(execute=True):
        first = notify([users["pm"]], "Reminder", key="r-1")
        second = notify([users["pm"]], "Reminder", key="r-1")
    assert len(first) == 1 and second == []
    assert Notification.objects.filter(user=users["pm"]).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "[IC Portal] Reminder"


def test_digest_users_get_one_email_and_only_once(users, django_capture_on_commit_callbacks):
    pm = users["pm"]
    pm.email = "pm@example.test"
    pm.save()
    NotificationPreference.objects.create(user=pm, email="digest")
    with django_capture_on_commit_callbacks(execute=True):
        notify([pm], "First")
        notify([pm], "Second")
    assert mail.outbox == []
    assert send_digests() == 1
    assert send_digests() == 0
    assert len(mail.outbox) == 1 and "First" in mail.outbox[0].body


def test_bell_counts_unread_and_mark_all_read(client, users):
    notify([users["pm"]], "One")
    notify([users["pm"]], "Two")
    client.force_login(users["pm"])
    assert "Notifications, 2 unread" in client.get("/").text
    client.post("/notifications/read-all/")
    assert "Notifications, 0 unread" in client.get("/").text


def test_follower_hears_of_changes_by_others(client, users, django_capture_on_commit_callbacks):
    program = with_children(ProgramFactory(name="Followed program"))
    teams.set_member(program, users["staff"], "viewer")
    teams.set_member(program, users["pm"], "editor")
    client.force_login(users["staff"])
    client.post("/follow/", {"content_type": _ct(program), "object_id": program.pk})
    assert Follow.objects.filter(user=users["staff"]).count() == 1
    client.force_login(users["pm"])
    with django_capture_on_commit_callbacks(execute=True):
        program.refresh_from_db()
        program.health, program.health_reason = "red", "Key test slipped."
        from core.audit import audit_context

        with audit_context(users["pm"], "test"):
            program.save()
    note = Notification.objects.get(user=users["staff"])
    assert "Followed program" in note.subject and "Pm Tester changed" in note.body


def test_cannot_follow_an_invisible_record(client, users):
    program = ProgramFactory()
    client.force_login(users["staff"])
    response = client.post("/follow/", {"content_type": _ct(program), "object_id": program.pk})
    assert response.status_code == 404
    assert not Follow.objects.exists()


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(type(obj)).pk


def test_a_notification_about_a_record_no_longer_visible_is_not_read(
    client, users, django_capture_on_commit_callbacks
):
    """Sent while the user was on the team; read after they left it: the bell, the list,
    opening it, 'mark all read' and the digest all read it through core.permissions now."""
    staff = users["staff"]
    staff.email = "staff@example.test"
    staff.save()
    NotificationPreference.objects.create(user=staff, email="digest")
    kept = with_children(ProgramFactory(name="Still on the team"))
    left = with_children(ProgramFactory(name="Team since left"))
    for program in (kept, left):
        teams.set_member(program, staff, "viewer")
    with django_capture_on_commit_callbacks(execute=True):
        notify([staff], f"{kept} changed", url=kept.get_absolute_url())
        gone = notify([staff], f"{left} changed", url=left.get_absolute_url())[0]
        notify([staff], "A reminder about nothing in particular")
    teams.remove_member(left, staff)
    client.force_login(staff)
    page = client.get("/notifications/").text
    assert "Still on the team" in page and "A reminder about nothing" in page
    assert "Team since left" not in page and left.code not in page
    assert "Notifications, 2 unread" in page
    assert client.post(f"/notifications/{gone.pk}/read/", {"open": "1"}).status_code == 404
    response = client.post("/notifications/read-all/", follow=True)
    assert "Marked 2 notification(s) as read." in response.text
    assert send_digests() == 1
    assert "Still on the team" in mail.outbox[0].body
    assert "Team since left" not in mail.outbox[0].body
    assert "2 notification(s)" in mail.outbox[0].subject
