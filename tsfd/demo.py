"""Demo disclosure requests in every state, moved through the real workflow.

Each case is driven by `tsfd.workflow` (so the rules, timeline and notifications are
the real ones) on a demo clock set back in time, so ages, overdue reviews and paused
clocks look like a working office's. Safe to re-run: a case whose title exists is skipped.
"""

import contextlib
from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from core import permissions, roles
from core.models import Country, Organization, TransitionLog
from tsfd import workflow
from tsfd.models import DisclosureRequest, InformationCategory, ReviewArea

# Two more reviewers, so intake has a choice and the demo reviewer sees only their cases.
EXTRA_REVIEWERS = [("kim.reviewer", "Kim", "Okafor"), ("jo.reviewer", "Jo", "Lindqvist")]

# title, requester, program index, country, form, category, days ago submitted, needed in days,
# script: list of (days after submission, action, args)
CASES = [
    (
        "Sensor fusion track-management briefing",
        "requester",
        0,
        "GBR",
        "oral_visual",
        3,
        None,
        60,
        [],
    ),
    (
        "Drivetrain gearbox test data package",
        "pm",
        2,
        "CAN",
        "software_data",
        3,
        None,
        90,
        [],
    ),
    (
        "Counter-UAS interoperability interface description",
        "requester",
        5,
        "POL",
        "documentary",
        2,
        3,
        45,
        [],
    ),
    (
        "Undersea vehicle autonomy software (object code only)",
        "pm",
        4,
        "AUS",
        "software_data",
        3,
        9,
        30,
        [(2, "intake", {}), (3, "areas", {"CYBER": "reviewer", "AT": None})],
    ),
    (
        "Directed energy beam director optics drawings",
        "pm",
        8,
        "GBR",
        "documentary",
        3,
        20,
        6,
        [
            (1, "intake", {}),
            (2, "areas", {"LO/CLO": "reviewer", "EXPORT": "kim.reviewer"}),
            (2, "send", {}),
        ],
    ),
    (
        "Precision munition seeker performance summary",
        "requester",
        10,
        "NOR",
        "documentary",
        2,
        26,
        40,
        [
            (1, "intake", {}),
            (2, "areas", {"NDP": "reviewer", "EW": "jo.reviewer"}),
            (2, "send", {}),
            (12, "review", {"EW": ("concur", "")}),
        ],
    ),
    (
        "EW pod threat library reprogramming data",
        "pm",
        20,
        "ITA",
        "software_data",
        8,
        52,
        20,
        [
            (1, "intake", {}),
            (2, "areas", {"EW": "reviewer", "NDP": "kim.reviewer"}),
            (2, "send", {}),
        ],
    ),
    (
        "Quantum navigation demonstrator test results",
        "requester",
        15,
        "CAN",
        "documentary",
        3,
        34,
        75,
        [
            (1, "intake", {}),
            (3, "areas", {"PNT": "reviewer"}),
            (3, "send", {}),
            (
                10,
                "return",
                {
                    "by": "reviewer",
                    "comment": "Which test series? Attach the test plan "
                    "and say whether raw data or summaries.",
                },
            ),
        ],
    ),
    (
        "Radar component production drawings (build-to-print)",
        "pm",
        14,
        "ISR",
        "documentary",
        4,
        41,
        15,
        [
            (1, "intake", {}),
            (2, "areas", {"NDP": "reviewer", "EXPORT": "kim.reviewer"}),
            (2, "send", {}),
            (20, "review", {"NDP": ("concur", "")}),
            (25, "review", {"EXPORT": ("concur_comment", "Licence needed for the tooling data.")}),
        ],
    ),
    (
        "Maritime patrol mission system training courseware",
        "pm",
        16,
        "NZL",
        "documentary",
        1,
        90,
        None,
        [
            (1, "intake", {}),
            (2, "areas", {"NDP": "reviewer"}),
            (2, "send", {}),
            (18, "review", {"NDP": ("concur", "")}),
            (
                21,
                "decide",
                {
                    "decision": "approve",
                    "rationale": "Within NDP-1 category 1 "
                    "authority for this partner; no CPI involved.",
                },
            ),
        ],
    ),
    (
        "Cyber range federation architecture and test procedures",
        "requester",
        20,
        "GBR",
        "documentary",
        3,
        80,
        None,
        [
            (2, "intake", {}),
            (3, "areas", {"CYBER": "reviewer", "COMSEC": "jo.reviewer"}),
            (3, "send", {}),
            (20, "review", {"CYBER": ("concur_comment", "Strip vulnerability annexes.")}),
            (26, "review", {"COMSEC": ("concur", "")}),
            (
                30,
                "decide",
                {
                    "decision": "approve_with_provisos",
                    "rationale": "Supports the federation's accreditation; the provisos "
                    "reflect the cyber and COMSEC reviews.",
                    "provisos": [
                        "Vulnerability annexes (C and F) are removed before release.",
                        "No cryptographic key management details are released.",
                        "Release is to the partner's government range authority only.",
                    ],
                },
            ),
        ],
    ),
    (
        "Satellite terminal waveform specification",
        "pm",
        22,
        "FRA",
        "documentary",
        3,
        70,
        None,
        [
            (1, "intake", {}),
            (2, "areas", {"COMSEC": "reviewer", "NDP": "kim.reviewer"}),
            (2, "send", {}),
            (25, "review", {"COMSEC": ("non_concur", "The TRANSEC layer is not releasable.")}),
            (28, "review", {"NDP": ("concur", "")}),
            (
                33,
                "decide",
                {
                    "decision": "partially_approve",
                    "rationale": "The physical layer is releasable; the TRANSEC layer is not.",
                    "scope": "Released: physical layer and link budget sections. "
                    "Not released: TRANSEC layer (section 7) and annex B.",
                },
            ),
        ],
    ),
    (
        "Active protection system countermeasure algorithms",
        "requester",
        10,
        "KOR",
        "software_data",
        2,
        65,
        None,
        [
            (1, "intake", {}),
            (2, "areas", {"AT": "reviewer", "EW": "jo.reviewer"}),
            (2, "send", {}),
            (30, "review", {"AT": ("non_concur", "Algorithms are critical program information.")}),
            (35, "review", {"EW": ("non_concur", "Countermeasure techniques are not releasable.")}),
            (
                40,
                "decide",
                {
                    "decision": "deny",
                    "rationale": "Both reviews non-concur: the "
                    "algorithms are CPI and the techniques are not releasable.",
                },
            ),
        ],
    ),
    (
        "Lightweight mortar comparative test report",
        "pm",
        18,
        "SWE",
        "documentary",
        4,
        25,
        None,
        [(1, "intake", {}), (5, "withdraw", {"comment": "Partner no longer needs the report."})],
    ),
]

RECONSIDERATION = (
    "Reconsideration: active protection system sensor interface only",
    "Only the sensor interface control document, without countermeasure algorithms.",
)


@contextlib.contextmanager
def demo_clock(when):
    """Run the workflow as if it were `when`; steps it logs get that time too."""
    last = TransitionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield
    TransitionLog.objects.filter(pk__gt=last).update(at=when)


def _reviewers(users):
    User = get_user_model()
    group = Group.objects.get(name=roles.TSFD_REVIEWER)
    people = {"reviewer": users["reviewer"]}
    for username, first, last in EXTRA_REVIEWERS:
        person, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@icportal.example",
            },
        )
        if created:
            person.set_unusable_password()
            person.save()
        person.groups.add(group)
        people[username] = person
    return people


def _visible_program(programs, index, user):
    program = programs[index % len(programs)] if programs else None
    if program is not None and permissions.can(user, "view", program):
        return program
    return None


def _run(case, script, start, people, approver):
    areas = {a.code: a for a in ReviewArea.objects.all()}
    for days, action, args in script:
        when = start + timedelta(days=days, hours=2)
        with demo_clock(when):
            case.refresh_from_db()
            if action == "intake":
                workflow.step(case, approver, "begin_intake")
            elif action == "areas":
                for code, username in args.items():
                    workflow.assign(case, approver, areas[code], people.get(username))
            elif action == "send":
                workflow.step(case, approver, "send_to_review")
            elif action == "review":
                for code, (recommendation, comments) in args.items():
                    review = case.reviews.get(area=areas[code])
                    workflow.record_review(review, review.reviewer, recommendation, comments)
            elif action == "return":
                workflow.step(case, people[args["by"]], "return", comment=args["comment"])
            elif action == "decide":
                workflow.decide(
                    case,
                    approver,
                    args["decision"],
                    args["rationale"],
                    provisos=args.get("provisos", ()),
                    scope=args.get("scope", ""),
                )
            elif action == "withdraw":
                workflow.step(case, case.requested_by, "withdraw", comment=args["comment"])


def seed(context):
    users = context["users"]
    programs = context.get("programs", [])
    people = _reviewers(users)
    approver = users["approver"]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    countries = {c.iso3: c for c in Country.objects.exclude(iso3="USA")}
    orgs = {o.country.iso3: o for o in Organization.objects.select_related("country")}
    categories = {c.number: c for c in InformationCategory.objects.all()}
    created = []
    for title, who, program_index, iso3, form, category, ago, needed_in, script in CASES:
        if DisclosureRequest.objects.filter(title=title).exists():
            continue
        requester = users[who]
        start = now - timedelta(days=ago or 1)
        case = DisclosureRequest(
            title=title,
            requested_by=requester,
            program=_visible_program(programs, program_index, requester),
            recipient_country=countries[iso3],
            recipient_organization=orgs.get(iso3),
            technology=f"{title}. Level of detail: what a partner engineer needs to integrate "
            "and operate the capability; no design rationale or source code unless stated.",
            disclosure_form=form,
            highest_classification="CUI",
            information_category=categories.get(category),
            purpose="Enables the partner's participation in the cooperative program; shares "
            "development cost and improves coalition interoperability.",
            needed_by=(now + timedelta(days=needed_in)).date() if needed_in else None,
            classification="CUI",
            cui_category="CTI",
            created_at=start - timedelta(days=2),
        )
        case.save()
        if ago is not None:
            with demo_clock(start):
                workflow.step(case, requester, "submit")
            _run(case, script, start, people, approver)
        created.append(case)
    _reconsideration(users, now)
    context["disclosure_requests"] = list(DisclosureRequest.objects.order_by("number"))


def _reconsideration(users, now):
    title, scope = RECONSIDERATION
    original = DisclosureRequest.objects.filter(
        title="Active protection system countermeasure algorithms",
        status=DisclosureRequest.Status.DENIED,
    ).first()
    if original is None or DisclosureRequest.objects.filter(title=title).exists():
        return
    case = DisclosureRequest(
        title=title,
        requested_by=original.requested_by,
        reconsideration_of=original,
        program=original.program,
        recipient_country=original.recipient_country,
        recipient_organization=original.recipient_organization,
        technology=scope,
        disclosure_form="documentary",
        highest_classification="CUI",
        information_category=original.information_category,
        purpose=original.purpose,
        classification="CUI",
        cui_category="CTI",
        created_at=now - timedelta(days=3),
    )
    case.save()
    with demo_clock(now - timedelta(days=2)):
        workflow.step(case, case.requested_by, "submit")
