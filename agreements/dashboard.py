"""Agreements on the home page: due for action, and the pipeline for leadership."""

from django.db.models import Count
from django.utils import timezone

from agreements.deadlines import due_for_action
from agreements.models import Agreement
from agreements.pipeline import pipeline_of
from core import permissions


def due(user):
    items = due_for_action(user, timezone.localdate(), limit=10)
    return {"items": items} if items else None


def pipeline(user):
    if not (user.is_superuser or permissions.has_model_perm(user, Agreement, "view")):
        return None
    visible = permissions.restrict(Agreement.objects.all(), user, "view")
    counts = dict(visible.values_list("status").annotate(n=Count("id")))
    rows = [
        (label, counts.get(value, 0))
        for value, label in Agreement.Status.choices
        if value in counts
    ]
    if not rows:
        return None
    # The same chart and numbers as the leadership packet's "Agreements and disclosures
    # at a glance" (agreements.pipeline).
    return {"rows": rows, "total": sum(counts.values()), **pipeline_of(visible.order_by())}
