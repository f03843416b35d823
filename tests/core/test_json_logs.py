"""Logs are JSON lines carrying the request id, the user's numeric id and the audit's
request id, and never the user's name."""

import io
import json
import logging

import pytest
from django.conf import settings

from core.logs import JsonLineFormatter, RequestIdsFilter


@pytest.fixture
def log_lines():
    """What the portal's console handler would print, captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdsFilter())
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_the_portal_logs_json_by_default():
    console = settings.LOGGING["handlers"]["console"]
    assert console["formatter"] == "json"
    assert console["filters"] == ["request_ids"]


@pytest.mark.django_db
def test_a_request_logs_one_json_line_with_the_ids_and_no_name(client, users, log_lines):
    user = users["pm"]
    client.force_login(user)
    response = client.get("/programs/")
    request_id = response["X-Request-ID"]

    lines = [line for line in log_lines() if line["logger"] == "icportal.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["message"] == "GET /programs/ 200"
    assert line["level"] == "INFO"
    assert line["time"].endswith("+0000")
    assert line["request_id"] == request_id
    assert line["audit_request_id"] == request_id
    assert line["user_id"] == user.pk
    assert line["view"] == "programs:list" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    raw = json.dumps(lines)
    for name in (user.username, user.first_name, user.last_name, user.email):
        if name:
            assert name not in raw


@pytest.mark.django_db
def test_lines_logged_inside_a_request_carry_its_ids(client, users, log_lines, monkeypatch):
    """Any logger, not only the request line: here the 404 handler's warning."""
    client.force_login(users["leader"])
    response = client.get("/programs/999999/")
    assert response.status_code == 404
    warnings = [line for line in log_lines() if line["logger"] == "django.request"]
    assert warnings, log_lines()
    assert warnings[0]["request_id"] == response["X-Request-ID"]
    assert warnings[0]["user_id"] == users["leader"].pk


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_unless_it_is_not_a_plain_id(client, log_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a.1")
    assert response["X-Request-ID"] == "edge-7f3a.1"
    response = client.get("/healthz", HTTP_X_REQUEST_ID="x\nFAKE LINE <script>")
    assert response["X-Request-ID"] != "x\nFAKE LINE <script>"
    assert len(response["X-Request-ID"]) == 12
    signed_out = [line for line in log_lines() if line["logger"] == "icportal.requests"]
    assert [line["user_id"] for line in signed_out] == [None, None]


@pytest.mark.django_db
def test_the_audit_rows_of_a_request_name_its_request_id(client, users):
    from core.models import AuditEntry
    from programs.models import Program

    program = Program.objects.create(
        code="CP-2026-901", name="Logged radar", kind="rdte", phase="development"
    )
    client.force_login(users["admin"])
    response = client.patch(
        f"/api/v1/programs/{program.pk}/",
        data=json.dumps({"name": "Logged radar, renamed", "version": program.version}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(action="update").latest("pk")
    assert entry.source.endswith(f"[{response['X-Request-ID']}]")


@pytest.mark.django_db
def test_a_calendar_feeds_token_never_reaches_the_logs(client, log_lines):
    """The token in a feed's address is a credential: the log masks it, answered or not."""
    secret = "feedtoken-that-must-stay-secret-0123456789"
    response = client.get(f"/fora/calendar/{secret}/meetings.ics")
    assert response.status_code == 404  # no such token
    lines = log_lines()
    assert lines, "nothing was logged"
    raw = json.dumps(lines)
    assert secret not in raw
    access = [line for line in lines if line["logger"] == "icportal.requests"]
    assert access[0]["path"] == "/fora/calendar/<token>/meetings.ics"
