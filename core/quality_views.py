"""The Data quality page: what the last audit found on records the reader may see, where
to fix each finding, and the Portal Admin's "Run now"."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, resolve, reverse
from django.views.decorators.http import require_GET, require_POST

from core import quality
from core.models import DataQualityRun
from core.permissions import allowed_ids, restrict

PAGE_SIZE = 50


def may_run(user):
    """Starting an audit on demand is a Portal Admin's (the role holds core.*)."""
    return user.has_perm("core.run_dataqualityrun")


def _duration(run):
    if run is None or run.duration is None:
        return ""
    seconds = run.duration.total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _edit_url(record):
    """The record's edit page (/<app>/<id>/edit/), else its detail page, else nothing."""
    if not hasattr(record, "get_absolute_url"):
        return None
    try:
        detail = record.get_absolute_url()
        match = resolve(detail.split("#")[0].split("?")[0])
    except Exception:  # no detail page of its own
        return None
    if match.url_name == "detail" and match.namespace:
        try:
            return reverse(f"{match.namespace}:edit", kwargs=match.kwargs)
        except NoReverseMatch:
            pass
    return detail


def _fix_url(finding, record):
    """Where a finding is fixed: the page that edits the value (a program's partners for
    its cost shares and its children), else the record's edit or detail page."""
    label = record._meta.label_lower
    if finding.rule == quality.COST_SHARES:
        return reverse("programs:partners", args=[record.pk])
    if label in quality.CHILD_PAGES:
        return reverse(quality.CHILD_PAGES[label], args=[finding.root_id])
    return _edit_url(record)


def _rows(user, page):
    """Each finding of the page with its record (read through restrict()) and links."""
    by_type = defaultdict(set)
    for finding in page:
        by_type[finding.content_type_id].add(finding.object_id)
    records, editable = {}, set()
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        found = list(restrict(model._default_manager.filter(pk__in=ids), user, "view"))
        records.update({(type_id, r.pk): r for r in found})
        editable |= {(type_id, pk) for pk in allowed_ids(user, "change", found)}
    rows = []
    for finding in page:
        key = (finding.content_type_id, finding.object_id)
        record = records.get(key)
        if record is None:  # deleted since the run (the visibility filter already holds)
            continue
        rows.append(
            {
                "finding": finding,
                "record": record,
                "kind": str(record._meta.verbose_name),
                "field": quality.field_label(type(record), finding.field),
                "rule": quality.rule_label(finding.rule),
                "detail_url": record.get_absolute_url()
                if hasattr(record, "get_absolute_url")
                else None,
                "fix_url": _fix_url(finding, record) if key in editable else None,
            }
        )
    return rows


@require_GET
def data_quality(request):
    user = request.user
    run = quality.current_run()
    latest = DataQualityRun.objects.first()
    findings = quality.visible_findings(user, run)
    by_rule = [
        {"rule": row["rule"], "label": quality.rule_label(row["rule"]), "n": row["n"]}
        for row in findings.order_by().values("rule").annotate(n=Count("id")).order_by("rule")
    ]
    owner_counts = list(findings.order_by().values("owner").annotate(n=Count("id")))
    names = {
        u.pk: u.get_full_name() or u.username
        for u in get_user_model().objects.filter(
            pk__in=[row["owner"] for row in owner_counts if row["owner"]]
        )
    }
    by_owner = sorted(
        (
            {
                "key": "none" if row["owner"] is None else str(row["owner"]),
                "name": names.get(row["owner"], "No owner (reference data: a Portal Admin)"),
                "n": row["n"],
                "me": row["owner"] == user.pk,
            }
            for row in owner_counts
        ),
        key=lambda row: (not row["me"], row["key"] == "none", row["name"]),
    )
    total = sum(row["n"] for row in by_rule)

    shown, rule, owner = findings, request.GET.get("rule", ""), request.GET.get("owner", "")
    if rule:
        shown = shown.filter(rule=rule)
    if owner == "me":
        shown = shown.filter(owner=user)
    elif owner == "none":
        shown = shown.filter(owner__isnull=True)
    elif owner.isdigit():
        shown = shown.filter(owner_id=int(owner))
    page = Paginator(
        shown.select_related("owner").order_by("rule", "content_type", "object_id", "field", "id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "core/data_quality.html",
        {
            "run": run,
            "duration": _duration(run),
            "latest": latest if latest is not None and latest != run else None,
            "may_run": may_run(user),
            "total": total,
            "by_rule": by_rule,
            "by_owner": by_owner,
            "rule": rule,
            "rule_label": quality.rule_label(rule) if rule else "",
            "owner": owner,
            "owner_label": next((o["name"] for o in by_owner if o["key"] == owner), "")
            if owner not in ("", "me")
            else ("you" if owner == "me" else ""),
            "page": page,
            "rows": _rows(user, page),
        },
    )


@require_POST
def data_quality_run(request):
    """Start an audit now (Portal Admin); it runs on a worker, or here without a broker."""
    if not may_run(request.user):
        raise PermissionDenied("Only a Portal Admin starts the data-quality audit.")
    from kombu.exceptions import OperationalError

    from core.tasks import run_data_quality_audit

    if DataQualityRun.objects.filter(status=DataQualityRun.Status.RUNNING).exists():
        messages.info(request, "An audit is already running; its findings appear when it ends.")
        return redirect("core:data-quality")

    unreachable = []

    def start():  # after the request's transaction, if any: a worker must see its rows
        try:
            run_data_quality_audit.delay(started_by_id=request.user.pk)
        except OperationalError:
            unreachable.append(True)

    transaction.on_commit(start)
    if unreachable:
        messages.error(request, "The job queue cannot be reached; try again later.")
    else:
        messages.success(
            request, "The audit has started. Reload this page in a minute to see its findings."
        )
    return redirect("core:data-quality")
