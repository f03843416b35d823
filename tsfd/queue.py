"""The work queues: a reviewer's open reviews and an approver's cases, most urgent first.

Urgency of a review = the fewer days left of these two, the more urgent:
  - its area's target turnaround minus its working age (paused time excluded);
  - days until the case's needed-by date.
Ties go to the case that blocks more (an agreement, then a program), then the older.
A review whose case is returned to the requester is paused and sorts last.
"""

import math

from django.db.models import Prefetch
from django.utils import timezone

from core.permissions import allowed_ids, restrict
from tsfd.models import DisclosureRequest, Review

S = DisclosureRequest.Status


def days_to_need(request, today=None):
    if request.needed_by is None:
        return math.inf
    return (request.needed_by - (today or timezone.localdate())).days


def blocking_weight(request):
    return (2 if request.agreement_id else 0) + (1 if request.program_id else 0)


def review_urgency(review, today=None):
    """Sort key: smallest first is most urgent."""
    request = review.request
    # Whole days: a few hours' difference should not outrank what a case blocks.
    slack = min(math.floor(review.days_left), days_to_need(request, today))
    return (request.is_paused, slack, -blocking_weight(request), -review.working_age())


def request_urgency(request, today=None):
    target = request.target_days or 0
    slack = min(
        target - request.working_age().days if target else math.inf, days_to_need(request, today)
    )
    return (slack, -blocking_weight(request), -request.working_age())


def mark_link_visibility(cases, user):
    """Set `program_visible`/`agreement_visible` on each case: links only to what the user sees."""
    programs = [c.program for c in cases if c.program_id]
    agreements = [c.agreement for c in cases if c.agreement_id]
    seen_programs = allowed_ids(user, "view", {p.pk: p for p in programs}.values())
    seen_agreements = allowed_ids(user, "view", {a.pk: a for a in agreements}.values())
    for case in cases:
        case.program_visible = case.program_id in seen_programs
        case.agreement_visible = case.agreement_id in seen_agreements
    return cases


def review_queue(user):
    """The user's open reviews on cases in review (or paused while returned), most urgent first."""
    reviews = (
        restrict(Review.objects.all(), user, "view")
        .filter(
            reviewer=user,
            completed_at__isnull=True,
            request__status__in=[S.IN_REVIEW, S.RETURNED],
        )
        .select_related(
            "area",
            "request__program",
            "request__agreement",
            "request__recipient_country",
            "request__requested_by",
        )
    )
    today = timezone.localdate()
    reviews = list(reviews)
    mark_link_visibility([r.request for r in reviews], user)
    return sorted(reviews, key=lambda r: review_urgency(r, today))


def approver_queues(user):
    """Cases awaiting intake, in review, and awaiting decision, that this approver may act on."""
    if not user.has_perm("tsfd.decide_disclosurerequest"):
        return None
    cases = (
        restrict(DisclosureRequest.objects.all(), user, "view")
        .filter(status__in=[S.SUBMITTED, S.INTAKE, S.IN_REVIEW, S.DECISION_PENDING])
        .exclude(requested_by=user)  # separation of duties: not theirs to act on
        .select_related("program", "agreement", "recipient_country", "requested_by")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.select_related("area")))
    )
    today = timezone.localdate()
    ordered = sorted(
        mark_link_visibility(list(cases), user), key=lambda r: request_urgency(r, today)
    )
    return {
        "intake": [c for c in ordered if c.status in (S.SUBMITTED, S.INTAKE)],
        "in_review": [c for c in ordered if c.status == S.IN_REVIEW],
        "decision": [c for c in ordered if c.status == S.DECISION_PENDING],
    }
