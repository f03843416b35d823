"""Program briefs: one page per program. The country brief and the leadership packet
include the same sheets, read in a fixed number of queries however many programs.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from agreements.models import Agreement
from briefs.content.base import Brief, BriefError, Section, max_programs, visible, visible_ids
from briefs.content.quad import quad
from briefs.content.records import (
    open_case_queryset,
    with_visible_blocks,
)
from core.markings import combined
from programs.models import Funding, Participant, Program


@dataclass
class ProgramSheet:
    """Everything the one-page program brief shows."""

    program: object
    participants: list
    funding: list  # (fiscal year, currency, amount)
    funding_total: dict  # currency -> amount
    milestones: list
    agreements: list
    cases: list  # open TSFD cases
    health_check: bool = False  # the health contradicts the program's data (printed "⚠ check")

    @property
    def records(self):
        return [self.program, *self.agreements, *self.cases]

    @property
    def marking(self):
        return combined(self.records)

    @property
    def share_total(self):
        return sum((p.cost_share for p in self.participants), Decimal(0))

    @property
    def shares_check(self):
        """The printed shares break Program.check_cost_shares (some, not adding to 100%)."""
        return any(p.cost_share for p in self.participants) and self.share_total != 100

    @property
    def overdue_milestones(self):
        return [m for m in self.milestones if m.is_overdue]

    @property
    def next_milestone(self):
        return next((m for m in self.milestones if m.actual_date is None), None)


def program_sheets(user, programs):
    """The sheets of `programs` (a queryset), read in a fixed number of queries."""
    prefetches = [
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("country", "organization"),
        ),
        "milestones",
        Prefetch("funding", queryset=Funding.objects.order_by("fiscal_year", "currency")),
        Prefetch(
            "agreements",
            queryset=visible(Agreement.objects.all(), user).order_by("number"),
            to_attr="brief_agreements",
        ),
        Prefetch("disclosure_requests", queryset=open_case_queryset(user), to_attr="brief_cases"),
    ]
    rows = (
        visible(programs, user)
        .select_related("us_lead", "program_manager")
        .prefetch_related(*prefetches)
        .order_by("code")
    )
    visible_agreement_ids = None
    sheets = []
    for program in rows:
        funding = defaultdict(Decimal)
        totals = defaultdict(Decimal)
        for line in program.funding.all():
            funding[(line.fiscal_year, line.currency)] += line.amount
            totals[line.currency] += line.amount
        if visible_agreement_ids is None:
            visible_agreement_ids = visible_ids(Agreement, user)
        cases = [with_visible_blocks(c, visible_agreement_ids, None) for c in program.brief_cases]
        sheets.append(
            ProgramSheet(
                program=program,
                participants=list(program.participants.all()),
                funding=[(fy, cur, amount) for (fy, cur), amount in sorted(funding.items())],
                funding_total=dict(totals),
                milestones=list(program.milestones.all()),
                agreements=program.brief_agreements,
                cases=cases,
            )
        )
    flag_health(sheets)
    return sheets


def flag_health(sheets):
    """Mark a health the last data-quality audit found contradicting its program's data,
    when it still does (Program.health_problems, asked only of those few programs)."""
    from core.models import DataQualityFinding
    from core.quality import current_run

    run = current_run()
    if run is None or not sheets:
        return
    by_pk = {s.program.pk: s for s in sheets}
    flagged = DataQualityFinding.objects.filter(
        run=run,
        content_type=ContentType.objects.get_for_model(Program),
        object_id__in=list(by_pk),
        rule__in=["programs.program.health", "programs.program.health_reason"],
    ).values_list("object_id", flat=True)
    for pk in set(flagged):
        sheet = by_pk[pk]
        sheet.health_check = bool(sheet.program.health_problems())


def sheet_sections(sheets, level=2, band="Program briefs"):
    sections = []
    for i, sheet in enumerate(sheets, start=1):
        sections.append(
            Section(
                key=f"program-{sheet.program.pk}",
                title=str(sheet.program),
                template="briefs/print/_program.html",
                context={"sheet": sheet, "band": band if i == 1 else "", "level": level},
                records=sheet.records,
                level=level,
                program_step=(i, len(sheets)),
            )
        )
    return sections


def check_size(programs):
    count = programs.count()
    if count > max_programs():
        raise BriefError(
            f"The selection has {count} programs; a packet holds at most {max_programs()}. "
            "Narrow the filter and request it again."
        )
    return count


def program_brief(user, parameters, as_of):
    ids = [int(pk) for pk in parameters.get("programs", []) if str(pk).isdigit()]
    programs = visible(Program.objects.filter(pk__in=ids), user)
    check_size(programs)
    sheets = program_sheets(user, programs)
    if not sheets:
        raise BriefError(
            "None of the programs you chose is available to you any more, so there was "
            "nothing to put in the brief."
        )
    title = (
        f"Program brief: {sheets[0].program}"
        if len(sheets) == 1
        else f"Program briefs: {len(sheets)} programs"
    )
    sections = []
    for sheet_section, sheet in zip(
        sheet_sections(sheets, level=2, band="Program brief"), sheets, strict=True
    ):
        code = sheet.program.code
        sections.append(
            Section(
                key=f"program-quad-{sheet.program.pk}",
                title=f"{code} quad chart",
                template="briefs/print/_quad_page.html",
                context={"q": quad(sheet)},
                records=sheet.records,
                level=2,
            )
        )
        sections.append(sheet_section)
    return Brief(
        kind="program",
        title=title,
        subject="One-page brief of "
        + ", ".join(s.program.code for s in sheets[:10])
        + (" and others" if len(sheets) > 10 else ""),
        sections=sections,
        data_as_of=as_of,
    )
