"""What goes into each brief, read for one user through core.permissions.

Everything here reads `restrict(..., user, "view")` with the requester as the user, at
generation time: a record they may not see is simply absent (no title, no count), and
links from a visible record to an invisible one (a case that blocks a program, an
agenda item about an agreement) are dropped too. Reads are batched per section, so
the number of queries does not grow with the number of programs.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.http import QueryDict
from django.utils import timezone

from agreements.models import Agreement, AgreementParticipant
from core.markings import CUI_CATEGORIES, Marking, combined
from core.models import Country, SavedView, TransitionLog
from core.permissions import restrict
from core.registry import registry
from fora.links import visible_links
from fora.models import ActionItem, AgendaItem, Forum, Meeting
from fora.readahead import read_ahead
from programs.filters import ProgramFilterSet
from programs.models import Funding, Participant, Program
from tsfd.models import DisclosureRequest

EXPIRY_WINDOW_DAYS = 180
FORA_WINDOW_DAYS = 90


def max_programs():
    return getattr(settings, "BRIEFS_MAX_PROGRAMS", 400)


class BriefError(Exception):
    """Why a brief cannot be made, in words its requester understands."""


def visible(queryset, user):
    return restrict(queryset, user, "view")


@dataclass
class Section:
    """One part of a brief: starts on a new page and carries its own page marking."""

    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    records: list = field(default_factory=list)  # the marked records it shows
    level: int = 1
    program_step: tuple | None = None  # (i, n) for "program i of n" progress

    @property
    def marking(self):
        return combined(self.records) if self.records else None


@dataclass
class Brief:
    """A whole document: its sections, and what the cover and metadata say about it."""

    kind: str
    title: str
    subject: str
    sections: list
    data_as_of: object
    cover: bool = False
    contents: bool = False

    @property
    def records(self):
        seen, result = set(), []
        for section in self.sections:
            for record in section.records:
                key = (type(record), record.pk)
                if key not in seen:
                    seen.add(key)
                    result.append(record)
        return result

    @property
    def marking(self):
        return combined(self.records)

    @property
    def designation(self):
        """The CUI designation block of the cover: category and dissemination in words."""
        result = None
        for record in self.records:
            mark = Marking.of(record)
            result = mark if result is None else result | mark
        names = dict(CUI_CATEGORIES)
        categories = sorted(result.categories) if result else []
        controls = sorted(result.dissemination) if result else []
        if result and result.rel_to and "NOFORN" not in controls:
            controls.append("REL TO " + ", ".join(["USA", *sorted(result.rel_to - {"USA"})]))
        return {
            "controlled_by": settings.DESIGNATION_CONTROLLED_BY,
            "poc": settings.DESIGNATION_POC,
            "categories": [f"{names.get(c, c)} ({c})" for c in categories],
            "dissemination": controls,
        }


# Programs -----------------------------------------------------------------------------


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


def open_case_queryset(user):
    return (
        visible(DisclosureRequest.objects.filter(status__in=DisclosureRequest.OPEN), user)
        .select_related("recipient_country", "agreement", "program")
        .prefetch_related("reviews__area")
        .order_by("submitted_at", "number")
    )


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


def visible_ids(model, user):
    """The ids of the `model` records the user may see (one query)."""
    return set(visible(model.objects.order_by(), user).values_list("pk", flat=True))


def with_visible_blocks(case, agreement_ids, program_ids):
    """Attach `brief_blocks`: what the case holds up, limited to what the user may see."""
    blocks = []
    if case.agreement_id and (agreement_ids is None or case.agreement_id in agreement_ids):
        blocks.append(case.agreement)
    if case.program_id and (program_ids is None or case.program_id in program_ids):
        blocks.append(case.program)
    case.brief_blocks = blocks
    targets = [review.area.target_days for review in case.reviews.all()]
    case.brief_target = max(targets) if targets else None
    case.brief_age = case.age_days
    case.brief_over = case.brief_target is not None and case.brief_age > case.brief_target
    return case


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


def check_size(programs):
    count = programs.count()
    if count > max_programs():
        raise BriefError(
            f"The selection has {count} programs; a packet holds at most {max_programs()}. "
            "Narrow the filter and request it again."
        )
    return count


# Agreements ---------------------------------------------------------------------------

TERMINAL_AGREEMENT_STATES = {"expired", "terminated", "superseded", "withdrawn", "disapproved"}
ACTIVE_AGREEMENT_STATES = {"concluded", "in_force"}


def agreement_steps(agreements):
    """Attach `brief_steps`, [(step label, days, is current)] from the transition log, and
    `brief_days_in_step` to each agreement; one query."""
    if not agreements:
        return
    logs = defaultdict(list)
    for log in TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id__in=[a.pk for a in agreements],
    ).order_by("object_id", "at", "id"):
        logs[log.object_id].append(log)
    now = timezone.now()
    labels = dict(Agreement.Status.choices)
    for agreement in agreements:
        state, since, steps = "concept", agreement.created_at, []
        for log in logs[agreement.pk]:
            if log.at >= since:  # a step recorded before the record was created has no length
                steps.append((labels.get(state, state), (log.at - since).days, False))
            state, since = log.target, log.at
        steps.append((labels.get(state, state), (now - since).days, True))
        agreement.brief_steps = steps
        agreement.brief_days_in_step = steps[-1][1]


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


# TSFD ---------------------------------------------------------------------------------


def open_cases(user, program_ids=None):
    """Open disclosure cases with age against target and what they block."""
    cases = open_case_queryset(user)
    if program_ids is not None:
        cases = cases.filter(
            Q(program__in=program_ids) | Q(agreement__programs__in=program_ids)
        ).distinct()
    agreement_ids = visible_ids(Agreement, user)
    program_visible = visible_ids(Program, user)
    cases = [with_visible_blocks(c, agreement_ids, program_visible) for c in cases]
    cases.sort(key=lambda c: (not c.brief_over, -c.brief_age))
    return cases


# Fora ---------------------------------------------------------------------------------


def upcoming_meetings(user, days=FORA_WINDOW_DAYS, fora=None):
    """Meetings in the next `days` days the user may see."""
    today = timezone.localdate()
    meetings = visible(Meeting.objects.all(), user).filter(
        end_date__gte=today, start_date__lte=today + timedelta(days=days)
    )
    if fora is not None:
        meetings = meetings.filter(forum__in=fora)
    return list(
        meetings.exclude(status="cancelled")
        .select_related("forum", "host_country")
        .order_by("start_date", "id")
    )


def open_action_items(user, meetings=None, fora=None):
    """Open action items (overdue first) the user may see."""
    items = visible(ActionItem.objects.open(), user)
    if meetings is not None:
        items = items.filter(meeting__in=meetings)
    if fora is not None:
        items = items.filter(meeting__forum__in=fora)
    items = list(
        items.select_related("meeting__forum", "owner_user", "owner_contact__organization")
    )
    items.sort(key=lambda i: (not i.is_overdue, i.due_date, i.pk))
    return items


def action_item_records(items):
    """The marked records an action-item table shows: their meetings and fora."""
    records = {}
    for item in items:
        records[("m", item.meeting_id)] = item.meeting
        records[("f", item.meeting.forum_id)] = item.meeting.forum
    return list(records.values())


def meeting_records(meetings):
    records = {}
    for meeting in meetings:
        records[("m", meeting.pk)] = meeting
        records[("f", meeting.forum_id)] = meeting.forum
    return list(records.values())


# The briefs ---------------------------------------------------------------------------


def build(packet, user):
    """The Brief for `packet`, as `user` may see it now (kinds: BriefsConfig.ready())."""
    return registry["brief_kinds"][packet.kind](user, packet.parameters or {}, timezone.now())


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
    return Brief(
        kind="program",
        title=title,
        subject="One-page brief of "
        + ", ".join(s.program.code for s in sheets[:10])
        + (" and others" if len(sheets) > 10 else ""),
        sections=sheet_sections(sheets, level=2, band="Program brief"),
        data_as_of=as_of,
    )


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


def forum_readahead(user, parameters, as_of):
    """The fora app's read-ahead (fora.readahead.read_ahead), as print sections."""
    forum = visible(Forum.objects.filter(pk=parameters.get("forum") or 0), user).first()
    if forum is None:
        raise BriefError(
            "The forum of this read-ahead is no longer available to you, so there was "
            "nothing to put in it."
        )
    data = read_ahead(forum, user)
    records = forum_records(forum, user)
    name = data["forum"]["acronym"] or data["forum"]["name"]
    sections = [
        Section(
            key="forum",
            title=f"Read-ahead: {data['forum']['name']}",
            template="briefs/print/_forum.html",
            context=data,
            records=records,
        )
    ]
    if data.get("last_meeting"):
        sections.append(
            Section(
                key="last-meeting",
                title=f"Last meeting: {data['last_meeting']['title']}",
                template="briefs/print/_forum_last.html",
                context={"meeting": data["last_meeting"]},
                records=records,
            )
        )
    sections.append(
        Section(
            key="action-items",
            title="Open action items",
            template="briefs/print/_forum_actions.html",
            context=data,
            records=records,
        )
    )
    meeting = data.get("next_meeting")
    return Brief(
        kind="forum",
        title=f"Read-ahead: {name}" + (f", {meeting['title']}" if meeting else ""),
        subject=f"Agenda, delegations and open action items of {data['forum']['name']}",
        sections=sections,
        data_as_of=as_of,
    )


def forum_records(forum, user):
    """Every marked record a read-ahead can show: the forum, its meetings the user may see,
    and the records their agenda items link to (when visible). A superset of what is
    printed, so the page marking is never lower than the content."""
    meetings = list(visible(Meeting.objects.filter(forum=forum), user))
    items = list(AgendaItem.objects.filter(meeting__in=meetings))
    linked = visible_links(items, user).values()
    return [forum, *meetings, *(r for r in linked if hasattr(r, "classification"))]


# A leadership packet lists the most urgent open cases and action items, not all of them:
# at office scale there are thousands, and the portal holds the full lists.
LEADERSHIP_ROWS = 40


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
    context = {
        "sheets": sheets,
        "health": health,
        "declining": [s for s in sheets if s.program.health_trend == "declining"],
        "overdue_milestones": sum(len(s.overdue_milestones) for s in sheets),
        "programs_with_overdue": sum(1 for s in sheets if s.overdue_milestones),
        "pipeline": pipeline,
        "cases": cases,
        "cases_over": [c for c in cases if c.brief_over],
        "decision_pending": [c for c in cases if c.status == "decision_pending"],
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
    cases_shown, items_shown = cases[:LEADERSHIP_ROWS], items[:LEADERSHIP_ROWS]
    sections = [
        bottom_line,
        Section(
            key="portfolio",
            title="Portfolio",
            template="briefs/print/_portfolio.html",
            context={"sheets": sheets},
            records=program_records,
        ),
        *sheet_sections(sheets, level=2),
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
    ]
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
