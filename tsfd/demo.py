"""Demo disclosure requests in every state, moved through the real workflow.

Each case is driven by `tsfd.workflow` (so the rules, timeline and notifications are
the real ones) on a demo clock set back in time, so ages, overdue reviews and paused
clocks look like a working office's. Safe to re-run: a case whose title exists is skipped.
"""

import contextlib
import hashlib
from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from core import permissions, roles
from core.models import Country, Document, Organization, TransitionLog
from tsfd import workflow
from tsfd.models import (
    DelegationLetter,
    DisclosureRequest,
    InformationCategory,
    NdpLevel,
    Release,
    ReviewArea,
    StandardProviso,
)

# Fictional National Disclosure Policy levels: each demo country's base level, and the
# categories where it is one step lower. Not real policy.
NDP_BASE = {
    "GBR": "S",
    "AUS": "S",
    "CAN": "S",
    "NZL": "C",
    "FRA": "C",
    "ITA": "C",
    "NOR": "C",
    "POL": "C",
    "ISR": "C",
    "KOR": "C",
    "SWE": "C",
    "DEU": "C",
    "JPN": "C",
}
NDP_LOWER = {3: "C", 2: "C", 4: "CUI"}  # category: the level when below the base
LEVEL_ORDER = ["U", "CUI", "C", "S", "TS"]

# number, title, system, countries, limit, issued days ago, expires in days, scope
DDLS = [
    (
        "DDL-DEMO-001",
        "Directed energy and cyber test infrastructure",
        "High-energy laser beam control and cyber range test beds",
        ["GBR", "AUS"],
        "S",
        400,
        330,
        "Beam director optics at the interface level, range federation architecture and test "
        "procedures. Not: source code, vulnerability data, cryptographic key management.",
    ),
    (
        "DDL-DEMO-002",
        "Maritime patrol mission systems (superseded)",
        "Maritime patrol aircraft mission system",
        ["NZL", "CAN"],
        "C",
        900,
        -30,
        "Operator and maintainer training material; no acoustic processing algorithms.",
    ),
]

# Which demo case falls under which DDL (title: DDL number).
CASE_DDL = {
    "Directed energy beam director optics drawings": "DDL-DEMO-001",
    "Cyber range federation architecture and test procedures": "DDL-DEMO-001",
    "Maritime patrol mission system training courseware": "DDL-DEMO-002",
}
# The case that exceeds NDP (the rest stay CUI): GBR's category 3 level is Confidential.
HIGHEST = {"Directed energy beam director optics drawings": "S"}
# Cases under the EAR (the rest are ITAR, USML category XI or as given).
EAR = {
    "Drivetrain gearbox test data package": "9E991",
    "Lightweight mortar comparative test report": "0E982",
    "Quantum navigation demonstrator test results": "7E994",
}
# Validity of each approval in days from the decision (short: expired in the demo).
VALID_DAYS = {"Maritime patrol mission system training courseware": 60}
# Releases: case title -> [(days after decision, what, to, country, classification)]
RELEASES = {
    "Cyber range federation architecture and test procedures": [
        (
            3,
            "Federation architecture description, rev C (annexes C and F removed).",
            "UK range authority, federation lead",
            "GBR",
            "CUI",
        ),
        (
            12,
            "Test procedure volume 2 including classified scenario annex.",
            "UK range authority, test director",
            "GBR",
            "S",
        ),
    ],
    "Maritime patrol mission system training courseware": [
        (10, "Operator course modules 1-4.", "RNZAF training squadron", "NZL", "CUI"),
        (66, "Maintainer course module 5.", "RNZAF training squadron", "NZL", "CUI"),
    ],
}

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
                    "standard": ["NO-RETRANSFER"],
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
                valid = VALID_DAYS.get(case.title, 365)
                workflow.decide(
                    case,
                    approver,
                    args["decision"],
                    args["rationale"],
                    provisos=args.get("provisos", ()),
                    scope=args.get("scope", ""),
                    valid_until=(when + timedelta(days=valid)).date(),
                    limit="CUI" if args["decision"] != "deny" else "",
                    standard_provisos=StandardProviso.objects.filter(
                        code__in=args.get("standard", ())
                    ),
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
    _ndp_levels(countries, categories)
    ddls = _ddls(countries, approver, now)
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
            highest_classification=HIGHEST.get(title, "CUI"),
            information_category=categories.get(category),
            purpose="Enables the partner's participation in the cooperative program; shares "
            "development cost and improves coalition interoperability.",
            **_export_facts(title, iso3),
            ddl=ddls.get(CASE_DDL.get(title)),
            needed_by=(now + timedelta(days=needed_in)).date() if needed_in else None,
            classification="CUI",
            cui_category="CTI",
            created_at=start - timedelta(days=2),
        )
        case.save()
        _document(case, f"{title} (extract)", "briefing", requester)
        if ago is not None:
            with demo_clock(start):
                workflow.step(case, requester, "submit")
            _run(case, script, start, people, approver)
            case.refresh_from_db()
            if case.may_release:
                _releases(case, case.decided_at, approver)
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
        end_use=original.end_use,
        end_user=original.end_user,
        export_jurisdiction=original.export_jurisdiction,
        usml_category=original.usml_category,
        eccn=original.eccn,
        security_agreement=original.security_agreement,
        classification="CUI",
        cui_category="CTI",
        created_at=now - timedelta(days=3),
    )
    case.save()
    _document(case, "Sensor interface control document (extract)", "briefing", case.requested_by)
    with demo_clock(now - timedelta(days=2)):
        workflow.step(case, case.requested_by, "submit")


def _export_facts(title, iso3):
    """End use and user, export jurisdiction and the GSA of a demo case (fictional)."""
    facts = {
        "end_use": "Integration, test and operation within the cooperative program.",
        "end_user": f"Ministry of Defence of the partner ({iso3}), program office",
        "security_agreement": f"US-{iso3} General Security Agreement (demo reference)",
    }
    if title in EAR:
        return {**facts, "export_jurisdiction": "ear", "eccn": EAR[title]}
    return {**facts, "export_jurisdiction": "itar", "usml_category": "XI"}


def _ndp_levels(countries, categories):
    """Fictional NDP levels for the demo countries and the eight categories."""
    for iso3, base in NDP_BASE.items():
        country = countries.get(iso3)
        if country is None:
            continue
        for number, category in categories.items():
            if number is None:
                continue
            lower = NDP_LOWER.get(number)
            level = lower if lower and LEVEL_ORDER.index(lower) < LEVEL_ORDER.index(base) else base
            NdpLevel.objects.get_or_create(
                country=country,
                category=category,
                defaults={"level": level, "note": "Fictional demo value"},
            )


def _ddls(countries, approver, now):
    letters = {}
    for number, title, system, iso3s, limit, issued_ago, expires_in, scope in DDLS:
        letter = DelegationLetter.objects.filter(number=number).first()
        if letter is None:
            letter = DelegationLetter.objects.create(
                number=number,
                title=title,
                system=system,
                scope=scope,
                classification_limit=limit,
                issued_on=(now - timedelta(days=issued_ago)).date(),
                expires_on=(now + timedelta(days=expires_in)).date(),
                classification="CUI",
                cui_category="CTI",
            )
            letter.countries.set([countries[c] for c in iso3s if c in countries])
            _document(letter, f"{number} signed letter", "ddl", approver)
        letters[number] = letter
    return letters


def _document(record, title, kind, user):
    body = (
        f"{title}\n\nDemo placeholder text for a fictional record. It contains no real "
        "technical data or policy.\n"
    ).encode()
    name = f"{kind}-{record.pk}.txt"
    doc = Document(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        title=title[:200],
        kind=kind,
        original_name=name,
        size=len(body),
        checksum=hashlib.sha256(body).hexdigest(),
        uploaded_by=user,
        classification="CUI",
        cui_category="CTI",
    )
    doc.file.save(name, ContentFile(body), save=False)
    doc.save()


def _releases(case, decided, officer):
    """The demo release log of a decided case: one within scope, one beyond it."""
    countries = {c.iso3: c for c in Country.objects.all()}
    for days, what, to, iso3, level in RELEASES.get(case.title, ()):
        Release.objects.create(
            request=case,
            released_on=(decided + timedelta(days=days)).date(),
            what=what,
            recipient=to,
            recipient_country=countries[iso3],
            classification_released=level,
            released_by=officer,
        )
