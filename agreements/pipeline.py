"""The agreement pipeline with the time agreements spend in each step.

Read from the workflow timeline (TransitionLog): each row is a step an agreement
entered, so the time between two rows is a stay in the first. For each step of the
main path: how many agreements stand in it now and for how long, and the median of the
stays that ended. Only agreements the reader may see are counted; a step is named by
the workflow's own label, never by a record.
"""

from collections import defaultdict
from statistics import median

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from agreements.models import Agreement
from agreements.workflow import MAIN_PATH
from core.charts import Part, Row, hbars
from core.models import TransitionLog

DONE = "#005ea2"


def step_times(agreements, now=None):
    """Per step of the main path before conclusion: {step, label, now, waiting_days,
    done, median_days}, over the `agreements` queryset (already restricted)."""
    now = now or timezone.now()
    current = dict(agreements.values_list("pk", "status"))
    logs = (
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Agreement),
            object_id__in=agreements.values("pk"),
        )
        .order_by("object_id", "at", "id")
        .values_list("object_id", "target", "at")
    )
    finished = defaultdict(list)  # step -> days of stays that ended
    last = {}  # agreement -> (step, entered at) of its latest row
    for object_id, target, at in logs:
        if object_id in last:
            step, entered = last[object_id]
            finished[step].append((at - entered).total_seconds() / 86400)
        last[object_id] = (target, at)
    waiting = defaultdict(list)  # step -> days so far of the agreements standing in it
    for object_id, (step, entered) in last.items():
        if current.get(object_id) == step:
            waiting[step].append((now - entered).total_seconds() / 86400)
    steps = [
        s for s in MAIN_PATH if s not in (Agreement.Status.CONCLUDED, Agreement.Status.IN_FORCE)
    ]
    rows = []
    for step in steps:
        stays, ages = finished.get(step, []), waiting.get(step, [])
        rows.append(
            {
                "step": step,
                "label": Agreement.Status(step).label,
                "now": len(ages),
                "waiting_days": round(median(ages)) if ages else None,
                "oldest_days": round(max(ages)) if ages else None,
                "done": len(stays),
                "median_days": round(median(stays)) if stays else None,
            }
        )
    return rows


def step_chart(rows):
    """Bars of the median days a step took (stays that ended); the note counts who
    stands in it now and the longest wait."""
    drawn = []
    for r in rows:
        note = f"{r['now']} now" + (f", up to {r['oldest_days']} d" if r["now"] else "")
        drawn.append(Row(r["label"], [Part(r["median_days"] or 0, DONE)], note))
    if not any(r["done"] or r["now"] for r in rows):
        return None
    return hbars(
        drawn,
        legend=[("Median days in the step (stays that ended)", DONE)],
        title="Agreement pipeline: median days in each step, and agreements in it now",
    )


def pipeline_of(agreements, now=None):
    """The pipeline's table and chart over `agreements` (restricted by the caller)."""
    rows = step_times(agreements, now)
    return {"steps": rows, "step_chart": step_chart(rows)}
