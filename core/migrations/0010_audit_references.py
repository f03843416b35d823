"""Audit rows written before history kept references held the text of related records
(a program's code and name, an agreement's number and title). Turn each such text into a
reference to the record it names where exactly one record has that label today;
otherwise remove the text. See core.history."""

from django.db import migrations

# The label of a deleted record was written as "#<id> (deleted)".
DELETED_SUFFIX = " (deleted)"


def _real_model(label):
    # The live model, for str(): historical models in migrations lack __str__.
    from django.apps import apps as live

    try:
        return live.get_model(label)
    except LookupError:
        return None


class Labels:
    """{text: id} of every row of a model, built once per model and only when needed."""

    def __init__(self):
        self.by_model = {}

    def lookup(self, model, text):
        if model not in self.by_model:
            seen, twice = {}, set()
            try:
                for obj in model._base_manager.all():
                    label = str(obj)
                    if label in seen:
                        twice.add(label)
                    seen[label] = obj.pk
            except Exception:  # the live model no longer matches this schema: drop texts
                seen, twice = {}, set()
            self.by_model[model] = {k: v for k, v in seen.items() if k not in twice}
        return self.by_model[model].get(text)


def _as_reference(model, text, labels):
    from core.history import ref

    if text in (None, ""):
        return text
    if isinstance(text, dict):  # already a reference
        return text
    text = str(text)
    if text.startswith("#") and text.endswith(DELETED_SUFFIX):
        number = text[1 : -len(DELETED_SUFFIX)]
        return ref(model, int(number)) if number.isdigit() else None
    pk = labels.lookup(model, text)
    return ref(model, pk) if pk is not None else None


def generic_ids(model):
    """Names of the id fields of a model's generic links (an agenda item's linked record)."""
    from django.contrib.contenttypes.fields import GenericForeignKey

    return {f.fk_field for f in model._meta.private_fields if isinstance(f, GenericForeignKey)} - {
        "object_id"
    }


def forwards(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not AuditEntry.objects.exists():
        return
    program = _real_model("programs.program")
    kinds = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    labels = Labels()
    for entry in AuditEntry.objects.iterator(chunk_size=2000):
        model = _real_model(kinds.get(entry.content_type_id, ""))
        if model is None or not entry.changes:
            continue
        changed = False
        new = {}
        for name, pair in entry.changes.items():
            if name in ("programs linked", "programs unlinked") and program is not None:
                sides = []
                for side in pair:
                    if not side or isinstance(side, list):
                        sides.append(side)
                        continue
                    codes = [c.strip() for c in str(side).split(",") if c.strip()]
                    found = program._base_manager.filter(code__in=codes)
                    sides.append([{"ref": "programs.program", "id": p.pk} for p in found])
                new[name] = sides
                changed = True
                continue
            if name in generic_ids(model):  # a bare id of a linked record: removed
                new[name] = [None, None]
                changed = True
                continue
            try:
                field = model._meta.get_field(name)
            except Exception:
                new[name] = pair
                continue
            related = field.related_model if field.is_relation else None
            if related is None or related._meta.label_lower == "contenttypes.contenttype":
                new[name] = pair
                continue
            new[name] = [_as_reference(related, side, labels) for side in pair]
            changed = True
        if changed:
            AuditEntry.objects.filter(pk=entry.pk).update(changes=new)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_search_vector_column"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
