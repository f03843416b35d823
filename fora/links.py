"""Agenda items point at programs, agreements or disclosure requests through a generic link.

A linked record is shown only to someone who may see it (core.permissions); to anyone
else the link is simply absent, never "restricted".
"""

from collections import defaultdict

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from core import permissions
from fora.models import LINKABLE_MODELS

LABELS = {
    "programs.program": "Programs",
    "agreements.agreement": "Agreements",
    "tsfd.disclosurerequest": "TSFD requests",
}


def linkable_models():
    """(label, model) of each link target whose app has its model today."""
    found = []
    for label in LINKABLE_MODELS:
        try:
            found.append((label, apps.get_model(label)))
        except LookupError:
            continue
    return found


def link_key(content_type_id, object_id):
    content_type = ContentType.objects.get_for_id(content_type_id)
    return f"{content_type.app_label}.{content_type.model}:{object_id}"


def parse_key(value):
    """("programs.program", 12) from "programs.program:12", or None."""
    label, _, pk = (value or "").partition(":")
    if label not in LINKABLE_MODELS or not pk.isdigit():
        return None
    return label, int(pk)


def resolve(label, pk, user):
    """The record, if it exists and `user` may see it; else None."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    return permissions.restrict(model._default_manager.filter(pk=pk), user, "view").first()


def choices_for(user):
    """Grouped select choices of every record `user` may link an agenda item to."""
    groups = []
    for label, model in linkable_models():
        records = permissions.restrict(model._default_manager.all(), user, "view")
        options = [(f"{label}:{r.pk}", str(r)[:120]) for r in records]
        if options:
            groups.append((LABELS[label], options))
    return groups


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
