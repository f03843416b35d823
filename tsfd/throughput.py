"""TSFD throughput and age against target, for leadership (home page and packet).

Per month of the last six: cases submitted, cases decided, and of those decided how
many within their target (the slowest review area's turnaround, in working days: time
returned to the requester does not count). Then the open cases by age against their
target. Only cases the reader may see are counted.
"""

from datetime import date
from statistics import median

from django.db.models import Max
from django.utils import timezone

from core.charts import Part, Row, hbars
from tsfd.models import DisclosureRequest

MONTHS = 6
WITHIN = "#00a91c"
OVER = "#d83933"
NO_TARGET = "#71767a"


def _month_starts(today, months):
    starts = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


def _verdict(days, target):
    if target is None:
        return "none"
    return "within" if days <= target else "over"


def throughput_of(requests, today=None, months=MONTHS):
    """Monthly throughput and open-case ages over `requests` (restricted by the caller)."""
    today = today or timezone.localdate()
    starts = _month_starts(today, months)
    with_target = requests.annotate(target=Max("reviews__area__target_days"))
    decided = with_target.filter(
        status__in=sorted(DisclosureRequest.DECIDED), decided_at__date__gte=starts[0]
    ).only("submitted_at", "decided_at", "closed_at", "clock_paused_total", "clock_paused_since")
    submitted = dict.fromkeys(starts, 0)
    for day in requests.filter(submitted_at__date__gte=starts[0]).values_list(
        "submitted_at", flat=True
    ):
        local = timezone.localtime(day).date()
        submitted[date(local.year, local.month, 1)] += 1
    months_rows = {s: {"within": 0, "over": 0, "none": 0, "days": []} for s in starts}
    for case in decided:
        local = timezone.localtime(case.decided_at).date()
        row = months_rows.get(date(local.year, local.month, 1))
        if row is None:
            continue
        days = case.working_age(case.decided_at).days
        row[_verdict(days, case.target)] += 1
        row["days"].append(days)
    monthly = [
        {
            "month": s,
            "submitted": submitted[s],
            "decided": r["within"] + r["over"] + r["none"],
            "within": r["within"],
            "over": r["over"],
            "none": r["none"],
            "median_days": round(median(r["days"])) if r["days"] else None,
        }
        for s, r in months_rows.items()
    ]
    open_cases = with_target.filter(status__in=sorted(DisclosureRequest.OPEN)).only(
        "submitted_at", "closed_at", "clock_paused_total", "clock_paused_since"
    )
    ages = {"within": 0, "over": 0, "none": 0}
    oldest = None
    for case in open_cases:
        days = case.age_days
        ages[_verdict(days, case.target)] += 1
        oldest = days if oldest is None else max(oldest, days)
    return {
        "monthly": monthly,
        "open": {**ages, "total": sum(ages.values()), "oldest_days": oldest},
        "throughput_chart": throughput_chart(monthly, ages),
    }


def throughput_chart(monthly, ages):
    if not any(m["decided"] or m["submitted"] for m in monthly) and not sum(ages.values()):
        return None
    rows = [
        Row(
            f"{m['month']:%b %Y} decided",
            [Part(m["within"], WITHIN), Part(m["over"], OVER), Part(m["none"], NO_TARGET)],
            f"{m['decided']} of {m['submitted']} submitted",
        )
        for m in monthly
    ]
    rows.append(
        Row(
            "Open now, by age",
            [Part(ages["within"], WITHIN), Part(ages["over"], OVER), Part(ages["none"], NO_TARGET)],
            f"{sum(ages.values())} open",
        )
    )
    return hbars(
        rows,
        legend=[
            ("Within target", WITHIN),
            ("Over target", OVER),
            ("No review area yet", NO_TARGET),
        ],
        title="TSFD cases decided per month and open cases, against their target",
    )
