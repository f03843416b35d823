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
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import teams
from core.notifications import notify
from core.workflow import Transition, TransitionRefused, available, perform, timeline
from tsfd.models import DisclosureRequest, Proviso, Review

S = DisclosureRequest.Status

__all__ = ["TRANSITIONS", "assign", "available", "decide", "record_review", "step", "timeline"]


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
    return problems


def ready_for_review(case):
    reviews = list(case.reviews.all())
    if not reviews:
        return ["Select at least one review area."]
    missing = [str(r.area) for r in reviews if not r.reviewer_id]
    if missing:
        return [f"Assign a reviewer to {', '.join(missing)}."]
    return []


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

REQUESTER = "the requester"
APPROVER = "a TSFD approver who did not request the case"

DECISIONS = {
    "approve": S.APPROVED,
    "approve_with_provisos": S.APPROVED_WITH_PROVISOS,
    "partially_approve": S.PARTIALLY_APPROVED,
    "deny": S.DENIED,
}

TRANSITIONS = [
    Transition(
        "submit",
        "Submit",
        sources={S.DRAFT},
        target=S.SUBMITTED,
        allowed=is_requester,
        who=REQUESTER,
        check=complete_enough,
        notify=approvers,
    ),
    Transition(
        "begin_intake",
        "Begin intake",
        sources={S.SUBMITTED},
        target=S.INTAKE,
        allowed=may_decide,
        who=APPROVER,
    ),
    Transition(
        "send_to_review",
        "Send to reviewers",
        sources={S.INTAKE},
        target=S.IN_REVIEW,
        allowed=may_decide,
        who=APPROVER,
        check=ready_for_review,
    ),
    Transition(
        "reviews_complete",
        "All reviews in",
        sources={S.IN_REVIEW},
        target=S.DECISION_PENDING,
        allowed=lambda case, user: True,
        who="the portal",
        check=reviews_in,
        notify=approvers,
        extra={"automatic": True},
    ),
    Transition(
        "approve",
        "Approve",
        sources={S.DECISION_PENDING},
        target=S.APPROVED,
        allowed=may_decide,
        who=APPROVER,
        check=reviews_in,
        notify=decision_audience,
        comment_required=True,
        extra={"decision": True},
    ),
    Transition(
        "approve_with_provisos",
        "Approve with provisos",
        sources={S.DECISION_PENDING},
        target=S.APPROVED_WITH_PROVISOS,
        allowed=may_decide,
        who=APPROVER,
        check=lambda r: reviews_in(r) + has_provisos(r),
        notify=decision_audience,
        comment_required=True,
        extra={"decision": True},
    ),
    Transition(
        "partially_approve",
        "Partially approve",
        sources={S.DECISION_PENDING},
        target=S.PARTIALLY_APPROVED,
        allowed=may_decide,
        who=APPROVER,
        check=lambda r: reviews_in(r) + has_scope(r),
        notify=decision_audience,
        comment_required=True,
        extra={"decision": True},
    ),
    Transition(
        "deny",
        "Deny",
        sources={S.DECISION_PENDING},
        target=S.DENIED,
        allowed=may_decide,
        who=APPROVER,
        check=reviews_in,
        notify=decision_audience,
        comment_required=True,
        style="secondary",
        extra={"decision": True},
    ),
    Transition(
        "return",
        "Return for information",
        sources={S.SUBMITTED, S.INTAKE, S.IN_REVIEW, S.DECISION_PENDING},
        target=S.RETURNED,
        allowed=may_return,
        who="a TSFD approver or an assigned reviewer with an open review",
        notify=requester,
        comment_required=True,
        style="outline",
    ),
    # Resubmission goes back to where the case was returned from: one row per place.
    *[
        Transition(
            f"resubmit_{source.value}" if source != S.SUBMITTED else "resubmit",
            "Resubmit",
            sources={S.RETURNED},
            target=source,
            allowed=lambda case, user, source=source: (
                is_requester(case, user) and (case.returned_from or S.SUBMITTED) == source
            ),
            who=f"the requester (the case returns to {source.label.lower()})",
            check=complete_enough,
            notify=returned_to_reviewers,
        )
        for source in (S.SUBMITTED, S.INTAKE, S.IN_REVIEW, S.DECISION_PENDING)
    ],
    Transition(
        "withdraw",
        "Withdraw",
        sources=DisclosureRequest.OPEN,
        target=S.WITHDRAWN,
        allowed=is_requester,
        who=REQUESTER,
        notify=lambda case: [*approvers(case), *reviewers(case)],
        style="secondary",
    ),
]


def transition(name):
    return next((t for t in TRANSITIONS if t.name == name), None)


def buttons(case, user):
    """The steps to show as buttons: automatic ones happen by themselves."""
    return [t for t in available(case, user, TRANSITIONS) if not t.extra.get("automatic")]


# Applying a step ---------------------------------------------------------------------


def _stamp(case, transition, user):
    """What each step records on the case beside its status (before the save)."""
    now = timezone.now()
    source = getattr(case, "_stored_status", None)
    if transition.name == "submit" and case.submitted_at is None:
        case.submitted_at = now
    elif transition.name == "begin_intake":
        case.intake_by = user
    elif transition.name == "send_to_review":
        for review in case.reviews.select_related("area", "reviewer"):
            notify_assignment(review)
    elif transition.name == "return":
        case.returned_from = source
        case.returned_by = user
        case.clock_paused_since = now
    elif transition.name.startswith("resubmit"):
        paused = now - case.clock_paused_since if case.clock_paused_since else None
        if paused:
            case.clock_paused_total += paused
            for review in case.reviews.filter(completed_at__isnull=True, assigned_at__isnull=False):
                review.paused_total += now - max(case.clock_paused_since, review.assigned_at)
                review.save()
        case.clock_paused_since = None
        case.returned_from = ""
    elif transition.extra.get("decision"):
        case.decided_by = user
        case.decided_at = now
        case.closed_at = now
        for number, text in enumerate(getattr(case, "_new_provisos", None) or [], start=1):
            Proviso.objects.create(request=case, number=number, text=text)
    elif transition.name == "withdraw":
        if case.clock_paused_since:
            case.clock_paused_total += now - case.clock_paused_since
            case.clock_paused_since = None
        case.closed_at = now


def _expect_version(case, version):
    if version is not None and str(version) != str(case.version):
        raise TransitionRefused(
            [f"{case.number} changed since you opened it. Reload the page and try again."]
        )


def step(case, user, name, comment="", version=None):
    """Apply transition `name` as `user`, or raise TransitionRefused and change nothing."""
    transition = next((t for t in TRANSITIONS if t.name == name), None)
    if transition is not None and transition.extra.get("automatic"):
        raise TransitionRefused([f"“{transition.label}” happens by itself."])
    if transition is not None and transition.extra.get("decision"):
        raise TransitionRefused(
            ["A decision is recorded with its rationale through “decide” (page or API action)."]
        )
    if name == "resubmit":
        # One button whatever the case was returned from.
        name = next(
            (
                t.name
                for t in TRANSITIONS
                if t.name.startswith("resubmit") and t.allowed(case, user)
            ),
            name,
        )
    _expect_version(case, version)
    return _perform(case, user, name, comment)


def _perform(case, user, name, comment):
    with transaction.atomic():
        return perform(
            case,
            user,
            TRANSITIONS,
            name,
            comment=comment,
            before_save=lambda obj, transition: _stamp(obj, transition, user),
        )


def decide(case, user, decision, rationale, provisos=(), scope="", version=None):
    """Decide a case: approve, approve with provisos, partially approve or deny. Final."""
    if decision not in DECISIONS:
        raise TransitionRefused([f"“{decision}” is not a decision."])
    _expect_version(case, version)
    provisos = [p.strip() for p in provisos if p and p.strip()]
    original = (case.decision_rationale, case.decision_scope)
    case.decision_rationale = (rationale or "").strip()
    case.decision_scope = (scope or "").strip() if decision == "partially_approve" else ""
    case._new_provisos = provisos if decision == "approve_with_provisos" else []
    try:
        return _perform(case, user, decision, rationale or "")
    except TransitionRefused:
        case.decision_rationale, case.decision_scope = original
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
            _perform(case, user, "reviews_complete", "")
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
