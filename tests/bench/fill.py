"""Fill a database with an office-scale portfolio, fast (bulk inserts, no signals).

Sizes at scale 1.0 (issue 9): 10,000 programs, 40,000 participants, 100,000 milestones,
5,000 agreements, 5,000 TSFD requests with reviews, 2,000 meetings, 20,000 action items,
500 users across the roles, about 200,000 object-permission rows. Apps that are not
installed yet are skipped. Audit rows are not written (bulk inserts), search entries are.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core import roles
from core.models import Country, Organization, SearchEntry, TeamMember

PASSWORD = "bench-password-1"
WORDS = (
    "radar sonar hypersonic rotorcraft datalink autonomy munition sensor satellite "
    "propulsion armour cyber logistics training maritime airborne counter precision "
    "electronic warfare materials quantum navigation arctic medical drone power"
).split()
ALLIES = ("GBR AUS CAN DEU FRA ITA NLD NOR POL SWE JPN KOR ISR NZL DNK ESP BEL FIN").split()


def sizes(scale):
    base = {
        "programs": 10_000,
        "participants_per_program": 4,
        "milestones_per_program": 10,
        "agreements": 5_000,
        "tsfd": 5_000,
        "meetings": 2_000,
        "action_items": 20_000,
        "users": 500,
        "pm_teams": 50,
        "reviewer_cases": 100,
        # Read-only teams that bring the object-permission tables to ~200,000 rows.
        "staff_programs": 850,
        "requester_programs": 100,
        "staff_agreements": 300,
    }
    out = {k: max(1, int(v * scale)) for k, v in base.items()}
    out["users"] = max(out["users"], 7)  # at least one of each role
    out["participants_per_program"] = 4
    out["milestones_per_program"] = 10
    out["pm_teams"] = min(50, out["programs"])
    out["reviewer_cases"] = min(100, out["tsfd"])
    out["staff_programs"] = min(850, out["programs"])
    out["requester_programs"] = min(100, out["programs"])
    out["staff_agreements"] = min(300, out["agreements"])
    return out


def _batches(rows, size=5000):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _bulk(model, rows):
    for chunk in _batches(rows):
        model.objects.bulk_create(chunk)


def fill_users(n):
    """500 users: ~40% program managers, the rest spread over the other roles."""
    User = get_user_model()
    password = make_password(PASSWORD)
    mix = (
        [roles.PROGRAM_MANAGER] * 40
        + [roles.IC_STAFF] * 25
        + [roles.TSFD_REVIEWER] * 15
        + [roles.TSFD_REQUESTER] * 10
        + [roles.TSFD_APPROVER] * 4
        + [roles.LEADERSHIP] * 5
        + [roles.PORTAL_ADMIN] * 1
    )
    users = [
        User(
            username=f"bench{i:04d}",
            first_name="Bench",
            last_name=f"User {i}",
            email=f"bench{i}@bench.example",
            password=password,
        )
        for i in range(n)
    ]
    _bulk(User, users)
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    groups = {g.name: g for g in Group.objects.all()}
    through = User.groups.through
    by_role = {}
    rows = []
    for i, user in enumerate(users):
        # One of each role first, then the office's mix, spread evenly.
        role = list(roles.ROLE_PERMISSIONS)[i] if i < 7 else mix[(i * 37) % len(mix)]
        by_role.setdefault(role, []).append(user)
        rows.append(through(user_id=user.pk, group_id=groups[role].pk))
    _bulk(through, rows)
    return by_role


def fill_programs(n, rng, by_role):
    from programs.models import Milestone, Participant, Program

    countries = {c.iso3: c for c in Country.objects.filter(iso3__in=[*ALLIES, "USA"])}
    us_orgs = list(Organization.objects.filter(country__iso3="USA")) or [None]
    pms = by_role[roles.PROGRAM_MANAGER]
    kinds = [k for k, _ in Program.Kind.choices]
    phases = [p for p, _ in Program.Phase.choices]
    healths = ["green", "green", "green", "yellow", "red"]
    programs = []
    for i in range(n):
        start = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 4000))
        words = rng.sample(WORDS, 3)
        programs.append(
            Program(
                code=f"BP-{i:05d}",
                name=" ".join(w.capitalize() for w in words) + f" {i}",
                kind=rng.choice(kinds),
                phase=rng.choice(phases),
                health=rng.choice(healths),
                us_lead=rng.choice(us_orgs),
                program_manager=rng.choice(pms) if i % 3 else None,
                summary=f"A fictional {' '.join(words)} program for benchmarking.",
                start_date=start,
                end_date=start + timedelta(days=rng.randrange(700, 3000)),
                cpi_identified=i % 2 == 0,
                anti_tamper_required=i % 5 == 0,
            )
        )
    _bulk(Program, programs)
    programs = list(Program.objects.filter(code__startswith="BP-").order_by("code"))
    participants, milestones = [], []
    allies = [countries[c] for c in ALLIES if c in countries]
    for program in programs:
        partners = [countries["USA"], *rng.sample(allies, 3)]
        for j, country in enumerate(partners):
            participants.append(
                Participant(
                    program=program,
                    country=country,
                    role="lead" if j == 0 else "partner",
                    cost_share=Decimal(40 if j == 0 else 20),
                    financial_contribution=Decimal(1000000),
                )
            )
        for k in range(10):
            planned = program.start_date + timedelta(days=200 * (k + 1))
            milestones.append(
                Milestone(
                    program=program,
                    title=f"Milestone {k + 1}",
                    planned_date=planned,
                    actual_date=planned if planned < date(2026, 1, 1) and k % 3 else None,
                )
            )
    _bulk(Participant, participants)
    _bulk(Milestone, milestones)
    _index(
        Program,
        programs,
        lambda p: (str(p), f"{p.code}\n{p.name}\n{p.summary}", p.get_absolute_url()),
    )
    return programs


def _index(model, objects, make):
    ct = ContentType.objects.get_for_model(model)
    rows = []
    for obj in objects:
        title, text, url = make(obj)
        rows.append(
            SearchEntry(content_type=ct, object_id=obj.pk, title=title[:300], text=text, url=url)
        )
    _bulk(SearchEntry, rows)


def grant_teams(model, records, users, per_user, rng, role="editor", leads=0):
    """Give each user `per_user` team memberships (and the guardian rows they imply);
    the first `leads` of each user's teams are led rather than joined as `role`."""
    from core.teams import ROLE_ACTIONS

    if not records or not users:
        return 0
    tables = [
        rel.related_model
        for rel in model._meta.related_objects
        if rel.field.name == "content_object"
    ]
    user_table = next(t for t in tables if "User" in t.__name__)
    perms = {
        p.codename: p
        for p in Permission.objects.filter(content_type=ContentType.objects.get_for_model(model))
    }
    ct = ContentType.objects.get_for_model(model)
    members, grants = [], []
    for user in users:
        for i, record in enumerate(rng.sample(records, min(per_user, len(records)))):
            as_role = "lead" if i < leads else role
            members.append(
                TeamMember(content_type=ct, object_id=record.pk, user=user, role=as_role)
            )
            for action in ROLE_ACTIONS[as_role]:
                grants.append(
                    user_table(
                        user=user,
                        content_object=record,
                        permission=perms[f"{action}_{model._meta.model_name}"],
                    )
                )
    _bulk(TeamMember, members)
    _bulk(user_table, grants)
    return len(grants)


@transaction.atomic
def fill(scale=1.0, seed=2026):
    """Fill the current database; returns a dict of what was created and handy objects."""
    rng = random.Random(seed)
    n = sizes(scale)
    by_role = fill_users(n["users"])
    programs = fill_programs(n["programs"], rng, by_role)
    program_model = type(programs[0])
    pms = by_role[roles.PROGRAM_MANAGER]
    # A program manager leads a fifth of their ~50 teams and edits the rest.
    grants = grant_teams(program_model, programs, pms, n["pm_teams"], rng, leads=n["pm_teams"] // 5)
    # IC staff support much of the portfolio read-only; requesters follow their programs.
    grants += grant_teams(
        program_model, programs, by_role[roles.IC_STAFF], n["staff_programs"], rng, role="viewer"
    )
    grants += grant_teams(
        program_model,
        programs,
        by_role[roles.TSFD_REQUESTER],
        n["requester_programs"],
        rng,
        role="viewer",
    )
    for extra in _extra_fillers():
        grants += extra(n, rng, by_role, programs)
    return {"sizes": n, "object_permission_rows": grants, "by_role": by_role, "programs": programs}


def _extra_fillers():
    """Fillers of apps that exist (agreements, tsfd, fora), in tests/bench/fill_apps.py."""
    try:
        from tests.bench import fill_apps
    except ImportError:
        return []
    return fill_apps.FILLERS
