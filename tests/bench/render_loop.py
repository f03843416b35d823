"""Keep rendering leadership packets, as a packet worker would, until stopped.

`make bench` runs this beside the load test to measure the web's p95 while packets
render (the parts are laid out by niced child processes, briefs/pdf.py). Usage:
    python -m tests.bench.render_loop <leader user id> <program ids, comma-separated>
Prints one line per packet rendered.
"""

import sys
import time


def main():
    from tests.bench.run import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from briefs.compose import compose
    from briefs.content import build
    from briefs.models import Packet
    from briefs.pdf import render_parts

    leader = get_user_model().objects.get(pk=int(sys.argv[1]))
    ids = [int(pk) for pk in sys.argv[2].split(",")]
    packet = Packet(kind="leadership", parameters={"programs": ids}, requested_by=leader)
    while True:
        started = time.perf_counter()
        _, pages = render_parts(compose(build(packet, leader), leader))
        print(f"rendered {pages} pages in {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
