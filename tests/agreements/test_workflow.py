"""The agreement lifecycle: who may take each step, what must be true, what is recorded."""

import datetime

import pytest
from django.db import transaction

from agreements import workflow
from agreements.models import Agreement
from core import teams
from core.models import Notification, TransitionLog
from core.workflow import TransitionRefused
from tests.agreements.factories import AgreementFactory, attach, with_participants

pytestmark = pytest.mark.django_db
S = Agreement.Status
BEFORE_CONCLUDED = [
    "concept",
    "ssoi_drafting",
    "rad_requested",
    "returned",
    "authorized_to_negotiate",
    "in_negotiation",
    "text_agreed",
    "final_approval_requested",
    "authorized_to_conclude",
    "awaiting_signatures",
]

# The lifecycle table in words, written independently of agreements/workflow.py:
# step → (states it starts from, who may take it).
SPEC = {
    "start_drafting": (["concept"], "team"),
    "request_authority": (["ssoi_drafting", "returned"], "lead"),
    "authorize_negotiation": (["rad_requested"], "approver"),
    "return_request": (["rad_requested"], "approver"),
    "disapprove": (["rad_requested"], "approver"),
    "start_negotiation": (["authorized_to_negotiate"], "team"),
    "agree_text": (["in_negotiation"], "lead"),
    "request_final_approval": (["text_agreed"], "lead"),
    "authorize_conclusion": (["final_approval_requested"], "approver"),
    "return_to_negotiation": (["final_approval_requested"], "approver"),
    "open_for_signature": (["authorized_to_conclude"], "lead"),
    "conclude": (["awaiting_signatures"], "lead"),
    "enter_into_force": (["concluded"], "lead"),
    "expire": (["concluded", "in_force"], "lead"),
    "propose_termination": (["concluded", "in_force"], "team"),
    "approve_termination": (["termination_proposed"], "approver"),
    "reject_termination": (["termination_proposed"], "approver"),
    "supersede": (["concluded", "in_force"], "lead"),
    "withdraw": (BEFORE_CONCLUDED, "lead"),
}
# Which actors each "who" covers. The responsible official holds no team role.
WHO = {
    "team": {"editor", "lead", "official"},
    "lead": {"lead", "official"},
    "approver": {"approver"},
}
ACTORS = ("editor", "lead", "official", "approver", "viewer", "outsider")
# Where each step leads; a step whose target depends on the record says where, for
# the records of these tests (a termination, proposed from "in force").
SPEC_TARGET = {t.name: t.target for t in workflow.TRANSITIONS} | {
    "approve_termination": "terminated",
    "reject_termination": "in_force",
}


class Rollback(Exception):
    pass


def ready_agreement(status, official):
    """An agreement in `status` for which every step's conditions hold."""
    agreement = AgreementFactory(
        status=status,
        responsible_official=official,
        entry_into_force_on=datetime.date.today() - datetime.timedelta(days=1),
        expiration_date=datetime.date.today() - datetime.timedelta(days=1),
    )
    with_participants(
        agreement, signatories=True, signed_on=datetime.date.today() - datetime.timedelta(days=2)
    )
    for kind in ("ssoi", "draft", "negotiated", "signed", "notice"):
        attach(agreement, kind, kind)
    Agreement.objects.filter(pk=agreement.pk).update(
        ending="termination",
        notice_period_days=180,
        ending_effective_on=datetime.date.today() + datetime.timedelta(days=180),
    )
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def actors(users, make_user):
    return {
        "editor": users["staff"],
        "lead": users["pm"],
        "official": make_user("official", "IC Staff"),
        "approver": users["leader"],
        "viewer": users["requester"],
        "outsider": make_user("outsider", "IC Staff"),
    }


def test_the_table_in_the_code_is_the_table_in_the_spec():
    assert {t.name for t in workflow.TRANSITIONS} == set(SPEC)
    for t in workflow.TRANSITIONS:
        assert set(t.sources) == set(SPEC[t.name][0]), t.name
    reachable = {SPEC_TARGET[t.name] for t in workflow.TRANSITIONS} | {"concept", "withdrawn"}
    assert reachable == set(S.values), "every status is reachable, and only those"


@pytest.mark.parametrize("status", S.values)
def test_every_state_step_and_actor_is_allowed_or_refused_as_the_table_says(status, actors):
    agreement = ready_agreement(status, actors["official"])
    teams.set_member(agreement, actors["editor"], "editor")
    teams.set_member(agreement, actors["lead"], "lead")
    teams.set_member(agreement, actors["viewer"], "viewer")
    version = Agreement.objects.get(pk=agreement.pk).version
    for actor_name in ACTORS:
        user = actors[actor_name]
        expected = {
            name
            for name, (sources, who) in SPEC.items()
            if status in sources and actor_name in WHO[who]
        }
        fresh = Agreement.objects.get(pk=agreement.pk)
        assert {t.name for t in workflow.available(fresh, user)} == expected, actor_name
        for name in SPEC:
            fresh = Agreement.objects.get(pk=agreement.pk)
            if name in expected:
                # Allowed and every condition holds: it goes through (then is undone).
                with pytest.raises(Rollback), transaction.atomic():
                    workflow.perform(fresh, user, name, comment="As agreed.")
                    assert Agreement.objects.get(pk=agreement.pk).status == SPEC_TARGET[name]
                    raise Rollback
            else:
                with pytest.raises(TransitionRefused) as refused:
                    workflow.perform(fresh, user, name, comment="As agreed.")
                assert refused.value.reasons, (actor_name, name)
    after = Agreement.objects.get(pk=agreement.pk)
    assert (after.status, after.version) == (status, version)
    assert not TransitionLog.objects.filter(object_id=agreement.pk).exists()


def test_refusal_names_the_state_or_the_actor(actors):
    agreement = ready_agreement("concept", actors["official"])
    with pytest.raises(TransitionRefused) as wrong_state:
        workflow.perform(agreement, actors["official"], "conclude")
    assert wrong_state.value.reasons == [
        "“Record signatures (concluded)” is not possible while the record is Concept."
    ]
    agreement = ready_agreement("rad_requested", actors["official"])
    with pytest.raises(TransitionRefused) as wrong_actor:
        workflow.perform(agreement, actors["official"], "authorize_negotiation")
    assert wrong_actor.value.reasons == [
        "Only an approving official (Leadership) other than the requester may authorize "
        "negotiation."
    ]


def test_requesting_authority_needs_an_ssoi_an_official_and_a_foreign_partner(users):
    agreement = AgreementFactory(status="ssoi_drafting", summary="")
    with_participants(agreement, countries=("USA",))
    teams.set_member(agreement, users["pm"], "lead")
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(agreement, users["pm"], "request_authority")
    assert refused.value.reasons == [
        "Describe the agreement's purpose and scope (the SSOI) first.",
        "Name the responsible official first.",
        "Add at least one foreign participant first.",
        "Attach the SSOI / RAD package (a document of kind “SSOI / RAD package”) first.",
    ]
    agreement.refresh_from_db()
    assert agreement.status == "ssoi_drafting"
    assert not TransitionLog.objects.exists() and not Notification.objects.exists()


def test_nobody_authorizes_their_own_request(users, make_user):
    second_leader = make_user("leader-2", "Leadership")
    agreement = with_participants(AgreementFactory(status="ssoi_drafting"))
    agreement.responsible_official = users["leader"]
    agreement.save()
    attach(agreement, "ssoi", "SSOI")
    workflow.perform(agreement, users["leader"], "request_authority")
    assert "authorize_negotiation" not in {
        t.name for t in workflow.available(agreement, users["leader"])
    }
    with pytest.raises(TransitionRefused):
        workflow.perform(agreement, users["leader"], "authorize_negotiation")
    workflow.perform(agreement, second_leader, "authorize_negotiation", comment="Go ahead.")
    assert agreement.status == "authorized_to_negotiate"


def test_signing_needs_every_signatory_and_the_signed_text(users):
    agreement = AgreementFactory(status="awaiting_signatures")
    with_participants(
        agreement, countries=("USA",), signatories=True, signed_on=datetime.date(2026, 1, 5)
    )
    with_participants(agreement, countries=("GBR",))
    teams.set_member(agreement, users["pm"], "lead")
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(agreement, users["pm"], "conclude")
    assert refused.value.reasons == [
        "Record the signatory's name and title for: United Kingdom.",
        "Upload the signed text (a document of kind “Signed text”) first.",
    ]
    uk = agreement.participants.get(country__iso3="GBR")
    uk.signatory_name, uk.signatory_title = "Harriet Lyle", "Head of Programmes"
    uk.save()
    attach(agreement, "draft")
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(agreement, users["pm"], "conclude")
    assert refused.value.reasons == [
        "Record the signature date for: United Kingdom.",
        "Upload the signed text (a document of kind “Signed text”) first.",
    ]
    uk.signed_on = datetime.date(2026, 1, 9)
    uk.save()
    attach(agreement, "signed", "Signed text")
    workflow.perform(agreement, users["pm"], "conclude")
    agreement.refresh_from_db()
    # The agreement's signature date is the last signature; the reporting clock starts.
    assert (agreement.status, agreement.signed_on) == ("concluded", datetime.date(2026, 1, 9))
    assert agreement.reporting_deadline == datetime.date(2026, 1, 24)


def test_entering_into_force_needs_a_date_that_has_come(users):
    agreement = with_participants(
        AgreementFactory(status="concluded", responsible_official=users["pm"])
    )
    attach(agreement, "signed", "Signed text")
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(agreement, users["pm"], "enter_into_force")
    assert refused.value.reasons == ["Record the entry-into-force date first (Edit the agreement)."]
    agreement.entry_into_force_on = datetime.date.today() + datetime.timedelta(days=3)
    agreement.save()
    with pytest.raises(TransitionRefused):
        workflow.perform(agreement, users["pm"], "enter_into_force")
    agreement.entry_into_force_on = datetime.date.today()
    agreement.save()
    workflow.perform(agreement, users["pm"], "enter_into_force")
    assert Agreement.objects.get(pk=agreement.pk).status == "in_force"


def test_returning_or_withdrawing_needs_a_comment(users):
    agreement = with_participants(AgreementFactory(status="rad_requested"))
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(agreement, users["leader"], "return_request", comment="  ")
    assert refused.value.reasons == ["A comment is required for this step."]
    assert Agreement.objects.get(pk=agreement.pk).status == "rad_requested"


def test_each_step_is_a_timeline_row_and_notifies_the_team_once(users, make_user):
    editor = make_user("editor-x", "IC Staff")
    agreement = with_participants(
        AgreementFactory(status="in_negotiation", responsible_official=users["pm"])
    )
    teams.set_member(agreement, users["pm"], "lead")
    teams.set_member(agreement, editor, "editor")
    attach(agreement, "draft")
    workflow.perform(agreement, users["pm"], "agree_text", comment="Text initialled in London.")
    row = TransitionLog.objects.get(object_id=agreement.pk)
    assert (row.name, row.source, row.target, row.user, row.comment) == (
        "agree_text",
        "in_negotiation",
        "text_agreed",
        users["pm"],
        "Text initialled in London.",
    )
    # The actor is not notified of their own step; each team member once.
    notes = Notification.objects.all()
    assert [n.user for n in notes] == [editor]
    assert notes[0].subject == f"{agreement}: Text agreed"
    assert notes[0].url == agreement.get_absolute_url()


def test_requests_for_approval_reach_the_approving_officials(users, make_user):
    other_leader = make_user("leader-3", "Leadership")
    agreement = with_participants(
        AgreementFactory(status="ssoi_drafting", responsible_official=users["pm"])
    )
    attach(agreement, "ssoi", "SSOI")
    workflow.perform(agreement, users["pm"], "request_authority")
    told = set(Notification.objects.values_list("user__username", flat=True))
    # Everyone holding the approve permission who sees the agreement (Portal Admin has all).
    assert told == {"leader", "leader-3", "admin"}
    assert other_leader.notifications.count() == 1


def test_a_stale_page_cannot_take_a_step(users):
    agreement = with_participants(
        AgreementFactory(status="concept", responsible_official=users["pm"])
    )
    seen = agreement.version
    Agreement.objects.filter(pk=agreement.pk).update(version=seen + 1)
    agreement.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(agreement, users["pm"], "start_drafting", expected_version=seen)
    assert "changed by someone else" in refused.value.reasons[0]
    assert Agreement.objects.get(pk=agreement.pk).status == "concept"


def test_concurrent_save_during_a_step_changes_nothing(users):
    agreement = with_participants(
        AgreementFactory(status="concept", responsible_official=users["pm"])
    )
    Agreement.objects.filter(pk=agreement.pk).update(version=agreement.version + 5)
    with pytest.raises(TransitionRefused):
        workflow.perform(agreement, users["pm"], "start_drafting")
    assert agreement.status == "concept"  # the in-memory copy was put back too
    assert not TransitionLog.objects.exists()


# --- through the pages ------------------------------------------------------------------


def test_buttons_show_only_the_steps_the_user_may_take_now(client, users):
    agreement = with_participants(
        AgreementFactory(status="rad_requested", responsible_official=users["pm"])
    )
    client.force_login(users["pm"])
    page = client.get(agreement.get_absolute_url()).text
    assert 'value="withdraw"' in page
    assert 'value="authorize_negotiation"' not in page
    client.force_login(users["leader"])
    page = client.get(agreement.get_absolute_url()).text
    for name in ("authorize_negotiation", "return_request", "disapprove"):
        assert f'value="{name}"' in page
    assert 'value="withdraw"' not in page


def test_a_refused_step_on_the_page_says_why_and_changes_nothing(client, users):
    agreement = AgreementFactory(
        status="ssoi_drafting", responsible_official=users["pm"], summary=""
    )
    client.force_login(users["pm"])
    response = client.post(
        f"/agreements/{agreement.pk}/transition/",
        {"name": "request_authority", "version": agreement.version},
        follow=True,
    )
    assert "Nothing was changed" in response.text
    assert "Describe the agreement&#x27;s purpose and scope" in response.text
    after = Agreement.objects.get(pk=agreement.pk)
    assert (after.status, after.version) == ("ssoi_drafting", agreement.version)


def test_a_step_on_the_page_moves_the_agreement(client, users):
    agreement = with_participants(
        AgreementFactory(status="concept", responsible_official=users["pm"])
    )
    client.force_login(users["pm"])
    response = client.post(
        f"/agreements/{agreement.pk}/transition/",
        {"name": "start_drafting", "comment": "Kick-off", "version": agreement.version},
    )
    assert response.status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).status == "ssoi_drafting"
    page = client.get(agreement.get_absolute_url()).text
    assert "Kick-off" in page and "Start SSOI drafting" in page


def test_an_invisible_agreement_cannot_be_moved_by_page_or_api(client, users):
    agreement = with_participants(AgreementFactory(status="concept"))
    client.force_login(users["staff"])
    assert (
        client.post(
            f"/agreements/{agreement.pk}/transition/", {"name": "start_drafting"}
        ).status_code
        == 404
    )
    response = client.post(
        f"/api/v1/agreements/{agreement.pk}/transition/",
        {"name": "start_drafting"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Agreement.objects.get(pk=agreement.pk).status == "concept"


# --- through the API --------------------------------------------------------------------


def test_api_transition_refused_is_a_400_with_reasons(client, users):
    agreement = AgreementFactory(
        status="ssoi_drafting", responsible_official=users["pm"], summary=""
    )
    client.force_login(users["pm"])
    response = client.post(
        f"/api/v1/agreements/{agreement.pk}/transition/",
        {"name": "request_authority"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert (
        "Describe the agreement's purpose and scope (the SSOI) first." in response.json()["reasons"]
    )
    assert Agreement.objects.get(pk=agreement.pk).status == "ssoi_drafting"
    unknown = client.post(
        f"/api/v1/agreements/{agreement.pk}/transition/",
        {"name": "teleport"},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["reasons"]


def test_api_approver_with_view_only_decides_through_the_transition_action(client, users):
    agreement = with_participants(AgreementFactory(status="rad_requested"))
    client.force_login(users["leader"])
    detail = client.get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert set(detail["available_transitions"]) == {
        "authorize_negotiation",
        "return_request",
        "disapprove",
    }
    response = client.post(
        f"/api/v1/agreements/{agreement.pk}/transition/",
        {"name": "authorize_negotiation", "comment": "Approved."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "authorized_to_negotiate"
    timeline = client.get(f"/api/v1/agreements/{agreement.pk}/timeline/").json()
    assert [(t["name"], t["user"], t["comment"]) for t in timeline] == [
        ("authorize_negotiation", "leader", "Approved.")
    ]


def test_api_cannot_set_the_status_directly(client, users):
    agreement = AgreementFactory(status="concept", responsible_official=users["pm"])
    client.force_login(users["pm"])
    response = client.patch(
        f"/api/v1/agreements/{agreement.pk}/",
        {"status": "in_force", "version": agreement.version},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Agreement.objects.get(pk=agreement.pk).status == "concept"
