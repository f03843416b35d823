"""The disclosure request lifecycle (DESIGN §6 tsfd), as one table of transitions.

    draft ─submit→ submitted ─begin intake→ intake ─send to reviewers→ in review
    in review ─(last review recorded, automatic)→ decision pending
    decision pending ─approve / approve with provisos / partially approve / deny→ decided
    submitted, intake, in review, decision pending ─return for information→ returned
    returned ─resubmit→ back where it was returned from (the clock restarts)
    any open state ─withdraw→ withdrawn (the requester, before a decision)

Separation of duties is part of every rule below: whoever requested a case never
runs its intake, reviews it or decides it. `record_review()` and `assign()` carry
the same rules for the two steps that are not state changes.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import teams
from core.markings import Classification
from core.models import Document
from core.notifications import notify
from core.workflow import Transition, TransitionRefused, Who, Workflow, timeline
from tsfd.models import DisclosureRequest, Proviso, Review

S = DisclosureRequest.Status

__all__ = ["WORKFLOW", "assign", "decide", "record_review", "step", "timeline", "unassign"]


# Who ------------------------------------------------------------------------------


def is_requester(case, user):
    return case.requested_by_id == user.pk


def may_decide(case, user):
    """A TSFD approver (intake and decision) who did not request this case."""
    return user.has_perm("tsfd.decide_disclosurerequest") and not is_requester(case, user)


def may_review(user):
    return user.is_active and user.has_perm("tsfd.review_disclosurerequest")


def open_reviewer(case, user):
    """An assigned reviewer of this case whose review is still open."""
    return (
        not is_requester(case, user)
        and case.reviews.filter(reviewer=user, completed_at__isnull=True).exists()
    )


def may_return(case, user):
    if may_decide(case, user):
        return True
    return case.status == S.IN_REVIEW and open_reviewer(case, user)


# What must be true first -------------------------------------------------------------


def complete_enough(case):
    """A submitted request must say what, to whom, in what form, why."""
    problems = []
    for name in ("title", "technology", "purpose", "disclosure_form", "highest_classification"):
        if not getattr(case, name):
            label = case._meta.get_field(name).verbose_name
            problems.append(f"The {label} is missing.")
    if not case.recipient_country_id:
        problems.append("The recipient country is missing.")
    if not Document.objects.filter(
        content_type=ContentType.objects.get_for_model(DisclosureRequest), object_id=case.pk
    ).exists():
        problems.append("Attach at least one document (what would be disclosed).")
    if not (case.end_use or "").strip():
        problems.append("The end use is missing.")
    if not (case.end_user or "").strip():
        problems.append("The end user is missing.")
    J = DisclosureRequest.Jurisdiction
    if not case.export_jurisdiction:
        problems.append("The export jurisdiction is missing (ITAR or EAR).")
    elif case.export_jurisdiction == J.ITAR and not case.usml_category:
        problems.append("An ITAR case needs its USML category.")
    elif case.export_jurisdiction == J.EAR and not case.eccn:
        problems.append("An EAR case needs its ECCN.")
    if not (case.security_agreement or "").strip():
        problems.append("The applicable General Security Agreement is missing.")
    return problems


def ready_for_review(case):
    reviews = list(case.reviews.all())
    if not reviews:
        return ["Select at least one review area."]
    missing = [str(r.area) for r in reviews if not r.reviewer_id]
    if missing:
        return [f"Assign a reviewer to {', '.join(missing)}."]
    return shared_reviewer_explained(case, reviews)


def shared_reviewer_explained(case, reviews):
    """One person on two areas of the case needs the reason recorded at intake."""
    seen = {}
    for review in reviews:
        if review.reviewer_id:
            seen.setdefault(review.reviewer_id, []).append(str(review.area))
    shared = [areas for areas in seen.values() if len(areas) > 1]
    if shared and not (case.shared_reviewer_reason or "").strip():
        return [
            f"One reviewer has {' and '.join(shared[0])}: record why one person reviews "
            "several areas."
        ]
    return []


def has_validity(case):
    """An approval says until when it holds and the highest classification it releases."""
    problems = []
    if not case.decision_valid_until:
        problems.append("Say until when the decision is valid.")
    elif case.decision_valid_until <= timezone.localdate():
        problems.append("The decision's validity must end after today.")
    if not case.decision_limit:
        problems.append("Say the highest classification the decision releases.")
    return problems


def reviews_in(case):
    return [] if case.reviews_complete() else ["Some reviews are still open."]


def has_provisos(case):
    if not getattr(case, "_new_provisos", None):
        return ["Record at least one proviso (one per line)."]
    return []


def has_scope(case):
    if not (case.decision_scope or "").strip():
        return ["Say what is released and what is not."]
    return []


# Whom to tell -----------------------------------------------------------------------


def approvers(case):
    """Whoever runs intake for the case, else every active approver (never the requester)."""
    if case.intake_by_id and case.intake_by.is_active:
        return [case.intake_by]
    return list(holders("decide_disclosurerequest").exclude(pk=case.requested_by_id))


def holders(codename):
    """Active users who hold a tsfd permission through a role or directly.

    Superusers (portal administrators) hold every permission but are not the office's
    reviewers or approvers, so they are left out of reviewer lists and routine notices.
    """
    permission = Permission.objects.filter(
        codename=codename, content_type__app_label="tsfd"
    ).first()
    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def reviewer_candidates(case):
    """Who may be assigned a review of this case: TSFD reviewers other than its requester."""
    return holders("review_disclosurerequest").exclude(pk=case.requested_by_id)


def reviewers(case):
    return [r.reviewer for r in case.reviews.select_related("reviewer") if r.reviewer]


def requester(case):
    return [case.requested_by]


def returned_to_reviewers(case):
    people = reviewers(case) if case.status == S.IN_REVIEW else []
    return [*people, *([case.returned_by] if case.returned_by_id else [])]


def decision_audience(case):
    """The requester and the team of the program (and agreement) it drives."""
    people = [case.requested_by]
    for record in case.blocks:
        people += [m.user for m in teams.members(record)]
        manager = getattr(record, "program_manager", None)
        if manager is not None:
            people.append(manager)
    return people


# The table ---------------------------------------------------------------------------

REQUESTER = Who("the requester", is_requester)
APPROVER = Who("a TSFD approver who did not request the case", may_decide)
RETURNER = Who("a TSFD approver or an assigned reviewer with an open review", may_return)
PORTAL = Who("the portal", lambda case, user: True)
OPEN = DisclosureRequest.OPEN
ASKED = {S.SUBMITTED, S.INTAKE, S.IN_REVIEW, S.DECISION_PENDING}  # what may be returned


def returned_from(case):
    """Resubmission goes back to where the case was returned from."""
    return case.returned_from or S.SUBMITTED


def approvers_and_reviewers(case):
    return [*approvers(case), *reviewers(case)]


def _stamp(case, transition, user):
    """What each step records on the case beside its status (before the save)."""
    now = timezone.now()
    if transition.name == "submit" and case.submitted_at is None:
        case.submitted_at = now
    elif transition.name == "begin_intake":
        case.intake_by = user
    elif transition.name == "send_to_review":
        for review in case.reviews.select_related("area", "reviewer"):
            notify_assignment(review)
    elif transition.name == "return":
        case.returned_from = getattr(case, "_stored_status", None)
        case.returned_by = user
        case.clock_paused_since = now
    elif transition.name == "resubmit":
        paused = now - case.clock_paused_since if case.clock_paused_since else None
        if paused:
            case.clock_paused_total += paused
            for review in case.reviews.filter(completed_at__isnull=True, assigned_at__isnull=False):
                review.paused_total += now - max(case.clock_paused_since, review.assigned_at)
                review.save()
        case.clock_paused_since = None
        case.returned_from = ""
    elif transition.via == "decide":
        case.decided_by = user
        case.decided_at = now
        case.closed_at = now
        for number, item in enumerate(getattr(case, "_new_provisos", None) or [], start=1):
            standard, text = item if isinstance(item, tuple) else (None, item)
            Proviso.objects.create(request=case, number=number, text=text, standard=standard)
    elif transition.name == "withdraw":
        if case.clock_paused_since:
            case.clock_paused_total += now - case.clock_paused_since
            case.clock_paused_since = None
        case.closed_at = now


# fmt: off
WORKFLOW = Workflow(
    # name, label, from, to, who, what must be true first
    Transition("submit", "Submit",
               {S.DRAFT}, S.SUBMITTED, REQUESTER, complete_enough, notify=approvers),
    Transition("begin_intake", "Begin intake",
               {S.SUBMITTED}, S.INTAKE, APPROVER),
    Transition("send_to_review", "Send to reviewers",
               {S.INTAKE}, S.IN_REVIEW, APPROVER, ready_for_review),
    Transition("reviews_complete", "All reviews in",
               {S.IN_REVIEW}, S.DECISION_PENDING, PORTAL, reviews_in, notify=approvers,
               automatic=True),
    # The decisions: on the decide page or API action, with the rationale as the comment.
    Transition("approve", "Approve",
               {S.DECISION_PENDING}, S.APPROVED, APPROVER, (reviews_in, has_validity),
               notify=decision_audience, comment_required=True, via="decide"),
    Transition("approve_with_provisos", "Approve with provisos",
               {S.DECISION_PENDING}, S.APPROVED_WITH_PROVISOS, APPROVER,
               (reviews_in, has_provisos, has_validity),
               notify=decision_audience, comment_required=True, via="decide"),
    Transition("partially_approve", "Partially approve",
               {S.DECISION_PENDING}, S.PARTIALLY_APPROVED, APPROVER,
               (reviews_in, has_scope, has_validity),
               notify=decision_audience, comment_required=True, via="decide"),
    Transition("deny", "Deny",
               {S.DECISION_PENDING}, S.DENIED, APPROVER, reviews_in,
               notify=decision_audience, comment_required=True, via="decide", style="secondary"),
    Transition("return", "Return for information",
               ASKED, S.RETURNED, RETURNER, notify=requester, comment_required=True,
               style="outline", prompt="What information is needed",
               note="The case goes back to its requester and the clock pauses until they "
                    "resubmit."),
    Transition("resubmit", "Resubmit",
               {S.RETURNED}, returned_from, REQUESTER, complete_enough,
               notify=returned_to_reviewers),
    Transition("withdraw", "Withdraw",
               OPEN, S.WITHDRAWN, REQUESTER, notify=approvers_and_reviewers, style="secondary",
               note="A withdrawn request is closed for good; to pursue it later, create a new "
                    "request."),
    stamp=_stamp,
)
# fmt: on
TRANSITIONS = WORKFLOW.transitions
DECISIONS = {t.name: t.target for t in TRANSITIONS if t.via == "decide"}
step = WORKFLOW.perform  # take one step: (case, user, name, comment="", version=None)


def decide(
    case,
    user,
    decision,
    rationale,
    provisos=(),
    scope="",
    version=None,
    valid_until=None,
    limit="",
    standard_provisos=(),
    ddl=None,
):
    """Decide a case: approve, approve with provisos, partially approve or deny. Final.

    An approval holds until `valid_until` and releases at most `limit` (a classification);
    provisos are drawn from the standard library (`standard_provisos`) and free text.
    """
    if decision not in DECISIONS:
        raise TransitionRefused([f"“{decision}” is not a decision."])
    WORKFLOW.expect_version(case, version)
    items = [(p, p.text) for p in standard_provisos]
    items += [p.strip() for p in provisos if p and p.strip()]
    if limit and limit not in Classification.values:
        raise TransitionRefused([f"“{limit}” is not a classification."])
    original = (
        case.decision_rationale,
        case.decision_scope,
        case.decision_valid_until,
        case.decision_limit,
        case.ddl_id,
    )
    approving = decision != "deny"
    case.decision_rationale = (rationale or "").strip()
    case.decision_scope = (scope or "").strip() if decision == "partially_approve" else ""
    case.decision_valid_until = valid_until if approving else None
    case.decision_limit = (limit or "") if approving else ""
    if ddl is not None:
        case.ddl = ddl
    case._new_provisos = items if decision == "approve_with_provisos" else []
    try:
        return WORKFLOW.take(case, user, WORKFLOW.get(decision), rationale or "")
    except TransitionRefused:
        (
            case.decision_rationale,
            case.decision_scope,
            case.decision_valid_until,
            case.decision_limit,
            case.ddl_id,
        ) = original
        raise
    finally:
        case._new_provisos = []


def record_review(review, user, recommendation, comments=""):
    """The assigned reviewer records their recommendation; the last one moves the case on."""
    case = review.request
    reasons = []
    if is_requester(case, user):
        reasons.append("Nobody reviews their own request.")
    elif review.reviewer_id != user.pk:
        reasons.append(f"Only the assigned {review.area} reviewer may record this review.")
    if case.status != S.IN_REVIEW:
        shown = case.get_status_display().lower()
        reasons.append(f"Reviews are recorded while the case is in review; it is {shown}.")
    if review.is_complete:
        reasons.append("This review was already recorded.")
    if recommendation not in Review.Recommendation.values:
        reasons.append("Choose concur, concur with comment or non-concur.")
    elif recommendation != Review.Recommendation.CONCUR and not (comments or "").strip():
        reasons.append("Say why: this recommendation needs comments.")
    if reasons:
        raise TransitionRefused(reasons)
    with transaction.atomic():
        review.recommendation = recommendation
        review.comments = (comments or "").strip()
        review.completed_at = timezone.now()
        review.full_clean()
        review.save()
        case.refresh_from_db()
        if case.reviews_complete():
            WORKFLOW.take(case, user, WORKFLOW.get("reviews_complete"))
    return review


def assign(case, user, area, reviewer):
    """Intake: put a review area on the case and (re)assign its reviewer.

    Possible during intake and while in review (a late area, or a reviewer away).
    A completed review is never reassigned; nobody reviews their own request.
    """
    reasons = []
    if not may_decide(case, user):
        reasons.append(f"Only {APPROVER} may assign reviews.")
    if case.status not in (S.INTAKE, S.IN_REVIEW):
        reasons.append("Reviews are assigned during intake or while the case is in review.")
    if reviewer is not None:
        if reviewer.pk == case.requested_by_id:
            reasons.append("Nobody reviews their own request: choose another reviewer.")
        elif not may_review(reviewer):
            reasons.append(f"{reviewer.get_full_name() or reviewer} is not a TSFD reviewer.")
    elif case.status == S.IN_REVIEW:
        reasons.append("A case in review needs a reviewer for every area.")
    review = case.reviews.filter(area=area).first()
    if review is not None and review.is_complete:
        reasons.append(f"The {area} review is already recorded.")
    if not area.active and review is None:
        reasons.append(f"The {area} review area is no longer in use.")
    if reasons:
        raise TransitionRefused(reasons)
    with transaction.atomic():
        if review is None:
            review = Review(request=case, area=area)
        changed = review.reviewer_id != (reviewer.pk if reviewer else None)
        review.reviewer = reviewer
        if changed:
            review.assigned_by = user
            review.assigned_at = timezone.now() if reviewer else None
            review.paused_total = timedelta(0)
        review.save()
        if changed and reviewer is not None and case.status == S.IN_REVIEW:
            notify_assignment(review)
    return review


def unassign(case, user, area):
    """Intake: take an area off the case (only an open review, only during intake)."""
    if not may_decide(case, user):
        raise TransitionRefused([f"Only {APPROVER} may change the review areas."])
    if case.status != S.INTAKE:
        raise TransitionRefused(["Review areas are removed during intake only."])
    review = case.reviews.filter(area=area).first()
    if review is not None:
        review.delete()


def notify_assignment(review):
    return notify(
        [review.reviewer],
        f"{review.request.number}: {review.area} review assigned to you",
        body=f"{review.request.title}\nTarget turnaround: {review.area.target_days} days.",
        url=review.request.get_absolute_url(),
    )
