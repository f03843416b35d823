"""TSFD beat jobs."""

from celery import shared_task
from django.utils import timezone

from core.audit import audit_context
from core.notifications import notify
from tsfd.models import DisclosureRequest, Review


@shared_task(name="tsfd.tasks.flag_overdue_reviews", acks_late=True)
def flag_overdue_reviews():
    """Daily: flag each open review past its area's target turnaround, once per review.

    Paused time (case returned to the requester) does not count. The reviewer and the
    approver running the case are told; the notification key and `overdue_flagged_at`
    make a rerun (or two workers at once) send nothing twice. Returns how many were flagged.
    """
    from tsfd.workflow import approvers

    candidates = Review.objects.filter(
        completed_at__isnull=True,
        assigned_at__isnull=False,
        overdue_flagged_at__isnull=True,
        request__status=DisclosureRequest.Status.IN_REVIEW,
    ).select_related("area", "reviewer", "request__intake_by", "request__requested_by")
    flagged = 0
    with audit_context(source="tsfd.tasks.flag_overdue_reviews"):
        for review in candidates:
            if not review.is_overdue:
                continue
            case = review.request
            late = int(-review.days_left)
            notify(
                [review.reviewer, *approvers(case)],
                f"{case.number}: {review.area} review overdue",
                body=(
                    f"The {review.area} review of “{case.title}” is {late} day(s) past its "
                    f"{review.area.target_days}-day target (paused time excluded)."
                ),
                url=review.get_absolute_url(),
                key=f"tsfd:review-overdue:{review.pk}",
            )
            # A conditional update: whichever run gets here first records the flag.
            flagged += Review.objects.filter(pk=review.pk, overdue_flagged_at__isnull=True).update(
                overdue_flagged_at=timezone.now()
            )
    return flagged
