"""`make bench`: fill a separate PostgreSQL database at office scale and measure.

Prints a table and writes bench/results.json. Environment:
  BENCH_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/icportal_bench (re-created)
  BENCH_SCALE         default 1.0 (0.05 for a quick look)
  BENCH_REPEAT        timed requests per page after warm-up (default 15)
  BENCH_LOAD_SECONDS  duration of the load test (default 20; 0 skips it)
  BENCH_REUSE         1: measure again on the database a previous run filled (no refill,
                      no growth sample) — for profiling between runs
  BENCH_PDF           0 skips the PDF timings
  BENCH_QUALITY       0 skips timing the data-quality audit over the fill
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/icportal_bench")
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
RESULTS = ROOT / "bench" / "results.json"


def recreate_database():
    import psycopg2

    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    conn = psycopg2.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


BENCH_SECRET = "bench-secret-key-" + "x" * 40


def setup_django():
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["SECRET_KEY"] = BENCH_SECRET  # the load test's gunicorn reads our sessions
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icportal.settings")
    os.environ.pop("REDIS_URL", None)  # in-process timings measure the app and PostgreSQL
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(client, url, repeat=None, warmup=3):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    repeat = repeat or REPEAT
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples = []
    queries = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return {
        "url": url,
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95, 1),
        "queries": queries,
    }


def pick_users(filled):
    from django.contrib.auth import get_user_model

    from core import roles

    by_role = filled["by_role"]
    User = get_user_model()
    # The program manager with the most teams: the hardest restricted list.
    pm = by_role[roles.PROGRAM_MANAGER][0]
    leader = by_role[roles.LEADERSHIP][0]
    reviewer = by_role.get(roles.TSFD_REVIEWER, [pm])[0]
    admin = User.objects.filter(is_superuser=True).first() or by_role[roles.PORTAL_ADMIN][0]
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    return {"pm": pm, "leader": leader, "reviewer": reviewer, "admin": admin}


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def measure_pages(filled):
    from django.urls import NoReverseMatch, reverse

    users = pick_users(filled)
    leader, pm = client_for(users["leader"]), client_for(users["pm"])
    program = filled["programs"][len(filled["programs"]) // 2]
    pages = {
        "programs list (leadership)": (leader, "/programs/"),
        "programs list (program manager)": (pm, "/programs/"),
        "programs list filtered": (leader, "/programs/?phase=development&health=red&country=GBR"),
        "program detail": (leader, program.get_absolute_url()),
        "API programs list": (leader, "/api/v1/programs/"),
        "global search": (leader, "/search/?q=hypersonic+radar"),
        "home page": (pm, "/"),
        "django admin changelist": (client_for(users["admin"]), "/admin/programs/program/"),
    }
    for label, name, who in (
        ("agreements list", "agreements:list", leader),
        ("TSFD queue", "tsfd:queue", client_for(users["reviewer"])),
    ):
        try:
            pages[label] = (who, reverse(name))
        except NoReverseMatch:
            continue
    results = {}
    for label, (client, url) in pages.items():
        results[label] = timed(client, url)
        print(f"  measured {label}", flush=True)
    admin = client_for(users["admin"])
    ratios = {
        "permission overhead (pm ÷ leadership, target ≤ 1.3)": paired(
            (pm, "/programs/"), (leader, "/programs/")
        ),
        "ours ÷ django admin changelist (target ≤ 1.0)": paired(
            (leader, "/programs/"), (admin, "/admin/programs/program/")
        ),
    }
    ratios["tables2's own cell rendering ÷ PortalTable's fast path (programs list)"] = (
        rendering_ratio(leader, "/programs/")
    )
    return results, ratios, users


def rendering_ratio(client, url):
    """What PortalTable.fast_rows() saves: the same page with django-tables2's own cell
    rendering, then with the fast path, requested in turn (see paired())."""
    from core.tables import PortalTable

    def page(fast):
        def get():
            PortalTable.fast_rendering = fast
            try:
                return client.get(url)
            finally:
                PortalTable.fast_rendering = True

        return get

    return paired(page(False), page(True))


def paired(first, second, rounds=None):
    """median(first) ÷ median(second), the two requested in turn so that both meet the
    same machine: a ratio of two runs minutes apart measures the machine's moods too.
    Each side is (client, url) or a function that makes the request."""
    rounds = rounds or 2 * REPEAT
    requests = [side if callable(side) else _getter(*side) for side in (first, second)]
    samples = ([], [])
    for _ in range(3):
        for get in requests:
            get()
    for _ in range(rounds):
        for get, kept in zip(requests, samples, strict=True):
            start = time.perf_counter()
            response = get()
            kept.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
    return round(statistics.median(samples[0]) / statistics.median(samples[1]), 2)


def _getter(client, url):
    return lambda: client.get(url)


def load_test(users):
    """gunicorn (production settings, 4 workers) driven by wrk from a second process."""
    if LOAD_SECONDS <= 0 or not shutil.which("wrk"):
        return {"skipped": "wrk not installed" if LOAD_SECONDS > 0 else "BENCH_LOAD_SECONDS=0"}
    from tests.processes import production_env, session_cookie, start_gunicorn, stop

    user = users["pm"]
    cookie = session_cookie(user, consent="bench")
    port = 8011
    env = production_env(
        SECRET_KEY=BENCH_SECRET,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=DB_URL,
    )
    server = start_gunicorn(port, 4, "--log-level", "warning", env=env)
    try:
        for _ in range(100):
            try:
                import urllib.request

                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception:  # not up yet
                time.sleep(0.2)
        # Programs the load user may see (others would rightly answer 404).
        from core.permissions import restrict
        from programs.models import Program

        program_ids = list(
            restrict(Program.objects.all(), user, "view").values_list("pk", flat=True)[:200]
        )
        result = run_wrk(port, cookie, program_ids)
        if "error" in result:
            return result
        # The same load while a packet worker renders 50-program packets back to back.
        packets = [p.pk for p in users["programs"][:50]]
        renderer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.bench.render_loop",
                str(users["leader"].pk),
                ",".join(map(str, packets)),
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": DB_URL},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            time.sleep(3)  # past the imports: the parts are being laid out
            rendering = run_wrk(port, cookie, program_ids)
        finally:
            renderer.kill()
            rendered = renderer.communicate()[0].splitlines()
        result["while a packet renders"] = rendering
        result["packets rendered meanwhile"] = rendered
        if "p95_ms" in rendering:
            result["p95 ratio while rendering (target ≤ 1.2)"] = round(
                rendering["p95_ms"] / result["p95_ms"], 2
            )
        return result
    finally:
        stop(server)


def run_wrk(port, cookie, program_ids):
    script = ROOT / "tests" / "bench" / "mix.lua"
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c20",
            f"-d{LOAD_SECONDS}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            cookie,
            ",".join(map(str, program_ids)),
        ],
        capture_output=True,
        text=True,
        timeout=LOAD_SECONDS + 60,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        return {"error": out.stdout[-2000:] + out.stderr[-2000:]}
    return json.loads(line[len("RESULT ") :])


def print_table(pages, ratios, load, sizes, grants):
    print("\nIC Portal benchmark — scale", SCALE, "sizes", sizes, "object-permission rows", grants)
    print(f"{'page':38} {'median ms':>10} {'p95 ms':>9} {'queries':>8}")
    for label, row in pages.items():
        print(f"{label:38} {row['median_ms']:>10} {row['p95_ms']:>9} {row['queries']:>8}")
    for label, value in ratios.items():
        print(f"{label}: {value}")
    print("load:", load)


def fresh_fill(scale):
    from django.core.management import call_command
    from django.db import connection, connections

    connections.close_all()
    recreate_database()
    call_command("migrate", verbosity=0)
    from tests.bench.fill import fill

    filled = fill(scale)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return filled


def growth_sample(scale):
    """The programs list and search at a tenth of the size, for the growth ratio."""
    filled = fresh_fill(scale)
    users = pick_users(filled)
    leader = client_for(users["leader"])
    return {
        "programs": filled["sizes"]["programs"],
        "programs list (leadership)": timed(leader, "/programs/"),
        "global search": timed(leader, "/search/?q=hypersonic+radar"),
    }


def object_permission_rows():
    """Rows in every object-permission table, counted in the database (not by the fill)."""
    from django.apps import apps
    from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

    bases = (UserObjectPermissionBase, GroupObjectPermissionBase)
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if issubclass(model, bases) and not model._meta.abstract
    )


def refilled():
    """What `fill()` returned, read back from a benchmark database filled earlier."""
    from django.contrib.auth import get_user_model

    from programs.models import Program
    from tests.bench.fill import sizes

    by_role = {}
    users = get_user_model().objects.filter(username__startswith="bench").order_by("username")
    for user in users.prefetch_related("groups"):
        for group in user.groups.all():
            by_role.setdefault(group.name, []).append(user)
    programs = list(Program.objects.filter(code__startswith="BP-").order_by("code"))
    return {"sizes": sizes(SCALE), "by_role": by_role, "programs": programs}


def existing_fill():
    """BENCH_REUSE=1 measures again on the database of the previous run, if it has one."""
    if os.environ.get("BENCH_REUSE") != "1":
        return None
    try:
        setup_django()
        from django.contrib.auth import get_user_model

        if get_user_model().objects.filter(username__startswith="bench").exists():
            return refilled()
    except Exception as error:  # no database yet, or not migrated
        print("BENCH_REUSE: nothing to reuse,", error.__class__.__name__, flush=True)
    return None


def data_quality_audit():
    """The nightly data-quality job over the whole fill: its run time and what it finds.

    The fill writes valid records, so findings at office scale should be 0 like the demo's;
    any finding is listed by rule so a fill that breaks a rule shows which.
    """
    if os.environ.get("BENCH_QUALITY", "1") == "0":
        return {"skipped": "BENCH_QUALITY=0"}
    from django.db.models import Count

    from core.models import DataQualityFinding
    from core.quality import run_audit

    t0 = time.time()
    run = run_audit()
    by_rule = DataQualityFinding.objects.filter(run=run).values("rule").annotate(n=Count("id"))
    return {
        "seconds": round(time.time() - t0, 1),
        "records_checked": run.records_checked,
        "findings": run.findings_count,
        "findings_by_rule": {row["rule"]: row["n"] for row in by_rule},
    }


def main():
    started = time.time()
    small = None
    fill_seconds = None
    filled = existing_fill()
    if filled is None:
        recreate_database()
        setup_django()
        if os.environ.get("BENCH_GROWTH", "1") != "0":
            print("growth sample at a tenth of the size…", flush=True)
            small = growth_sample(SCALE / 10)
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()
        recreate_database()
        call_command("migrate", verbosity=0)
        from tests.bench.fill import fill

        t0 = time.time()
        filled = fill(SCALE)
        fill_seconds = round(time.time() - t0, 1)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    filled["object_permission_rows"] = object_permission_rows()
    pages, ratios, users = measure_pages(filled)
    if small:
        for label in ("programs list (leadership)", "global search"):
            ratios[
                f"growth of {label}: {filled['sizes']['programs']} ÷ "
                f"{small['programs']} programs (target ≈ 1)"
            ] = round(pages[label]["median_ms"] / small[label]["median_ms"], 2)
    users["programs"] = filled["programs"]
    load = load_test(users)
    pdf = {"skipped": "BENCH_PDF=0"}
    if os.environ.get("BENCH_PDF", "1") != "0":
        from tests.bench import pdf_bench

        pdf = pdf_bench.measure(users, filled)
    quality = data_quality_audit()
    results = {
        "scale": SCALE,
        "sizes": filled["sizes"],
        "object_permission_rows": filled["object_permission_rows"],
        "fill_seconds": fill_seconds,
        "pages": pages,
        "ratios": ratios,
        "load": load,
        "pdf": pdf,
        "data_quality_audit": quality,
        "total_seconds": round(time.time() - started, 1),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str))
    print_table(pages, ratios, load, filled["sizes"], filled["object_permission_rows"])
    print("pdf:", pdf)
    print("data-quality audit:", quality)
    print(f"\nwritten {RESULTS}")


if __name__ == "__main__":
    main()
