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


def program_brief(program, user):
    return {
        "can_request": can_add(user, Packet),
        "kind": Packet.Kind.PROGRAM,
        "field": "programs",
        "value": program.pk,
        "button": "Make a program brief (PDF)",
        "latest": _latest(user, Packet.Kind.PROGRAM, "programs", [program.pk]),
    }


def forum_readahead(forum, user):
    return {
        "can_request": can_add(user, Packet),
        "kind": Packet.Kind.FORUM,
        "field": "forum",
        "value": forum.pk,
        "button": "Make a read-ahead (PDF)",
        "latest": _latest(user, Packet.Kind.FORUM, "forum", forum.pk),
    }


def my_briefs(person, user):
    if person.pk != user.pk:
        return {"packets": []}  # a profile shows its owner's own briefs only
    packets = restrict(Packet.objects.filter(requested_by=user), user, "view")[:5]
    return {"packets": list(packets)}
