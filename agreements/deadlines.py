"""Deadlines of agreements: what is due for action, and which reminders are owed.

Two consumers share these rules: the "Due for action" list on /agreements/ and the
daily reminder job (agreements.tasks). Both work from a date so tests can move time.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from agreements.models import REPORTING_DAYS, Agreement
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
