"""What users do with agreements: create, amend, link, filter, export, see on programs."""

import datetime

import pytest

from agreements.models import Agreement, AgreementParticipant, LegalAuthority
from core import teams
from core.models import AuditEntry, Country, TransitionLog
from tests.agreements.factories import AgreementFactory, with_participants
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def form_data(**overrides):
    data = {
        "number": "MOU-NOR-2026-01",
        "title": "Arctic Sensor Cooperation MOU",
        "kind": "mou",
        "summary": "Joint work on arctic sensors.",
        "highest_classification": "S",
        "reporting_required": "on",
        "classification": "CUI",
    }
    data.update(overrides)
    return data


def test_staff_creates_an_agreement_leads_its_team_and_opens_its_timeline(pm_client, users):
    response = pm_client.post("/agreements/add/", form_data())
    agreement = Agreement.objects.get(number="MOU-NOR-2026-01")
    assert response.status_code == 302 and response["Location"] == f"/agreements/{agreement.pk}/"
    assert agreement.status == "concept"
    # The level exchanged may be above CUI: only the record's own marking is limited.
    assert agreement.highest_classification == "S"
    assert [(m.user, m.role) for m in teams.members(agreement)] == [(users["pm"], "lead")]
    assert TransitionLog.objects.get(object_id=agreement.pk).name == "create"
    assert AuditEntry.objects.filter(object_id=agreement.pk, action="create").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"classification": "S"}, "classification", "use the proper classified system"),
        ({"signed_on": "2026-01-01"}, "signed_on", "recorded when the signatures are"),
        ({"number": ""}, "number", "This field is required."),
    ],
)
def test_invalid_agreement_is_refused_with_a_clear_message(pm_client, overrides, field, message):
    response = pm_client.post("/agreements/add/", form_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Agreement.objects.exists()


def test_status_cannot_be_edited_in_the_form(pm_client, users):
    agreement = AgreementFactory(responsible_official=users["pm"])
    data = form_data(
        number=agreement.number,
        status="in_force",
        responsible_official=users["pm"].pk,
        expected_version=agreement.version,
    )
    assert pm_client.post(f"/agreements/{agreement.pk}/edit/", data).status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).status == "concept"


def test_amendment_is_prefilled_copies_the_parties_and_shows_on_its_parent_in_order(
    pm_client, users
):
    base = with_participants(
        AgreementFactory(
            number="MOU-GBR-2026-01",
            responsible_official=users["pm"],
            status="in_force",
            signed_on=datetime.date(2019, 3, 1),
        )
    )
    first = AgreementFactory(
        number="MOU-GBR-2026-01-A1",
        amends=base,
        signed_on=datetime.date(2025, 3, 1),
        status="concluded",
        responsible_official=users["pm"],
    )
    form = pm_client.get(f"/agreements/add/?amends={base.pk}").context["form"]
    assert form.initial["number"] == "MOU-GBR-2026-01-A2"
    assert form.initial["amends"] == base.pk
    response = pm_client.post(
        "/agreements/add/",
        form_data(
            number="MOU-GBR-2026-01-A2",
            title="Amendment 2",
            amends=base.pk,
            responsible_official=users["pm"].pk,
        ),
    )
    second = Agreement.objects.get(number="MOU-GBR-2026-01-A2")
    assert response.status_code == 302
    assert sorted(p.country.iso3 for p in second.participants.all()) == ["GBR", "USA"]
    detail = pm_client.get(base.get_absolute_url())
    assert list(detail.context["amendments"]) == [first, second]


def test_arrangement_under_a_framework_shows_on_it(pm_client, users):
    framework = AgreementFactory(
        kind="framework", responsible_official=users["pm"], status="in_force"
    )
    child = AgreementFactory(kind="project", parent=framework, responsible_official=users["pm"])
    hidden_child = AgreementFactory(kind="project", parent=framework, title="Unseen arrangement")
    page = pm_client.get(framework.get_absolute_url()).text
    assert child.title in page and "Unseen arrangement" not in page
    assert hidden_child.pk


def test_links_offer_only_visible_records_and_keep_hidden_ones(pm_client, users):
    seen = ProgramFactory(program_manager=users["pm"])
    unseen = ProgramFactory(name="Unseen program")
    agreement = AgreementFactory(responsible_official=users["pm"])
    agreement.programs.set([seen, unseen])
    form = pm_client.get(f"/agreements/{agreement.pk}/edit/").context["form"]
    assert list(form.fields["programs"].queryset) == [seen]
    response = pm_client.post(
        f"/agreements/{agreement.pk}/edit/",
        form_data(
            number=agreement.number,
            programs=[],
            responsible_official=users["pm"].pk,
            expected_version=agreement.version,
        ),
    )
    assert response.status_code == 302
    # The user cleared what they see; the link they cannot see stays.
    assert list(agreement.programs.all()) == [unseen]
    page = pm_client.get(agreement.get_absolute_url()).text
    assert "Unseen program" not in page
    history = AuditEntry.objects.filter(root_id=agreement.pk, changes__has_key="programs unlinked")
    assert history.exists()


def test_parent_the_user_cannot_see_is_neither_shown_nor_lost(pm_client, users):
    framework = AgreementFactory(kind="framework", title="Invisible framework", status="in_force")
    child = AgreementFactory(parent=framework, responsible_official=users["pm"])
    page = pm_client.get(child.get_absolute_url()).text
    assert "Invisible framework" not in page and "An agreement you may not see" in page
    form = pm_client.get(f"/agreements/{child.pk}/edit/").context["form"]
    assert "parent" not in form.fields
    pm_client.post(
        f"/agreements/{child.pk}/edit/",
        form_data(
            number=child.number,
            responsible_official=users["pm"].pk,
            expected_version=child.version,
        ),
    )
    assert Agreement.objects.get(pk=child.pk).parent == framework
    api = pm_client.get(f"/api/v1/agreements/{child.pk}/").json()
    assert api["parent"] is None


def test_participants_and_signatories_are_edited_apart(pm_client, users):
    agreement = AgreementFactory(responsible_official=users["pm"])
    usa, gbr = (Country.objects.get(iso3=c) for c in ("USA", "GBR"))
    data = {
        "participants-TOTAL_FORMS": "2",
        "participants-INITIAL_FORMS": "0",
        "participants-0-country": usa.pk,
        "participants-0-financial_contribution": "5000000",
        "participants-0-in_kind_contribution": "0",
        "participants-1-country": gbr.pk,
        "participants-1-financial_contribution": "3000000",
        "participants-1-in_kind_contribution": "250000",
        "parent_version": agreement.version,
    }
    response = pm_client.post(f"/agreements/{agreement.pk}/participants/", data)
    assert response.status_code == 302
    assert agreement.participants.count() == 2
    twice = dict(
        data, **{"participants-1-country": usa.pk, "parent_version": agreement.version + 1}
    )
    AgreementParticipant.objects.all().delete()
    response = pm_client.post(f"/agreements/{agreement.pk}/participants/", twice)
    assert "These countries appear twice: United States." in response.text
    assert not agreement.participants.exists()


def test_program_panel_lists_only_agreements_the_user_may_see(client, users):
    program = ProgramFactory()
    teams.set_member(program, users["staff"], "viewer")
    seen = AgreementFactory(title="Seen accord", status="in_force")
    unseen = AgreementFactory(title="Unseen accord")
    for a in (seen, unseen):
        a.programs.add(program)
    teams.set_member(seen, users["staff"], "viewer")
    client.force_login(users["staff"])
    page = client.get(program.get_absolute_url()).text
    assert "Seen accord" in page and "In force" in page
    assert "Unseen accord" not in page and unseen.number not in page
    client.force_login(users["leader"])
    page = client.get(program.get_absolute_url()).text
    assert "Seen accord" in page and "Unseen accord" in page


def test_profile_panel_lists_my_agreements(client, users):
    mine = AgreementFactory(title="My accord", responsible_official=users["staff"])
    AgreementFactory(title="Not my accord")
    client.force_login(users["staff"])
    page = client.get("/accounts/profile/").text
    assert mine.title in page and "Not my accord" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=loan", {"LOAN-JPN-2026-01"}),
        ("status=in_force", {"MOU-USA-2026-01"}),
        ("country=JPN", {"LOAN-JPN-2026-01"}),
        ("expiring_within=60", {"MOU-USA-2026-01"}),
        ("reporting=late", {"LOAN-JPN-2026-01"}),
        ("reporting=not_applicable", {"MOU-USA-2026-01", "PA-GBR-2026-01"}),
        ("q=sensor", {"PA-GBR-2026-01"}),
    ],
)
def test_list_filters(client, users, query, expected):
    today = datetime.date.today()
    with_participants(
        AgreementFactory(
            number="MOU-USA-2026-01", status="in_force", expiration_date=today + 30 * DAY
        )
    )
    with_participants(
        AgreementFactory(
            number="LOAN-JPN-2026-01", kind="loan", status="concluded", signed_on=today - 20 * DAY
        ),
        countries=("USA", "JPN"),
    )
    with_participants(
        AgreementFactory(number="PA-GBR-2026-01", title="Sensor arrangement", kind="project")
    )
    client.force_login(users["leader"])
    response = client.get(f"/agreements/?{query}")
    assert {a.number for a in response.context["table"].data} == expected
    api = client.get(f"/api/v1/agreements/?{query}").json()
    assert {row["number"] for row in api["results"]} == expected


def test_program_and_authority_filters(client, users):
    program = ProgramFactory()
    authority = LegalAuthority.objects.create(name="Test authority", citation="1 U.S.C. 1")
    linked = AgreementFactory(legal_authority=authority)
    linked.programs.add(program)
    AgreementFactory()
    client.force_login(users["leader"])
    assert [
        a.pk for a in client.get(f"/agreements/?program={program.pk}").context["table"].data
    ] == [linked.pk]
    assert [
        a.pk
        for a in client.get(f"/agreements/?legal_authority={authority.pk}").context["table"].data
    ] == [linked.pk]
    # Typed: the program's code, or a part of its name, in any case.
    for typed in (program.code, program.name[3:12].upper()):
        response = client.get("/agreements/", {"program": typed})
        assert [a.pk for a in response.context["table"].data] == [linked.pk], typed
    assert not client.get("/agreements/?program=no+such+program").context["table"].data


def test_program_filter_refuses_a_program_the_user_cannot_see(client, users):
    program = ProgramFactory()
    agreement = AgreementFactory(responsible_official=users["staff"])
    agreement.programs.add(program)
    client.force_login(users["staff"])
    for typed in (str(program.pk), program.code, program.name):
        response = client.get("/agreements/", {"program": typed})
        assert list(response.context["table"].data) == [], typed


def test_export_keeps_filters(client, users):
    with_participants(AgreementFactory(number="MOU-USA-2026-01", kind="mou"))
    with_participants(AgreementFactory(number="LOAN-JPN-2026-01", kind="loan"))
    client.force_login(users["leader"])
    body = b"".join(client.get("/agreements/?kind=loan&export=csv").streaming_content).decode()
    assert "LOAN-JPN-2026-01" in body and "MOU-USA-2026-01" not in body
    assert "Reporting to State" in body.splitlines()[0] or "Number" in body.splitlines()[0]


def test_query_count_of_list_and_api_do_not_grow_with_rows(users, query_budget):
    pm = users["pm"]

    def add(n):
        for _ in range(n):
            a = with_participants(
                AgreementFactory(status="concluded", signed_on=datetime.date.today() - 3 * DAY)
            )
            a.programs.add(ProgramFactory())
            teams.set_member(a, users["pm"], "editor")

    add(3)
    few, api_few = query_budget("/agreements/", pm), query_budget("/api/v1/agreements/", pm)
    add(12)
    query_budget.assert_not_grown(few, query_budget("/agreements/", pm))
    query_budget.assert_not_grown(api_few, query_budget("/api/v1/agreements/", pm))


def test_api_creates_with_a_timeline_and_keeps_hidden_program_links(client, users):
    client.force_login(users["pm"])
    seen = ProgramFactory(program_manager=users["pm"])
    response = client.post(
        "/api/v1/agreements/",
        {"number": "MOU-API-2026-01", "title": "By API", "kind": "mou", "programs": [seen.pk]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    agreement = Agreement.objects.get(number="MOU-API-2026-01")
    assert TransitionLog.objects.get(object_id=agreement.pk).name == "create"
    unseen = ProgramFactory()
    agreement.programs.add(unseen)
    assert client.get(f"/api/v1/agreements/{agreement.pk}/").json()["programs"] == [seen.pk]
    response = client.patch(
        f"/api/v1/agreements/{agreement.pk}/",
        {"programs": [], "version": agreement.version},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert list(agreement.programs.all()) == [unseen]
    bad = client.post(
        "/api/v1/agreements/",
        {"number": "MOU-API-2026-02", "title": "x", "kind": "mou", "programs": [unseen.pk]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "programs" in bad.json()


def test_api_participant_needs_change_on_its_agreement(client, users):
    agreement = AgreementFactory()
    teams.set_member(agreement, users["staff"], "viewer")
    client.force_login(users["staff"])
    payload = {"agreement": agreement.pk, "country": "FRA"}
    response = client.post(
        "/api/v1/agreements/participants/", payload, content_type="application/json"
    )
    assert response.status_code == 403
    teams.set_member(agreement, users["staff"], "editor")
    response = client.post(
        "/api/v1/agreements/participants/", payload, content_type="application/json"
    )
    assert response.status_code == 201
    assert AuditEntry.objects.filter(
        root_id=agreement.pk, content_type__model="agreementparticipant"
    ).exists()


def test_openapi_schema_has_the_transition_action(client, users):
    client.force_login(users["staff"])
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/agreements/{id}/transition/"]["post"]
    assert {"200", "400"} <= set(operation["responses"])
    assert "/api/v1/agreements/participants/" in schema["paths"]


def test_demo_data_loads_twice_without_duplicates(settings, tmp_path):
    from importlib import import_module

    settings.MEDIA_ROOT = tmp_path

    def seed():
        # The apps this one builds on, in the seed_demo order; not the later apps.
        context = {}
        for app in ("core", "programs", "agreements"):
            import_module(f"{app}.demo").seed(context)
        return context

    context = seed()
    count = Agreement.objects.count()
    seed()
    assert Agreement.objects.count() == count == len(context["agreements"]) >= 20
    statuses = set(Agreement.objects.values_list("status", flat=True))
    assert {"concept", "rad_requested", "in_force", "concluded", "expired", "withdrawn"} <= statuses
    today = datetime.date.today()
    due = [a for a in Agreement.objects.all() if a.reporting_status in ("due", "late")]
    assert due
    assert Agreement.objects.filter(
        status="in_force", expiration_date__lte=today + 180 * DAY
    ).exists()
    assert all(a.programs.exists() for a in Agreement.objects.all())
    assert Agreement.objects.filter(amends__isnull=False).exists()
    assert Agreement.objects.filter(parent__isnull=False).exists()


def test_country_panel_lists_only_visible_agreements(rf, users):
    from core.models import Country
    from core.panels import panels_for

    norway = Country.objects.get(iso3="NOR")
    seen = with_participants(AgreementFactory(title="Seen fjord accord"), countries=("USA", "NOR"))
    with_participants(AgreementFactory(title="Unseen fjord accord"), countries=("USA", "NOR"))
    teams.set_member(seen, users["staff"], "viewer")
    request = rf.get("/countries/NOR/")
    request.user = users["staff"]
    html = "".join(h for panel, h in panels_for(norway, request) if panel.title == "Agreements")
    assert "Seen fjord accord" in html and "Unseen fjord accord" not in html


def test_import_previews_then_imports_all_rows(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users["staff"])
    rows = (
        "number,title,kind,legal_authority,responsible_official\n"
        "MOU-GBR-2026-01,Imported one,mou,Research and development projects,staff\n"
        "LOAN-GBR-2026-02,Imported two,loan,,nobody-here\n"
    )
    upload = SimpleUploadedFile("a.csv", rows.encode(), content_type="text/csv")
    response = client.post("/agreements/import/", {"file": upload})
    assert "No active user “nobody-here”." in response.text
    assert not Agreement.objects.exists()
    fixed = rows.replace("nobody-here", "staff")
    response = client.post(
        "/agreements/import/", {"file": SimpleUploadedFile("a.csv", fixed.encode())}
    )
    token = response.context["token"]
    response = client.post("/agreements/import/", {"token": token})
    assert response.status_code == 302
    assert set(Agreement.objects.values_list("number", flat=True)) == {
        "MOU-GBR-2026-01",
        "LOAN-GBR-2026-02",
    }


def test_bulk_edit_sets_the_responsible_official_on_all_or_none(client, users):
    mine = [AgreementFactory(responsible_official=users["pm"]) for _ in range(2)]
    other = AgreementFactory()
    client.force_login(users["pm"])
    response = client.post(
        "/agreements/bulk-edit/",
        {"pk": [a.pk for a in mine] + [other.pk], "apply": "1", "expiration_date": "2030-01-01"},
    )
    assert response.status_code == 302
    assert not Agreement.objects.filter(expiration_date__isnull=False).exists()
    client.post(
        "/agreements/bulk-edit/",
        {"pk": [a.pk for a in mine], "apply": "1", "expiration_date": "2030-01-01"},
    )
    assert Agreement.objects.filter(expiration_date=datetime.date(2030, 1, 1)).count() == 2
