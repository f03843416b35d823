"""Demo agreements: about 20 fictional agreements with real allied partners, in every state.

Dates are relative to the day the demo is loaded, so some agreements are always due
for reporting to State and some always expire soon.
"""

import hashlib
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from agreements.models import (
    Agreement,
    AgreementParticipant,
    CoordinatingOffice,
    Coordination,
    LegalAuthority,
    NoAuthorityReason,
)
from core import teams
from core.models import Country, Document, Organization, TransitionLog

MAIN = [
    "start_drafting",
    "request_authority",
    "authorize_negotiation",
    "start_negotiation",
    "agree_text",
    "request_final_approval",
    "authorize_conclusion",
    "open_for_signature",
    "conclude",
    "enter_into_force",
]
TARGET = {
    "start_drafting": "ssoi_drafting",
    "request_authority": "rad_requested",
    "authorize_negotiation": "authorized_to_negotiate",
    "return_request": "returned",
    "start_negotiation": "in_negotiation",
    "agree_text": "text_agreed",
    "request_final_approval": "final_approval_requested",
    "authorize_conclusion": "authorized_to_conclude",
    "open_for_signature": "awaiting_signatures",
    "conclude": "concluded",
    "enter_into_force": "in_force",
    "expire": "expired",
    "propose_termination": "termination_proposed",
    "approve_termination": "terminated",
    "supersede": "superseded",
    "withdraw": "withdrawn",
}
APPROVALS = {
    "authorize_negotiation",
    "authorize_conclusion",
    "return_request",
    "approve_termination",
}
COMMENTS = {
    "return_request": "Rework the SSOI: the cost-sharing and the disclosure basis are unclear.",
    "withdraw": "The partner ministry withdrew its funding; the project will not proceed.",
    "propose_termination": "The participants agreed to end the annex: the study concluded early.",
    "approve_termination": "Termination by mutual consent approved.",
    "authorize_negotiation": "Authority to negotiate granted; keep within the SSOI's scope.",
    "authorize_conclusion": "Legal, fiscal, TSFD and policy reviews complete.",
}
AUTHORITY = {
    "AECA27": "Arms Export Control Act, section 27",
    "2350a": "Cooperative research and development agreements",
    "4001": "Research and development projects",
    "AECA65": "Arms Export Control Act, section 65",
}


def path_to(status):
    """The transition names that lead from concept to `status` (the demo's history)."""
    ends = {
        "concept": [],
        "returned": MAIN[:2] + ["return_request"],
        "withdrawn": MAIN[:4] + ["withdraw"],
        "expired": MAIN + ["expire"],
        "terminated": MAIN + ["propose_termination", "approve_termination"],
        "termination_proposed": MAIN + ["propose_termination"],
        "superseded": MAIN + ["supersede"],
    }
    if status in ends:
        return ends[status]
    return MAIN[: [TARGET[n] for n in MAIN].index(status) + 1]


# number, title, kind, status, partners, program indexes, authority, days: {signed, force,
# expires, reported (days after signature)}, parent number, amends number
AGREEMENTS = [
    ("MOU-GBR-2019-01", "US–UK Research, Development, Test and Evaluation Framework MOU",
     "framework", "in_force", ["USA", "GBR"], [0, 8], "2350a",
     {"signed": -2550, "force": -2550, "expires": 150, "reported": 9}, None, None),
    ("PA-GBR-2021-03", "Coalition Maritime Sensor Fusion Project Arrangement",
     "project", "in_force", ["USA", "GBR"], [0], "2350a",
     {"signed": -1700, "force": -1690, "expires": 800, "reported": 12}, "MOU-GBR-2019-01", None),
    ("PA-GBR-2021-03-A1", "Amendment 1: extend the sensor fusion sea trials",
     "project", "concluded", ["USA", "GBR"], [0], "2350a",
     {"signed": -6, "expires": 800}, "MOU-GBR-2019-01", "PA-GBR-2021-03"),
    ("PA-GBR-2023-07", "Directed Energy Beam Control Project Arrangement",
     "project", "awaiting_signatures", ["USA", "GBR"], [8], "2350a",
     {}, "MOU-GBR-2019-01", None),
    ("MOU-JPN-2020-02", "US–Japan Hypersonic Materials Testbed MOU",
     "mou", "in_force", ["USA", "JPN"], [1], "AECA27",
     {"signed": -2100, "force": -2050, "expires": 75, "reported": 14}, None, None),
    ("MOU-NATO5-2019-05", "Allied Tactical Datalink Modernisation Production MOU",
     "mou", "in_force", ["USA", "GBR", "DEU", "ITA", "NLD"], [2], "AECA27",
     {"signed": -2400, "force": -2380, "expires": 25, "reported": 10}, None, None),
    ("MOU-NATO5-2019-05-A1", "Amendment 1: extend the datalink production MOU by five years",
     "mou", "in_negotiation", ["USA", "GBR", "DEU", "ITA", "NLD"], [2], "AECA27",
     {}, None, "MOU-NATO5-2019-05"),
    ("PA-CAN-2026-01", "Next Generation Rotorcraft Drivetrain Project Arrangement",
     "project", "in_negotiation", ["USA", "CAN", "NOR"], [3], "2350a", {}, None, None),
    ("IEA-POL-2018-04", "Counter-UAS Information Exchange Annex",
     "iea", "termination_proposed", ["USA", "POL"], [4], "4001",
     {"signed": -2900, "force": -2900, "expires": 400, "reported": 7}, None, None),
    ("LOAN-AUS-2026-02", "Loan of Undersea Autonomy Test Vehicles",
     "loan", "concluded", ["USA", "AUS"], [5], "AECA65",
     {"signed": -20, "expires": 700}, None, None),
    ("MOU-JPN-2026-05", "Space Domain Awareness Sensors MOU",
     "mou", "rad_requested", ["USA", "JPN"], [6], "AECA27", {}, None, None),
    ("ESEP-FRA-2021-01", "Engineer and Scientist Exchange Agreement — France",
     "esep", "in_force", ["USA", "FRA"], [9], "4001",
     {"signed": -1800, "force": -1800, "expires": 170, "reported": 11}, None, None),
    ("PA-NOR-2020-09", "Joint Precision Munition Production Arrangement",
     "project", "final_approval_requested", ["USA", "NOR", "AUS"], [10], "AECA27",
     {}, None, None),
    ("PA-CAN-2026-03", "Quantum Navigation Demonstrator Project Arrangement",
     "project", "ssoi_drafting", ["USA", "CAN"], [11], "2350a", {}, None, None),
    ("EMT-KOR-2016-02", "Airborne Early Warning Equipment and Material Transfer",
     "emt", "expired", ["USA", "KOR"], [12], "AECA65",
     {"signed": -3300, "force": -3300, "expires": -40, "reported": 13}, None, None),
    ("IEA-NOR-2019-11", "Cold Weather Logistics Information Exchange Annex",
     "iea", "terminated", ["USA", "NOR", "SWE"], [13], "4001",
     {"signed": -2450, "force": -2440, "expires": 600, "reported": 8}, None, None),
    ("PA-ISR-2026-02", "Missile Defence Radar Components Co-production Arrangement",
     "project", "text_agreed", ["USA", "ISR"], [14], "AECA27", {}, None, None),
    ("PA-NLD-2026-04", "Battlefield Medical Evacuation Drone Project Arrangement",
     "project", "concept", ["USA", "NLD"], [15], None, {}, None, None),
    ("MOU-FVEY-2022-01", "Cyber Range Federation MOU",
     "mou", "authorized_to_conclude", ["USA", "GBR", "CAN", "AUS", "NZL"], [16], "2350a",
     {}, None, None),
    ("PA-ITA-2024-06", "Electronic Warfare Pod Upgrade Project Arrangement",
     "project", "returned", ["USA", "ITA"], [20], "AECA27", {}, None, None),
    ("PA-DEU-2022-08", "Soldier Power Systems Project Arrangement",
     "project", "withdrawn", ["USA", "DEU"], [18], "2350a", {}, None, None),
    ("MOU-NOR-2025-01", "Arctic Communications Relay MOU",
     "mou", "authorized_to_negotiate", ["USA", "CAN", "NOR"], [21], "2350a", {}, None, None),
]  # fmt: skip

SIGNATORIES = {
    "USA": ("Dana Whitfield", "Director, International Cooperation (fictional)"),
    "GBR": ("Harriet Lyle", "Head of US Programmes, DECB (fictional)"),
    "AUS": ("Mitchell Sato", "Director, Cooperative Projects (fictional)"),
    "CAN": ("Genevieve Roy", "Program Director, DAP (fictional)"),
    "DEU": ("Jonas Keller", "Referatsleiter, BKP (fictional)"),
    "FRA": ("Claire Moreau", "Cheffe de projet, DPC (fictional)"),
    "JPN": ("Kenji Arakawa", "Deputy Director, International, ACA (fictional)"),
    "NOR": ("Ingrid Solberg", "Senior Adviser, NDMP (fictional)"),
}
SIGNED_STATES = {
    "concluded",
    "in_force",
    "expired",
    "terminated",
    "superseded",
    "termination_proposed",
}
AT_SIGNATURE = SIGNED_STATES | {"awaiting_signatures", "authorized_to_conclude"}
TEXT_STATES = AT_SIGNATURE | {"text_agreed", "final_approval_requested"}


# Reference data of the staffing process. The structure is the office's; the names of
# these offices are fictional.
OFFICES = [
    # name, short name, days to answer, demo user who answers for it
    ("Office of General Counsel (fictional)", "OGC", 10, "approver"),
    ("Comptroller (fictional)", "COMP", 10, None),
    ("Technology Security and Foreign Disclosure Office (fictional)", "TSFD", 10, "reviewer"),
    ("International Cooperation Policy (fictional)", "POL", 10, None),
    ("Component International Programs Office (fictional)", "IPO", 10, None),
]
NO_AUTHORITY_REASONS = [
    "Arrangement concluded under a framework agreement's existing authority",
    "Not an international agreement (non-binding arrangement)",
    "Authority delegated to the Department for this class of agreement",
]
# Circular 175 scope recorded by status: what authority the agreement holds by then.
NEGOTIATING = {
    "authorized_to_negotiate",
    "in_negotiation",
    "text_agreed",
    "final_approval_requested",
}
SSOI_STATES = NEGOTIATING | {"rad_requested", "returned", "withdrawn"}
# Agreements whose coordination tells a story: {number: {office short name: answer}}, the
# answer being (answer, comment, days after asking) or "silent" (no answer, past due) or
# "waiting" (no answer, due in two days).
COORDINATION = {
    "MOU-JPN-2026-05": ("rad", {
        "OGC": ("concur", "", 3),
        "COMP": ("concur_comment", "Cost shares must be set before the RFA.", 6),
        "TSFD": "silent",
        "POL": ("concur", "", 2),
        "IPO": "waiting",
    }),
    "PA-NOR-2020-09": ("rfa", {
        "OGC": ("non_concur", "Article 9 (liability) departs from the approved template "
                "without a waiver; amend it or obtain the waiver.", 4),
        "COMP": ("concur", "", 5),
        "TSFD": ("concur", "", 6),
        "POL": "silent",
        "IPO": ("concur", "", 3),
    }),
}  # fmt: skip


def _reference_data(users):
    offices = {}
    for name, short, days, member in OFFICES:
        office, created = CoordinatingOffice.objects.get_or_create(
            name=name, defaults={"short_name": short, "days_to_answer": days}
        )
        if created and member and member in users:
            office.members.add(users[member])
        offices[short] = office
    for name in NO_AUTHORITY_REASONS:
        NoAuthorityReason.objects.get_or_create(name=name)
    return offices


def _coordination(agreement, stage, answers, offices, users, asked):
    today = timezone.localdate()
    for short, what in answers.items():
        row = Coordination(
            agreement=agreement,
            stage=stage,
            office=offices[short],
            requested_on=asked,
            due_on=asked + timedelta(days=offices[short].days_to_answer),
        )
        if what == "waiting":
            row.due_on = today + timedelta(days=2)
        elif what == "silent":
            row.due_on = min(row.due_on, today - timedelta(days=1))
            row.silence_recorded_on = row.due_on + timedelta(days=1)
        else:
            answer, comment, after = what
            row.answer, row.comment = answer, comment
            row.answered_on = min(asked + timedelta(days=after), today)
            row.answered_by = users["staff"] if short in ("COMP", "POL", "IPO") else users["pm"]
        row.save()


def _moment(day):
    return timezone.make_aware(datetime.combine(day, time(14, 0)))


def _document(agreement, title, kind, user, day):
    body = (
        f"{title}\n{agreement}\n\nDemo placeholder text for a fictional agreement. "
        "It contains no real agreement language.\n"
    ).encode()
    doc = Document(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id=agreement.pk,
        title=title,
        kind=kind,
        revision="final" if kind == "signed" else "v3",
        original_name=f"{agreement.number}-{kind}.txt",
        size=len(body),
        checksum="",
        uploaded_by=user,
        uploaded_at=_moment(day),
        classification=agreement.classification,
        cui_category=agreement.cui_category,
    )
    doc.file.save(f"{agreement.number}-{kind}.txt", ContentFile(body), save=False)
    doc.checksum = hashlib.sha256(body).hexdigest()
    doc.save()


def _timeline(agreement, steps, start, fixed, users):
    """Back-dated timeline rows: steps with a known date (`fixed`) on it, the rest spread
    evenly between `start` and the next known date. Returns {step: date}."""
    content_type = ContentType.objects.get_for_model(Agreement)
    names = ["create", *steps]
    dates = {}
    anchor_index, anchor_day = 0, start
    for i, name in enumerate(names):
        if name in fixed or i == len(names) - 1:
            day = fixed.get(name, fixed.get("end", start))
            gap = i - anchor_index
            for k in range(anchor_index, i):
                dates[names[k]] = anchor_day + (day - anchor_day) * (k - anchor_index) / gap
            dates[name] = day
            anchor_index, anchor_day = i, day
    source = ""
    for name in names:
        target = "concept" if name == "create" else TARGET[name]
        TransitionLog.objects.create(
            content_type=content_type,
            object_id=agreement.pk,
            name=name,
            source=source,
            target=target,
            user=users["leader"] if name in APPROVALS else users["pm"],
            at=_moment(dates[name]),
            comment=COMMENTS.get(name, ""),
        )
        source = target
    return dates


def seed(context):
    users = context["users"]
    programs = context.get("programs", [])
    today = timezone.localdate()
    authorities = {key: LegalAuthority.objects.get(name=name) for key, name in AUTHORITY.items()}
    wanted = {iso3 for row in AGREEMENTS for iso3 in row[4]}
    countries = {c.iso3: c for c in Country.objects.filter(iso3__in=wanted)}
    partner_org = {
        o.country.iso3: o
        for o in Organization.objects.select_related("country").exclude(country__iso3="USA")
    }
    us_org = context["organizations"]["OIC"]
    offices = _reference_data(users)
    under_framework = NoAuthorityReason.objects.get(name=NO_AUTHORITY_REASONS[0])
    by_number = {}
    for index, row in enumerate(AGREEMENTS):
        number, title, kind, status, partners, program_ix, authority, days, parent, amends = row
        dates = {k: today + timedelta(days=v) for k, v in days.items() if k != "reported"}
        signed = dates.get("signed")
        authority_fields = {}
        if parent:
            authority_fields["no_authority_reason"] = under_framework
        elif status in NEGOTIATING or status in AT_SIGNATURE or status in SIGNED_STATES:
            granted = (signed or today) - timedelta(days=200 + 10 * index)
            authority_fields = {
                "c175_requested_on": granted - timedelta(days=45),
                "c175_granted_on": granted,
                "c175_reference": f"C175-{granted:%Y}-{100 + index}",
                "c175_scope": "negotiate" if status in NEGOTIATING else "both",
            }
        elif status == "rad_requested":  # granted while the RAD is being staffed
            authority_fields = {
                "c175_requested_on": today - timedelta(days=40),
                "c175_granted_on": today - timedelta(days=5),
                "c175_reference": "C175-2026-031",
                "c175_scope": "negotiate",
            }
        ending_fields = {}
        if status in ("terminated", "termination_proposed"):
            ending_fields = {
                "ending": "termination",
                "notice_period_days": 180,
                "ending_effective_on": today
                + timedelta(days=150 if status != "terminated" else -20),
            }
        agreement, created = Agreement.objects.get_or_create(
            number=number,
            defaults={
                "title": title,
                "kind": kind,
                "status": status,
                "summary": f"{title}: a fictional agreement to share the cost, work and "
                "results of the linked cooperative program among the participants.",
                "legal_authority": authorities.get(authority),
                "parent": by_number.get(parent),
                "amends": by_number.get(amends),
                "highest_classification": ["U", "CUI", "C", "S"][index % 4],
                "responsible_official": users["pm"] if index % 3 else users["staff"],
                "signed_on": signed,
                "entry_into_force_on": dates.get("force"),
                "expiration_date": dates.get("expires"),
                "reported_on": signed + timedelta(days=days["reported"])
                if "reported" in days
                else None,
                **authority_fields,
                **ending_fields,
                "classification": "CUI" if index % 5 else "U",
                "cui_category": "PROCURE" if index % 5 else "",
                "dissemination": "NOFORN" if index % 5 and index % 7 == 3 else "",
            },
        )
        by_number[number] = agreement
        if not created:
            continue
        agreement.programs.set([programs[i] for i in program_ix if i < len(programs)])
        for iso3 in partners:
            has_signatory = status in AT_SIGNATURE and iso3 in SIGNATORIES
            name, position = SIGNATORIES.get(iso3, ("", ""))
            if status in AT_SIGNATURE and not name:
                name, position = f"Signatory for {countries[iso3].name}", "Director (fictional)"
                has_signatory = True
            signed_here = signed if status in SIGNED_STATES else None
            if status == "awaiting_signatures" and iso3 == "USA":
                signed_here = today - timedelta(days=3)
            share = Decimal(1000000) * (2 if iso3 == "USA" else 1)
            AgreementParticipant.objects.create(
                agreement=agreement,
                country=countries[iso3],
                organization=us_org if iso3 == "USA" else partner_org.get(iso3),
                signatory_name=name if has_signatory else "",
                signatory_title=position if has_signatory else "",
                signed_on=signed_here,
                financial_contribution=share * (index % 4 + 1),
                in_kind_contribution=Decimal(250000) * (index % 3) if iso3 != "USA" else 0,
                in_kind_description="Test range time and facilities"
                if iso3 != "USA" and index % 3
                else "",
            )
        start = (signed or today) - timedelta(days=400 + 30 * (index % 7))
        fixed = {"end": today - timedelta(days=2 + index)}
        if signed:
            fixed["conclude"] = signed
        if "force" in dates:
            fixed["enter_into_force"] = max(dates["force"], signed)
        if status == "expired":
            fixed["expire"] = dates["expires"] + timedelta(days=1)
        if status == "awaiting_signatures":
            fixed["end"] = today - timedelta(days=10)
        steps = _timeline(agreement, path_to(status), start, fixed, users)
        if status in SSOI_STATES | TEXT_STATES and "request_authority" in steps:
            _document(
                agreement, "SSOI / RAD package", "ssoi", users["pm"], steps["request_authority"]
            )
        if status in TEXT_STATES:
            _document(agreement, "Agreed text", "draft", users["pm"], steps["agree_text"])
            _document(agreement, "Negotiated text", "negotiated", users["pm"], steps["agree_text"])
        if "propose_termination" in steps:
            _document(
                agreement,
                "Notice of termination",
                "notice",
                users["pm"],
                steps["propose_termination"],
            )
        if number in COORDINATION:
            stage, answers = COORDINATION[number]
            asked = steps["request_authority" if stage == "rad" else "request_final_approval"]
            _coordination(agreement, stage, answers, offices, users, asked)
        if status in SIGNED_STATES:
            _document(agreement, "Signed text", "signed", users["pm"], signed)
        teams.set_member(agreement, users["pm"], "lead")
        if index % 2 == 0:
            teams.set_member(agreement, users["staff"], "editor")
        if index % 5 == 0:
            teams.set_member(agreement, users["requester"], "viewer")
    context["agreements"] = list(by_number.values())
