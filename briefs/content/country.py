"""The country brief: programs, agreements, disclosures and fora with one country, then
the sheets of its programs.
"""

from agreements.models import Agreement
from briefs.content.base import Brief, BriefError, Section, visible, visible_ids
from briefs.content.program import program_sheets, sheet_sections
from briefs.content.records import (
    agreement_steps,
    meeting_records,
    upcoming_meetings,
    with_visible_blocks,
)
from core.models import Country
from fora.models import Forum
from programs.models import Participant, Program
from tsfd.models import DisclosureRequest


def country_brief(user, parameters, as_of):
    country = Country.objects.filter(iso3=str(parameters.get("country", "")).upper()).first()
    if country is None:
        raise BriefError("The country of this brief is not in the portal's country list.")
    participations = list(
        visible(Participant.objects.filter(country=country), user)
        .select_related("program", "organization")
        .order_by("program__code")
    )
    program_ids = [p.program_id for p in participations]
    sheets = program_sheets(user, Program.objects.filter(pk__in=program_ids))
    agreements = list(
        visible(Agreement.objects.filter(participants__country=country), user)
        .distinct()
        .order_by("number")
    )
    agreement_steps(agreements)
    agreement_ids = visible_ids(Agreement, user)
    program_visible = visible_ids(Program, user)
    cases = [
        with_visible_blocks(c, agreement_ids, program_visible)
        for c in visible(DisclosureRequest.objects.filter(recipient_country=country), user)
        .select_related("agreement", "program", "recipient_country")
        .prefetch_related("reviews__area")
        .order_by("-submitted_at", "number")[:60]
    ]
    fora = list(
        visible(Forum.objects.filter(countries=country), user)
        .prefetch_related("countries")
        .order_by("name")
    )
    meetings = upcoming_meetings(user, days=365, fora=fora)
    organizations = list(country.organizations.prefetch_related("contacts").order_by("name"))
    overview_records = [
        *(p.program for p in participations),
        *agreements,
        *cases,
        *fora,
        *meeting_records(meetings),
    ]
    sections = [
        Section(
            key="country",
            title=f"Country brief: {country.name}",
            template="briefs/print/_country.html",
            context={
                "country": country,
                "participations": participations,
                "agreements": agreements,
                "cases": cases,
                "fora": fora,
                "meetings": meetings,
                "organizations": organizations,
                "open_statuses": DisclosureRequest.OPEN,
            },
            records=overview_records,
        ),
        *sheet_sections(sheets, level=2),
    ]
    return Brief(
        kind="country",
        title=f"Country brief: {country.name}",
        subject=f"Programs, agreements, disclosures and fora with {country.name}",
        sections=sections,
        data_as_of=as_of,
    )
