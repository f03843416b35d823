"""The agreement lifecycle as one table (DESIGN §4, §6).

concept → SSOI drafting → authority to develop requested → authorized to negotiate
(or returned / disapproved) → in negotiation → text agreed → final approval requested →
authorized to conclude → awaiting signatures → concluded → in force → expired /
(termination proposed → approved by leadership) terminated or withdrawn / superseded;
withdrawn from any state before concluded. The two requests open a coordination of the
offices (agreements.models.Coordination) that the decisions wait for.

Who may act, in words:
- "the team": anyone who may change the agreement (team editors and leads, the
  responsible official, roles with the model-level change permission);
- "the team lead": a team lead (manage permission) or the responsible official;
- "an approving official": holds `agreements.approve_agreement` (Leadership) and is not
  the person who asked for the approval being granted (separation of duties).
Every actor must also see the agreement.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from agreements.models import Agreement, CoordinatingOffice, Coordination
from core import permissions, teams
from core.models import Document, TransitionLog
from core.notifications import notify

# timeline is not used here: the pages and the API read it from this module.
from core.workflow import Transition, Who, Workflow, timeline  # noqa: F401

S = Agreement.Status
APPROVE_PERM = "agreements.approve_agreement"
BEFORE_CONCLUDED = frozenset(
    {
        S.CONCEPT,
        S.SSOI_DRAFTING,
        S.RAD_REQUESTED,
        S.RETURNED,
        S.AUTHORIZED_TO_NEGOTIATE,
        S.IN_NEGOTIATION,
        S.TEXT_AGREED,
        S.FINAL_APPROVAL_REQUESTED,
        S.AUTHORIZED_TO_CONCLUDE,
        S.AWAITING_SIGNATURES,
    }
)
ACTIVE = frozenset({S.CONCLUDED, S.IN_FORCE})
FINAL = frozenset({S.DISAPPROVED, S.EXPIRED, S.TERMINATED, S.SUPERSEDED, S.WITHDRAWN})
# The step that asked for the approval awaited in each state: its author may not grant or
# refuse it (separation of duties).
REQUESTED_BY = {
    S.RAD_REQUESTED: "request_authority",
    S.FINAL_APPROVAL_REQUESTED: "request_final_approval",
    S.TERMINATION_PROPOSED: "propose_termination",
}
# The coordination each request opens, and the decision it must be complete for.
STAGE_OF = {"request_authority": "rad", "request_final_approval": "rfa"}


# Who may act.
def team(obj, user):
    return permissions.can(user, "change", obj)


def team_lead(obj, user):
    if not permissions.can(user, "view", obj):
        return False
    return obj.responsible_official_id == user.pk or permissions.can(user, "manage", obj)


def requested_by(obj, request_name):
    """The user who made the latest `request_name` step, or None."""
    log = (
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Agreement),
            object_id=obj.pk,
            name=request_name,
        )
        .order_by("-at", "-id")
        .first()
    )
    return log.user_id if log else None


def latest_requesters(agreements):
    """{(agreement id, request step): user id} of the latest requests, in one query."""
    logs = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id__in=[a.pk for a in agreements],
        name__in=set(REQUEST_OF.values()),
    ).order_by("at", "id")
    return {(log.object_id, log.name): log.user_id for log in logs}


def approver(obj, user):
    if not user.has_perm(APPROVE_PERM) or not permissions.can(user, "view", obj):
        return False
    return requested_by(obj, REQUESTED_BY.get(obj.status)) != user.pk


# What must be true first.
def documents_of_kind(obj, kinds):
    return Document.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id=obj.pk,
        kind__in=kinds,
    )


def foreign_participants(obj):
    return [p for p in obj.participants.all() if p.country.iso3 != "USA"]


def ready_to_request_authority(obj):
    problems = []
    if not obj.summary.strip():
        problems.append("Describe the agreement's purpose and scope (the SSOI) first.")
    if obj.responsible_official_id is None:
        problems.append("Name the responsible official first.")
    if not foreign_participants(obj):
        problems.append("Add at least one foreign participant first.")
    if not documents_of_kind(obj, ["ssoi"]).exists():
        problems.append(
            "Attach the SSOI / RAD package (a document of kind “SSOI / RAD package”) first."
        )
    return problems


def coordination_complete(stage):
    """A check: every office of the current `stage` coordination has concurred (by answer or
    by silence after its due date) or had its non-concurrence overruled."""

    def check(obj):
        today = timezone.localdate()
        rows = obj.coordinations.filter(stage=stage, current=True).select_related("office")
        problems = []
        for row in rows:
            state = row.state_on(today)
            if state == Coordination.State.NON_CONCURRED:
                problems.append(
                    f"{row.office} non-concurs: it must withdraw the non-concurrence (change "
                    "its answer) or leadership must overrule it with a reason."
                )
            elif state == Coordination.State.WAITING:
                problems.append(
                    f"Waiting for {row.office} (due {row.due_on:%Y-%m-%d}; silence counts as "
                    "concurrence after that day)."
                )
        return problems

    return check


def authority_to(scope):
    words = {"negotiate": "negotiate", "conclude": "conclude"}[scope]

    def check(obj):
        if obj.has_authority_to(scope):
            return []
        return [
            f"Record Circular 175 authority to {words} (granted on, scope), or the reason none "
            "is needed (Edit the agreement)."
        ]

    return check


def signed_text_attached(obj):
    if not documents_of_kind(obj, ["signed"]).exists():
        return ["Attach the signed text (a document of kind “Signed text”) first."]
    return []


def ending_recorded(obj):
    problems = []
    if not obj.ending:
        problems.append(
            "Record whether this is a termination or a withdrawal (Edit the agreement)."
        )
    if obj.notice_period_days is None:
        problems.append("Record the notice period in days (Edit the agreement).")
    if obj.ending_effective_on is None:
        problems.append("Record the date the termination or withdrawal takes effect.")
    return problems


def notice_attached(obj):
    if not documents_of_kind(obj, ["notice"]).exists():
        return [
            "Attach the notice of termination or withdrawal (a document of kind “Notice of "
            "termination or withdrawal”) first."
        ]
    return []


def text_uploaded(obj):
    if not documents_of_kind(obj, ["draft", "signed"]).exists():
        return ["Upload the agreed text (a draft or signed-text document) first."]
    return []


def ready_for_final_approval(obj):
    problems = []
    if not documents_of_kind(obj, ["negotiated"]).exists():
        problems.append("Attach the negotiated text (a document of kind “Negotiated text”) first.")
    if obj.legal_authority_id is None:
        problems.append("Record the legal authority first: the legal review needs it.")
    return problems


def signatories_recorded(obj):
    participants = list(obj.participants.select_related("country"))
    if len(participants) < 2:
        return ["An agreement needs at least two participants."]
    missing = [str(p.country) for p in participants if not p.has_signatory]
    if missing:
        return [f"Record the signatory's name and title for: {', '.join(missing)}."]
    return []


def ready_to_conclude(obj):
    problems = signatories_recorded(obj)
    unsigned = [str(p.country) for p in obj.participants.all() if not p.has_signed]
    if unsigned and not problems:
        problems.append(f"Record the signature date for: {', '.join(unsigned)}.")
    if not documents_of_kind(obj, ["signed"]).exists():
        problems.append("Upload the signed text (a document of kind “Signed text”) first.")
    return problems


def date_reached(field, missing, future):
    """A check: the date in `field` is recorded (else `missing`) and has come (else
    `future`, worded with the date)."""

    def check(obj):
        day = getattr(obj, field)
        if day is None:
            return [missing]
        if day > timezone.localdate():
            return [future.format(day=f"{day:%Y-%m-%d}")]
        return []

    return check


ready_to_enter_into_force = date_reached(
    "entry_into_force_on",
    "Record the entry-into-force date first (Edit the agreement).",
    "The agreement enters into force on {day}, not yet.",
)
has_expired = date_reached(
    "expiration_date",
    "Record the expiration date first.",
    "The agreement expires on {day}, not yet.",
)


# Whom to notify.
def team_members(obj):
    people = [m.user for m in teams.members(obj)]
    if obj.responsible_official is not None:
        people.append(obj.responsible_official)
    return people


def approving_officials(obj):
    perm = Permission.objects.get(
        content_type__app_label="agreements", codename="approve_agreement"
    )
    candidates = (
        get_user_model()
        .objects.filter(Q(groups__permissions=perm) | Q(user_permissions=perm), is_active=True)
        .distinct()
    )
    return [u for u in candidates if permissions.can(u, "view", obj)]


def team_and_approvers(obj):
    return team_members(obj) + approving_officials(obj)


def coordinators(obj, rows=None):
    """The people of the offices asked in the current coordination who may see the record."""
    rows = obj.coordinations.filter(current=True) if rows is None else rows
    people = (
        get_user_model()
        .objects.filter(coordinating_offices__coordinations__in=rows, is_active=True)
        .distinct()
    )
    return [u for u in people if permissions.can(u, "view", obj)]


def team_approvers_and_coordinators(obj):
    return team_and_approvers(obj) + coordinators(obj)


def open_coordination(obj, stage, today=None):
    """Ask every active default office about `obj` for `stage`, each with its due date; an
    earlier round of the same stage is kept, no longer current."""
    today = today or timezone.localdate()
    obj.coordinations.filter(stage=stage, current=True).update(current=False)
    rows = []
    for office in CoordinatingOffice.objects.filter(active=True, asked_by_default=True):
        row = Coordination(
            agreement=obj,
            stage=stage,
            office=office,
            requested_on=today,
            due_on=today + timedelta(days=office.days_to_answer),
        )
        row.save()
        rows.append(row)
    return rows


def record_answer(row, user, answer, comment):
    """An office's answer, as `user` enters it; a non-concurrence tells the agreement's team
    and the approving officials at once (it blocks their next step)."""
    row = row.record_answer(user, answer, comment)
    if answer == Coordination.Answer.NON_CONCUR:
        agreement = row.agreement
        people = [u for u in team_and_approvers(agreement) if u is not None and u != user]
        if people:
            notify(
                people,
                f"{agreement.number}: {row.office} non-concurs",
                body=f"{row.office} non-concurs ({row.get_stage_display().lower()}): "
                f"{row.comment}\n\nThe decision waits until the office changes its answer "
                "or leadership overrules it.",
                url=agreement.get_absolute_url() + "#coordination",
            )
    return row


def previous_state(obj):
    """Where a refused termination goes back to: the state it was proposed from."""
    log = (
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Agreement),
            object_id=obj.pk,
            name="propose_termination",
        )
        .order_by("-at", "-id")
        .first()
    )
    return log.source if log else S.IN_FORCE


def ending_state(obj):
    return S.WITHDRAWN if obj.ending == Agreement.Ending.WITHDRAWAL else S.TERMINATED


TEAM = Who("the agreement's team (editors and leads)", team)
LEAD = Who("the team lead or the responsible official", team_lead)
APPROVER = Who("an approving official (Leadership) other than the requester", approver)


def _stamp(obj, transition, user):
    # Concluding fixes the agreement's signature date: the last participant's signature.
    if transition.name == "conclude" and obj.signed_on is None:
        obj.signed_on = max(p.signed_on for p in obj.participants.all())
    # A request for authority or final approval opens its coordination.
    if transition.name in STAGE_OF:
        open_coordination(obj, STAGE_OF[transition.name])


# fmt: off
WORKFLOW = Workflow(
    # name, label, from, to, who, what must be true first
    Transition("start_drafting", "Start SSOI drafting", {S.CONCEPT}, S.SSOI_DRAFTING, TEAM),
    Transition("request_authority", "Request authority to develop",
               {S.SSOI_DRAFTING, S.RETURNED}, S.RAD_REQUESTED, LEAD, ready_to_request_authority,
               notify=team_approvers_and_coordinators),
    Transition("authorize_negotiation", "Authorize negotiation",
               {S.RAD_REQUESTED}, S.AUTHORIZED_TO_NEGOTIATE, APPROVER,
               (coordination_complete("rad"), authority_to("negotiate"))),
    Transition("return_request", "Return for rework",
               {S.RAD_REQUESTED}, S.RETURNED, APPROVER, comment_required=True, style="outline"),
    Transition("disapprove", "Disapprove",
               {S.RAD_REQUESTED}, S.DISAPPROVED, APPROVER, comment_required=True,
               style="secondary"),
    Transition("start_negotiation", "Start negotiation",
               {S.AUTHORIZED_TO_NEGOTIATE}, S.IN_NEGOTIATION, TEAM),
    Transition("agree_text", "Record text agreed",
               {S.IN_NEGOTIATION}, S.TEXT_AGREED, LEAD, text_uploaded),
    Transition("request_final_approval", "Request final approval",
               {S.TEXT_AGREED}, S.FINAL_APPROVAL_REQUESTED, LEAD, ready_for_final_approval,
               notify=team_approvers_and_coordinators),
    Transition("authorize_conclusion", "Authorize conclusion",
               {S.FINAL_APPROVAL_REQUESTED}, S.AUTHORIZED_TO_CONCLUDE, APPROVER,
               coordination_complete("rfa")),
    Transition("return_to_negotiation", "Return to negotiation",
               {S.FINAL_APPROVAL_REQUESTED}, S.IN_NEGOTIATION, APPROVER, comment_required=True,
               style="outline"),
    Transition("open_for_signature", "Open for signature",
               {S.AUTHORIZED_TO_CONCLUDE}, S.AWAITING_SIGNATURES, LEAD,
               (signatories_recorded, authority_to("conclude"))),
    Transition("conclude", "Record signatures (concluded)",
               {S.AWAITING_SIGNATURES}, S.CONCLUDED, LEAD,
               (ready_to_conclude, authority_to("conclude"))),
    Transition("enter_into_force", "Enter into force",
               {S.CONCLUDED}, S.IN_FORCE, LEAD, (ready_to_enter_into_force, signed_text_attached)),
    Transition("expire", "Record expiry",
               ACTIVE, S.EXPIRED, LEAD, has_expired, style="outline"),
    Transition("propose_termination", "Propose termination or withdrawal",
               ACTIVE, S.TERMINATION_PROPOSED, TEAM, (ending_recorded, notice_attached),
               comment_required=True, style="secondary", notify=team_and_approvers),
    Transition("approve_termination", "Approve termination or withdrawal",
               {S.TERMINATION_PROPOSED}, ending_state, APPROVER, (ending_recorded, notice_attached),
               style="secondary"),
    Transition("reject_termination", "Keep the agreement",
               {S.TERMINATION_PROPOSED}, previous_state, APPROVER, comment_required=True,
               style="outline"),
    Transition("supersede", "Record superseded",
               ACTIVE, S.SUPERSEDED, LEAD, comment_required=True, style="outline"),
    Transition("withdraw", "Withdraw",
               BEFORE_CONCLUDED, S.WITHDRAWN, LEAD, comment_required=True, style="secondary"),
    notify=team_members,
    stamp=_stamp,
)
# fmt: on
TRANSITIONS = WORKFLOW.transitions
# Each approval step: the request whose author may not take it.
REQUEST_OF = {
    t.name: REQUESTED_BY[state] for t in TRANSITIONS if t.who is APPROVER for state in t.sources
}


def available(obj, user):
    """The steps `user` may take on `obj` now (the buttons)."""
    return WORKFLOW.available(obj, user) if permissions.can(user, "view", obj) else []


def perform(obj, user, name, comment="", expected_version=None):
    """Take step `name`, or raise TransitionRefused with the reasons (nothing changes)."""
    return WORKFLOW.perform(obj, user, name, comment, version=expected_version)


def record_creation(obj, user):
    """The first row of the timeline: when and by whom the agreement was opened."""
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id=obj.pk,
        name="create",
        source="",
        target=obj.status,
        user=user,
    )


MAIN_PATH = [
    S.CONCEPT,
    S.SSOI_DRAFTING,
    S.RAD_REQUESTED,
    S.AUTHORIZED_TO_NEGOTIATE,
    S.IN_NEGOTIATION,
    S.TEXT_AGREED,
    S.FINAL_APPROVAL_REQUESTED,
    S.AUTHORIZED_TO_CONCLUDE,
    S.AWAITING_SIGNATURES,
    S.CONCLUDED,
    S.IN_FORCE,
]


def progress(obj):
    """[(label, "complete" | "current" | "")] along the main path; [] when off it for good."""
    if obj.status in MAIN_PATH:
        position = MAIN_PATH.index(obj.status)
    elif obj.status == S.RETURNED:
        position = MAIN_PATH.index(S.SSOI_DRAFTING)
    elif obj.status == S.TERMINATION_PROPOSED:  # still in force until leadership decides
        position = MAIN_PATH.index(S.IN_FORCE)
    elif obj.status in (S.EXPIRED, S.TERMINATED, S.SUPERSEDED):
        position = len(MAIN_PATH)
    else:
        return []
    return [
        (S(step).label, "complete" if i < position else "current" if i == position else "")
        for i, step in enumerate(MAIN_PATH)
    ]
