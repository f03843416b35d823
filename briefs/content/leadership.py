"""The leadership packet: bottom line, portfolio, program sheets, agreement pipeline,
open TSFD cases, fora and action items, for a saved view, a filter, or every program.
"""

from datetime import timedelta

from django.db.models import Prefetch, Q
from django.http import QueryDict
from django.utils import timezone

from agreements.models import Agreement, AgreementParticipant
from agreements.pipeline import pipeline_of
from briefs.content.base import Brief, BriefError, Section, visible
from briefs.content.changes import changes_since, since_for
from briefs.content.program import check_size, program_sheets, sheet_sections
from briefs.content.quad import AGREEMENT_DECISIONS, needing_attention, quad
from briefs.content.records import (
    FORA_WINDOW_DAYS,
    action_item_records,
    agreement_steps,
    meeting_records,
    open_action_items,
    open_cases,
    upcoming_meetings,
)
from core.models import SavedView
from programs.dashboard import portfolio_of
from programs.filters import ProgramFilterSet
from programs.models import Program
from tsfd.models import DisclosureRequest
from tsfd.throughput import throughput_of

EXPIRY_WINDOW_DAYS = 180
TERMINAL_AGREEMENT_STATES = {"expired", "terminated", "superseded", "withdrawn", "disapproved"}
ACTIVE_AGREEMENT_STATES = {"concluded", "in_force"}
# A leadership packet lists the most urgent open cases and action items, not all of them:
# at office scale there are thousands, and the portal holds the full lists.
LEADERSHIP_ROWS = 40
# Quad charts in the packet: the most urgent programs needing attention (two a page); the
# others are named under them.
QUAD_CHARTS = 6


def selected_programs(user, parameters):
    """The programs a leadership packet covers: a saved view, a filter, ids, or all visible."""
    programs = visible(Program.objects.all(), user)
    scoped = False
    query = parameters.get("query", "")
    view_id = parameters.get("view")
    if view_id:
        saved = (
            SavedView.objects.filter(pk=view_id, list_key="programs.program")
            .filter(Q(owner=user) | Q(shared_with__in=user.groups.all()))
            .first()
        )
        if saved is None:
            raise BriefError(
                "The saved view this packet was based on no longer exists or is no longer "
                "shared with you. Choose another view and request the packet again."
            )
        query = saved.query
    if query:
        params = QueryDict(query)
        filterset = ProgramFilterSet(params, queryset=programs, user=user)
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
            )
            raise BriefError(f"The programs filter is not valid ({problems}).")
        programs = filterset.qs
        scoped = True
    if parameters.get("programs"):
        programs = programs.filter(pk__in=parameters["programs"])
        scoped = True
    return programs, scoped


def agreement_pipeline(user, program_ids=None):
    """The pipeline in development, what expires soon, and State reporting."""
    today = timezone.localdate()
    agreements = visible(Agreement.objects.all(), user)
    if program_ids is not None:
        agreements = agreements.filter(programs__in=program_ids).distinct()
    agreements = list(
        agreements.prefetch_related(
            Prefetch(
                "participants",
                queryset=AgreementParticipant.objects.select_related("country"),
            )
        ).order_by("number")
    )
    agreement_steps(agreements)
    in_development = [
        a for a in agreements if a.status not in TERMINAL_AGREEMENT_STATES | ACTIVE_AGREEMENT_STATES
    ]
    expiring = [
        a
        for a in agreements
        if a.status in ACTIVE_AGREEMENT_STATES
        and a.expiration_date
        and today <= a.expiration_date <= today + timedelta(days=EXPIRY_WINDOW_DAYS)
    ]
    expiring.sort(key=lambda a: a.expiration_date)
    reporting = [
        a
        for a in agreements
        if a.reporting_status_on(today) in (Agreement.Reporting.DUE, Agreement.Reporting.LATE)
    ]
    shown = {a.pk: a for a in [*in_development, *expiring, *reporting]}
    return {
        "in_development": in_development,
        "expiring": expiring,
        "reporting": reporting,
        "awaiting_decision": [
            a for a in in_development if a.status in ("rad_requested", "final_approval_requested")
        ],
        "records": list(shown.values()),
        "window": EXPIRY_WINDOW_DAYS,
    }


def decisions_needed(pipeline, cases):
    """Each decision waiting on someone: what is decided, by whom, by when (the waiting
    time where the portal holds no date). A red program or a late report is not a
    decision: they are listed under what needs attention."""
    from agreements.workflow import APPROVER as AGREEMENT_APPROVER
    from tsfd.workflow import APPROVER as TSFD_APPROVER

    decisions = []
    for agreement in pipeline["awaiting_decision"]:
        days = agreement.brief_days_in_step
        decisions.append(
            {
                "code": agreement.number,
                "what": f"{AGREEMENT_DECISIONS[agreement.status].capitalize()} {agreement.title}",
                "who": AGREEMENT_APPROVER.words,
                "when": f"asked {days} day{'s' if days != 1 else ''} ago",
                "late": False,
            }
        )
    for case in cases:
        if case.status != "decision_pending":
            continue
        when = [f"needed by {case.needed_by:%Y-%m-%d}"] if case.needed_by else []
        if case.brief_target:
            when.append(f"day {case.brief_age} of its {case.brief_target}-day target")
        decisions.append(
            {
                "code": case.number,
                "what": f"Decide the disclosure of {case.title} to {case.recipient_country}",
                "who": TSFD_APPROVER.words,
                "when": "; ".join(when) or f"open {case.brief_age} days",
                "late": case.brief_over
                or bool(case.needed_by and case.needed_by < timezone.localdate()),
            }
        )
    return decisions


def leadership_packet(user, parameters, as_of):
    programs, scoped = selected_programs(user, parameters)
    check_size(programs)
    sheets = program_sheets(user, programs)
    program_ids = [s.program.pk for s in sheets] if scoped else None
    pipeline = agreement_pipeline(user, program_ids)
    cases = open_cases(user, program_ids)
    meetings = upcoming_meetings(user)
    items = open_action_items(user)
    today = timezone.localdate()
    overdue_items = [i for i in items if i.due_date < today]
    program_records = [s.program for s in sheets]
    health = {h: [s for s in sheets if s.program.health == h] for h in ("green", "yellow", "red")}
    attention = needing_attention(sheets)
    context = {
        "sheets": sheets,
        "health": health,
        "declining": [s for s in sheets if s.program.health_trend == "declining"],
        "attention": attention,
        "overdue_milestones": sum(len(s.overdue_milestones) for s in sheets),
        "programs_with_overdue": sum(1 for s in sheets if s.overdue_milestones),
        "pipeline": pipeline,
        "cases": cases,
        "cases_over": [c for c in cases if c.brief_over],
        "decisions": decisions_needed(pipeline, cases),
        "late_reports": [a for a in pipeline["reporting"] if a.reporting_status == "late"],
        "meetings": meetings,
        "items": items,
        "overdue_items": overdue_items,
        "scoped": scoped,
    }
    bottom_line = Section(
        key="bottom-line",
        title="Bottom line and decisions needed",
        template="briefs/print/_bottom_line.html",
        context=context,
    )
    since, basis = since_for(user, parameters, as_of)
    changes = changes_since(user, program_records, since, basis, program_ids)
    cases_shown, items_shown = cases[:LEADERSHIP_ROWS], items[:LEADERSHIP_ROWS]
    flow_agreements = visible(Agreement.objects.all(), user)
    flow_cases = visible(DisclosureRequest.objects.all(), user)
    if program_ids is not None:
        flow_agreements = flow_agreements.filter(programs__in=program_ids).distinct()
        flow_cases = flow_cases.filter(
            Q(program__in=program_ids) | Q(agreement__programs__in=program_ids)
        ).distinct()
    quads = [quad(sheet, reasons) for sheet, reasons in attention[:QUAD_CHARTS]]
    annex = parameters.get("annex", True) is not False
    sections = [
        # The read-ahead: four pages.
        bottom_line,
        Section(
            key="changes",
            title="What changed",
            template="briefs/print/_changes.html",
            context={"changes": changes},
            records=changes.records,
        ),
        Section(
            key="glance",
            title="Portfolio at a glance",
            template="briefs/print/_glance.html",
            context=portfolio_of(Program.objects.filter(pk__in=[p.pk for p in program_records])),
            records=program_records,
        ),
        Section(
            key="flow",
            title="Agreements and disclosures at a glance",
            template="briefs/print/_flow.html",
            context={
                **pipeline_of(flow_agreements.order_by()),
                **throughput_of(flow_cases.order_by()),
            },
        ),
        Section(
            key="needing-attention",
            title="Programs needing attention",
            template="briefs/print/_quads.html",
            context={
                "quads": quads,
                "total": len(attention),
                "rest": [s.program.code for s, _ in attention[QUAD_CHARTS:]],
            },
            records=[r for q in quads for r in q["sheet"].records],
        ),
        Section(
            key="agreements",
            title="Agreement pipeline",
            template="briefs/print/_agreements.html",
            context={"pipeline": pipeline},
            records=pipeline["records"],
        ),
        Section(
            key="tsfd",
            title="Open TSFD cases",
            template="briefs/print/_cases.html",
            context={"cases": cases_shown, "more": len(cases) - len(cases_shown)},
            records=[*cases_shown, *(b for c in cases_shown for b in c.brief_blocks)],
        ),
        Section(
            key="fora",
            title=f"Fora in the next {FORA_WINDOW_DAYS} days",
            template="briefs/print/_meetings.html",
            context={"meetings": meetings},
            records=meeting_records(meetings),
        ),
        Section(
            key="action-items",
            title="Open and overdue action items",
            template="briefs/print/_action_items.html",
            context={
                "items": items_shown,
                "show_forum": True,
                "more": len(items) - len(items_shown),
            },
            records=action_item_records(items_shown),
        ),
        Section(
            key="portfolio",
            title="Portfolio",
            template="briefs/print/_portfolio.html",
            context={"sheets": sheets, "annex": annex},
            records=program_records,
        ),
    ]
    annex_from = None
    if annex and sheets:
        annex_from = len(sections)
        sections += sheet_sections(sheets, level=2, band="Annex: program sheets")
    count = len(sheets)
    brief = Brief(
        kind="leadership",
        title="Leadership packet",
        subject=f"Portfolio of {count} program{'s' if count != 1 else ''}: health, "
        "agreements, disclosures, fora and action items",
        sections=sections,
        data_as_of=as_of,
        cover=True,
        contents=True,
        annex_from=annex_from,
    )
    # The summary counts everything in the packet, so it carries the packet's marking.
    bottom_line.records = brief.records
    context["data_quality"] = data_quality_line(user, brief.records, [s.program.pk for s in sheets])
    return brief


def data_quality_line(user, records, program_ids):
    """The last audit's findings on what the packet shows, that the requester may see."""
    from core.quality import current_run, findings_on

    run = current_run()
    if run is None:
        return None
    return {"count": findings_on(user, records, program_ids, run).count(), "run": run}
