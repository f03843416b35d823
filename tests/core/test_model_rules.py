"""The bad values an adversary got through the API in the last round, refused in the
model layer: through the API, through a plain ORM save (a shell, a future path), and
by the database itself where a rule can be a constraint. Nothing changes on refusal."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import rules
from core.models import AuditEntry, Country, Organization
from programs.models import Milestone, Participant, Program
from tests.agreements.factories import AgreementFactory
from tests.fora.factories import MeetingFactory
from tests.programs.factories import ProgramFactory, with_children
from tests.tsfd.factories import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def pm(client, users):
    client.force_login(users["pm"])
    return client


def _counts():
    return (Program.objects.count(), Participant.objects.count(), AuditEntry.objects.count())


def _send(client, method, url, body):
    return getattr(client, method)(url, body, content_type="application/json")


def _lead(program, user):
    from core.teams import set_member

    set_member(program, user, "lead")


def test_participants_cannot_move_between_programs_to_make_200_percent(pm, users):
    """The attack: PUT a participant of one program onto another (USA four times, 200%)."""
    first, second = with_children(ProgramFactory()), with_children(ProgramFactory())
    _lead(first, users["pm"])
    _lead(second, users["pm"])
    moving = first.participants.get(country__iso3="GBR")
    before = _counts()
    response = _send(
        pm,
        "patch",
        f"/api/v1/programs/participants/{moving.pk}/",
        {"program": second.pk},
    )
    assert response.status_code == 400, response.content
    assert "program" in response.json()
    assert _counts() == before
    assert Participant.objects.get(pk=moving.pk).program_id == first.pk


def test_one_participant_cannot_push_the_shares_past_100(pm, users):
    program = with_children(ProgramFactory())
    _lead(program, users["pm"])
    gbr = program.participants.get(country__iso3="GBR")
    before = _counts()
    response = _send(pm, "patch", f"/api/v1/programs/participants/{gbr.pk}/", {"cost_share": "100"})
    assert response.status_code == 400, response.content
    assert "160%" in str(response.json())
    assert _counts() == before and Participant.objects.get(pk=gbr.pk).cost_share == 40


def test_cost_shares_change_together_through_one_call(pm, users):
    program = with_children(ProgramFactory())
    _lead(program, users["pm"])
    usa, gbr = (
        program.participants.get(country__iso3="USA"),
        program.participants.get(country__iso3="GBR"),
    )
    url = f"/api/v1/programs/{program.pk}/cost-shares/"
    bad = {"version": program.version, "shares": [{"participant": usa.pk, "cost_share": "70"}]}
    response = _send(pm, "post", url, bad)
    assert response.status_code == 400 and "110%" in str(response.json())
    assert Participant.objects.get(pk=usa.pk).cost_share == 60
    good = {
        "version": program.version,
        "shares": [
            {"participant": usa.pk, "cost_share": "50"},
            {"participant": gbr.pk, "cost_share": "50"},
        ],
    }
    response = _send(pm, "post", url, good)
    assert response.status_code == 200, response.content
    assert sorted(p["cost_share"] for p in response.json()) == ["50.00", "50.00"]
    stale = _send(pm, "post", url, good)  # the version was used up by the change
    assert stale.status_code == 409


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("code", "\x07\x08\x1b", "control characters"),
        ("code", "0", "CP-2026-014"),
        ("end_date", "4758-10-29", "outside 1950"),
    ],
)
def test_program_values_refused_by_the_api(pm, users, field, value, words):
    program = ProgramFactory()
    _lead(program, users["pm"])
    before = _counts()
    response = _send(
        pm, "patch", f"/api/v1/programs/{program.pk}/", {field: value, "version": program.version}
    )
    assert response.status_code == 400, response.content
    assert words in response.json()[field][0]
    assert _counts() == before


def test_milestone_forecast_in_year_840_refused(pm, users):
    program = with_children(ProgramFactory())
    _lead(program, users["pm"])
    milestone = program.milestones.get()
    response = _send(
        pm,
        "patch",
        f"/api/v1/programs/milestones/{milestone.pk}/",
        {"forecast_date": "0840-03-06"},
    )
    assert response.status_code == 400 and "forecast_date" in response.json()
    assert Milestone.objects.get(pk=milestone.pk).forecast_date is None


def test_us_lead_must_be_a_us_organisation_on_every_path(pm, users):
    foreign = Organization.objects.create(
        name="Ministry of Defence", country=Country.objects.get(iso3="GBR")
    )
    program = ProgramFactory()
    _lead(program, users["pm"])
    response = _send(
        pm,
        "patch",
        f"/api/v1/programs/{program.pk}/",
        {"us_lead": foreign.pk, "version": program.version},
    )
    assert response.status_code == 400 and "US organisation" in response.json()["us_lead"][0]
    program.refresh_from_db()
    program.us_lead = foreign
    with pytest.raises(ValidationError):
        program.save()  # a shell takes the same rule


def test_unclassified_noforn_is_not_a_marking():
    program = ProgramFactory()
    program.classification, program.dissemination = "U", "NOFORN"
    with pytest.raises(ValidationError) as refused:
        program.save()
    assert "CUI only" in str(refused.value)
    program.classification = "CUI"
    program.save()


def test_meeting_of_sixteen_months_refused():
    meeting = MeetingFactory()
    meeting.start_date, meeting.end_date = datetime.date(2026, 8, 15), datetime.date(2028, 1, 5)
    with pytest.raises(ValidationError) as refused:
        meeting.save()
    assert "at most 31 days" in str(refused.value)


def test_agreement_numbered_zero_refused():
    agreement = AgreementFactory()
    agreement.number = "0"
    with pytest.raises(ValidationError) as refused:
        agreement.save()
    assert "number" in refused.value.message_dict


def test_tsfd_records_secret_technology_as_a_fact(users):
    case = draft(users["requester"], highest_classification="S")
    case.refresh_from_db()
    assert case.highest_classification == "S" and case.classification == "CUI"


def test_the_database_refuses_what_a_bulk_update_would_slip_past():
    program = with_children(ProgramFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(program=program).update(cost_share=Decimal("200"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(
            start_date=datetime.date(2030, 1, 1), end_date=datetime.date(2020, 1, 1)
        )


def test_health_agrees_with_the_data():
    program = ProgramFactory(health="green")
    with pytest.raises(ValidationError) as refused:  # a Green program takes no late milestone
        Milestone.objects.create(
            program=program, title="Critical design review", planned_date=datetime.date(2016, 3, 1)
        )
    assert "overdue since 2016-03-01" in str(refused.value)
    late = Milestone.objects.create(
        program=program, title="Critical design review", planned_date=datetime.date(2027, 3, 1)
    )
    Milestone.objects.filter(pk=late.pk).update(planned_date=datetime.date(2016, 3, 1))  # a shell
    program.refresh_from_db()
    program.name = program.name + " (renamed)"
    with pytest.raises(ValidationError) as refused:
        program.save()
    assert "overdue since 2016-03-01" in str(refused.value)
    program.health_override_reason = "Milestone replaced by the rebaselined schedule."
    program.save()

    program.health, program.health_reason = "red", "On cost and schedule."
    with pytest.raises(ValidationError) as refused:
        program.save()
    assert "Green reason" in str(refused.value)
    program.health_reason = "Critical test slipped two quarters."
    program.save()
    program.refresh_from_db()
    assert program.health_trend == "declining"
    program.health, program.health_reason = "yellow", "Recovery plan approved, test rescheduled."
    program.save()
    assert Program.objects.get(pk=program.pk).health_trend == "improving"


def test_a_batch_checks_cross_row_rules_once_at_the_end():
    program = ProgramFactory()
    usa, gbr = Country.objects.get(iso3="USA"), Country.objects.get(iso3="GBR")
    with pytest.raises(ValidationError):
        Participant.objects.create(program=program, country=usa, cost_share=Decimal(60))
    assert not program.participants.exists()
    with rules.batch():
        Participant.objects.create(program=program, country=usa, cost_share=Decimal(60))
        Participant.objects.create(program=program, country=gbr, cost_share=Decimal(40))
    assert program.participants.count() == 2
    with pytest.raises(ValidationError), rules.batch():
        Participant.objects.create(
            program=program,
            country=Country.objects.get(iso3="FRA"),
            cost_share=Decimal(10),
        )
    assert program.participants.count() == 2
