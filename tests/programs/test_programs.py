"""What users do with programs: create, validate, edit, lock, audit, import, export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core import teams
from core.models import AuditEntry, Document, SavedView, SecurityEvent, TablePreference
from programs.models import Milestone, Participant, Program
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db


def program_form_data(**overrides):
    data = {
        "code": "CP-2026-100",
        "name": "Allied Radar Study",
        "kind": "rdte",
        "phase": "concept",
        "health": "green",
        "health_trend": "steady",
        "protection_plan_status": "not_started",
        "classification": "CUI",
        "start_date": "2026-01-01",
        "end_date": "2028-12-31",
    }
    data.update(overrides)
    return data


def test_program_manager_creates_a_program_and_leads_its_team(pm_client, users):
    response = pm_client.post("/programs/add/", program_form_data())
    program = Program.objects.get(code="CP-2026-100")
    assert response.status_code == 302
    assert response["Location"] == f"/programs/{program.pk}/"
    assert [(m.user, m.role) for m in teams.members(program)] == [(users["pm"], "lead")]
    page = pm_client.get(response["Location"]).text
    assert "Allied Radar Study" in page and "Manage team" in page
    entry = AuditEntry.objects.get(object_id=program.pk, action="create")
    assert entry.user == users["pm"] and entry.changes["name"] == [None, "Allied Radar Study"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": "2025-01-01"}, "end_date", "The end date is before the start date."),
        ({"classification": "S"}, "classification", "use the proper classified system"),
        ({"code": ""}, "code", "This field is required."),
    ],
)
def test_invalid_program_is_refused_with_a_clear_message(pm_client, overrides, field, message):
    response = pm_client.post("/programs/add/", program_form_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "Nothing was saved" in response.text
    assert not Program.objects.exists()


def test_duplicate_code_is_refused(pm_client):
    ProgramFactory(code="CP-2026-100")
    response = pm_client.post("/programs/add/", program_form_data())
    assert "Program with this Code already exists." in response.context["form"].errors["code"]
    assert Program.objects.count() == 1


def test_roles_without_add_permission_cannot_create(client, users):
    client.force_login(users["leader"])
    assert client.get("/programs/add/").status_code == 403
    assert client.post("/programs/add/", program_form_data()).status_code == 403
    assert "Add program" not in client.get("/programs/").text


def test_second_editor_is_refused_and_nothing_is_lost(client, users):
    program = ProgramFactory(name="Original name")
    teams.set_member(program, users["pm"], "lead")
    teams.set_member(program, users["staff"], "editor")
    data = program_form_data(code=program.code, expected_version=program.version)
    client.force_login(users["pm"])
    assert (
        client.post(f"/programs/{program.pk}/edit/", {**data, "name": "First"}).status_code == 302
    )
    client.force_login(users["staff"])
    response = client.post(f"/programs/{program.pk}/edit/", {**data, "name": "Second"})
    assert response.status_code == 200
    assert "was changed by someone else" in response.text
    assert f"/programs/{program.pk}/history/" in response.text
    program.refresh_from_db()
    assert program.name == "First" and program.version == 2


def test_history_shows_old_and_new_values_of_program_and_children(client, users):
    program = with_children(ProgramFactory(name="Before"))
    teams.set_member(program, users["pm"], "lead")
    client.force_login(users["pm"])
    client.post(
        f"/programs/{program.pk}/edit/",
        program_form_data(code=program.code, name="After", expected_version=program.version),
    )
    page = client.get(f"/programs/{program.pk}/history/").text
    assert "Before" in page and "After" in page
    assert "design review" in page  # the milestone's creation is on the program's history
    api = client.get(f"/api/v1/programs/{program.pk}/history/").json()
    latest = api["results"][0]
    assert latest["action"] == "update" and latest["changes"]["name"] == ["Before", "After"]


def _formset(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_cost_shares_must_add_up_to_100(client, users):
    from core.models import Country

    program = ProgramFactory()
    teams.set_member(program, users["pm"], "lead")
    client.force_login(users["pm"])
    usa, gbr = Country.objects.get(iso3="USA").pk, Country.objects.get(iso3="GBR").pk
    rows = [
        {
            "country": usa,
            "role": "lead",
            "cost_share": "60",
            "financial_contribution": "0",
            "in_kind_contribution": "0",
        },
        {
            "country": gbr,
            "role": "partner",
            "cost_share": "30",
            "financial_contribution": "0",
            "in_kind_contribution": "0",
        },
    ]
    data = {**_formset("participants", rows), "parent_version": program.version}
    response = client.post(f"/programs/{program.pk}/partners/", data)
    assert "Cost shares add up to 90%; they must add up to exactly 100%." in response.text
    assert not Participant.objects.exists()
    rows[1]["cost_share"] = "40"
    data = {**_formset("participants", rows), "parent_version": program.version}
    assert client.post(f"/programs/{program.pk}/partners/", data).status_code == 302
    assert sorted(Participant.objects.values_list("cost_share", flat=True)) == [40, 60]


def test_overdue_milestone_is_highlighted(client, users):
    import datetime

    program = ProgramFactory(health="yellow")
    teams.set_member(program, users["pm"], "viewer")
    Milestone.objects.create(
        program=program, title="Late review", planned_date=datetime.date(2020, 1, 1)
    )
    Milestone.objects.create(
        program=program,
        title="Done review",
        planned_date=datetime.date(2020, 1, 1),
        actual_date=datetime.date(2020, 1, 5),
    )
    client.force_login(users["pm"])
    page = client.get(program.get_absolute_url()).text
    assert page.count("Overdue") == 1
    assert 'class="milestone-overdue"' in page


def test_document_upload_checks_content_and_audits_downloads(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    program = ProgramFactory()
    teams.set_member(program, users["pm"], "editor")
    client.force_login(users["pm"])
    url = f"/programs/{program.pk}/documents/add/"
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
    response = client.post(
        url, {"title": "Plan", "kind": "plan", "classification": "CUI", "file": fake}
    )
    assert "not a valid .pdf file" in response.text or "its content is" in response.text
    assert not Document.objects.exists()
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF")
    response = client.post(
        url, {"title": "Plan", "kind": "plan", "classification": "CUI", "file": pdf}
    )
    assert response.status_code == 302
    doc = Document.objects.get()
    assert doc.file.name.startswith("documents/") and "plan" not in doc.file.name
    assert len(doc.checksum) == 64
    download = client.get(f"/documents/{doc.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert SecurityEvent.objects.filter(kind="download", username="pm").exists()
    client.force_login(users["staff"])
    assert client.get(f"/documents/{doc.pk}/download/").status_code == 404


def test_upload_too_large_is_refused(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_UPLOAD_MB = 1
    program = ProgramFactory()
    teams.set_member(program, users["pm"], "editor")
    client.force_login(users["pm"])
    big = SimpleUploadedFile("notes.txt", b"a" * (1024 * 1024 + 10))
    response = client.post(
        f"/programs/{program.pk}/documents/add/",
        {"title": "Notes", "kind": "other", "classification": "U", "file": big},
    )
    assert "the limit is 1 MB" in response.text
    assert not Document.objects.exists()


def test_export_keeps_filters_and_neutralises_formulas(client, users):
    ProgramFactory(name='=HYPERLINK("http://evil")', phase="concept")
    ProgramFactory(name="Plain production program", phase="production")
    client.force_login(users["leader"])
    response = client.get("/programs/?phase=concept&export=csv")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert "Plain production program" not in body
    xlsx = client.get("/programs/?phase=concept&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert names[0] == "Name" and names[1].startswith("'=")
    assert SecurityEvent.objects.filter(kind="export", username="leader").count() == 2


def test_htmx_filtering_returns_only_the_results(client, users):
    ProgramFactory(name="Green one", health="green")
    ProgramFactory(name="Red one", health="red")
    client.force_login(users["leader"])
    response = client.get("/programs/?health=red", HTTP_HX_REQUEST="true")
    assert "<html" not in response.text
    assert "Red one" in response.text and "Green one" not in response.text
    assert "1 program" in response.text


def test_partner_country_filter_does_not_duplicate_rows(client, users):
    with_children(ProgramFactory(name="Twice partnered"), countries=("USA", "GBR"))
    client.force_login(users["leader"])
    response = client.get("/programs/?country=USA&country=GBR", HTTP_HX_REQUEST="true")
    assert response.text.count("Twice partnered") == 1


def test_saved_view_and_columns_are_remembered(client, users):
    from django.contrib.auth.models import Group

    ProgramFactory(name="Red one", health="red")
    ProgramFactory(name="Green one", health="green")
    client.force_login(users["leader"])
    client.post(
        "/views/columns/",
        {"list_key": "programs.program", "list_url": "/programs/", "columns": ["name", "health"]},
    )
    assert TablePreference.objects.get(user=users["leader"]).columns == ["name", "health"]
    header = client.get("/programs/").text.split("<thead>")[1].split("</thead>")[0]
    assert "Health" in header and "Program manager" not in header
    response = client.post(
        "/views/save/",
        {
            "name": "Red programs",
            "list_key": "programs.program",
            "list_url": "/programs/",
            "query": "health=red&page=3",
            "columns": '["name", "health"]',
            "shared_with": Group.objects.get(name="Leadership").pk,
        },
    )
    saved = SavedView.objects.get(name="Red programs")
    assert saved.query == "health=red"
    assert response["Location"] == f"/programs/?view={saved.pk}"
    page = client.get(response["Location"]).text
    assert "Red one" in page and "Green one" not in page
    # Another leader sees the shared view; a program manager does not.
    other = users["admin"]
    other.groups.add(Group.objects.get(name="Leadership"))
    client.force_login(other)
    assert "Red programs" in client.get("/programs/").text
    client.force_login(users["pm"])
    assert client.get(f"/programs/?view={saved.pk}").status_code == 404


def test_bulk_edit_changes_all_or_nothing(client, users):
    mine = [ProgramFactory(), ProgramFactory()]
    not_mine = ProgramFactory()
    for p in mine:
        teams.set_member(p, users["pm"], "editor")
    teams.set_member(not_mine, users["pm"], "viewer")
    client.force_login(users["pm"])
    pks = [p.pk for p in mine]
    response = client.post(
        "/programs/bulk-edit/",
        {"pk": [*pks, not_mine.pk], "apply": "1", "health": "red", "health_reason": "Slipped."},
    )
    assert Program.objects.filter(health="red").count() == 0
    no_reason = client.post(
        "/programs/bulk-edit/", {"pk": pks, "apply": "1", "health": "red"}, follow=True
    )
    assert "Red needs a reason" in no_reason.text
    assert Program.objects.filter(health="red").count() == 0
    response = client.post(
        "/programs/bulk-edit/",
        {"pk": pks, "apply": "1", "health": "red", "health_reason": "Test range lost."},
        follow=True,
    )
    assert "2 programs updated." in response.text
    assert Program.objects.filter(health="red").count() == 2
    assert AuditEntry.objects.filter(action="update", changes__health=["Green", "Red"]).count() == 2


def _csv(text):
    return SimpleUploadedFile("programs.csv", text.encode("utf-8"), content_type="text/csv")


def test_import_previews_errors_and_writes_nothing(client, users):
    client.force_login(users["pm"])
    csv_text = (
        "code,name,kind,phase,health,start_date,end_date\n"
        "CP-2026-001,Good row,rdte,concept,green,2026-01-01,2027-01-01\n"
        "CP-2026-002,Bad dates,rdte,concept,green,2026-01-01,2025-01-01\n"
        "CP-2026-001,Duplicate,rdte,concept,green,,\n"
    )
    response = client.post("/programs/import/", {"file": _csv(csv_text)})
    assert "2 rows with errors: nothing was imported" in response.text
    assert "The end date is before the start date." in response.text
    assert "Same code as row 2." in response.text
    assert not Program.objects.exists()


def test_import_all_rows_after_preview(client, users):
    client.force_login(users["pm"])
    csv_text = (
        "code,name,kind,phase,health,health_reason,us_lead,program_manager\n"
        "CP-2026-001,First import,rdte,concept,green,,,pm\n"
        "CP-2026-002,Second import,esep,proposed,yellow,Partner funding unconfirmed,,\n"
    )
    preview = client.post("/programs/import/", {"file": _csv(csv_text)})
    token = preview.context["token"]
    assert token and "All 2 rows are valid" in preview.text
    assert not Program.objects.exists()
    response = client.post("/programs/import/", {"token": token}, follow=True)
    assert "Imported 2 programs." in response.text
    assert set(Program.objects.values_list("code", flat=True)) == {"CP-2026-001", "CP-2026-002"}
    assert Program.objects.get(code="CP-2026-001").program_manager == users["pm"]
    assert all(
        teams.members(p).filter(user=users["pm"], role="lead").exists()
        for p in Program.objects.all()
    )


def test_import_refuses_wrong_encoding_and_unknown_columns(client, users):
    client.force_login(users["pm"])
    latin = SimpleUploadedFile(
        "p.csv", "code,name,kind,phase\nCP-1,Café,rdte,concept\n".encode("latin-1")
    )
    assert "not UTF-8 encoded" in client.post("/programs/import/", {"file": latin}).text
    response = client.post("/programs/import/", {"file": _csv("code,name,colour\nA,B,red\n")})
    assert "Missing column(s): kind, phase." in response.text
    assert not Program.objects.exists()


def test_query_count_of_list_does_not_grow_with_rows(users, query_budget):
    def add(n):
        for _ in range(n):
            p = with_children(ProgramFactory())
            teams.set_member(p, users["pm"], "editor")

    add(3)
    few = query_budget("/programs/", users["pm"])  # held to tests/query_budgets.json
    add(12)
    query_budget.assert_not_grown(few, query_budget("/programs/", users["pm"]))


def test_query_count_of_detail_and_api_are_constant(users, query_budget):
    small = with_children(ProgramFactory())
    big = with_children(ProgramFactory(health="red"))
    for i in range(10):
        Milestone.objects.create(program=big, title=f"M{i}", planned_date="2026-01-01")
    leader = users["leader"]
    name = "programs:detail as leader (no related records)"  # the sweep's have panels full
    query_budget.assert_not_grown(
        query_budget(small.get_absolute_url(), leader, name=name),
        query_budget(big.get_absolute_url(), leader, name=name),
    )
    api_few = query_budget("/api/v1/programs/", leader)
    for _ in range(10):
        with_children(ProgramFactory())
    query_budget.assert_not_grown(api_few, query_budget("/api/v1/programs/", leader))
