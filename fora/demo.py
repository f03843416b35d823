"""Demo fora: fictional bilateral and multilateral fora with real allied partners.

Meeting dates are relative to the day the demo is loaded, so there are always past
meetings with minutes and upcoming ones to plan, and open, due-soon and overdue
action items. Idempotent: a forum that exists is left as it is.
"""

from datetime import timedelta

from django.utils import timezone

from core import teams
from core.models import Contact, Country
from fora import links
from fora.models import ActionItem, AgendaItem, Attendee, Forum, Meeting, WorkingGroup

# name, acronym, kind, partner countries, counterpart (contact name), US co-chair,
# cadence, working groups, team {username: role}
FORA = [
    (
        "US–UK Armaments Cooperation Forum",
        "UK-ACF",
        "bilateral",
        ["GBR"],
        "Harriet Lyle",
        "leader",
        "semiannual",
        ["Sensors and C4ISR", "Munitions", "Industrial base and supply chain"],
        {"staff": "lead", "pm": "editor"},
    ),
    (
        "US–Japan Systems and Technology Forum",
        "S&TF",
        "bilateral",
        ["JPN"],
        "Kenji Arakawa",
        "pm",
        "annual",
        ["Hypersonics", "Space domain awareness"],
        {"pm": "lead", "requester": "viewer"},
    ),
    (
        "US–Australia Capability Partnership Board",
        "CPB",
        "bilateral",
        ["AUS"],
        "Mitchell Sato",
        "staff",
        "semiannual",
        ["Undersea systems", "Maritime patrol"],
        {"staff": "lead", "pm": "viewer"},
    ),
    (
        "US–Germany Armaments Cooperation Talks",
        "GACT",
        "bilateral",
        ["DEU"],
        "Jonas Keller",
        "leader",
        "annual",
        ["Soldier systems"],
        {"pm": "lead"},
    ),
    (
        "Northern Allied Armaments Group",
        "NAAG",
        "multilateral",
        ["GBR", "CAN", "DEU", "FRA", "NOR", "NLD", "ITA", "POL"],
        "Ingrid Solberg",
        "leader",
        "semiannual",
        ["Datalinks and interoperability", "Cold weather operations", "Counter-UAS"],
        {"staff": "lead", "pm": "editor", "requester": "viewer"},
    ),
    (
        "Pacific Technology Partners Dialogue",
        "PTPD",
        "multilateral",
        ["AUS", "JPN", "KOR", "NZL", "CAN"],
        "Genevieve Roy",
        "pm",
        "annual",
        ["Autonomy", "Cyber ranges"],
        {"pm": "lead", "staff": "editor"},
    ),
]

# (days from today, length in days, status, title suffix, who hosts: "US" or "partner")
SCHEDULE = [
    (-330, 2, "minutes_approved", "plenary", "US"),
    (-120, 2, "held", "plenary", "partner"),
    (24, 3, "confirmed", "plenary", "US"),
    (200, 2, "planned", "plenary", "partner"),
]

CITIES = {
    "USA": "Arlington, VA",
    "GBR": "London",
    "JPN": "Tokyo",
    "AUS": "Canberra",
    "DEU": "Koblenz",
    "CAN": "Ottawa",
    "NOR": "Oslo",
    "KOR": "Seoul",
    "NZL": "Wellington",
    "ITA": "Rome",
    "FRA": "Paris",
    "NLD": "The Hague",
    "POL": "Warsaw",
}

STANDING_AGENDA = [
    "Opening remarks by the co-chairs",
    "Review of open action items",
    "Working group reports",
]


def _ordinal(n):
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _partner_programs(programs, countries):
    isos = {c.iso3 for c in countries}
    return [p for p in programs if isos & {part.country.iso3 for part in p.participants.all()}]


def seed(context):
    users = context["users"]
    today = timezone.localdate()
    programs = context.get("programs", [])
    agreements = context.get("agreements", [])
    requests = context.get("disclosure_requests", [])
    usa = Country.objects.get(iso3="USA")
    fora = []
    for index, row in enumerate(FORA):
        name, acronym, kind, isos, counterpart, cochair, cadence, groups, team = row
        countries = list(Country.objects.filter(iso3__in=isos))
        contact = Contact.objects.filter(name=counterpart).select_related("organization").first()
        forum, created = Forum.objects.get_or_create(
            name=name,
            defaults={
                "acronym": acronym,
                "kind": kind,
                "us_cochair": users[cochair],
                "counterpart_cochair": contact,
                "cadence": cadence,
                "purpose": f"The {name} (fictional) brings together the armaments directors "
                "to steer cooperative programs, clear obstacles to technology sharing "
                "and agree on new projects.",
                "classification": "CUI",
                "cui_category": "CTI" if index % 2 else "",
                "dissemination": "REL TO" if index == 0 else "",
                "rel_to": "USA, GBR" if index == 0 else "",
            },
        )
        fora.append(forum)
        if not created:
            continue
        forum.countries.set(countries)  # recorded in the history by fora.signals
        for username, role in team.items():
            teams.set_member(forum, users[username], role)
        for g, group in enumerate(groups):
            WorkingGroup.objects.create(
                forum=forum,
                name=group,
                focus=f"{group}: shared requirements, test events and project proposals.",
                us_lead=users[["staff", "pm"][g % 2]],
                counterpart_lead=contact,
            )
        related = _partner_programs(programs, countries)
        for m, (offset, length, status, suffix, host) in enumerate(SCHEDULE):
            start = today + timedelta(days=offset + index * 3)
            number = 20 + m + index
            host_country = usa if host == "US" else countries[m % len(countries)]
            meeting = Meeting.objects.create(
                forum=forum,
                title=f"{acronym} {_ordinal(number)} {suffix}",
                start_date=start,
                end_date=start + timedelta(days=length - 1),
                location=CITIES.get(host_country.iso3, host_country.name),
                host_country=host_country,
                status=status,
                summary=(
                    f"The co-chairs reviewed progress across the working groups and the "
                    f"{len(related)} cooperative programs with the partner(s). Discussion "
                    "focused on schedule risk, releasability of test data and next steps."
                    if offset < 0
                    else ""
                ),
                decisions=(
                    "Approve the working groups' plans for the next year.\n"
                    "Task the munitions working group to propose a joint test event.\n"
                    "Hold the next plenary in the partner nation."
                    if offset < 0
                    else ""
                ),
                classification="CUI",
            )
            _agenda(meeting, related, agreements, requests, m)
            _delegations(meeting, countries, contact, users, usa)
            _action_items(meeting, users, contact, team, today, offset, m)
    context["fora"] = fora


def _agenda(meeting, related, agreements, requests, m):
    order = 1
    for title in STANDING_AGENDA:
        AgendaItem.objects.create(meeting=meeting, order=order, title=title)
        order += 1
    for program in related[m % 2 :: 2][:3]:
        AgendaItem.objects.create(
            meeting=meeting,
            order=order,
            title="Program review: status, risks and partner contributions",
            presenter="Program manager",
            linked_type=links.content_type_for("programs.program"),
            linked_id=program.pk,
        )
        order += 1
    # Titles stay generic: the linked record itself shows only to those who may see it.
    for label, records, title in (
        ("agreements.agreement", agreements, "Agreement status and next signatures"),
        ("tsfd.disclosurerequest", requests, "Disclosure case: releasability decision"),
    ):
        if records:
            record = records[(meeting.forum_id + m) % len(records)]
            AgendaItem.objects.create(
                meeting=meeting,
                order=order,
                title=title,
                linked_type=links.content_type_for(label),
                linked_id=record.pk,
            )
            order += 1
    AgendaItem.objects.create(meeting=meeting, order=order, title="Any other business")


def _delegations(meeting, countries, contact, users, usa):
    Attendee.objects.create(
        meeting=meeting,
        country=usa,
        name=meeting.forum.us_cochair.get_full_name(),
        role="US co-chair",
        is_head=True,
        visit_request_status="not_required",
    )
    Attendee.objects.create(
        meeting=meeting,
        country=usa,
        name=users["staff"].get_full_name(),
        role="Forum secretary",
        visit_request_status="not_required",
    )
    upcoming = meeting.start_date >= meeting.created_at.date()
    for i, country in enumerate(countries[:4]):
        head = contact if contact and contact.organization.country_id == country.pk else None
        org = head.organization if head else country.organizations.first()
        status = "approved"
        if upcoming and meeting.host_country_id == usa.pk:
            status = ["approved", "submitted", "to_request", "denied"][i % 4]
        elif meeting.host_country_id != usa.pk:
            status = "not_required"
        Attendee.objects.create(
            meeting=meeting,
            country=country,
            name=head.name if head else f"Delegate of {country.name}",
            organization=org,
            role="Co-chair" if head else "Head of delegation",
            is_head=True,
            visit_request_status=status,
        )


def _action_items(meeting, users, contact, team, today, offset, m):
    if offset > 60:
        return  # nothing tasked yet for a meeting half a year out
    owners = [users[u] for u in team] + [users["leader"]]
    base = meeting.end_date
    if offset < -200:  # last year's meeting: mostly closed, one item still dragging
        plans = [
            ("Circulate the draft project arrangement text to the partner.", 30, "done"),
            ("Confirm the partner's funding profile for the next fiscal year.", 60, "done"),
            (
                "Propose dates for the joint test event.",
                120,
                "in_progress" if meeting.forum_id % 2 else "done",
            ),
        ]
    elif offset < 0:  # the last meeting: some closed, some late, some due soon
        plans = [
            ("Share the updated test schedule with the working groups.", 30, "done"),
            ("Report on the releasability of the sensor test data.", 110, "open"),
            ("Draft terms of reference for the new working group.", 122, "in_progress"),
        ]
    else:  # the next meeting: preparation
        base = today
        plans = [
            ("Send the read-ahead to the delegation.", 5, "open"),
            ("Submit the foreign visit requests for the partner delegation.", -3, "open"),
        ]
    for i, (text, days, status) in enumerate(plans):
        ActionItem.objects.create(
            meeting=meeting,
            description=text,
            owner_user=owners[(i + m) % len(owners)],
            due_date=base + timedelta(days=days),
            status=status,
            closure_note="Sent by e-mail; partner acknowledged." if status == "done" else "",
        )
    if contact is not None and -200 < offset < 0:
        ActionItem.objects.create(
            meeting=meeting,
            description="Provide the partner's test range availability for next year.",
            owner_contact=contact,
            due_date=base + timedelta(days=45),
            status="open",
        )
