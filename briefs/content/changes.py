"""What changed since the reader's last leadership packet (or a chosen date).

Read from the audit history and the workflow timeline, only for records the reader may
see now, and labelled from those records as they are today: nothing stored as text about
a record is shown (a deleted or hidden record is simply not listed).
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from agreements.models import Agreement
from briefs.content.base import visible
from briefs.models import Packet
from core.models import AuditEntry, TransitionLog
from programs.models import Program
from tsfd.models import DisclosureRequest

DEFAULT_DAYS = 7


@dataclass
class Changes:
    since: datetime.datetime
    basis: str  # why this date: "your last leadership packet", "the date you chose"...
    started: list = field(default_factory=list)  # programs whose start date came since
    health: list = field(default_factory=list)  # (program, old label, new label, when)
    phase: list = field(default_factory=list)
    agreements: list = field(default_factory=list)  # (agreement, from label, to label, when)
    decisions: list = field(default_factory=list)  # (case, decision label, when)

    @property
    def records(self):
        return [
            *self.started,
            *(row[0] for row in self.health + self.phase + self.agreements + self.decisions),
        ]

    @property
    def empty(self):
        return not self.records


def since_for(user, parameters, as_of):
    """(moment, basis): the chosen date, else the data date of the reader's last finished
    leadership packet, else a week before."""
    chosen = parameters.get("since")
    if chosen:
        day = datetime.date.fromisoformat(chosen)
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
        return start, "the date chosen for this packet"
    last = (
        Packet.objects.filter(
            requested_by=user,
            kind=Packet.Kind.LEADERSHIP,
            status=Packet.Status.DONE,
            data_as_of__lt=as_of,
        )
        .order_by("-data_as_of")
        .values_list("data_as_of", flat=True)
        .first()
    )
    if last:
        return last, "your last leadership packet"
    return as_of - datetime.timedelta(days=DEFAULT_DAYS), f"the last {DEFAULT_DAYS} days"


def changes_since(user, programs, since, basis, program_ids=None):
    """The changes among `programs` (the packet's) and the agreements and TSFD cases the
    reader may see (of those programs when the packet has a selection)."""
    found = Changes(since=since, basis=basis)
    by_id = {p.pk: p for p in programs}
    today = timezone.localdate()
    found.started = sorted(
        (p for p in programs if p.start_date and since.date() <= p.start_date <= today),
        key=lambda p: p.start_date,
    )
    program_type = ContentType.objects.get_for_model(Program)
    entries = AuditEntry.objects.filter(
        root_type=program_type,
        root_id__in=list(by_id),
        content_type=program_type,
        action=AuditEntry.Action.UPDATE,
        at__gte=since,
    ).order_by("at", "id")
    labels = {name: dict(Program._meta.get_field(name).flatchoices) for name in ("health", "phase")}
    for entry in entries:
        for name in ("health", "phase"):
            if name in entry.changes:
                old, new = entry.changes[name]
                row = (
                    by_id[entry.object_id],
                    labels[name].get(old, old),
                    labels[name].get(new, new),
                )
                getattr(found, name).append((*row, entry.at))

    agreements = visible(Agreement.objects.all(), user)
    cases = visible(DisclosureRequest.objects.all(), user)
    if program_ids is not None:
        agreements = agreements.filter(programs__in=program_ids).distinct()
        cases = cases.filter(program__in=program_ids)
    statuses = dict(Agreement.Status.choices)
    for log, agreement in _moves(Agreement, agreements, since):
        found.agreements.append(
            (agreement, statuses.get(log.source, log.source), statuses.get(log.target), log.at)
        )
    decided = dict(DisclosureRequest.Status.choices)
    for log, case in _moves(DisclosureRequest, cases, since):
        if log.target in DisclosureRequest.DECIDED:
            found.decisions.append((case, decided.get(log.target, log.target), log.at))
    return found


def _moves(model, visible_records, since):
    """(timeline row, record) of the workflow steps taken since `since` by records the
    reader may see; one query for the rows, one for their records."""
    logs = list(
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(model), at__gte=since
        ).order_by("at", "id")
    )
    if not logs:
        return []
    records = visible_records.filter(pk__in={log.object_id for log in logs}).in_bulk()
    return [(log, records[log.object_id]) for log in logs if log.object_id in records]
