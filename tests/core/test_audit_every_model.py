"""Every domain model is audited, and every audited model records create, update, delete.

The walk finds the models itself: a new model in a domain app is either audited (and then
walked here without further work, through the generic builder) or must be added to
NOT_AUDITED with the reason it needs no history.
"""

import datetime
import decimal
import itertools
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from agreements.models import Agreement
from core.audit import audit_context
from core.models import AuditedModel, AuditEntry, Country, Document
from fora.models import ActionItem, Forum, Meeting
from programs.models import Funding, Participant, Program
from tests.agreements.factories import AgreementFactory
from tests.fora.factories import ForumFactory, MeetingFactory, counterpart
from tests.programs.factories import ProgramFactory
from tsfd.models import DisclosureRequest, Release, Review

DOMAIN_APPS = ("core", "programs", "agreements", "tsfd", "fora", "briefs")
SOURCE = "audit walk"

# Concrete models of the domain apps that keep no AuditEntry history, and why.
NOT_AUDITED = {
    "core.AuditEntry": "the audit log itself; append-only, never edited through the portal",
    "core.SecurityEvent": "the security log itself; append-only",
    "core.AccountLockout": "locking and unlocking are security events (locked, unlocked)",
    "core.SignInAttempts": "the lock row of an account's sign-ins; every attempt, failure "
    "and refusal is a security event",
    "core.ApiToken": "creating, revoking and using a revoked token are security events",
    "core.TeamMember": "team changes are security events (permission_change, core.teams)",
    "core.TransitionLog": "the workflow timeline, itself a log; the status it moves is "
    "audited on the record",
    "core.Notification": "messages the portal sends about audited changes; derived",
    "core.SearchEntry": "search index rebuilt from the records on save; derived",
    "core.SavedView": "a user's saved list filters: a preference, not office records",
    "core.TablePreference": "a user's chosen list columns: a preference",
    "core.NotificationPreference": "a user's e-mail preference",
    "core.Follow": "a user's subscription to a record's changes: a preference",
    "core.DataQualityRun": "a data-quality audit job row (status, timings, counts)",
    "core.DataQualityFinding": "derived by the audit from audited records; replaced each run",
    "briefs.Packet": "a PDF job row (status, progress); generating and downloading a "
    "packet are security events, its content is audited records",
    "briefs.Subscription": "a user's weekly packet preference (like core.Follow); the "
    "packets it asks for are job rows with security events",
    # django-guardian rows: granted and revoked only through team membership (above).
    **{
        f"{app}.{model}{kind}ObjectPermission": "guardian permission row derived from "
        "team membership; changes are security events"
        for app, model in (
            ("programs", "Program"),
            ("agreements", "Agreement"),
            ("tsfd", "DisclosureRequest"),
            ("tsfd", "DelegationLetter"),
            ("fora", "Forum"),
            ("briefs", "Packet"),
        )
        for kind in ("User", "Group")
    },
}


def domain_models():
    return [
        model
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.abstract and not model._meta.proxy
    ]


AUDITED = [model for model in domain_models() if issubclass(model, AuditedModel)]


def test_every_domain_model_is_audited_or_excused():
    unaudited = {m._meta.label for m in domain_models() if not issubclass(m, AuditedModel)}
    missing = sorted(unaudited - set(NOT_AUDITED))
    assert not missing, (
        f"{missing} keep no history: make them AuditedModel subclasses, or add them to "
        "NOT_AUDITED with the reason they need none"
    )
    stale = sorted(set(NOT_AUDITED) - unaudited)
    assert not stale, f"{stale} are audited (or gone): take them off NOT_AUDITED"
    # Everything people create and edit in the portal or the admin site is audited.
    assert {
        "core.Country",
        "core.Organization",
        "core.Contact",
        "core.Document",
        "agreements.LegalAuthority",
        "tsfd.ReviewArea",
        "tsfd.InformationCategory",
        "fora.CalendarToken",
    } <= {m._meta.label for m in AUDITED}


# Building a minimal valid instance of any model ------------------------------------

_serial = itertools.count(1)


def _letters(n, length):
    text = ""
    while n or not text:
        n, digit = divmod(n, 26)
        text = chr(ord("A") + digit) + text
    return text.rjust(length, "A")[-length:]


def _text(model, field):
    """A value for a required text field, unused where the field must be unique."""
    for _ in range(10_000):
        n = next(_serial)
        if field.max_length and field.max_length < 12:
            value = _letters(n, field.max_length)
        elif isinstance(field, models.EmailField):
            value = f"walk{n}@example.org"
        else:
            value = f"Audit walk {model._meta.model_name} {n}"[: field.max_length]
        if not field.unique or not model._base_manager.filter(**{field.name: value}).exists():
            return value
    raise AssertionError(f"no free value for {model._meta.label}.{field.name}")


def _number(field, base):
    low = next((v.limit_value for v in field.validators if isinstance(v, MinValueValidator)), 1)
    high = next((v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)), None)
    value = max(base, low)
    return min(value, high) if high is not None else value


def _user(name="walker"):
    user, _ = get_user_model().objects.get_or_create(
        username=f"{name}-{uuid.uuid4().hex[:6]}", defaults={"first_name": name.capitalize()}
    )
    return user


def _value(model, field, context):
    if field.is_relation:
        related = field.related_model
        if related is get_user_model():
            return context["user"]
        if related is Country:
            return Country.objects.get(iso3="GBR")
        if related is ContentType:
            raise AssertionError(
                f"{model._meta.label}.{field.name} points at any record: give the model a "
                "builder in BUILDERS"
            )
        return build(related, context)
    if field.choices:
        return next(value for value, _ in field.flatchoices if value not in ("", None))
    if isinstance(field, models.CharField | models.TextField):
        return _text(model, field)
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.DurationField):
        return datetime.timedelta(0)
    if isinstance(field, models.DecimalField):
        return Decimal(_number(field, 1))
    if isinstance(field, models.IntegerField):
        return _number(field, 1)
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.FileField):
        return ContentFile(b"audit walk\n", name="walk.txt")
    if isinstance(field, models.JSONField):
        return {}
    raise AssertionError(f"no sample value for {model._meta.label}.{field.name}: add a builder")


def generic(model, context, **given):
    """Fill every required field (recursively creating what it points at), check, save."""
    values = dict(given)
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in values or field.attname in values:
            continue
        if field.has_default() or field.null or getattr(field, "auto_now", False):
            continue
        if field.blank and isinstance(field, models.CharField | models.TextField):
            continue
        values[field.name] = _value(model, field, context)
    instance = model(**values)
    instance.full_clean()
    instance.save()
    return instance


def _document(context):
    program = ProgramFactory()
    document = Document(
        content_type=ContentType.objects.get_for_model(Program),
        object_id=program.pk,
        title="Walk annex",
        original_name="annex.txt",
        size=11,
        checksum="0" * 64,
        uploaded_by=context["user"],
    )
    document.file.save("annex.txt", ContentFile(b"audit walk\n"), save=False)
    document.full_clean()
    document.save()
    return document


def _funding(context):
    participant = build(Participant, context)
    return generic(
        Funding,
        context,
        program=participant.program,
        participant=participant,
        fiscal_year=2026,
        amount=Decimal("1000.00"),
    )


def _review(context):
    from tests.tsfd.factories import area, draft

    return generic(
        Review,
        context,
        request=draft(_user("requester")),
        area=area(f"W{next(_serial)}"),
        reviewer=_user("reviewer"),
    )


def _disclosure_request(context):
    from tests.tsfd.factories import draft

    return draft(_user("requester"))


def _release(context):
    from django.contrib.auth.models import Group

    from core import roles
    from tests.tsfd.factories import advance, draft
    from tsfd.models import Release

    people = {}
    for name, role in (("approver", roles.TSFD_APPROVER), ("reviewer", roles.TSFD_REVIEWER)):
        people[name] = _user(name)
        people[name].groups.add(Group.objects.get(name=role))
    approver = get_user_model().objects.get(pk=people["approver"].pk)
    case = advance(
        draft(_user("requester")),
        DisclosureRequest.Status.APPROVED,
        approver,
        [people["reviewer"]],
    )
    return generic(
        Release,
        context,
        request=case,
        recipient_country=case.recipient_country,
        released_by=approver,
        classification_released="CUI",
        released_on=timezone.localdate(),
    )


def _action_item(context):
    return generic(
        ActionItem,
        context,
        meeting=build(Meeting, context),
        owner_contact=counterpart(),
        due_date=timezone.localdate() + datetime.timedelta(days=14),
    )


# Factories where the tests have them; the generic builder for everything else.
BUILDERS = {
    Program: lambda context: ProgramFactory(),
    Agreement: lambda context: AgreementFactory(),
    Forum: lambda context: ForumFactory(),
    Meeting: lambda context: MeetingFactory(),
    DisclosureRequest: _disclosure_request,
    Document: _document,
    Funding: _funding,
    Review: _review,
    ActionItem: _action_item,
    # A related user (a coordinating office's members): a plain account.
    get_user_model(): lambda context: get_user_model().objects.create_user("walk-member"),
    Release: _release,
}


def build(model, context):
    builder = BUILDERS.get(model)
    return builder(context) if builder else generic(model, context)


# What the audit rows should say, worked out independently of core.audit --------------


def _audited_fields(model):
    return [f for f in model._meta.concrete_fields if f.name not in model.audit_exclude]


def shown(instance, field):
    """A field's value as the audit row keeps it: labels for choices, references (never
    text) for related records, the kind's name for the type of a generic link."""
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return value
    if field.is_relation and field.related_model is ContentType:
        return ContentType.objects.get_for_id(value).name
    if field.is_relation:
        return {"ref": field.related_model._meta.label_lower, "id": value}
    generic = type(instance)._audit_generic_links().get(field.attname)
    if generic is not None:
        model = ContentType.objects.get_for_id(getattr(instance, generic)).model_class()
        return {"ref": model._meta.label_lower, "id": value}
    if field.choices:
        return str(dict(field.flatchoices)[value])
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name
    return value


def _edit(instance):
    """Change one audited field the way an editor would; returns the field."""
    fields = [f for f in _audited_fields(type(instance)) if not f.is_relation and f.editable]
    fields += [f for f in _audited_fields(type(instance)) if not f.is_relation and f.null]

    def first(kinds, test=lambda f: True):
        return next((f for f in fields if isinstance(f, kinds) and test(f)), None)

    # A free-text field: not a marking's country list, not a coded value with a pattern.
    coded = {"rel_to", *instance.value_patterns()}
    text = first(models.TextField) or first(
        models.CharField,
        lambda f: not f.choices and (f.max_length or 0) >= 20 and f.name not in coded,
    )
    if text:
        old = getattr(instance, text.attname) or ""
        setattr(instance, text.attname, (old + " (edited)")[-(text.max_length or 1000) :])
        return text
    number = first(models.DecimalField) or first(models.IntegerField)
    if number:
        setattr(instance, number.attname, getattr(instance, number.attname) + 1)
        return number
    when = first(models.DateTimeField, lambda f: f.null)
    if when:
        setattr(instance, when.attname, timezone.now())
        return when
    flag = first(models.BooleanField)
    if flag:
        setattr(instance, flag.attname, not getattr(instance, flag.attname))
        return flag
    raise AssertionError(f"nothing to edit on {type(instance)._meta.label}: extend _edit")


def _entries(instance, pk, action):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=pk,
        action=action,
    ).order_by("id")


def _key(record):
    return type(record), record.pk


def _check_entry(entry, instance, root, user, changes):
    assert entry.user == user
    assert entry.source == SOURCE
    assert entry.object_repr == str(instance)[:200]
    assert (entry.root_type.model_class(), entry.root_id) == root
    assert entry.changes == changes


@pytest.fixture
def walker(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return _user("walker")


@pytest.mark.django_db
@pytest.mark.parametrize("model", AUDITED, ids=[m._meta.label for m in AUDITED])
def test_create_update_delete_each_leave_an_audit_row(model, walker):
    context = {"user": walker}
    with audit_context(walker, SOURCE):
        instance = build(model, context)
    pk = instance.pk
    assert pk is not None

    # Create: one row, every filled field from nothing to its value.
    (created,) = _entries(instance, pk, "create")
    filled = {
        f.name: [None, shown(instance, f)]
        for f in _audited_fields(model)
        if getattr(instance, f.attname) not in (None, "")
    }
    _check_entry(created, instance, _key(instance.audit_root()), walker, filled)
    assert filled, "a create that records no field"

    # Update, as an editor does it: load, change one field, save. Only that field shows.
    editing = model._base_manager.get(pk=pk)
    unchanged = model._base_manager.get(pk=pk)
    field = _edit(editing)
    # Building may already have recorded updates (a forum's countries, added after it).
    earlier = {e.pk for e in _entries(instance, pk, "update")}
    with audit_context(walker, SOURCE):
        editing.save()
    before, after = shown(unchanged, field), shown(editing, field)
    assert before != after
    (updated,) = [e for e in _entries(instance, pk, "update") if e.pk not in earlier]
    _check_entry(
        updated, editing, _key(editing.audit_root()), walker, {field.name: [before, after]}
    )

    # Delete: one row keeping every last value, so the record can be read back from history.
    doomed = model._base_manager.get(pk=pk)
    root = _key(doomed.audit_root())  # before the delete clears the primary key
    last = {f.name: [shown(doomed, f), None] for f in _audited_fields(model)}
    last = {name: values for name, values in last.items() if values[0] is not None}
    with audit_context(walker, SOURCE):
        doomed.delete()
    assert not model._base_manager.filter(pk=pk).exists()
    (deleted,) = _entries(instance, pk, "delete")
    _check_entry(deleted, doomed, root, walker, last)

    assert [
        e.action
        for e in AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=pk
        ).order_by("id")
    ] == ["create", *["update"] * (len(earlier) + 1), "delete"]


@pytest.mark.django_db
def test_a_delete_records_what_it_does_to_other_audited_rows(walker):
    """Rows deleted with a record (CASCADE) and references it empties (SET_NULL) never
    pass through their own save() or delete(): the delete records them."""
    from fora.models import WorkingGroup
    from tests.programs.factories import with_children

    with audit_context(walker, SOURCE):
        program = with_children(ProgramFactory())
        children = [*program.participants.all(), *program.funding.all(), *program.milestones.all()]
        contact = counterpart()
        group = WorkingGroup.objects.create(
            forum=ForumFactory(), name="Radar WG", counterpart_lead=contact
        )
        program_ref = {"ref": "programs.program", "id": program.pk}
        contact_ref = {"ref": "core.contact", "id": contact.pk}
        names = {(type(c), c.pk): str(c) for c in children}
        program.delete()
        contact.delete()
    assert len(children) == 4
    for child in children:
        entry = _entries(child, child.pk, "delete").get()
        assert (entry.root_type.model_class(), entry.root_id) == (Program, child.program_id)
        assert entry.user == walker and entry.object_repr == names[type(child), child.pk]
        assert entry.changes["program"] == [program_ref, None]
    (emptied,) = _entries(group, group.pk, "update")
    assert emptied.changes == {"counterpart_lead": [contact_ref, None]}
    assert emptied.user == walker


# Many-to-many fields are not columns, so save() does not see them: each is audited
# on its own path. Adding a related record anywhere (form, API, admin, shell) is recorded.
M2M = [(model, field) for model in AUDITED for field in model._meta.many_to_many]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field"),
    [
        pytest.param(
            model,
            field,
            id=f"{model._meta.label}.{field.name}",
        )
        for model, field in M2M
    ],
)
def test_many_to_many_changes_leave_an_audit_row(model, field, walker):
    context = {"user": walker}
    with audit_context(walker, SOURCE):
        instance = build(model, context)
        target = field.related_model
        related = (
            Country.objects.exclude(pk__in=getattr(instance, field.name).values("pk")).get(
                iso3="FRA"
            )
            if target is Country
            else build(target, context)
        )
        getattr(instance, field.name).add(related)
    updates = _entries(instance, instance.pk, "update")
    assert any(
        field.name in key and walker == entry.user for entry in updates for key in entry.changes
    ), [e.changes for e in updates]
