"""The disclosure request lifecycle: who may take each step, what it records, what it refuses."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.models import Notification, TransitionLog
from core.workflow import TransitionRefused
from tests.programs.factories import ProgramFactory
from tests.tsfd.factories import COMPLETE, VALID, S, advance, area, attach, draft, fresh
from tsfd import workflow
from tsfd.models import DisclosureRequest, Proviso, Review

pytestmark = pytest.mark.django_db


@contextmanager
def clock(when):
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def snapshot(case):
    row = DisclosureRequest.objects.filter(pk=case.pk).values().get()
    return (
        row,
        TransitionLog.objects.filter(object_id=case.pk).count(),
        list(Review.objects.filter(request=case).values()),
        Proviso.objects.filter(request=case).count(),
    )


# --- The exhaustive matrix: every step, every role, every state -------------------------

ACTORS = ("owner", "requester2", "reviewer", "reviewer2", "approver", "leader", "pm", "staff")
STATES = (
    S.DRAFT,
    S.SUBMITTED,
    S.INTAKE,
    S.IN_REVIEW,
    S.DECISION_PENDING,
    S.RETURNED,
    S.APPROVED,
    S.WITHDRAWN,
)
STEPS = (
    "submit",
    "begin_intake",
    "send_to_review",
    "return",
    "resubmit",
    "withdraw",
    "approve",
    "approve_with_provisos",
    "partially_approve",
    "deny",
)
OPEN = {S.SUBMITTED, S.INTAKE, S.IN_REVIEW, S.DECISION_PENDING, S.RETURNED}


def expected(step, state, actor):
    """The rules, written out by hand from DESIGN §6 (not derived from the code)."""
    if step == "submit":
        return state == S.DRAFT and actor == "owner"
    if step == "begin_intake":
        return state == S.SUBMITTED and actor == "approver"
    if step == "send_to_review":
        return state == S.INTAKE and actor == "approver"
    if step == "return":
        if state == S.IN_REVIEW:
            return actor in ("approver", "reviewer")  # reviewer: assigned, review open
        return state in (S.SUBMITTED, S.INTAKE, S.DECISION_PENDING) and actor == "approver"
    if step == "resubmit":
        return state == S.RETURNED and actor == "owner"
    if step == "withdraw":
        return state in OPEN and actor == "owner"
    # decisions
    return state == S.DECISION_PENDING and actor == "approver"


def build(state, cast):
    owner, approver = cast["requester"], cast["approver"]
    case = draft(owner, title=f"Matrix case {state}")
    if state == S.DRAFT:
        return case
    if state == S.RETURNED:
        case = advance(case, S.IN_REVIEW, approver, [cast["reviewer"]])
        workflow.step(case, approver, "return", comment="More please")
        return fresh(case)
    if state == S.WITHDRAWN:
        case = advance(case, S.SUBMITTED, approver)
        workflow.step(case, owner, "withdraw")
        return fresh(case)
    if state == S.INTAKE:
        case = advance(case, S.INTAKE, approver)
        workflow.assign(case, approver, area("NDP"), cast["reviewer"])
        return fresh(case)
    return advance(case, state, approver, [cast["reviewer"]])


def attempt(case, user, step):
    if step in workflow.DECISIONS:
        return workflow.decide(
            case,
            user,
            step,
            "Rationale.",
            provisos=["One proviso."],
            scope="Part of it.",
            **VALID,
        )
    return workflow.step(case, user, step, comment="A comment.")


def test_every_step_for_every_role_in_every_state(cast):
    people = {**cast, "owner": cast["requester"]}
    cases = {state: build(state, cast) for state in STATES}
    for state, case in cases.items():
        assert fresh(case).status == state
        for step in STEPS:
            for actor in ACTORS:
                before = snapshot(case)
                allowed = expected(step, state, actor)
                with transaction.atomic():
                    try:
                        attempt(fresh(case), people[actor], step)
                        done = True
                    except TransitionRefused as refused:
                        done = False
                        assert refused.reasons, (step, state, actor)
                    if done:
                        transaction.set_rollback(True)  # keep the case for the next attempt
                assert done == allowed, f"{actor} {step} while {state}: expected {allowed}"
                if not done:
                    assert snapshot(case) == before, f"refused {step} changed {case}"


# --- Separation of duties ----------------------------------------------------------------


def test_reviewer_cannot_review_own_request(cast, make_user):
    from django.contrib.auth.models import Group

    from core import roles

    both = make_user("both-req-rev", roles.TSFD_REQUESTER)
    both.groups.add(Group.objects.get(name=roles.TSFD_REVIEWER))
    case = advance(draft(both), S.INTAKE, cast["approver"])
    with pytest.raises(TransitionRefused, match="own request"):
        workflow.assign(fresh(case), cast["approver"], area("NDP"), both)
    assert not Review.objects.filter(request=case).exists()
    # Not only the workflow: the model refuses whoever writes.
    with pytest.raises(ValidationError):
        Review.objects.create(request=case, area=area("NDP"), reviewer=both)
    assert both not in workflow.reviewer_candidates(case)


def test_reviewer_cannot_record_someone_elses_review(cast):
    case = advance(draft(cast["requester"]), S.IN_REVIEW, cast["approver"], [cast["reviewer"]])
    review = case.reviews.get()
    with pytest.raises(TransitionRefused, match="assigned"):
        workflow.record_review(review, cast["reviewer2"], "concur")
    assert not fresh(case).reviews.get().is_complete


def test_approver_cannot_decide_own_request(cast, make_user):
    from django.contrib.auth.models import Group

    from core import roles

    both = make_user("both-req-appr", roles.TSFD_REQUESTER)
    both.groups.add(Group.objects.get(name=roles.TSFD_APPROVER))
    case = draft(both)
    workflow.step(case, both, "submit")
    with pytest.raises(TransitionRefused):
        workflow.step(fresh(case), both, "begin_intake")
    case = advance(case, S.DECISION_PENDING, cast["approver"], [cast["reviewer"]])
    before = snapshot(case)
    with pytest.raises(TransitionRefused, match="did not request"):
        workflow.decide(fresh(case), both, "approve", "I like it.")
    assert snapshot(case) == before
    # The model refuses a self-decision written around the workflow.
    sneaky = fresh(case)
    sneaky.decided_by = both
    with pytest.raises(ValidationError):
        sneaky.save()


def test_reviewer_cannot_decide(cast):
    case = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    with pytest.raises(TransitionRefused):
        workflow.decide(fresh(case), cast["reviewer"], "approve", "Why not.")
    assert fresh(case).status == S.DECISION_PENDING


def test_decide_page_refuses_the_requester(client, cast, make_user):
    from django.contrib.auth.models import Group

    from core import roles

    both = make_user("both-page", roles.TSFD_REQUESTER)
    both.groups.add(Group.objects.get(name=roles.TSFD_APPROVER))
    case = advance(draft(both), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]])
    client.force_login(both)
    assert client.get(f"/tsfd/{case.pk}/decide/").status_code == 403
    response = client.post(
        f"/tsfd/{case.pk}/decide/", {"decision": "approve", "rationale": "Mine."}
    )
    assert response.status_code == 403
    assert fresh(case).status == S.DECISION_PENDING
    assert "Record the decision" not in client.get(case.get_absolute_url()).text


# --- Reviews in parallel, then the decision -----------------------------------------------


def test_last_review_moves_the_case_to_decision_pending(cast):
    case = advance(
        draft(cast["requester"]),
        S.IN_REVIEW,
        cast["approver"],
        [cast["reviewer"], cast["reviewer2"]],
        areas=("NDP", "EW"),
    )
    first, second = case.reviews.order_by("area__code")
    workflow.record_review(first, first.reviewer, "concur_comment", "Strip annex B.")
    assert fresh(case).status == S.IN_REVIEW
    workflow.record_review(second, second.reviewer, "concur")
    case = fresh(case)
    assert case.status == S.DECISION_PENDING
    assert workflow.timeline(case).last().name == "reviews_complete"


def test_concur_with_comment_and_non_concur_need_comments(cast):
    case = advance(draft(cast["requester"]), S.IN_REVIEW, cast["approver"], [cast["reviewer"]])
    review = case.reviews.get()
    for recommendation in ("concur_comment", "non_concur"):
        with pytest.raises(TransitionRefused, match="comments"):
            workflow.record_review(review, cast["reviewer"], recommendation, "  ")
    assert not fresh(case).reviews.get().is_complete


def test_approval_with_provisos_records_each_proviso(cast):
    case = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    with pytest.raises(TransitionRefused, match="proviso"):
        workflow.decide(fresh(case), cast["approver"], "approve_with_provisos", "Ok.", provisos=[])
    workflow.decide(
        fresh(case),
        cast["approver"],
        "approve_with_provisos",
        "Within policy.",
        provisos=["Drawings only.", "", "No test data."],
        **VALID,
    )
    case = fresh(case)
    assert case.status == S.APPROVED_WITH_PROVISOS
    assert [p.text for p in case.provisos.all()] == ["Drawings only.", "No test data."]
    assert case.decided_by == cast["approver"] and case.decision_rationale == "Within policy."


def test_partial_approval_needs_what_is_released(cast):
    case = advance(
        draft(cast["requester"]), S.DECISION_PENDING, cast["approver"], [cast["reviewer"]]
    )
    with pytest.raises(TransitionRefused, match="released"):
        workflow.decide(fresh(case), cast["approver"], "partially_approve", "Some.", scope="")
    workflow.decide(
        fresh(case), cast["approver"], "partially_approve", "Some.", scope="Part A.", **VALID
    )
    assert fresh(case).decision_scope == "Part A."


# --- A decision is final --------------------------------------------------------------------


@pytest.fixture
def decided(cast):
    return advance(
        draft(cast["requester"], title="Final answer"),
        S.APPROVED_WITH_PROVISOS,
        cast["approver"],
        [cast["reviewer"]],
        decision="approve_with_provisos",
    )


def test_decision_is_final_in_the_model(decided):
    case = fresh(decided)
    case.title = "Rewritten"
    with pytest.raises(ValidationError, match="never edited"):
        case.save()
    with pytest.raises(ValidationError):
        fresh(decided).delete()
    review = fresh(decided).reviews.get()
    review.comments = "Changed my mind"
    with pytest.raises(ValidationError):
        review.save()
    with pytest.raises(ValidationError):
        Proviso.objects.create(request=decided, number=9, text="Another")
    with pytest.raises(ValidationError):
        fresh(decided).provisos.first().delete()
    assert fresh(decided).title == "Final answer"


def test_decision_is_final_in_the_pages_and_api(client, decided, cast):
    before = snapshot(decided)
    for user in (cast["requester"], cast["approver"], cast["admin"]):
        client.force_login(user)
        response = client.get(f"/tsfd/{decided.pk}/edit/")
        assert response.status_code == 302
        client.post(f"/tsfd/{decided.pk}/edit/", {"title": "Rewritten"})
        response = client.patch(
            f"/api/v1/tsfd/requests/{decided.pk}/",
            {"title": "Rewritten", "version": fresh(decided).version},
            content_type="application/json",
        )
        assert response.status_code == 409, user
        assert "final" in response.json()["detail"], user
        assert client.delete(f"/api/v1/tsfd/requests/{decided.pk}/").status_code in (403, 409)
        response = client.post(
            f"/api/v1/tsfd/requests/{decided.pk}/decide/",
            {"decision": "deny", "rationale": "Changed my mind"},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert client.get(f"/tsfd/{decided.pk}/documents/add/").status_code in (403, 404)
    assert snapshot(decided) == before
    client.force_login(cast["requester"])
    page = client.get(decided.get_absolute_url()).text
    assert f'href="/tsfd/{decided.pk}/edit/"' not in page
    assert "Ask for reconsideration" in page


def test_reconsideration_is_a_new_request_linked_to_the_old(client, decided, cast):
    client.force_login(cast["requester"])
    form = client.get(f"/tsfd/{decided.pk}/reconsider/")
    assert form.status_code == 200 and "Reconsideration: Final answer" in form.text
    data = {
        "title": "Reconsideration: Final answer",
        "technology": "Only the interface drawings now.",
        "disclosure_form": "documentary",
        "highest_classification": "CUI",
        "recipient_country": decided.recipient_country_id,
        "purpose": "Same purpose.",
        "classification": "CUI",
    }
    response = client.post(f"/tsfd/{decided.pk}/reconsider/", data)
    assert response.status_code == 302
    new = DisclosureRequest.objects.exclude(pk=decided.pk).get(title=data["title"])
    assert new.reconsideration_of == decided
    assert new.status == S.DRAFT and new.requested_by == cast["requester"]
    assert new.number != decided.number
    assert fresh(decided).status == S.APPROVED_WITH_PROVISOS
    # Only a decided case can be reconsidered.
    response = client.get(f"/tsfd/{new.pk}/reconsider/")
    assert response.status_code == 302


# --- The clock ----------------------------------------------------------------------------------


def test_clock_pauses_while_returned_and_restarts_on_resubmission(cast):
    t0 = timezone.now().replace(microsecond=0) - timedelta(days=30)
    day = timedelta(days=1)
    with clock(t0):
        case = draft(cast["requester"])
        workflow.step(case, cast["requester"], "submit")
    with clock(t0 + day):
        workflow.step(fresh(case), cast["approver"], "begin_intake")
        workflow.assign(fresh(case), cast["approver"], area("NDP"), cast["reviewer"])
        workflow.step(fresh(case), cast["approver"], "send_to_review")
    with clock(t0 + 10 * day):
        workflow.step(fresh(case), cast["reviewer"], "return", comment="Which test series?")
    case = fresh(case)
    assert case.is_paused
    # While paused the age stands still, however long the requester takes.
    assert case.working_age(t0 + 12 * day) == 10 * day
    assert case.working_age(t0 + 14 * day) == 10 * day
    review = case.reviews.get()
    assert review.working_age(t0 + 14 * day) == 9 * day
    with pytest.raises(TransitionRefused):  # nobody reviews while the case is with the requester
        workflow.record_review(review, cast["reviewer"], "concur")
    with clock(t0 + 15 * day):
        workflow.step(fresh(case), cast["requester"], "resubmit")
    case = fresh(case)
    assert case.status == S.IN_REVIEW  # back where it was returned from
    assert not case.is_paused and case.clock_paused_total == 5 * day
    assert case.working_age(t0 + 20 * day) == 15 * day
    assert case.reviews.get().working_age(t0 + 20 * day) == 14 * day


def test_return_notifies_the_requester_and_resubmission_the_reviewer(cast):
    case = advance(draft(cast["requester"]), S.IN_REVIEW, cast["approver"], [cast["reviewer"]])
    Notification.objects.all().delete()
    workflow.step(fresh(case), cast["reviewer"], "return", comment="Which drawings?")
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["requester"]
    Notification.objects.all().delete()
    workflow.step(fresh(case), cast["requester"], "resubmit")
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"reviewer"}


def test_resubmission_returns_to_intake_when_returned_from_intake(cast):
    case = advance(draft(cast["requester"]), S.INTAKE, cast["approver"])
    workflow.step(fresh(case), cast["approver"], "return", comment="Name the recipient.")
    workflow.step(fresh(case), cast["requester"], "resubmit")
    assert fresh(case).status == S.INTAKE


# --- Withdrawal -------------------------------------------------------------------------------


def test_requester_withdraws_before_a_decision_only(cast, decided):
    case = advance(draft(cast["requester"]), S.IN_REVIEW, cast["approver"], [cast["reviewer"]])
    with pytest.raises(TransitionRefused):
        workflow.step(fresh(case), cast["approver"], "withdraw")
    workflow.step(fresh(case), cast["requester"], "withdraw", comment="No longer needed.")
    case = fresh(case)
    assert case.status == S.WITHDRAWN and case.closed_at is not None
    with pytest.raises(TransitionRefused):
        workflow.step(fresh(decided), cast["requester"], "withdraw")
    assert fresh(decided).status == S.APPROVED_WITH_PROVISOS


def test_only_a_draft_can_be_deleted(client, cast):
    submitted = advance(draft(cast["requester"]), S.SUBMITTED, cast["approver"])
    still_draft = draft(cast["requester"])
    client.force_login(cast["requester"])
    response = client.post(f"/tsfd/{submitted.pk}/delete/")
    assert response.status_code == 403
    assert DisclosureRequest.objects.filter(pk=submitted.pk).exists()
    response = client.post(f"/tsfd/{still_draft.pk}/delete/")
    assert response.status_code == 302
    assert not DisclosureRequest.objects.filter(pk=still_draft.pk).exists()


# --- Pages: the steps as buttons ------------------------------------------------------------


def test_content_is_frozen_while_reviewed(client, cast):
    case = advance(draft(cast["requester"], title="Frozen"), S.SUBMITTED, cast["approver"])
    client.force_login(cast["requester"])
    assert client.get(f"/tsfd/{case.pk}/edit/").status_code == 302
    client.post(f"/tsfd/{case.pk}/edit/", {"title": "Thawed"})
    assert fresh(case).title == "Frozen"


def test_stale_page_cannot_take_a_step(client, cast):
    case = advance(draft(cast["requester"]), S.SUBMITTED, cast["approver"])
    client.force_login(cast["approver"])
    response = client.post(
        f"/tsfd/{case.pk}/step/", {"name": "begin_intake", "version": case.version - 1}
    )
    assert response.status_code == 302
    assert fresh(case).status == S.SUBMITTED


def test_refused_step_through_a_page_says_why_and_changes_nothing(client, cast):
    case = draft(cast["requester"])
    before = snapshot(case)
    client.force_login(cast["requester2"])
    assert client.post(f"/tsfd/{case.pk}/step/", {"name": "submit"}).status_code == 404
    client.force_login(cast["approver"])
    response = client.post(f"/tsfd/{case.pk}/step/", {"name": "submit"}, follow=True)
    assert "Only the requester may submit" in response.text
    assert snapshot(case) == before


def test_full_flow_through_the_pages(client, cast):
    program = ProgramFactory(name="Kingfisher")
    from core import teams

    teams.set_member(program, cast["staff"], "viewer")
    client.force_login(cast["requester"])
    teams.set_member(program, cast["requester"], "viewer")
    response = client.post(
        "/tsfd/add/",
        {
            "title": "Kingfisher interface drawings",
            "technology": "Interface control drawings.",
            "disclosure_form": "documentary",
            "highest_classification": "CUI",
            "recipient_country": draft(cast["requester2"]).recipient_country_id,
            "purpose": "Integration.",
            "program": program.pk,
            "classification": "CUI",
            **COMPLETE,
        },
    )
    assert response.status_code == 302, response.content
    case = DisclosureRequest.objects.get(title="Kingfisher interface drawings")
    attach(case)
    assert case.requested_by == cast["requester"] and case.number.startswith("TSFD-")
    client.post(f"/tsfd/{case.pk}/step/", {"name": "submit", "version": case.version})
    client.force_login(cast["approver"])
    client.post(f"/tsfd/{case.pk}/step/", {"name": "begin_intake"})
    ndp, ew = area("NDP"), area("EW", 45)
    response = client.post(
        f"/tsfd/{case.pk}/intake/",
        {
            f"include_{ndp.pk}": "on",
            f"reviewer_{ndp.pk}": cast["reviewer"].pk,
            f"include_{ew.pk}": "on",
            f"reviewer_{ew.pk}": cast["reviewer2"].pk,
        },
    )
    assert response.status_code == 302, response.content
    Notification.objects.all().delete()
    client.post(f"/tsfd/{case.pk}/step/", {"name": "send_to_review"})
    assert fresh(case).status == S.IN_REVIEW
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "reviewer",
        "reviewer2",
    }
    for reviewer, code in ((cast["reviewer"], "NDP"), (cast["reviewer2"], "EW")):
        client.force_login(reviewer)
        page = client.get(f"/tsfd/{case.pk}/review/")
        assert page.status_code == 200 and "Your recommendation" in page.text
        client.post(f"/tsfd/{case.pk}/review/?area={code}", {"recommendation": "concur"})
    assert fresh(case).status == S.DECISION_PENDING
    client.force_login(cast["approver"])
    Notification.objects.all().delete()
    response = client.post(
        f"/tsfd/{case.pk}/decide/",
        {
            "decision": "approve_with_provisos",
            "rationale": "Within policy.",
            "provisos": "Interface drawings only.\nNo source code.",
            "valid_until": VALID["valid_until"].isoformat(),
            "limit": "CUI",
        },
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == S.APPROVED_WITH_PROVISOS and case.provisos.count() == 2
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"requester", "staff"} <= told  # the requester and the program's team
    client.force_login(cast["requester"])
    page = client.get(case.get_absolute_url()).text
    assert "Decision: Approved with provisos" in page and "No source code." in page
