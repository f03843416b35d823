"""What goes into each brief, read for one user through core.permissions.

One module per kind of brief: program (one-page program sheets, which the country brief
and the leadership packet include too), country, forum (the read-ahead) and leadership;
base holds Brief and Section, records what several briefs show of agreements, TSFD and
fora. BriefsConfig.ready() registers each kind's build function in core.registry.

Everything is read with `restrict(..., user, "view")` for the requester at generation
time: a record they may not see is simply absent (no title, no count), and links from a
visible record to an invisible one (a case that blocks a program, an agenda item about
an agreement) are dropped too. Reads are batched per section, so the number of queries
does not grow with the number of programs.
"""

from django.utils import timezone

from core.registry import registry


def build(packet, user):
    """The Brief for `packet`, as `user` may see it now."""
    return registry["brief_kinds"][packet.kind](user, packet.parameters or {}, timezone.now())
