"""Reading the audit trail: labels of related records resolved for the reader.

Audit rows never keep the text of a related record: a foreign key, a generic link or
a many-to-many change is stored as a reference (`{"ref": "app_label.model", "id": 7}`).
When a history is shown (page, API, export, PDF), `readable()` turns each reference
into a label through `restrict()` for the person reading; a record they may not see,
or one that no longer exists, reads `HIDDEN`, with no code, title or id.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from core import permissions
from core.models.audit import ref  # noqa: F401  (the stored form, imported from here too)

HIDDEN = "a record you may not see"


def is_ref(value):
    return isinstance(value, dict) and "ref" in value and "id" in value


def _refs_in(value):
    if is_ref(value):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _refs_in(item)


def is_guarded(model):
    """Does reading `model` go through object permissions (a record or a record's child)?
    Reference data (countries, organisations, users, legal authorities) does not."""
    if getattr(model, "permission_parent", None):
        return True
    return permissions._object_permission_models(model) is not None


def history_of(obj):
    """Every audit row shown on `obj`'s History tab (its own and its children's)."""
    from core.models import AuditEntry

    return AuditEntry.objects.filter(
        root_type=ContentType.objects.get_for_model(type(obj)), root_id=obj.pk
    ).select_related("user", "content_type")


@dataclass
class ReadableEntry:
    """An audit row as one reader may see it: its changes with labels resolved."""

    entry: object
    changes: dict = field(default_factory=dict)

    def __getattr__(self, name):  # at, action, user, object_repr… of the stored row
        return getattr(self.entry, name)


def labels_for(refs, user):
    """{(model label, id): text} for every reference, one query per model."""
    wanted = {}
    for item in refs:
        wanted.setdefault(item["ref"], set()).add(item["id"])
    labels = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        queryset = model._base_manager.filter(pk__in=ids)
        if is_guarded(model):
            queryset = permissions.restrict(queryset, user, "view")
        for obj in queryset:
            labels[(label, obj.pk)] = str(obj)
    return labels


def _text(value, labels):
    if is_ref(value):
        return labels.get((value["ref"], value["id"]), HIDDEN)
    if isinstance(value, list):
        texts = []
        for item in value:
            text = _text(item, labels)
            if text not in texts:  # hidden links read once, never counted
                texts.append(text)
        return ", ".join(str(t) for t in texts)
    return value


def readable(entries, user):
    """The entries with every reference turned into a label `user` may read."""
    entries = list(entries)
    refs = [r for e in entries for pair in (e.changes or {}).values() for r in _refs_in(pair)]
    labels = labels_for(refs, user)
    out = []
    for entry in entries:
        changes = {}
        for name, pair in (entry.changes or {}).items():
            if isinstance(pair, list) and len(pair) == 2:
                changes[name] = [_text(pair[0], labels), _text(pair[1], labels)]
            else:
                changes[name] = [None, _text(pair, labels)]
        out.append(ReadableEntry(entry, changes))
    return out
