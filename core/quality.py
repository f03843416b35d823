"""The data-quality audit: the model layer's rules run again over what is already stored.

The rules of core.rules keep new bad values out on every write path. This finds the ones
already in: records made before a rule existed, imported, or changed in a shell or by a
`QuerySet.update()`. The idea is Nautobot's Data Validation Engine (rules at write time
plus a compliance audit of existing objects); our rules are the domain's own
(`check_rules()`, `clean()`, the program rules) and each finding goes to the people who
can fix it.

What runs, over what:
- `check_rules()` on every record of every concrete model that inherits
  `core.rules.RuledModel`: field rules (choices, validators, control characters, dates
  in the window, patterns) and the model's `clean()`. Reference data (countries,
  organisations, contacts, legal authorities, review areas, information categories) is
  audited too: an organisation typed with a control character is bad data like any
  other. Its findings have no owner; whoever may see the record sees them, and a Portal
  Admin fixes them.
- Per program, the cross-row rule `check_cost_shares()` and the time-based
  `is_health_stale()` (not for closed programs: nobody reviews the health of a program
  that ended).

Who sees a finding: whoever may view its record (`visible_findings()` goes through
`core.permissions.restrict()`); a finding on a record the reader may not see is neither
shown nor counted. A finding stores its record by reference (content type and id) and
the rule's message about that record, which may quote the record's own values (the
reader may see them) but never names another record: known messages that do are
reworded here, and any message that contains the label of a related record is replaced
by a neutral one.
"""

import logging
import time
from collections import defaultdict
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import DataQualityFinding, DataQualityRun, TeamMember
from core.permissions import restrict
from core.rules import RuledModel

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# A running run whose heartbeat is this old lost its worker: it is failed and replaced.
STALE_AFTER_SECONDS = 10 * 60
KEEP_RUNS = 100

COST_SHARES = "programs.program.cost_shares"
HEALTH_STALE = "programs.program.health_stale"

# The user responsible for a top-level record, when it names one; else its team lead.
OWNER_FIELDS = {
    "programs.program": "program_manager_id",
    "agreements.agreement": "responsible_official_id",
    "tsfd.disclosurerequest": "requested_by_id",
    "fora.forum": "us_cochair_id",
}
# Joins the rules read anyway (a US lead's country), read with the record.
EXTRA_JOINS = {"programs.program": ["us_lead__country"]}
# Where a child record is fixed: the page of its parent that edits it.
CHILD_PAGES = {
    "programs.participant": "programs:partners",
    "programs.funding": "programs:funding",
    "programs.milestone": "programs:milestones",
}


# Which models and how they are read ---------------------------------------------------


def audited_models():
    """Every concrete model whose records obey core.rules (RuledModel), in app order."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, RuledModel) and not model._meta.abstract and not model._meta.proxy
    ]


def _label(model):
    return model._meta.label_lower


def _parent_chain(model):
    """select_related paths up the permission parents: 'meeting', 'meeting__forum'."""
    paths, prefix = [], ""
    while (parent := getattr(model, "permission_parent", None)) is not None:
        prefix = f"{prefix}__{parent}" if prefix else parent
        paths.append(prefix)
        model = model._meta.get_field(parent).related_model
    return paths


def _joins(model):
    """The joins the rules read anyway: the parents (for root and owner) and every other
    link except users and content types (a funding line's participant, an organisation
    whose country a rule compares), each one index lookup per row."""
    joins = _parent_chain(model) + EXTRA_JOINS.get(_label(model), [])
    for field in model._meta.concrete_fields:
        related = field.related_model if field.is_relation else None
        if related is None or related in (model, ContentType, get_user_model()):
            continue
        if field.name not in joins:
            joins.append(field.name)
    return joins


def _batches(model, chunk_size):
    """The model's records in primary-key order, `chunk_size` at a time.

    Keyset batches rather than `iterator()`: the settings disable server-side cursors,
    so an iterator would read the whole table into memory on PostgreSQL at once."""
    queryset = model._default_manager.select_related(*_joins(model)).order_by("pk")
    last = None
    while True:
        batch = list((queryset if last is None else queryset.filter(pk__gt=last))[:chunk_size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


# Owners and roots -------------------------------------------------------------------------


def _root(record):
    """The top-level record a finding groups under (a program for its milestones)."""
    for _step in range(5):
        try:
            parent = record.audit_root() if hasattr(record, "audit_root") else None
        except ObjectDoesNotExist:  # a document whose record is gone
            parent = None
        if parent is None or (type(parent), parent.pk) == (type(record), record.pk):
            return record
        record = parent
    return record


class Owners:
    """The responsible user of a root record: its named field, else its team's lead."""

    def __init__(self):
        self._leads = {}  # content type id -> {object id: user id}

    def of(self, root, root_type):
        field = OWNER_FIELDS.get(_label(type(root)))
        owner = getattr(root, field, None) if field else None
        if owner:
            return owner
        if root_type.pk not in self._leads:
            leads = {}
            for object_id, user_id in (
                TeamMember.objects.filter(content_type=root_type, role=TeamMember.Role.LEAD)
                .order_by("-added_at", "-id")
                .values_list("object_id", "user_id")
            ):
                leads[object_id] = user_id  # the earliest lead wins
            self._leads[root_type.pk] = leads
        return self._leads[root_type.pk].get(root.pk)


# Messages that never name another record -------------------------------------------------


def _texts_of(obj):
    """The labels of a record: what it prints as and its text values."""
    texts = {str(obj)}
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and not field.is_relation:
            value = getattr(obj, field.attname, None)
            if isinstance(value, str):
                texts.add(value)
    return {t.strip() for t in texts if t and len(t.strip()) >= 4}


def _related_texts(record):
    """The labels of every related record the rules loaded with this one."""
    texts, stack, seen = set(), [record], {(type(record), record.pk)}
    while stack:
        obj = stack.pop()
        for related in obj._state.fields_cache.values():
            if related is None or not isinstance(related, models.Model):
                continue
            key = (type(related), related.pk)
            if key in seen:
                continue
            seen.add(key)
            texts |= _texts_of(related)
            stack.append(related)
    return texts - _texts_of(record)


def field_label(model, name):
    """A field's name in words ('end date'); 'record' for a rule on the whole record."""
    if not name:
        return "record"
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a rule may name a form-level field
        return name.replace("_", " ")


def _reworded(record, field, message):
    """The few known rule messages that quote another record, in words that do not."""
    label = _label(type(record))
    if label == "programs.program" and field == "health" and message.startswith("Green, but"):
        late = record.overdue_milestones()
        if late:
            since = min(m.forecast_date or m.planned_date for m in late)
            return (
                f"Green, but a milestone is overdue since {since.isoformat()} (more than "
                f"{settings.HEALTH_OVERDUE_DAYS} days): set Yellow or Red, or give the reason "
                "Green stands."
            )
    if label == "programs.program" and field == "us_lead":
        return "The US lead must be a US organisation; this one is not in the United States."
    return message


def _safe(record, field, message, related_texts):
    message = _reworded(record, field, message)
    if any(text in message for text in related_texts):
        return (
            f"The {field_label(type(record), field)} breaks a rule of this "
            f"{record._meta.verbose_name}; open it and save to see the rule's message."
        )
    return message


def _problems(exc):
    """(field, code, message) of each problem a ValidationError names."""
    if not hasattr(exc, "error_dict"):
        return [("", error.code or "", message) for error in exc.error_list for message in error]
    found = []
    for name, errors in exc.error_dict.items():
        field = "" if name == NON_FIELD_ERRORS else name
        for error in errors:
            for message in error:
                found.append((field, error.code or "", message))
    return found


def rule_code(model, field, code=""):
    """'programs.program.code', 'programs.program.record', or with a validator's code."""
    base = f"{_label(model)}.{field or 'record'}"
    return f"{base}:{code}" if code else base


def rule_label(rule):
    """A rule code in words: 'Program: end date', 'Program: cost shares add up to 100%'."""
    if rule == COST_SHARES:
        return "Program: cost shares add up to 100%"
    if rule == HEALTH_STALE:
        return f"Program: health reviewed within {settings.HEALTH_STALE_DAYS} days"
    path, _, code = rule.partition(":")
    app_label, model_name, field = (path.split(".") + ["", "", ""])[:3]
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return rule
    name = str(model._meta.verbose_name)
    field_words = field_label(model, "" if field == "record" else field)
    words = f"{name[:1].upper()}{name[1:]}: {field_words}"
    return f"{words} ({code.replace('_', ' ')})" if code else words


# The run ----------------------------------------------------------------------------------


def current_run():
    """The last finished run, whose findings the portal shows (None before the first)."""
    return DataQualityRun.objects.filter(status=DataQualityRun.Status.DONE).first()


def _start(started_by):
    """A new running run, or None when another run is still going."""
    stale = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    for run in DataQualityRun.objects.filter(
        status=DataQualityRun.Status.RUNNING, heartbeat_at__lt=stale
    ):
        _fail(run, "The run stopped (its worker died); a later run replaced it.")
    try:
        with transaction.atomic():
            return DataQualityRun.objects.create(started_by=started_by)
    except IntegrityError:  # the partial unique index: one run at a time
        return None


def _fail(run, error):
    with transaction.atomic():
        DataQualityFinding.objects.filter(run=run).delete()
        DataQualityRun.objects.filter(pk=run.pk).update(
            status=DataQualityRun.Status.FAILED, finished_at=timezone.now(), error=error[:2000]
        )


class _Audit:
    """One pass over every audited record, writing findings as it goes."""

    def __init__(self, run, chunk_size):
        self.run = run
        self.chunk_size = chunk_size
        self.owners = Owners()
        self.pending = []
        self.records = 0
        self.findings = 0
        self.types = {}

    def content_type(self, model):
        if model not in self.types:
            self.types[model] = ContentType.objects.get_for_model(model)
        return self.types[model]

    def add(self, record, field, rule, message, related_texts=frozenset()):
        root = _root(record)
        root_type = self.content_type(type(root))
        self.pending.append(
            DataQualityFinding(
                run=self.run,
                content_type=self.content_type(type(record)),
                object_id=record.pk,
                root_type=root_type,
                root_id=root.pk,
                field=field,
                rule=rule,
                message=_safe(record, field, message, related_texts),
                owner_id=self.owners.of(root, root_type),
                found_at=timezone.now(),
            )
        )
        self.findings += 1
        if len(self.pending) >= 1000:
            self.flush()

    def flush(self):
        DataQualityFinding.objects.bulk_create(self.pending)
        self.pending = []

    def check(self, record):
        self.records += 1
        try:
            record.check_rules()
        except ValidationError as exc:
            texts = _related_texts(record)
            for field, code, message in _problems(exc):
                self.add(record, field, rule_code(type(record), field, code), message, texts)
        if _label(type(record)) == "programs.program":
            self.check_program(record)

    def check_program(self, program):
        try:
            program.check_cost_shares()
        except ValidationError as exc:
            for _field, _code, message in _problems(exc):
                self.add(program, "cost_share", COST_SHARES, message)
        if program.phase != program.Phase.CLOSED and program.is_health_stale():
            reviewed = program.health_reviewed_on
            if reviewed is None:
                message = "Health has never been reviewed: review it and save the program."
            else:
                days = (timezone.localdate() - reviewed).days
                message = (
                    f"Health not reviewed for {days} days (last on {reviewed.isoformat()}; "
                    f"review at least every {settings.HEALTH_STALE_DAYS} days): review it and "
                    "save the program."
                )
            self.add(program, "health", HEALTH_STALE, message)

    def run_all(self):
        for model in audited_models():
            for batch in _batches(model, self.chunk_size):
                for record in batch:
                    self.check(record)
                DataQualityRun.objects.filter(pk=self.run.pk).update(
                    heartbeat_at=timezone.now(), records_checked=self.records
                )
        self.flush()


def run_audit(started_by=None, chunk_size=CHUNK_SIZE):
    """Run every rule over every stored record; the new findings replace the previous
    run's in one transaction. Returns the finished run, or None when one was running."""
    run = _start(started_by)
    if run is None:
        logger.info("Data-quality audit already running; not started again")
        return None
    began = time.monotonic()
    audit = _Audit(run, chunk_size)
    try:
        audit.run_all()
    except Exception as exc:
        _fail(run, f"{type(exc).__name__}: {exc}")
        raise
    with transaction.atomic():
        DataQualityFinding.objects.exclude(run=run).delete()
        DataQualityRun.objects.filter(pk=run.pk).update(
            status=DataQualityRun.Status.DONE,
            finished_at=timezone.now(),
            records_checked=audit.records,
            findings_count=audit.findings,
        )
        old = DataQualityRun.objects.values_list("pk", flat=True)[KEEP_RUNS:]
        DataQualityRun.objects.filter(pk__in=list(old)).delete()
    run.refresh_from_db()
    logger.info(
        "Data-quality audit: %s records, %s findings in %.1f s",
        audit.records,
        audit.findings,
        time.monotonic() - began,
    )
    return run


# Reading findings -------------------------------------------------------------------------


def visible_findings(user, run=None, findings=None):
    """The current run's findings (of `findings`, if given) whose record `user` may view;
    nothing else."""
    run = run or current_run()
    if run is None or user is None or not user.is_authenticated:
        return DataQualityFinding.objects.none()
    base = DataQualityFinding.objects.all() if findings is None else findings
    findings = base.filter(run=run)
    type_ids = findings.order_by().values_list("content_type", flat=True).distinct()
    condition, whole = Q(pk__in=[]), []
    for content_type in ContentType.objects.filter(pk__in=list(type_ids)):
        model = content_type.model_class()
        if model is None:
            continue
        if _sees_all(user, model):
            whole.append(content_type.pk)
            continue
        allowed = restrict(model._default_manager.order_by(), user, "view").values("pk")
        condition |= Q(content_type=content_type, object_id__in=allowed)
    if whole:
        condition |= Q(content_type__in=whole)
    return findings.filter(condition)


def _sees_all(user, model):
    """Does restrict() leave every row of `model` (or of its permission parent) to the
    user? Then a finding needs no id lookup, which at office scale saves scanning every
    id of a table (Leadership, Portal Admins)."""
    parent = getattr(model, "permission_parent", None)
    if parent:
        return _sees_all(user, model._meta.get_field(parent).related_model)
    return not restrict(model._default_manager.all(), user, "view").query.where


def records_needing_attention(user, run=None):
    """How many records the user is responsible for (and may see) have findings."""
    mine = DataQualityFinding.objects.filter(owner=user)
    return (
        visible_findings(user, run, findings=mine)
        .order_by()
        .values("content_type", "object_id")
        .distinct()
        .count()
    )


def findings_on(user, records, program_ids=(), run=None):
    """The current findings `user` may see on `records` (and on the partners, funding and
    milestones of the programs `program_ids`)."""
    by_type = defaultdict(set)
    for record in records:
        by_type[ContentType.objects.get_for_model(type(record))].add(record.pk)
    condition = Q(pk__in=[])
    for content_type, ids in by_type.items():
        condition |= Q(content_type=content_type, object_id__in=ids)
    if program_ids:
        program_type = ContentType.objects.get_by_natural_key("programs", "program")
        children = [
            ContentType.objects.get_by_natural_key("programs", name)
            for name in ("participant", "funding", "milestone")
        ]
        condition |= Q(root_type=program_type, root_id__in=program_ids, content_type__in=children)
    return visible_findings(user, run).filter(condition)
