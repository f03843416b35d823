"""Issue 17: agreements as action officers work them.

State authority (Circular 175), the document each step needs, Case-Zablocki reporting by
the rule in force at signature, pickers that fit, coordination of the requests with the
silence procedure, and termination proposed by staff and approved by leadership.
"""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from agreements import workflow
from agreements.deadlines import record_silence
from agreements.models import Agreement, CoordinatingOffice, Coordination, NoAuthorityReason
from agreements.tasks import send_agreement_reminders
from core import teams
from core.models import AuditEntry, Notification
from core.workflow import TransitionRefused
from tests.agreements.factories import AgreementFactory, attach, with_participants

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


def edit_data(agreement, **overrides):
    """The edit form of `agreement` as the page would post it, with `overrides`."""
    data = {
        "number": agreement.number,
        "title": agreement.title,
        "kind": agreement.kind,
        "summary": agreement.summary,
        "highest_classification": agreement.highest_classification,
        "reporting_required": "on",
        "classification": agreement.classification,
        "expected_version": agreement.version,
        "responsible_official": agreement.responsible_official_id or "",
        "legal_authority": agreement.legal_authority_id or "",
        "c175_requested_on": agreement.c175_requested_on or "",
        "c175_granted_on": agreement.c175_granted_on or "",
        "c175_scope": agreement.c175_scope,
    }
    data.update(overrides)
    return data


@pytest.fixture
def offices(make_user):
    """Two coordinating offices, each with one person who answers for it."""
    legal_person = make_user("ogc-counsel", "IC Staff")
    money_person = make_user("comptroller-analyst", "IC Staff")
    legal = CoordinatingOffice.objects.create(
        name="Office of General Counsel", short_name="OGC", days_to_answer=10
    )
    money = CoordinatingOffice.objects.create(
        name="Comptroller", short_name="COMP", days_to_answer=5
    )
    CoordinatingOffice.objects.create(name="Optional office", asked_by_default=False)
    legal.members.add(legal_person)
    money.members.add(money_person)
    return {"legal": legal, "money": money, "legal_person": legal_person,
            "money_person": money_person}  # fmt: skip


def drafting_agreement(users):
    agreement = with_participants(
        AgreementFactory(status="ssoi_drafting", responsible_official=users["pm"])
    )
    teams.set_member(agreement, users["pm"], "lead")
    teams.set_member(agreement, users["staff"], "editor")
    attach(agreement, "ssoi", "SSOI package")
    return agreement


def requested(users):
    agreement = drafting_agreement(users)
    workflow.perform(agreement, users["pm"], "request_authority")
    return agreement


def reasons(agreement, user, name):
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(Agreement.objects.get(pk=agreement.pk), user, name, comment="Go.")
    return refused.value.reasons


# --- 2. State authority (Circular 175) ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"c175_requested_on": "", "c175_granted_on": "2025-04-01"}, "c175_requested_on",
         "when Circular 175 authority was requested"),
        ({"c175_requested_on": "2025-05-01", "c175_granted_on": "2025-04-01"}, "c175_granted_on",
         "before it was requested"),
        ({"c175_scope": ""}, "c175_scope", "negotiate, conclude or both"),
        ({"c175_granted_on": "", "c175_scope": "both"}, "c175_granted_on",
         "with the date authority was granted"),
        ({"c175_granted_on": (TODAY + DAY).isoformat()}, "c175_granted_on", "future"),
    ],
)  # fmt: skip
def test_authority_rules_hold_on_the_form_the_api_and_the_admin(
    fields, field, words, client, users
):
    agreement = AgreementFactory(responsible_official=users["pm"])
    before = Agreement.objects.get(pk=agreement.pk)
    client.force_login(users["pm"])
    form = client.post(f"/agreements/{agreement.pk}/edit/", edit_data(agreement, **fields))
    assert form.status_code == 200
    assert words in " ".join(form.context["form"].errors[field])
    api_fields = {k: (v if k == "c175_scope" else v or None) for k, v in fields.items()}
    api = client.patch(
        f"/api/v1/agreements/{agreement.pk}/",
        {**api_fields, "version": agreement.version},
        content_type="application/json",
    )
    assert api.status_code == 400 and words in str(api.json()[field])
    admin = client.__class__()
    admin.force_login(users["admin"])
    page = admin.get(f"/admin/agreements/agreement/{agreement.pk}/change/")
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(fields)
    data["programs"] = []
    for prefix in ("participants", "coordinations"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin.post(f"/admin/agreements/agreement/{agreement.pk}/change/", data)
    assert response.status_code == 200 and words in response.text
    after = Agreement.objects.get(pk=agreement.pk)
    assert (after.version, after.c175_granted_on) == (before.version, before.c175_granted_on)


def test_authority_or_a_reason_but_not_both(users):
    reason = NoAuthorityReason.objects.create(name="Implementing arrangement under a framework")
    agreement = AgreementFactory()
    agreement.no_authority_reason = reason
    with pytest.raises(Exception) as error:
        agreement.save()
    assert "not both" in str(error.value)


def test_negotiation_needs_authority_to_negotiate_or_a_reason_none_is_needed(users):
    agreement = requested(users)
    Agreement.objects.filter(pk=agreement.pk).update(
        c175_requested_on=None, c175_granted_on=None, c175_scope=""
    )
    assert reasons(agreement, users["leader"], "authorize_negotiation") == [
        "Record Circular 175 authority to negotiate (granted on, scope), or the reason none "
        "is needed (Edit the agreement)."
    ]
    # Authority to conclude alone does not cover negotiating.
    Agreement.objects.filter(pk=agreement.pk).update(
        c175_requested_on=TODAY - 9 * DAY, c175_granted_on=TODAY - 2 * DAY, c175_scope="conclude"
    )
    assert reasons(agreement, users["leader"], "authorize_negotiation")
    reason = NoAuthorityReason.objects.create(name="Within an existing framework's authority")
    Agreement.objects.filter(pk=agreement.pk).update(
        c175_requested_on=None, c175_granted_on=None, c175_scope="", no_authority_reason=reason
    )
    fresh = Agreement.objects.get(pk=agreement.pk)
    workflow.perform(fresh, users["leader"], "authorize_negotiation")
    assert fresh.status == "authorized_to_negotiate"


def test_signing_needs_authority_to_conclude(users):
    agreement = with_participants(
        AgreementFactory(status="authorized_to_conclude", responsible_official=users["pm"]),
        signatories=True,
    )
    Agreement.objects.filter(pk=agreement.pk).update(c175_scope="negotiate")
    assert any(
        "authority to conclude" in r for r in reasons(agreement, users["pm"], "open_for_signature")
    )
    Agreement.objects.filter(pk=agreement.pk).update(c175_scope="both")
    workflow.perform(Agreement.objects.get(pk=agreement.pk), users["pm"], "open_for_signature")


# --- 3. Documents per step and Case-Zablocki --------------------------------------------------


def test_each_request_waits_for_its_document(users):
    agreement = with_participants(
        AgreementFactory(status="ssoi_drafting", responsible_official=users["pm"])
    )
    assert reasons(agreement, users["pm"], "request_authority") == [
        "Attach the SSOI / RAD package (a document of kind “SSOI / RAD package”) first."
    ]
    attach(agreement, "ssoi", "SSOI")
    workflow.perform(Agreement.objects.get(pk=agreement.pk), users["pm"], "request_authority")

    text_agreed = with_participants(
        AgreementFactory(status="text_agreed", responsible_official=users["pm"])
    )
    attach(text_agreed, "draft")  # a draft is not the negotiated text
    assert reasons(text_agreed, users["pm"], "request_final_approval") == [
        "Attach the negotiated text (a document of kind “Negotiated text”) first."
    ]
    attach(text_agreed, "negotiated", "Negotiated text")
    workflow.perform(
        Agreement.objects.get(pk=text_agreed.pk), users["pm"], "request_final_approval"
    )

    concluded = AgreementFactory(
        status="concluded", responsible_official=users["pm"], signed_on=TODAY - 3 * DAY,
        entry_into_force_on=TODAY,
    )  # fmt: skip
    assert reasons(concluded, users["pm"], "enter_into_force") == [
        "Attach the signed text (a document of kind “Signed text”) first."
    ]


def test_state_reporting_is_recorded_only_with_the_transmittal(client, users):
    agreement = AgreementFactory(
        status="concluded", responsible_official=users["pm"], signed_on=TODAY - 10 * DAY
    )
    client.force_login(users["pm"])
    sent = (TODAY - 2 * DAY).isoformat()
    form = client.post(
        f"/agreements/{agreement.pk}/edit/",
        edit_data(agreement, reported_on=sent, signed_on=agreement.signed_on),
    )
    assert "Case-Zablocki transmittal" in " ".join(form.context["form"].errors["reported_on"])
    api = client.patch(
        f"/api/v1/agreements/{agreement.pk}/",
        {"reported_on": sent, "version": agreement.version},
        content_type="application/json",
    )
    assert api.status_code == 400 and "transmittal" in str(api.json()["reported_on"])
    assert Agreement.objects.get(pk=agreement.pk).reported_on is None
    attach(agreement, "transmittal", "Transmittal to State")
    api = client.patch(
        f"/api/v1/agreements/{agreement.pk}/",
        {"reported_on": sent, "version": agreement.version},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["reporting_status"] == "sent"


def test_agreements_signed_before_the_rule_are_never_late(client, users, settings):
    settings.CASE_ZABLOCKI_RULE_DATE = datetime.date(2023, 10, 2)
    old = AgreementFactory(
        status="in_force", responsible_official=users["pm"], signed_on=datetime.date(2021, 5, 3)
    )
    new = AgreementFactory(
        status="in_force", responsible_official=users["pm"], signed_on=datetime.date(2023, 10, 2)
    )
    assert old.reporting_status == "not_applicable"
    assert old.reporting_status_label == "Not applicable (signed before 2023-10-02)"
    assert old.reporting_deadline is None
    assert new.reporting_status == "late"  # signed on the day the rule took effect
    late = Agreement.objects.filter(Agreement.reporting_q("late", TODAY))
    assert list(late) == [new]
    client.force_login(users["pm"])
    page = client.get(old.get_absolute_url()).text
    assert "Not applicable (signed before 2023-10-02)" in page and "overdue" not in page
    # A record signed before the rule needs no transmittal to record the report.
    old.reported_on = datetime.date(2021, 5, 20)
    old.save()


# --- 5. Pickers that fit -------------------------------------------------------------------


def test_parent_picker_offers_framework_agreements_in_force_only(pm_client, users):
    framework = AgreementFactory(kind="framework", status="in_force", title="Framework in force")
    AgreementFactory(kind="framework", status="in_negotiation", title="Framework not in force")
    AgreementFactory(kind="mou", status="in_force", title="MOU in force")
    AgreementFactory(kind="mou", status="concept", title="MOU in concept")
    for record in Agreement.objects.all():
        teams.set_member(record, users["pm"], "viewer")
    form = pm_client.get("/agreements/add/").context["form"]
    assert [a.title for a in form.fields["parent"].queryset] == ["Framework in force"]
    assert sorted(a.title for a in form.fields["amends"].queryset) == [
        "Framework in force",
        "MOU in force",
    ]
    # The API refuses what the picker does not offer, in words.
    mou = Agreement.objects.get(title="MOU in concept")
    response = pm_client.post(
        "/api/v1/agreements/",
        {"number": "PA-GBR-2026-77", "title": "Arrangement", "kind": "project",
         "parent": mou.pk, "amends": mou.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "framework agreement in force" in str(response.json()["parent"])
    assert "signed (concluded) or in force" in str(response.json()["amends"])
    ok = pm_client.post(
        "/api/v1/agreements/",
        {"number": "PA-GBR-2026-78", "title": "Arrangement", "kind": "project",
         "parent": framework.pk},
        content_type="application/json",
    )  # fmt: skip
    assert ok.status_code == 201


def test_a_link_already_stored_stays_valid_when_its_target_ends(users):
    framework = AgreementFactory(kind="framework", status="in_force")
    child = AgreementFactory(kind="project", parent=framework)
    Agreement.objects.filter(pk=framework.pk).update(status="expired")
    child.title = "Renamed arrangement"
    child.save()  # not refused: the parent was valid when it was chosen


def test_add_amendment_only_on_agreements_signed_or_in_force(pm_client, users):
    draft = AgreementFactory(status="in_negotiation", responsible_official=users["pm"])
    signed = AgreementFactory(
        status="concluded", responsible_official=users["pm"], signed_on=TODAY - DAY
    )
    assert "Add amendment" not in pm_client.get(draft.get_absolute_url()).text
    assert "Add amendment" in pm_client.get(signed.get_absolute_url()).text
    # A hand-made link to amend the draft prefills nothing.
    form = pm_client.get(f"/agreements/add/?amends={draft.pk}").context["form"]
    assert not form.initial.get("amends") and not form.initial.get("title")


# --- 1. Coordination -----------------------------------------------------------------------


def test_requesting_authority_opens_the_coordination_and_tells_the_coordinators(users, offices):
    agreement = requested(users)
    rows = list(agreement.coordinations.order_by("office__name"))
    assert [(r.office.short_name, r.stage, r.due_on) for r in rows] == [
        ("COMP", "rad", TODAY + 5 * DAY),
        ("OGC", "rad", TODAY + 10 * DAY),
    ]
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"ogc-counsel", "comptroller-analyst"} <= told
    # The office's people see what they are asked about, and nothing else of the agreement's.
    from core import permissions

    assert permissions.can(offices["legal_person"], "view", agreement)
    assert not permissions.can(offices["legal_person"], "change", agreement)
    other = AgreementFactory()
    assert not permissions.can(offices["legal_person"], "view", other)


def test_silence_counts_only_after_the_due_date_and_is_written_down(users, offices):
    agreement = requested(users)
    waiting = reasons(agreement, users["leader"], "authorize_negotiation")
    assert waiting == [
        f"Waiting for Comptroller (COMP) (due {TODAY + 5 * DAY:%Y-%m-%d}; silence counts as "
        "concurrence after that day).",
        f"Waiting for Office of General Counsel (OGC) (due {TODAY + 10 * DAY:%Y-%m-%d}; "
        "silence counts as concurrence after that day).",
    ]
    # On the due date itself the office still has the day: no silence yet.
    row = agreement.coordinations.get(office=offices["legal"])
    assert row.state_on(row.due_on) == "waiting"
    assert row.state_on(row.due_on + DAY) == "silence"
    first_due = agreement.coordinations.get(office=offices["money"]).due_on
    assert record_silence(first_due) == 0
    # The day after: the job writes silence into every row past its due date, once.
    Coordination.objects.filter(agreement=agreement).update(
        requested_on=TODAY - 11 * DAY, due_on=TODAY - DAY
    )
    assert record_silence(TODAY) == 2
    assert record_silence(TODAY) == 0
    row.refresh_from_db()
    assert row.silence_recorded_on == TODAY
    assert (
        row.state_text
        == f"Concurred by silence on {TODAY - DAY:%Y-%m-%d} (no answer by the due date)"
    )
    assert AuditEntry.objects.filter(changes__has_key="silence_recorded_on").exists()
    workflow.perform(
        Agreement.objects.get(pk=agreement.pk), users["leader"], "authorize_negotiation"
    )


def test_a_non_concurrence_blocks_until_withdrawn_or_overruled(client, users, offices):
    agreement = requested(users)
    money = agreement.coordinations.get(office=offices["money"])
    legal = agreement.coordinations.get(office=offices["legal"])
    client.force_login(offices["legal_person"])
    # The office's person answers: a non-concurrence needs its reasons.
    empty = client.post(f"/agreements/coordination/{legal.pk}/answer/", {"answer": "non_concur"})
    assert empty.status_code == 400 and "needs its reasons" in empty.text
    client.post(
        f"/agreements/coordination/{legal.pk}/answer/",
        {"answer": "non_concur", "comment": "The liability clause is not acceptable."},
    )
    # The team and the approving officials hear of the non-concurrence at once.
    told = Notification.objects.filter(subject__contains="non-concurs")
    assert {"pm", "staff", "leader"} <= set(told.values_list("user__username", flat=True))
    assert "ogc-counsel" not in set(told.values_list("user__username", flat=True))
    # The team enters the comptroller's concurrence on its behalf: the record says who.
    client.force_login(users["staff"])
    client.post(f"/agreements/coordination/{money.pk}/answer/", {"answer": "concur"})
    money.refresh_from_db()
    assert (money.answer, money.answered_by) == ("concur", users["staff"])
    assert reasons(agreement, users["leader"], "authorize_negotiation") == [
        "Office of General Counsel (OGC) non-concurs: it must withdraw the non-concurrence "
        "(change its answer) or leadership must overrule it with a reason."
    ]
    # Staff may not overrule; leadership must give a reason.
    assert client.get(f"/agreements/coordination/{legal.pk}/overrule/").status_code == 403
    client.force_login(users["leader"])
    page = client.get(agreement.get_absolute_url()).text
    assert "Overrule" in page and "Non-concur: blocks the next step" in page
    blank = client.post(f"/agreements/coordination/{legal.pk}/overrule/", {"reason": " "})
    assert blank.status_code == 400
    client.post(
        f"/agreements/coordination/{legal.pk}/overrule/",
        {"reason": "Liability is covered by the framework MOU, section 9."},
    )
    legal.refresh_from_db()
    assert (legal.state, legal.overruled_by) == ("overruled", users["leader"])
    workflow.perform(
        Agreement.objects.get(pk=agreement.pk), users["leader"], "authorize_negotiation"
    )


def test_changing_the_answer_withdraws_the_non_concurrence_and_history_keeps_both(users, offices):
    agreement = requested(users)
    for row in agreement.coordinations.all():
        row.record_answer(offices["legal_person"], "non_concur", "Not yet.")
    assert reasons(agreement, users["leader"], "authorize_negotiation")
    for row in agreement.coordinations.all():
        row.record_answer(offices["legal_person"], "concur_comment", "Fixed in v4.")
    workflow.perform(
        Agreement.objects.get(pk=agreement.pk), users["leader"], "authorize_negotiation"
    )
    answers = [
        e.changes["answer"]
        for e in AuditEntry.objects.filter(changes__has_key="answer").order_by("pk")
    ]
    assert ["", "Non-concur"] in answers and ["Non-concur", "Concur with comment"] in answers


def test_outsiders_may_neither_answer_nor_see(client, users, offices, make_user):
    agreement = requested(users)
    row = agreement.coordinations.first()
    outsider = make_user("outsider", "IC Staff")
    client.force_login(outsider)
    assert client.get(f"/agreements/coordination/{row.pk}/answer/").status_code == 404
    assert client.get(f"/api/v1/agreements/coordination/{row.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/agreements/coordination/{row.pk}/answer/",
        {"answer": "concur"},
        content_type="application/json",
    )
    assert response.status_code == 404
    # A viewer of the agreement sees the row but may not answer for the office.
    teams.set_member(agreement, outsider, "viewer")
    assert client.get(f"/agreements/coordination/{row.pk}/answer/").status_code == 403
    row.refresh_from_db()
    assert row.answer == ""


def test_api_answers_and_overrules(client, users, offices):
    agreement = requested(users)
    legal = agreement.coordinations.get(office=offices["legal"])
    client.force_login(offices["legal_person"])
    listed = client.get("/api/v1/agreements/coordination/?state=waiting").json()["results"]
    assert {r["id"] for r in listed} == set(agreement.coordinations.values_list("pk", flat=True))
    bad = client.post(
        f"/api/v1/agreements/coordination/{legal.pk}/answer/",
        {"answer": "non_concur"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "comment" in bad.json()
    ok = client.post(
        f"/api/v1/agreements/coordination/{legal.pk}/answer/",
        {"answer": "non_concur", "comment": "Clause 7."},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["state"] == "non_concurred"
    assert ok.json()["answered_by"] == "ogc-counsel"
    refused = client.post(
        f"/api/v1/agreements/coordination/{legal.pk}/overrule/",
        {"reason": "Because."},
        content_type="application/json",
    )
    assert refused.status_code == 403
    client.force_login(users["leader"])
    done = client.post(
        f"/api/v1/agreements/coordination/{legal.pk}/overrule/",
        {"reason": "Covered by the framework."},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["state"] == "overruled"


def test_coordinators_are_reminded_before_the_due_date_once(users, offices, settings):
    settings.COORDINATION_REMINDER_DAYS = 3
    agreement = requested(users)
    Notification.objects.all().delete()
    money = agreement.coordinations.get(office=offices["money"])
    # Five days before: nothing yet. Three days before and after: one reminder, once.
    send_agreement_reminders(today=(money.due_on - 5 * DAY).isoformat())
    assert not offices["money_person"].notifications.exists()
    for days_before in (3, 2, 1):
        send_agreement_reminders(today=(money.due_on - days_before * DAY).isoformat())
    keys = list(offices["money_person"].notifications.values_list("key", flat=True))
    assert keys == [f"coordination:{money.pk}:due:{money.due_on}"]
    # An office that answered is not reminded.
    legal = agreement.coordinations.get(office=offices["legal"])
    legal.record_answer(offices["legal_person"], "concur", "")
    send_agreement_reminders(today=(legal.due_on - DAY).isoformat())
    assert not offices["legal_person"].notifications.filter(key__startswith="coordination").exists()


def test_a_new_request_opens_a_new_round_and_keeps_the_old_one(users, offices):
    agreement = requested(users)
    agreement.coordinations.update(answer="non_concur", comment="No.", answered_on=TODAY)
    workflow.perform(agreement, users["leader"], "return_request", comment="Rework.")
    workflow.perform(agreement, users["pm"], "request_authority")
    assert agreement.coordinations.filter(current=True, answer="").count() == 2
    assert agreement.coordinations.filter(current=False, answer="non_concur").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_to_one_row_both_land_in_order(users, offices):
    """Two people answer for the same office at once: the row lock serialises them, the
    last answer stands and both are in history (no lost update)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    agreement = requested(users)
    row_id = agreement.coordinations.get(office=offices["legal"]).pk
    errors = []

    def answer(user, value, comment):
        try:
            Coordination.objects.get(pk=row_id).record_answer(user, value, comment)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=answer, args=(offices["legal_person"], "concur", "")),
        threading.Thread(target=answer, args=(users["staff"], "non_concur", "Hold.")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    row = Coordination.objects.get(pk=row_id)
    assert row.answer in ("concur", "non_concur")
    assert AuditEntry.objects.filter(changes__has_key="answer").count() == 2


# --- 4. Ending an agreement in force ----------------------------------------------------------


def in_force(users):
    agreement = AgreementFactory(
        status="in_force", responsible_official=users["pm"], signed_on=TODAY - 400 * DAY,
        entry_into_force_on=TODAY - 390 * DAY,
    )  # fmt: skip
    teams.set_member(agreement, users["staff"], "editor")
    return agreement


def test_staff_propose_and_leadership_approves_a_termination(users):
    agreement = in_force(users)
    # Staff cannot terminate by themselves: there is no such step for them.
    names = {t.name for t in workflow.available(agreement, users["staff"])}
    assert "approve_termination" not in names and "terminate" not in names
    assert reasons(agreement, users["staff"], "propose_termination") == [
        "Record whether this is a termination or a withdrawal (Edit the agreement).",
        "Record the notice period in days (Edit the agreement).",
        "Record the date the termination or withdrawal takes effect.",
        "Attach the notice of termination or withdrawal (a document of kind “Notice of "
        "termination or withdrawal”) first.",
    ]
    Agreement.objects.filter(pk=agreement.pk).update(
        ending="termination", notice_period_days=180, ending_effective_on=TODAY + 180 * DAY
    )
    attach(agreement, "notice", "Notice of termination")
    workflow.perform(
        Agreement.objects.get(pk=agreement.pk), users["staff"], "propose_termination",
        comment="The partner asked to end the project.",
    )  # fmt: skip
    assert reasons(agreement, users["staff"], "approve_termination") == [
        "Only an approving official (Leadership) other than the requester may approve "
        "termination or withdrawal."
    ]
    fresh = Agreement.objects.get(pk=agreement.pk)
    workflow.perform(fresh, users["leader"], "approve_termination")
    assert fresh.status == "terminated"


def test_a_withdrawal_ends_withdrawn_and_a_refusal_goes_back(users):
    agreement = in_force(users)
    Agreement.objects.filter(pk=agreement.pk).update(
        ending="withdrawal", notice_period_days=90, ending_effective_on=TODAY + 90 * DAY
    )
    attach(agreement, "notice", "Notice of withdrawal")
    fresh = Agreement.objects.get(pk=agreement.pk)
    workflow.perform(fresh, users["pm"], "propose_termination", comment="US withdraws.")
    workflow.perform(fresh, users["leader"], "reject_termination", comment="Not now.")
    assert fresh.status == "in_force"
    workflow.perform(fresh, users["pm"], "propose_termination", comment="Again.")
    workflow.perform(fresh, users["leader"], "approve_termination")
    assert fresh.status == "withdrawn"


def test_the_end_cannot_precede_the_signature(users):
    agreement = in_force(users)
    agreement.ending_effective_on = agreement.signed_on - DAY
    with pytest.raises(Exception) as error:
        agreement.save()
    assert "before it was signed" in str(error.value)


def test_the_detail_page_shows_coordination_and_authority(client, users, offices):
    agreement = requested(users)
    client.force_login(users["pm"])
    page = client.get(agreement.get_absolute_url()).text
    assert 'id="coordination"' in page and "Office of General Counsel" in page
    assert "Negotiate and conclude: granted 2025-04-01" in page
    assert timezone.localdate()  # the page is read at today's date


def test_a_proposed_termination_is_still_on_the_lifecycle(client, users):
    agreement = in_force(users)
    Agreement.objects.filter(pk=agreement.pk).update(status="termination_proposed")
    client.force_login(users["leader"])
    page = client.get(agreement.get_absolute_url()).text
    assert "its lifecycle has ended" not in page
    assert "Approve termination or withdrawal" in page and "Keep the agreement" in page
