"""Programs on the home page: my programs, and the portfolio for whoever sees it all."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from core import permissions
from core.models import TeamMember
from programs.models import Funding, Milestone, Program


def _mine(user):
    """The programs the user manages or is on the team of, among those they may see."""
    visible = permissions.restrict(Program.objects.all(), user, "view")
    team_ids = TeamMember.objects.filter(
        user=user, content_type__app_label="programs", content_type__model="program"
    ).values("object_id")
    return visible.filter(Q(program_manager=user) | Q(pk__in=team_ids))


def my_programs(user):
    """Programs the user manages or is on the team of, with milestones due or overdue."""
    mine = _mine(user)
    today = date.today()
    soon = today + timedelta(days=30)
    rows = list(
        mine.annotate(
            overdue=Count(
                "milestones",
                filter=Q(milestones__actual_date__isnull=True, milestones__planned_date__lt=today),
            ),
            due_soon=Count(
                "milestones",
                filter=Q(
                    milestones__actual_date__isnull=True,
                    milestones__planned_date__gte=today,
                    milestones__planned_date__lte=soon,
                ),
            ),
        ).order_by("-overdue", "code")[:25]
    )
    if not rows:
        return None
    return {"programs": rows}


def milestones_due(user):
    mine = _mine(user)
    today = date.today()
    rows = list(
        Milestone.objects.filter(
            program__in=mine.values("pk"),
            actual_date__isnull=True,
            planned_date__lte=today + timedelta(days=30),
        )
        .select_related("program")
        .order_by("planned_date")[:20]
    )
    return {"milestones": rows, "today": today} if rows else None


def portfolio(user):
    """Programs by phase and health, and foreign contributions by year and partner."""
    if not (user.is_superuser or permissions.has_model_perm(user, Program, "view")):
        return None
    return portfolio_of(permissions.restrict(Program.objects.all(), user, "view"))


def portfolio_of(visible):
    """The portfolio's figures and charts for `visible`, programs the reader may see (the
    home page's, or a leadership packet's selection)."""
    counts = {
        (r["phase"], r["health"]): r["n"]
        for r in visible.values("phase", "health").annotate(n=Count("id"))
    }
    phases = Program.Phase.choices
    healths = Program.Health.choices
    matrix = [
        (
            label,
            [counts.get((phase, h), 0) for h, _ in healths],
            sum(counts.get((phase, h), 0) for h, _ in healths),
        )
        for phase, label in phases
    ]
    funding = (
        Funding.objects.filter(program__in=visible.values("pk"))
        .exclude(participant__country__iso3="USA")
        .values("fiscal_year", "participant__country__iso3")
        .annotate(total=Sum("amount"))
    )
    by_year = defaultdict(lambda: defaultdict(Decimal))
    countries = set()
    for row in funding:
        by_year[row["fiscal_year"]][row["participant__country__iso3"]] += row["total"]
        countries.add(row["participant__country__iso3"])
    years = sorted(by_year)[-6:]
    ranked = sorted(countries, key=lambda c: (-sum(by_year[y][c] for y in years), c))
    # As many partners as the chart has colours; the rest together as "Other", so every
    # bar adds up to its year's total.
    shown = ranked if len(ranked) <= len(PALETTE) else ranked[: len(PALETTE) - 1]
    rest = ranked[len(shown) :]
    countries = [*shown, "Other"] if rest else shown
    table = [
        (
            y,
            [by_year[y][c] for c in shown] + ([sum(by_year[y][c] for c in rest)] if rest else []),
            sum(by_year[y].values()),
        )
        for y in years
    ]
    return {
        "healths": [label for _, label in healths],
        "matrix": matrix,
        "health_chart": health_chart(matrix),
        "total": sum(counts.values()),
        "countries": countries,
        "funding": table,
        "chart": contributions_chart(table, countries),
    }


HEALTH_COLOURS = ("#00a91c", "#e5a000", "#d83933")  # green, yellow, red


def health_chart(matrix):
    """Horizontal bars, one per phase, split by health (inline SVG; the table beside it
    has the numbers)."""
    peak = max((total for _, _, total in matrix), default=0)
    if not peak:
        return None
    width, row, left = 560, 22, 110
    rows = []
    for i, (label, cells, total) in enumerate(matrix):
        x, parts = left, []
        for count, colour in zip(cells, HEALTH_COLOURS, strict=True):
            w = count / peak * (width - left - 40)
            parts.append({"x": round(x, 1), "w": round(w, 1), "colour": colour, "n": count})
            x += w
        rows.append(
            {
                "y": i * row + 4,
                "label": label,
                "parts": parts,
                "total": total,
                "total_x": round(x + 4, 1),
            }
        )
    return {"width": width, "height": len(matrix) * row + 8, "rows": rows, "bar": row - 8}


PALETTE = ["#005ea2", "#e5a000", "#00a91c", "#d83933", "#8168b3", "#1a4480", "#c05600", "#3d4551"]


def contributions_chart(table, countries):
    """Stacked bars per fiscal year as inline SVG (server-side; the numbers are in a table too)."""
    if not table:
        return None
    width, height, left, bottom = 560, 220, 70, 24
    peak = max((total for _, _, total in table), default=0) or 1
    bar = (width - left) / len(table) * 0.6
    step = (width - left) / len(table)
    bars = []
    for i, (year, values, _total) in enumerate(table):
        x = left + i * step + (step - bar) / 2
        y = height - bottom
        for j, value in enumerate(values):
            h = float(value) / float(peak) * (height - bottom - 10)
            y -= h
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "w": round(bar, 1),
                    "h": round(h, 1),
                    "color": PALETTE[j % len(PALETTE)],
                    "label": f"FY{year} {countries[j]}: {value:,.0f} USD",
                }
            )
    labels = [
        {"x": round(left + i * step + step / 2, 1), "text": f"FY{year}"}
        for i, (year, _, _) in enumerate(table)
    ]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "peak": f"{peak:,.0f}",
        "legend": list(zip(countries, PALETTE, strict=False)),
        "axis_y": height - bottom,
    }
