"""Demo data for briefs: one program brief for the leadership user, made like any other."""

from briefs import jobs
from briefs.models import Packet


def seed(context):
    leader = context["users"]["leader"]
    programs = context.get("programs") or []
    if not programs or Packet.objects.filter(requested_by=leader).exists():
        context["packets"] = list(Packet.objects.filter(requested_by=leader))
        return
    program = programs[0]
    # Rendered when the demo data commits (in-process, or by a worker when there is a broker).
    packet = jobs.request_packet(
        leader, Packet.Kind.PROGRAM, f"Program brief: {program}", {"programs": [program.pk]}
    )
    context["packets"] = [packet]
