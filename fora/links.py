"""Agenda items point at programs, agreements or disclosure requests through a generic link.

A linked record is shown only to someone who may see it (core.permissions); to anyone
else the link is simply absent, never "restricted".
"""

from collections import defaultdict

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from core import permissions
from fora.models import LINKABLE_MODELS


def linkable_models():
    """(label, model) of each link target whose app has its model today."""
    found = []
    for label in LINKABLE_MODELS:
        try:
            found.append((label, apps.get_model(label)))
        except LookupError:
            continue
    return found


# What a user types to name a record: its code or number, as printed everywhere.
IDENTIFIERS = {
    "programs.program": "code",
    "agreements.agreement": "number",
    "tsfd.disclosurerequest": "number",
}


def identifier(record):
    return getattr(record, IDENTIFIERS[record._meta.label_lower])


def find(value, user):
    """The record whose code or number is `value` (any case), if `user` may see it."""
    value = (value or "").strip()
    if not value:
        return None
    for label, model in linkable_models():
        lookup = {f"{IDENTIFIERS[label]}__iexact": value}
        found = permissions.restrict(model._default_manager.filter(**lookup), user, "view")
        record = found.first()
        if record is not None:
            return record
    return None


def resolve(label, pk, user):
    """The record, if it exists and `user` may see it; else None."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    return permissions.restrict(model._default_manager.filter(pk=pk), user, "view").first()


def visible_links(items, user):
    """{agenda item pk: linked record} for the items whose record `user` may see.

    One query per kind of record, however many items.
    """
    wanted = defaultdict(set)
    for item in items:
        if item.linked_type_id and item.linked_id:
            wanted[item.linked_type_id].add(item.linked_id)
    records = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for record in permissions.restrict(model._default_manager.filter(pk__in=ids), user, "view"):
            records[(type_id, record.pk)] = record
    return {
        item.pk: records[(item.linked_type_id, item.linked_id)]
        for item in items
        if (item.linked_type_id, item.linked_id) in records
    }


def content_type_for(label):
    return ContentType.objects.get_for_model(apps.get_model(label))
