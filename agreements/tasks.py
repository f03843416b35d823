"""Scheduled jobs of the agreements app (see CELERY_BEAT_SCHEDULE)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from agreements.deadlines import coordination_reminders_on, record_silence, reminders_on
from agreements.workflow import coordinators, team_members
from core.audit import audit_context
from core.notifications import notify


@shared_task(acks_late=True)
def send_agreement_reminders(today=None):
    """Raise reporting and expiration reminders to each agreement's team, and coordination
    reminders to the offices that owe an answer, once each; freeze concurrence by silence
    into the rows whose due date has passed.

    Idempotent: every reminder carries a key, and a key reaches a user once however
    often the job runs (core.notifications). Returns how many notifications were new.
    """
    day = timezone.localdate() if today is None else date.fromisoformat(today)
    created = 0
    with audit_context(source="agreements.send_agreement_reminders"):
        for reminder in reminders_on(day):
            created += len(
                notify(
                    team_members(reminder.agreement),
                    reminder.subject,
                    body=reminder.body,
                    url=reminder.agreement.get_absolute_url(),
                    key=reminder.key,
                )
            )
        for row, key, subject, body in coordination_reminders_on(day):
            created += len(
                notify(
                    coordinators(row.agreement, [row]),
                    subject,
                    body=body,
                    url=row.agreement.get_absolute_url() + "#coordination",
                    key=key,
                )
            )
        record_silence(day)
    return created
