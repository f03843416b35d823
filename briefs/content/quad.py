"""Quad charts: one program on half a page, in four quarters.

Status and health (with trend); schedule against milestones (a timeline drawn as SVG);
cost shares and funding; issues, risks and the next decision. Everything is read from a
`ProgramSheet` (briefs.content.program), whose records are already restricted for the
requester, so a quad chart shows nothing its sheet does not.
"""

from datetime import timedelta

from django.utils import timezone

from programs.dashboard import PALETTE

# Agreement steps waiting on a leadership decision, and what is decided there.
AGREEMENT_DECISIONS = {
    "rad_requested": "authorize the development and negotiation of",
    "final_approval_requested": "authorize the conclusion of",
}
TIMELINE_WIDTH, TIMELINE_HEIGHT, TIMELINE_LEFT, TIMELINE_RIGHT = 330, 64, 6, 6
MILESTONES_DRAWN = 8
EXPIRING_DAYS = 180


def attention_reasons(sheet):
    """Why a program needs leadership's attention (empty when it does not)."""
    program = sheet.program
    reasons = []
    if program.health == "red":
        reasons.append("red")
    if program.health_trend == "declining":
        reasons.append("declining")
    if sheet.overdue_milestones:
        n = len(sheet.overdue_milestones)
        reasons.append(f"{n} milestone{'s' if n != 1 else ''} overdue")
    if any(c.brief_over for c in sheet.cases):
        reasons.append("TSFD case past target")
    return reasons


def needing_attention(sheets):
    """The sheets needing attention, most urgent first: red, declining, then most overdue."""
    flagged = [(s, attention_reasons(s)) for s in sheets]
    flagged = [(s, r) for s, r in flagged if r]
    flagged.sort(
        key=lambda pair: (
            pair[0].program.health != "red",
            pair[0].program.health_trend != "declining",
            -len(pair[0].overdue_milestones),
            pair[0].program.code,
        )
    )
    return flagged


def timeline(sheet, today):
    """The milestones on a line from the program's start to its end, with today marked."""
    milestones = sheet.milestones
    overdue = [m for m in milestones if m.is_overdue]
    upcoming = [m for m in milestones if m.actual_date is None and not m.is_overdue]
    done = [m for m in milestones if m.actual_date is not None]
    # The overdue first, then the next ones, then the latest achieved.
    drawn = (overdue + upcoming)[:MILESTONES_DRAWN]
    drawn += done[-(MILESTONES_DRAWN - len(drawn)) :] if len(drawn) < MILESTONES_DRAWN else []
    program = sheet.program
    days = [m.actual_date or m.due_date for m in drawn] + [today]
    days += [d for d in (program.start_date, program.end_date) if d]
    if not drawn:
        return None
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    usable = TIMELINE_WIDTH - TIMELINE_LEFT - TIMELINE_RIGHT

    def x(day):
        return round(TIMELINE_LEFT + (day - first).days / span * usable, 1)

    marks = []
    for i, m in enumerate(sorted(drawn, key=lambda m: m.actual_date or m.due_date), start=1):
        day = m.actual_date or m.due_date
        state = "done" if m.actual_date else "overdue" if m.is_overdue else "planned"
        marks.append({"x": x(day), "n": i, "state": state, "milestone": m, "day": day})
    return {
        "width": TIMELINE_WIDTH,
        "height": TIMELINE_HEIGHT,
        "axis_y": 30,
        "today_x": x(today),
        # "today" reads from the marker, inward when the marker is near an end.
        "today_anchor": "end"
        if x(today) > TIMELINE_WIDTH - 20
        else "start"
        if x(today) < 20
        else "middle",
        "first": first,
        "last": last,
        "end_x": TIMELINE_WIDTH - TIMELINE_RIGHT,
        "marks": marks,
        "hidden": len(milestones) - len(drawn),
    }


def share_bar(sheet):
    """Each participant's cost share as a piece of one 100% bar."""
    parts, x = [], 0.0
    for i, participant in enumerate(sheet.participants):
        share = float(participant.cost_share or 0)
        if share <= 0:
            continue
        w = share / 100 * 330
        parts.append(
            {
                "x": round(x, 1),
                "w": round(w, 1),
                "colour": PALETTE[i % len(PALETTE)],
                "label": participant.country.iso3,
                "share": participant.cost_share,
            }
        )
        x += w
    return parts


def issues_and_decision(sheet, today):
    """(issues, next decision): what stands in the program's way, and what is decided next."""
    program = sheet.program
    issues = []
    if program.health in ("yellow", "red") and program.health_reason:
        issues.append(f"Health: {program.health_reason}")
    for m in sheet.overdue_milestones[:3]:
        late = (today - m.due_date).days
        issues.append(f"Milestone “{m.title}” {late} day{'s' if late != 1 else ''} late")
    if len(sheet.overdue_milestones) > 3:
        issues.append(f"… and {len(sheet.overdue_milestones) - 3} more overdue milestones")
    for case in sheet.cases:
        if case.brief_over:
            issues.append(
                f"TSFD {case.number} at day {case.brief_age} of its {case.brief_target}-day target"
            )
    for agreement in sheet.agreements:
        end = agreement.expiration_date
        if agreement.is_active and end and today <= end <= today + timedelta(EXPIRING_DAYS):
            issues.append(f"{agreement.number} expires {end:%Y-%m-%d}")
    if sheet.shares_check:
        issues.append(f"Cost shares add up to {sheet.share_total:g}%, not 100%")
    if sheet.health_check:
        issues.append("The recorded health contradicts the program's data (data-quality audit)")
    decisions = [
        f"Leadership to {AGREEMENT_DECISIONS[a.status]} {a.number}"
        for a in sheet.agreements
        if a.status in AGREEMENT_DECISIONS
    ]
    decisions += [
        f"TSFD approver to decide {c.number} (to {c.recipient_country.iso3})"
        + (f", needed by {c.needed_by:%Y-%m-%d}" if c.needed_by else "")
        for c in sheet.cases
        if c.status == "decision_pending"
    ]
    if not decisions and sheet.next_milestone is not None:
        m = sheet.next_milestone
        decisions.append(f"Next milestone: {m.title}, due {m.due_date:%Y-%m-%d}")
    return issues, decisions


def quad(sheet, reasons=None, today=None):
    """Everything one quad chart draws."""
    today = today or timezone.localdate()
    issues, decisions = issues_and_decision(sheet, today)
    return {
        "sheet": sheet,
        "reasons": reasons if reasons is not None else attention_reasons(sheet),
        "timeline": timeline(sheet, today),
        "shares": share_bar(sheet),
        "issues": issues,
        "decisions": decisions,
        "today": today,
    }
