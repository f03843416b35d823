"""The audit trail: who changed what, old → new, from which request or job.

`AuditedModel` records every create, update and delete of a domain record as an
`AuditEntry`. It works the same on SQLite and PostgreSQL because it hooks `save()` and
`delete()` instead of database triggers; bulk changes in the portal go through `save()`
one row at a time so they are recorded too. `VersionedModel` refuses stale saves.
The user and source of each row come from the context in core.audit.
"""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from core.audit import ConcurrentEditError, current_context, record_audited
from core.models.fields import user_link
from core.rules import RuledModel


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def ref(model, pk):
    """The stored form of a link to one record: audit rows keep this, never its text
    (core.history resolves it for each reader)."""
    return {"ref": model._meta.label_lower, "id": pk}


class AuditEntry(models.Model):
    """One create, update or delete of a domain record, with old and new values.

    `root` points at the record whose History tab shows the entry: a program for its
    milestones and partners, the record itself otherwise. Never edited or deleted.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices)
    user = user_link()
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    root_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    root_id = models.PositiveBigIntegerField()
    changes = models.JSONField(default=dict, help_text="field → [old, new]")
    source = models.CharField(max_length=200, blank=True, help_text="request or job")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["root_type", "root_id", "-at"])]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"


class AuditedModel(RuledModel):
    """Records every create, update and delete in `core.AuditEntry`; its rules
    (core.rules) run before each save.

    Children override `audit_root()` so their changes show on the parent's history.
    """

    audit_exclude = ("id", "version", "search_vector")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        creating = self._state.adding
        old = getattr(self, "_audit_snapshot", {})
        with transaction.atomic():
            super().save(*args, **kwargs)
            new = self._audit_values()
            if creating:
                filled = {k: v for k, v in new.items() if v not in (None, "")}
                self._audit_write("create", self._audit_changes({}, filled))
            else:
                changes = self._audit_changes(old, new)
                if changes:
                    self._audit_write("update", changes)
        self._audit_snapshot = new

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            self._audit_write("delete", self._audit_changes(self._audit_values(), {}))
            self._audit_cascade(kwargs.get("using"))
            return super().delete(*args, **kwargs)

    def _audit_cascade(self, using=None):
        """Record what the delete does to other audited rows, which never pass through
        their own save() or delete(): rows deleted with this one (on_delete=CASCADE) and
        references emptied (SET_NULL, SET_DEFAULT)."""
        from django.db import router
        from django.db.models.deletion import Collector

        collector = Collector(using=using or router.db_for_write(type(self), instance=self))
        collector.collect([self])
        deleted = [row for rows in collector.data.values() for row in rows]
        for queryset in collector.fast_deletes:
            deleted.extend(queryset)
        gone = {(type(row), row.pk) for row in deleted}
        for row in deleted:
            if isinstance(row, AuditedModel) and (type(row), row.pk) != (type(self), self.pk):
                row._audit_write("delete", row._audit_changes(row._audit_values(), {}), False)
        for (field, value), batches in collector.field_updates.items():
            for row in (row for batch in batches for row in batch):
                if isinstance(row, AuditedModel) and (type(row), row.pk) not in gone:
                    old = _plain(getattr(row, field.attname))
                    if old != value:
                        change = [row._display(field, old), row._display(field, value)]
                        row._audit_write("update", {field.name: change}, False)

    def audit_root(self):
        return self

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Raw values as loaded; compared (and made JSON-friendly) only when saved.
        instance._audit_snapshot = dict(zip(field_names, values, strict=True))
        return instance

    def _audit_fields(self):
        return [f for f in self._meta.concrete_fields if f.name not in self.audit_exclude]

    def _audit_values(self):
        return {
            f.attname: _plain(f.value_from_object(self))
            for f in self._audit_fields()
            if f.attname in self.__dict__
        }

    def _display(self, field, raw, values=None):
        """What an audit row keeps of one value: a reference for a link to another record
        (never its text, see core.history), the label of a choice, else the value."""
        if raw in (None, ""):
            return raw
        if field.is_relation:
            if field.related_model is ContentType:  # the kind of a generic link
                return ContentType.objects.get_for_id(raw).name
            return ref(field.related_model, raw)
        generic = self._audit_generic_links().get(field.attname)
        if generic is not None:
            type_id = (values or {}).get(generic, getattr(self, generic, None))
            if type_id:
                model = ContentType.objects.get_for_id(type_id).model_class()
                if model is not None:
                    return ref(model, raw)
            return None
        if field.choices:
            return str(dict(field.flatchoices).get(raw, raw))
        return raw

    @classmethod
    def _audit_generic_links(cls):
        """{id column: content-type column} of the model's generic links (an agenda item's
        linked record, a document's record): their ids are kept as references too."""
        from django.contrib.contenttypes.fields import GenericForeignKey

        links = {}
        for private in cls._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                type_field = cls._meta.get_field(private.ct_field)
                links[cls._meta.get_field(private.fk_field).attname] = type_field.attname
        return links

    def _audit_changes(self, old, new):
        changes = {}
        for field in self._audit_fields():
            before, after = _plain(old.get(field.attname)), new.get(field.attname)
            if before != after:
                changes[field.name] = [
                    self._display(field, before, old),
                    self._display(field, after, new),
                ]
        return changes

    def _audit_write(self, action, changes, notify=True):
        """Store the audit row, then announce the change with `record_audited`."""
        context = current_context()
        root = self.audit_root()
        AuditEntry.objects.create(
            action=action,
            user=context.user,
            content_type=ContentType.objects.get_for_model(type(self)),
            object_id=self.pk,
            object_repr=str(self)[:200],
            root_type=ContentType.objects.get_for_model(type(root)),
            root_id=root.pk,
            changes=changes,
            source=context.source,
        )
        # Who else hears of it (followers, core.follows) subscribes to the signal.
        record_audited.send(
            sender=type(self),
            record=self,
            action=action,
            changes=changes,
            root=root,
            user=context.user,
            cascade=not notify,
        )


class VersionedModel(models.Model):
    """Optimistic locking: a save based on a stale `version` is refused, never merged."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            bumped = (
                type(self)
                ._base_manager.filter(pk=self.pk, version=self.version)
                .update(version=F("version") + 1)
            )
            if not bumped:
                raise ConcurrentEditError(
                    f"{self._meta.verbose_name.capitalize()} “{self}” was changed by someone "
                    "else after you opened it."
                )
            self.version += 1
            try:
                return super().save(*args, **kwargs)
            except Exception:
                self.version -= 1  # the bump was rolled back with the refused save
                raise
