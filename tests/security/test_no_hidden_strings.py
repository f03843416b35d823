"""A record you may not see is invisible in content too, not only in status codes.

tests/security/test_every_url.py checks that a hidden record's own URLs answer 404. This
file checks everything else a user reads. For each demo user (staff, pm, requester,
reviewer, approver, leader, admin) and a role-only user of each role (no team, as
tests/conftest.py's `users` are), it collects the identifying strings (code, number,
title, name, acronym) of every record the user may NOT see, per core.permissions.restrict
over every model it governs (record_models(), their children, models with their own
visibility rule), less the ambiguous ones: shorter than 5 characters, or found in the
text of a record the user may see, in reference data (countries, organisations,
contacts, users, legal authorities…) or in a choice label. Then, signed in (consent
banner accepted), it reads what the user MAY see and looks for those strings in every
answer:

- every route of the URL resolver: pages without a record (home and its dashboard
  widgets, profile, notifications, queues, briefs, forms), country pages, and every
  page of the chosen visible records (detail with its panels, edit, delete, history,
  team, child pages, workflow steps, documents, meeting .ics, forum calendar feeds);
  see `Scope` for which records are chosen;
- every link those pages hold (htmx fragments, pagination, downloads, links to other
  pages with their query), each shape of query once;
- each list without and with each filter that names a record (a hidden and a visible
  id) or takes text (a hidden and a visible string), its htmx results, CSV and XLSX;
- search and suggestions for a hidden string of each model and for visible ones;
- the user's calendar feed;
- a leadership packet and a country brief the user asks for, rendered by the worker
  code (eagerly), read back as PDF text and metadata (pdftotext, pdfinfo);
- every GET operation of the OpenAPI schema: lists (every page, each filter), detail,
  …/history/, …/timeline/ and downloads of the chosen records.

One staff member also gets a notification about a program of their team and then
leaves the team: the notification must not name it any more.

A failure lists every leak at once as (user, URL, hidden string (model), context), and
any server error met on the way. Run with -s for what was read and checked per user.
"""

import html
import io
import json
import logging
import os
import re
import subprocess
import tempfile
from collections import defaultdict
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit

import django_filters
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, TestCase, override_settings
from django.urls import Resolver404, resolve

from core.permissions import can_add, guarded_model, read_through, record_models, restrict
from fora.models import Forum
from icportal.celery import app as celery_app
from tests.conftest import ROLE_USERNAMES
from tests.security.test_every_url import (
    EXCLUDED_PREFIXES,
    ROLES,
    SESSION_ENDING,
    all_routes,
    fill,
    is_public,
    post_only,
)

pytestmark = pytest.mark.slow  # a sweep over every page and API answer, per user

IDENTIFYING = ("code", "number", "title", "name", "acronym")
MIN_LENGTH = 5
SUITE = {f"suite-{name}": role for name, role in ROLE_USERNAMES.items()}
PERSONAL = ("briefs.Packet",)  # each user sees only their own
USERS = (*ROLES, *SUITE)
NOT_CRAWLED = ("/consent/", "/accounts/login/", "/healthz", *SESSION_ENDING)
IGNORED_PARAMS = ("sort",)  # another order of the same rows
MAX_ANSWERS = 6000  # per user: a crawl that runs away fails instead of taking forever
PUBLIC_PK_MODELS = {"fora.feeds.forum_feed": Forum}  # a calendar feed: the token signs in


# --- the world: the demo data, loaded once for the module ---------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data, role-only users, calendar links and packets, in one transaction
    that is rolled back after the module (the tests run in savepoints inside it)."""
    media = tmp_path_factory.mktemp("media")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # packets render in-process, even with REDIS_URL
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast),
        mock.patch.dict(os.environ, {"DEMO_PASSWORD": "Demo-Password-For-Tests-1"}),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("seed_demo", verbosity=0)  # its packet renders on "commit"
            users = _users()
            for user in users.values():
                _calendar_link(user)
            with TestCase.captureOnCommitCallbacks(execute=True):
                _notified_then_taken_off_the_team(users["staff"], users["pm"])
            yield {"users": users, "api": _api_operations(users["admin"])}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            celery_app.conf.task_always_eager = eager


def _users():
    """The demo users, and one user of each role with no team, as tests/conftest makes."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    for username, role in SUITE.items():
        user = User.objects.create_user(
            username=username,
            password="Correct-Horse-Battery-9",
            first_name=username.capitalize(),
            last_name="Tester",
        )
        user.groups.add(Group.objects.get(name=role))
        if username == "suite-admin":
            user.is_staff = user.is_superuser = True
            user.save()
        users[username] = user
    return users


def _notified_then_taken_off_the_team(user, actor):
    """`user` follows a program of their team, hears of a change to it, then leaves the
    team: the notification stays theirs, the program goes out of their sight."""
    from core import follows, teams
    from core.models import TeamMember
    from programs.models import Program

    program = Program.objects.get(
        pk=TeamMember.objects.filter(user=user, content_type__model="program")
        .order_by("object_id")
        .values("object_id")[:1]
    )
    follows.toggle(user, program)
    follows.record_changed(program, actor, "changed the health")
    transaction.on_commit(lambda: teams.remove_member(program, user, by=actor))


def _calendar_link(user):
    from fora.models import CalendarToken

    CalendarToken.issue(user)


def _ask_for_packets(user):
    """A leadership packet (every visible program's sheet, the agreement pipeline, open
    cases, meetings, action items) and a country brief, asked for through the request
    form as the pages do, and rendered at once. (A forum read-ahead prints what
    /fora/<pk>/read-ahead/ shows, from the same fora.readahead.read_ahead().)"""
    from briefs import jobs
    from briefs.forms import PacketRequestForm
    from briefs.models import Packet

    if not can_add(user, Packet):
        return
    asks = [{"kind": "leadership"}, {"kind": "country", "country": "GBR"}]
    with TestCase.captureOnCommitCallbacks(execute=True):
        for data in asks:
            form = PacketRequestForm(data, user=user)
            if form.is_valid():
                title, parameters = form.describe()
                jobs.request_packet(user, data["kind"], title, parameters)


def _api_operations(admin):
    client = Client()
    client.force_login(admin)
    schema = client.get("/api/v1/schema/?format=json").json()
    return [path for path, methods in schema["paths"].items() if "get" in methods]


# --- what a user may not see ---------------------------------------------------------------


def governed_models():
    """Every model whose rows core.permissions decides on: the record models, their
    children (`permission_parent`) and models with their own visibility rule."""
    found = list(record_models())
    for model in apps.get_models():
        governed = getattr(model, "permission_parent", None) or hasattr(model, "visibility_q")
        if governed and model not in found:
            found.append(model)
    return found


def reference_models(governed):
    """What governed records point to without being governed themselves (countries,
    organisations, contacts, users, legal authorities, review areas…), transitively."""
    found, todo = [], list(governed)
    while todo:
        model = todo.pop()
        for field in model._meta.get_fields():
            target = field.related_model
            if not (field.is_relation and field.concrete and target):
                continue
            if target in governed or target in found:
                continue
            found.append(target)
            todo.append(target)
    return found


def _text_fields(model):
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
    ]


def _normal(text, fold=True):
    """Whitespace as one space, case folded (lower(): the same length, for context)."""
    text = re.sub(r"\s+", " ", str(text).replace("\xa0", " ")).strip()
    return text.lower() if fold else text


def hidden_strings(user):
    """{normalised hidden string: (model label, original)} for `user`, and how many
    candidates were dropped as ambiguous."""
    governed = governed_models()
    seen_text = []
    candidates = {}
    for model in governed:
        everything = model._default_manager.all()
        visible = restrict(everything, user, "view")
        fields = _text_fields(model)
        for row in visible.values_list(*fields):
            seen_text.extend(v for v in row if v)
        names = [f for f in fields if f in IDENTIFYING]
        if not names:
            continue
        hidden = everything.exclude(pk__in=visible.values("pk"))
        for row in hidden.values_list(*names):
            for value in row:
                if value:
                    candidates.setdefault(_normal(value), (model._meta.label, value))
    # A case-scoped read (core.permissions.read_through, e.g. a TSFD case's deciders read
    # its program's name and code on the case): those fields are the user's to read.
    for model in governed:
        for link in getattr(model, "scoped_reads", {}):
            for record in restrict(model._default_manager.all(), user, "view").exclude(
                **{f"{link}__isnull": True}
            ):
                linked, fields = read_through(user, record, link)
                if linked is not None and fields:
                    seen_text.extend(str(getattr(linked, f)) for f in fields if f in IDENTIFYING)
    for model in reference_models(governed):
        fields = _text_fields(model)
        if fields:
            for row in model._default_manager.values_list(*fields):
                seen_text.extend(v for v in row if v)
    for u in get_user_model().objects.all():
        seen_text.append(u.get_full_name())
    for model in apps.get_models():  # the portal's own words: choice labels of every field
        for field in model._meta.get_fields():
            for _, label in getattr(field, "flatchoices", None) or ():
                seen_text.append(str(label))
    corpus = "\n".join(_normal(t) for t in seen_text)
    kept = {
        s: origin for s, origin in candidates.items() if len(s) >= MIN_LENGTH and s not in corpus
    }
    return kept, len(candidates) - len(kept)


# --- reading answers as text ---------------------------------------------------------------


def answer_text(response):
    """(kind, [texts]): every text the answer carries, whatever its format."""
    kind = response.get("Content-Type", "").split(";")[0].strip()
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if not body:
        return "no body", []  # a redirect, a 204
    if kind == "application/pdf":  # in reading order, laid out as printed, and metadata
        return "pdf", [_pdf_text(body, "pdftotext"), _pdf_text(body, "pdftotext", "-layout")]
    if kind.endswith("spreadsheetml.sheet"):
        return "xlsx", [_xlsx_text(body)]
    if kind == "application/json":
        return "json", [json.dumps(json.loads(body), ensure_ascii=False)]
    text = body.decode("utf-8", errors="replace")
    if kind == "text/calendar":
        text = re.sub(r"\r?\n[ \t]", "", text)  # unfold (RFC 5545 §3.1), then unescape
        text = re.sub(r"\\([,;\\])", r"\1", text).replace("\\n", "\n").replace("\\N", "\n")
        return "ics", [text]
    if kind == "text/html":  # attributes and all; and the text alone, split by no tag
        return "html", [html.unescape(text), html.unescape(re.sub(r"<[^>]*>", "", text))]
    if kind.startswith("text/"):
        return kind, [text]
    return kind, []  # an uploaded binary document: not ours to read


def _pdf_text(body, *command):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(body)
        handle.flush()
        run = [*command, handle.name, "-"]
        text = subprocess.run(run, capture_output=True, check=True, timeout=60).stdout.decode()
        info = ["pdfinfo", handle.name]  # title, subject, keywords, author
        return text + subprocess.run(info, capture_output=True, timeout=60).stdout.decode()


def _xlsx_text(body):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    cells = []
    for sheet in book.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    return "\n".join(cells)


# --- one user's reading session ------------------------------------------------------------


class Reader:
    """Signs in as one user, reads URLs, and looks for hidden strings in every answer."""

    def __init__(self, label, user, hidden):
        self.label = label
        self.user = user
        self.hidden = hidden
        self.client = Client(raise_request_exception=False)  # a 500 is reported, not raised
        self.client.post("/consent/")  # the notice-and-consent banner, as a person would
        self.client.force_login(user)
        self.answers = 0
        self.by_kind = defaultdict(int)
        self.leaks = {}
        self.errors = []
        self.done = set()
        self.shapes = set()
        self.queue = []

    def read(self, url, htmx=False, crawl=True):
        """GET `url` (once), scan the answer, and queue the links of an HTML page."""
        key = (_key(url), htmx)
        if key in self.done:
            return None
        self.done.add(key)
        assert self.answers < MAX_ANSWERS, f"{self.label}: more than {MAX_ANSWERS} answers"
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = self.client.get(url, **headers)
        self.answers += 1
        if response.status_code >= 500:
            exc = (getattr(response, "exc_info", None) or (None, None))[1]
            self.errors.append((self.label, url, response.status_code, repr(exc)[:200]))
        echoed = [_normal(v) for _, v in parse_qsl(urlsplit(url).query) if len(v) >= MIN_LENGTH]
        kind, texts = answer_text(response)
        self.by_kind[kind] += 1
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())  # file names, Location
        for text in [headers, *texts]:
            self.scan(url, _normal(text, fold=False), echoed)
        if crawl and kind == "html":
            for link, is_htmx in _links(texts[0]):
                self.queue.append((link, is_htmx))
        location = response.get("Location", "")
        if crawl and response.status_code in (301, 302, 303) and location.startswith("/"):
            self.queue.append((location, False))
        return response

    def scan(self, url, text, echoed):
        folded = text.lower()
        if len(folded) != len(text):  # a rare letter whose lower case is longer
            text = folded
        for value in echoed:  # what the user typed comes back to them: not a leak
            while value in folded:
                at = folded.index(value)
                folded = folded[:at] + " " * len(value) + folded[at + len(value) :]
        for needle, (model, original) in self.hidden.items():
            at = folded.find(needle)
            if at >= 0 and (url, needle) not in self.leaks:
                context = text[max(at - 40, 0) : at + len(needle) + 40]
                self.leaks[(url, needle)] = (self.label, url, f"{original} ({model})", context)

    def crawl(self, scope):
        """Follow the links found: a page of a record only if it is one of the chosen
        records, any other page once per set of query parameters."""
        while self.queue:
            url, htmx = self.queue.pop()
            match = _crawlable(url)
            if match is None:
                continue
            pk = match.kwargs.get("pk")
            if pk is not None:
                model, owner = _pk_model(match.func)
                if int(pk) not in scope.chosen(model, owner):
                    continue
            elif (_shape(url), htmx) in self.shapes:
                continue
            self.shapes.add((_shape(url), htmx))
            self.read(url, htmx=htmx)


def _key(url):
    parts = urlsplit(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k not in IGNORED_PARAMS)
    return parts.path + ("?" + urlencode(query) if query else "")


LINK = re.compile(r"""\b(href|hx-get|src)\s*=\s*["']([^"']+)["']""")


def _links(page):
    for attribute, value in LINK.findall(page):
        value = html.unescape(value)
        if value.startswith("http://testserver/"):
            value = value[len("http://testserver") :]
        if value.startswith("/") and not value.startswith("//"):
            yield value.split("#")[0], attribute == "hx-get"


def _shape(url):
    """A page and the names of its query parameters (not their values)."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted({k for k, _ in parse_qsl(parts.query)}))


def _crawlable(url):
    """The resolver match of a page the crawl may GET, else None."""
    if not url.startswith("/") or url.startswith("//"):
        return None
    path = urlsplit(url).path
    if path.startswith(EXCLUDED_PREFIXES) or path in NOT_CRAWLED:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return None if post_only(match.func) else match


# --- what to read --------------------------------------------------------------------------


class Scope:
    """What `user` may see, what not, and which visible records to read every page of.

    For each way a visible record can touch a hidden one (a relation to it, directly or
    through one of its children: an agreement's programs or amended agreement, a
    meeting's agenda items, a program's TSFD requests), every page of a visible record
    that does is read, and every page of one other; the user's own packets all. Reading
    every page of every record would take many times longer and read the same templates
    again.
    """

    PER_PATH = 1  # visible records read per way of touching a hidden record
    BASELINE = 1  # visible records read per model besides those

    def __init__(self, user):
        self.user = user
        self.models = governed_models()
        self.visible = {m: restrict(m._default_manager.all(), user, "view") for m in self.models}
        self.hidden_pks = {
            m: list(
                m._default_manager.exclude(pk__in=rows.values("pk")).values_list("pk", flat=True)
            )
            for m, rows in self.visible.items()
        }
        self.selected = {m: self._select(m) for m in self.models}
        self._chosen = {}

    def rows(self, model, owner=None):
        if owner:
            return model._default_manager.filter(**{owner: self.user})
        rows = self.visible.get(model)
        return rows if rows is not None else restrict(model._default_manager.all(), self.user)

    def chosen(self, model, owner=None):
        """The ids of `model` to read every page of."""
        if (model, owner) not in self._chosen:
            if owner or model not in self.selected:
                ids = self.rows(model, owner).order_by("pk").values_list("pk", flat=True)
            else:
                ids = self.selected[model]
            self._chosen[model, owner] = sorted(ids)
        return self._chosen[model, owner]

    def _select(self, model):
        ids = list(self.visible[model].order_by("pk").values_list("pk", flat=True))
        if len(ids) <= self.PER_PATH + self.BASELINE or model._meta.label in PERSONAL:
            return set(ids)  # a few, or the user's own (their packets): all
        touching = set()
        for path, target in _relation_paths(model, self.models):
            hidden = self.hidden_pks.get(target)
            if hidden:
                found = (
                    self.visible[model]
                    .filter(**{f"{path}__in": hidden})
                    .order_by("pk")
                    .values_list("pk", flat=True)
                    .distinct()
                )
                touching.update(found[: self.PER_PATH])
        return touching | set([i for i in ids if i not in touching][: self.BASELINE])


def _relation_paths(model, governed):
    """(lookup path, governed model) for each relation of `model` to a governed model,
    directly or through one governed model (a child, a linked record)."""
    paths = []
    for first in model._meta.get_fields():
        if not first.is_relation or first.related_model not in governed:
            continue
        name = first.name
        paths.append((name, first.related_model))
        for second in first.related_model._meta.get_fields():
            target = second.related_model
            if second.is_relation and target in governed and target is not model:
                paths.append((f"{name}__{second.name}", second.related_model))
    return paths


def filter_variants(filterset_class, scope, samples):
    """Query strings for each filter that names records or takes text: a hidden and a
    visible record's id, a hidden and a visible string. (Filters by a choice or by
    reference data narrow rows already restricted: they cannot bring a hidden one in.)"""
    if filterset_class is None:
        return []
    model = filterset_class._meta.model
    variants = []
    for name, spec in filterset_class.base_filters.items():
        target = _filter_target(model, spec)
        values = []
        if target is not None and target in scope.visible:
            values += scope.hidden_pks.get(target, [])[:1]
            values += list(scope.visible[target].order_by("pk").values_list("pk", flat=True)[:1])
        elif target is None and isinstance(spec, django_filters.CharFilter):
            values += samples
        variants += [urlencode({name: v}) for v in values if v not in ("", None)]
    return variants


def _filter_target(model, spec):
    choice_filters = django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter
    if not isinstance(spec, choice_filters):
        return None
    target = model
    try:
        for part in spec.field_name.split("__"):
            target = target._meta.get_field(part).related_model
    except Exception:  # a filter with its own method: its queryset names the model
        return getattr(spec.extra.get("queryset"), "model", None)
    return target


def read_pages(reader, scope, samples):
    """Every page of the resolver for what the user may see, and its links."""
    user = reader.user
    token = _calendar_token(user)
    for route, view in all_routes():
        if post_only(view):
            continue
        values = {"token": token.token} if token is not None else {}
        if "<int:pk>" not in route:
            if "<str:iso3>" in route:
                for iso3 in _countries(scope):
                    reader.read(fill(route, iso3=iso3))
                continue
            url = fill(route, **values)
            if "<" in url or (is_public(view) and "<str:token>" not in route):
                continue
            reader.read(url)
            filterset_class = getattr(getattr(view, "view_class", None), "filterset_class", None)
            if filterset_class is not None:  # a list: its results, exports, each filter
                reader.read(url, htmx=True)
                for query in ("export=csv", "export=xlsx", "per_page=200"):
                    reader.read(f"{url}?{query}")
                for query in filter_variants(filterset_class, scope, samples):
                    reader.read(f"{url}?{query}")
            continue
        model, owner = _pk_model(view)
        for pk in scope.chosen(model, owner):
            url = fill(route, pk=pk, **values)
            if "<" not in url:
                reader.read(url)
    reader.crawl(scope)


def _pk_model(view):
    model, owner = guarded_model(view)
    if model is None:  # a public route signed in by its token
        model = PUBLIC_PK_MODELS[f"{view.__module__}.{view.__name__}"]
    return model, owner


def _calendar_token(user):
    from fora.models import CalendarToken

    return CalendarToken.active_for(user)


def _countries(scope):
    """A country named by a hidden record, for each kind of link (partners, hosts,
    recipients, memberships), and one named by a visible record."""
    from core.models import Country

    found, seen = set(), set()
    for model in scope.models:
        for field in model._meta.get_fields():
            if not (field.is_relation and field.related_model is Country and field.concrete):
                continue
            named = model._default_manager.exclude(**{f"{field.name}__isnull": True})
            code = f"{field.name}__iso3"
            hidden = named.filter(pk__in=scope.hidden_pks[model]).order_by(code)
            found.update(hidden.values_list(code, flat=True)[:1])
            visible = named.filter(pk__in=scope.visible[model].values("pk")).order_by(code)
            seen.update(visible.values_list(code, flat=True)[:1])
    return sorted(found | set(sorted(seen - found)[:1]))


def read_search(reader, hidden, shown):
    """The search page, asked for a hidden string of each model and for visible ones, and
    the suggestions for the hidden ones."""
    per_model = {}
    for model, original in hidden.values():
        per_model.setdefault(model, original)
    for text in [*per_model.values(), *shown]:
        reader.read(f"/search/?{urlencode({'q': text})}", crawl=False)
    for text in per_model.values():
        reader.read(f"/search/suggest/?{urlencode({'q': text})}", htmx=True, crawl=False)


def read_api(reader, operations, scope, samples):
    """Every GET operation: lists (every page, each filter), and the detail and child
    operations of the chosen records (two of each child model: its list shows them all);
    each also once as the browsable API's HTML page, whose forms offer related records."""
    record = set(record_models())
    for path in operations:
        if path == "/api/v1/schema/":
            continue
        cls = getattr(resolve(re.sub(r"\{[^}]+\}", "1", path)).func, "cls", None)
        if "{" not in path:
            url = path
            while url:
                response = reader.read(url, crawl=False)
                nxt = response.json().get("next") if response is not None else None
                url = nxt.replace("http://testserver", "") if nxt else None
            reader.read(f"{path}?format=api", crawl=False)  # its filter and POST forms
            for query in filter_variants(_api_filterset(cls), scope, samples):
                reader.read(f"{path}?{query}", crawl=False)
            continue
        queryset = getattr(cls, "queryset", None)
        assert queryset is not None, f"{path}: no queryset to know its records"
        model = queryset.model
        ids = scope.chosen(model) if model in record else scope.chosen(model)[:2]
        for pk in ids:
            reader.read(path.replace("{id}", str(pk)), crawl=False)
        if model in record and path.endswith("{id}/"):  # the browsable page's PUT form
            for pk in ids[:1]:  # offers related records (a child's list page has its form)
                reader.read(path.replace("{id}", str(pk)) + "?format=api", crawl=False)


def _api_filterset(cls):
    """The filter set the API builds for a list (its own, or one from filterset_fields)."""
    for backend in getattr(cls, "filter_backends", ()):
        if hasattr(backend, "get_filterset_class"):
            found = backend().get_filterset_class(cls(), cls.queryset)
            if found is not None:
                return found
    return None


# --- the test ------------------------------------------------------------------------------


@pytest.fixture
def quiet_requests():
    """403s and 404s are expected by the thousand here: no log line (and traceback) each."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("username", USERS)
def test_no_hidden_string_in_anything_the_user_reads(world, db, quiet_requests, username):
    user = world["users"][username]
    hidden, ambiguous = hidden_strings(user)
    if not hidden:
        print(f"\n{username}: sees every record (0 hidden strings, {ambiguous} ambiguous): skipped")
        return
    twin = _same_as_demo_user(username, world["users"])
    if twin:
        print(f"\n{username}: same role and same records as {twin}, read there: skipped")
        return
    _ask_for_packets(user)  # records it may see and read: the strings again, with them
    hidden, ambiguous = hidden_strings(user)
    scope = Scope(user)
    shown = _visible_samples(scope.visible)
    samples = [original for _, original in list(hidden.values())[:1]] + shown[:1]
    reader = Reader(username, user, hidden)
    read_pages(reader, scope, samples)
    read_search(reader, hidden, shown)
    read_api(reader, world["api"], scope, samples)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(reader.by_kind.items()))
    print(
        f"\n{username}: {reader.answers} answers scanned ({kinds}); "
        f"{len(hidden)} hidden strings checked ({ambiguous} dropped as ambiguous or short)"
    )
    leaks = sorted(reader.leaks.values(), key=lambda leak: (leak[1], leak[2]))
    report = [f"  ({role}, {url}, {needle!r}, …{context}…)" for role, url, needle, context in leaks]
    report += [
        f"  ({role}, {url}, answered {status}: {exc})" for role, url, status, exc in reader.errors
    ]
    assert not report, (
        f"{len(leaks)} hidden strings shown to {username}, {len(reader.errors)} server errors:\n"
        + "\n".join(report)
    )


def _same_as_demo_user(username, users):
    """The demo user of the same role, when this role-only user sees exactly what it
    sees (a role that grants every record, or no team for either): nothing new to read.
    Packets are left out: every user sees only the ones they asked for."""
    if username not in SUITE:
        return None
    twin = username.removeprefix("suite-")
    for model in governed_models():
        if model._meta.label in PERSONAL:
            continue
        rows = model._default_manager.all()
        mine = set(restrict(rows, users[username]).values_list("pk", flat=True))
        if mine != set(restrict(rows, users[twin]).values_list("pk", flat=True)):
            return None
    return twin


def _visible_samples(visible):
    """A code and a title of a record the user may see, per record model."""
    shown = []
    for model in record_models():
        rows = visible.get(model)
        names = [f for f in _text_fields(model) if f in IDENTIFYING]
        if rows is None or not names:
            continue
        first = rows.order_by("pk").values_list(*names).first()
        if first:
            shown.extend(v for v in first if v and len(v) >= MIN_LENGTH)
    return shown
