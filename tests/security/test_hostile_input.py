"""Hostile input: stored markup never runs, CSRF is enforced, nothing partial is written."""

from django.db import models

from core.permissions import record_models

PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def _poison(model):
    """Put the payload in every free-text field of every record of `model` (no validation)."""
    unique_together = {name for group in model._meta.unique_together for name in group}
    for constraint in model._meta.constraints:
        unique_together.update(getattr(constraint, "fields", ()))
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not f.unique
        and f.name not in unique_together
        and (f.max_length is None or f.max_length >= len(PAYLOAD))
    ]
    if fields:
        model._default_manager.update(**dict.fromkeys(fields, PAYLOAD))
    return fields


def test_stored_markup_is_escaped_on_every_page_of_every_record(client, demo):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    poisoned = 0
    for model in record_models():
        if not _poison(model):
            continue
        for child in model._meta.related_objects:
            if getattr(child.related_model, "permission_parent", None) == child.field.name:
                _poison(child.related_model)
        record = model._default_manager.first()
        if record is None:
            continue
        app = model._meta.app_label
        for url in (
            record.get_absolute_url(),
            f"/{app}/",
            f"/{app}/{record.pk}/history/",
            "/search/?q=script",
        ):
            response = client.get(url)
            if response.status_code == 404:
                continue
            body = response.content.decode()
            assert "<script>window.__xss" not in body, url
            assert 'onerror="window.__xss' not in body, url
        poisoned += 1
    assert poisoned >= 1


def test_csrf_is_enforced_on_forms_and_api(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["pm"])
    response = client.post(
        "/programs/add/", {"code": "X-1", "name": "No token", "kind": "rdte", "phase": "concept"}
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/programs/",
        {"code": "X-1", "name": "No token", "kind": "rdte", "phase": "concept"},
        content_type="application/json",
    )
    assert response.status_code == 403
    from programs.models import Program

    assert not Program.objects.filter(code="X-1").exists()


def test_huge_csv_is_refused_without_writing(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.models import Program

    client.force_login(users["pm"])
    rows = "".join(f"HUGE-{i},Program {i},rdte,concept\n" for i in range(200_000))
    big = SimpleUploadedFile("huge.csv", ("code,name,kind,phase\n" + rows).encode())
    response = client.post("/programs/import/", {"file": big})
    assert "larger than 5 MB" in response.text
    assert not Program.objects.filter(code__startswith="HUGE-").exists()


def test_renamed_executable_is_refused(client, users, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core import teams
    from core.models import Document
    from tests.programs.factories import ProgramFactory

    settings.MEDIA_ROOT = tmp_path
    program = ProgramFactory()
    teams.set_member(program, users["pm"], "editor")
    client.force_login(users["pm"])
    elf = SimpleUploadedFile("report.docx", b"\x7fELF\x02\x01\x01" + b"\x00" * 500)
    response = client.post(
        f"/programs/{program.pk}/documents/add/",
        {"title": "Report", "kind": "other", "classification": "U", "file": elf},
    )
    assert response.status_code == 200
    assert "refused" in response.text or "not a valid" in response.text
    assert not Document.objects.exists()
    assert not list(tmp_path.rglob("*"))
