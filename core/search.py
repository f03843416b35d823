"""Global search across the portal's records, filtered by the permission layer.

Each app registers its searchable models in AppConfig.ready()
(core.registry.register_search). A record's text is kept in `core.SearchEntry` on every
save; a search joins the entries of each type with `restrict(model, user, "view")`, so
a record the user may not see is never found, counted or suggested.

On PostgreSQL the search is full-text (`websearch_to_tsquery`, ranked, a GIN index on
the entries); on the embedded SQLite default every word must appear (case-insensitive).
Matching words are highlighted with <mark>, after the text itself was escaped.
"""

import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.permissions import restrict
from core.registry import registry

CONFIG = "english"
START, STOP = "\x02", "\x03"  # sentinels turned into <mark> after escaping


def registered():
    return list(registry["search"].values())


def index(obj):
    from core.models import SearchEntry

    spec = registry["search"][type(obj)]
    SearchEntry.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        defaults={
            "title": spec.title(obj)[:300],
            "text": spec.text_of(obj),
            "url": obj.get_absolute_url()[:300],
        },
    )


def _on_save(sender, instance, raw=False, **kwargs):
    if not raw and sender in registry["search"]:
        index(instance)


def _on_delete(sender, instance, **kwargs):
    from core.models import SearchEntry

    if sender not in registry["search"]:
        return
    SearchEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk
    ).delete()


# One pair of receivers for every model; they act on the registered ones only.
post_save.connect(_on_save, dispatch_uid="search-index", weak=False)
post_delete.connect(_on_delete, dispatch_uid="search-unindex", weak=False)


def rebuild():
    """Re-index every registered record (after a bulk load or restore)."""
    count = 0
    for spec in registered():
        for obj in spec.model._default_manager.iterator():
            index(obj)
            count += 1
    return count


def search_vector():
    from django.contrib.postgres.search import SearchVector

    return SearchVector("text", config=CONFIG)


@dataclass
class Group:
    label: str
    total: int
    hits: list


@dataclass
class Hit:
    title: str
    url: str
    snippet: str


def _terms(q):
    return [t for t in re.findall(r"\w+", q.lower()) if len(t) > 1][:10]


def _highlight_python(text, terms, width=200):
    lowered = text.lower()
    first = min((lowered.find(t) for t in terms if t in lowered), default=0)
    start = max(first - 60, 0)
    snippet = text[start : start + width]
    safe = _mark(snippet, terms)
    return ("…" if start else "") + safe + ("…" if start + width < len(text) else "")


def _mark(text, terms):
    safe = escape(text)
    for term in sorted(terms, key=len, reverse=True):
        safe = re.sub(f"({re.escape(escape(term))})", r"<mark>\1</mark>", safe, flags=re.I)
    return safe


def _postgres_entries(entries, q):
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

    query = SearchQuery(q, config=CONFIG, search_type="websearch")
    return (
        entries.filter(vector=query)
        .only("title", "url")
        .annotate(
            rank=SearchRank(F("vector"), query),
            snippet=SearchHeadline(
                "text",
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
            ),
        )
        .order_by("-rank", "title")
    )


def _postgres_snippet(raw):
    safe = escape(raw).replace(START, "<mark>").replace(STOP, "</mark>")
    return safe.replace("\n", " · ")


def search(user, q, per_type=10, types=None):
    """Groups of hits the user may see, best first; empty for an empty query."""
    from core.models import SearchEntry

    q = (q or "").strip()[:200]
    terms = _terms(q)
    if not terms:
        return []
    postgres = connection.vendor == "postgresql"
    groups = []
    for spec in registered():
        if types and spec.model._meta.label_lower not in types:
            continue
        visible = restrict(spec.model._default_manager.all(), user, "view").values("pk")
        entries = SearchEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(spec.model), object_id__in=visible
        )
        if postgres:
            entries = _postgres_entries(entries, q)
        else:
            for term in terms:
                entries = entries.filter(text__icontains=term)
            entries = entries.defer("vector").order_by("title")
        total = entries.count()
        if not total:
            continue
        hits = []
        for entry in entries[:per_type]:
            if postgres:
                snippet = _postgres_snippet(entry.snippet)
            else:
                snippet = _highlight_python(entry.text.replace("\n", " · "), terms)
            title = _mark(entry.title, terms)
            hits.append(Hit(mark_safe(title), entry.url, mark_safe(snippet)))  # noqa: S308
        groups.append(Group(spec.label, total, hits))
    return groups
