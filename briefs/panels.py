"""The "Brief" buttons on other records' pages: programs, fora, and the user's profile."""

from briefs.models import Packet
from core.permissions import can_add, restrict


def _latest(user, kind, key, value):
    """The user's newest packet of `kind` whose parameters name exactly this record."""
    recent = restrict(Packet.objects.filter(requested_by=user, kind=kind), user, "view").only(
        "pk", "title", "status", "progress", "queued_at", "finished_at", "parameters"
    )[:50]
    for packet in recent:
        if (packet.parameters or {}).get(key) == value:
            return packet
    return None


def _request(user, kind, field, value, button, named):
    """A "make a brief" button for one record, with the user's latest such brief."""
    return {
        "can_request": can_add(user, Packet),
        "kind": kind,
        "field": field,
        "value": value,
        "button": button,
        "latest": _latest(user, kind, field, named),
    }


def program_brief(program, user):
    pk = program.pk
    return _request(user, Packet.Kind.PROGRAM, "programs", pk, "Make a program brief (PDF)", [pk])


def forum_readahead(forum, user):
    pk = forum.pk
    return _request(user, Packet.Kind.FORUM, "forum", pk, "Make a read-ahead (PDF)", pk)


def my_briefs(person, user):
    if person.pk != user.pk:
        return {"packets": []}  # a profile shows its owner's own briefs only
    packets = restrict(Packet.objects.filter(requested_by=user), user, "view")[:5]
    return {"packets": list(packets)}
