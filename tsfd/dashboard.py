"""TSFD on the home page: the reviewer's queue, cases awaiting decision, my requests,
and throughput for leadership."""

from datetime import timedelta
from statistics import median

from django.utils import timezone

from core import permissions
from tsfd.models import DisclosureRequest
from tsfd.queue import approver_queues, review_queue
from tsfd.throughput import throughput_of


def my_reviews(user):
    reviews = review_queue(user)
    return {"reviews": reviews[:15], "total": len(reviews)} if reviews else None


def awaiting_decision(user):
    queues = approver_queues(user)
    if not queues or not any(queues.values()):
        return None
    return {
        "decision": queues["decision"][:15],
        "intake": len(queues["intake"]),
        "in_review": len(queues["in_review"]),
    }


def my_requests(user):
    mine = list(
        DisclosureRequest.objects.filter(requested_by=user)
        .exclude(status__in=sorted(DisclosureRequest.CLOSED))
        .select_related("recipient_country")
        .order_by("-created_at")[:10]
    )
    return {"requests": mine} if mine else None


def throughput(user):
    if not (user.is_superuser or permissions.has_model_perm(user, DisclosureRequest, "view")):
        return None
    visible = permissions.restrict(DisclosureRequest.objects.all(), user, "view")
    since = timezone.now() - timedelta(days=90)
    decided = list(
        visible.filter(decided_at__gte=since).only("submitted_at", "decided_at", "status")
    )
    days = [(r.decided_at - r.submitted_at).days for r in decided if r.submitted_at]
    open_cases = (
        visible.exclude(status__in=sorted(DisclosureRequest.CLOSED)).exclude(status="draft").count()
    )
    return {
        "decided": len(decided),
        "median_days": round(median(days)) if days else None,
        "open": open_cases,
        # The same chart and numbers as the leadership packet (tsfd.throughput).
        "flow": throughput_of(visible.order_by()),
    }
