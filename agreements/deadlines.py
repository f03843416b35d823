"""Deadlines of agreements: what is due for action, and which reminders are owed.

Two consumers share these rules: the "Due for action" list on /agreements/ and the
daily reminder job (agreements.tasks). Both work from a date so tests can move time.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from agreements.models import (
    REPORTING_DAYS,
    Agreement,
    Coordination,
    coordination_reminder_days,
)
from agreements.workflow import ACTIVE, APPROVE_PERM, REQUEST_OF, latest_requesters
from core import permissions

EXPIRY_REMINDER_DAYS = (180, 90, 30)
S = Agreement.Status


@dataclass(frozen=True)
class DueItem:
    """One thing to do on one agreement, by a date."""

    agreement: Agreement
    action: str
    due: date | None
    urgent: bool = False
    days_left: int | None = None


def _reporting_items(agreements, today):
    items = []
    for a in agreements.filter(
        Agreement.reporting_q(Agreement.Reporting.DUE, today)
        | Agreement.reporting_q(Agreement.Reporting.LATE, today)
    ):
        late = a.reporting_status_on(today) == Agreement.Reporting.LATE
        action = "Send the signed text to State" + (" (late)" if late else "")
        items.append(DueItem(a, action, a.reporting_deadline, urgent=late))
    return items


def _expiry_items(agreements, today):
    items = []
    horizon = today + timedelta(days=max(EXPIRY_REMINDER_DAYS))
    for a in agreements.filter(status__in=ACTIVE, expiration_date__lte=horizon):
        if a.expiration_date <= today:
            items.append(
                DueItem(a, "Expired: record expiry, or an extension", a.expiration_date, True)
            )
        else:
            days = (a.expiration_date - today).days
            items.append(
                DueItem(a, "Expires: extend, amend or let expire", a.expiration_date, days <= 30)
            )
    for a in agreements.filter(status=S.CONCLUDED, entry_into_force_on__lte=today):
        items.append(DueItem(a, "Record entry into force", a.entry_into_force_on))
    return items


def _approval_items(user):
    if not user.has_perm(APPROVE_PERM):
        return []
    waiting = {
        S.RAD_REQUESTED: "authorize_negotiation",
        S.FINAL_APPROVAL_REQUESTED: "authorize_conclusion",
    }
    items = []
    visible = permissions.restrict(Agreement.objects.all(), user, "view")
    agreements = list(visible.filter(status__in=waiting))
    requesters = latest_requesters(agreements)
    for a in agreements:
        if requesters.get((a.pk, REQUEST_OF[waiting[a.status]])) == user.pk:
            continue  # separation of duties: someone else decides
        action = {
            S.RAD_REQUESTED: "Decide on authority to negotiate",
            S.FINAL_APPROVAL_REQUESTED: "Decide on authority to conclude",
        }[a.status]
        items.append(DueItem(a, action, None))
    return items


def due_for_action(user, today, limit=50):
    """What `user` should act on now: deadlines on agreements they may change, approvals."""
    changeable = permissions.restrict(Agreement.objects.all(), user, "change")
    items = _reporting_items(changeable, today) + _expiry_items(changeable, today)
    items += _approval_items(user)
    items += _coordination_items(user, today)
    items.sort(key=lambda i: (not i.urgent, i.due or date.max, i.agreement.number))
    return [
        replace(i, days_left=None if i.due is None else (i.due - today).days) for i in items[:limit]
    ]


@dataclass(frozen=True)
class Reminder:
    agreement: Agreement
    key: str
    subject: str
    body: str


def reminders_on(today):
    """Every reminder owed on `today`, each with a key that makes it raise once."""
    owed = []
    signed = Agreement.objects.filter(
        Agreement.reporting_q(Agreement.Reporting.DUE, today)
        | Agreement.reporting_q(Agreement.Reporting.LATE, today)
    )
    for a in signed:
        deadline = a.reporting_deadline
        if a.reporting_status_on(today) == Agreement.Reporting.DUE:
            days = (deadline - today).days
            owed.append(
                Reminder(
                    a,
                    f"agreement:{a.pk}:reporting:{a.signed_on}:due",
                    f"{a.number}: report the signed text to State by {deadline:%Y-%m-%d}",
                    f"{a} was signed on {a.signed_on:%Y-%m-%d}. The text must reach the "
                    f"Department of State within {REPORTING_DAYS} days: {days} days left.",
                )
            )
        else:
            owed.append(
                Reminder(
                    a,
                    f"agreement:{a.pk}:reporting:{a.signed_on}:late",
                    f"{a.number}: reporting to State is late (due {deadline:%Y-%m-%d})",
                    f"{a} was signed on {a.signed_on:%Y-%m-%d}; its report to the Department "
                    f"of State was due on {deadline:%Y-%m-%d}. Send it and record the date.",
                )
            )
    horizon = today + timedelta(days=max(EXPIRY_REMINDER_DAYS))
    for a in Agreement.objects.filter(
        status__in=ACTIVE, expiration_date__gt=today, expiration_date__lte=horizon
    ):
        days = (a.expiration_date - today).days
        # Only the nearest threshold: a job that missed days raises one reminder, not three.
        threshold = min(t for t in EXPIRY_REMINDER_DAYS if days <= t)
        owed.append(
            Reminder(
                a,
                f"agreement:{a.pk}:expires:{a.expiration_date}:{threshold}",
                f"{a.number} expires in {days} days ({a.expiration_date:%Y-%m-%d})",
                f"{a} expires on {a.expiration_date:%Y-%m-%d}. Decide whether to extend or "
                "amend it, or let it expire.",
            )
        )
    return owed


def coordination_reminders_on(today):
    """[(coordination row, key, subject, body)]: offices that have not answered and whose
    due date is within the reminder window (settings.COORDINATION_REMINDER_DAYS)."""
    horizon = today + timedelta(days=coordination_reminder_days())
    rows = Coordination.objects.filter(
        current=True, answer="", due_on__gte=today, due_on__lte=horizon
    ).select_related("agreement", "office")
    owed = []
    for row in rows:
        days = (row.due_on - today).days
        owed.append(
            (
                row,
                f"coordination:{row.pk}:due:{row.due_on}",
                f"{row.agreement.number}: {row.office} answer due {row.due_on:%Y-%m-%d}",
                f"{row.office} is asked to coordinate on {row.agreement} "
                f"({row.get_stage_display().lower()}). The answer is due in {days} days, on "
                f"{row.due_on:%Y-%m-%d}; without an answer by then the office counts as "
                "concurring (silence procedure).",
            )
        )
    return owed


def record_silence(today):
    """Freeze "concurred by silence" into every current unanswered row past its due date
    (history then shows it). Returns how many rows were recorded."""
    recorded = 0
    rows = Coordination.objects.filter(
        current=True, answer="", silence_recorded_on__isnull=True, due_on__lt=today
    )
    for row in rows:
        row.silence_recorded_on = today
        row.save()
        recorded += 1
    return recorded


def _coordination_items(user, today):
    """Answers the user's offices owe, on agreements they may see."""
    rows = (
        permissions.restrict(Coordination.objects.all(), user, "view")
        .filter(current=True, answer="", due_on__gte=today, office__members=user)
        .select_related("agreement", "office")
    )
    return [
        DueItem(
            row.agreement,
            f"Coordinate for {row.office}",
            row.due_on,
            (row.due_on - today).days <= 2,
        )
        for row in rows
    ]
