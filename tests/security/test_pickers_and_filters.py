"""Pickers and filters offer, and accept, only records the user may see.

Every dropdown of a form and every model-choice filter of a filter set (the list pages',
the API's, and the ones DRF builds from `filterset_fields`) is found by walking the URL
resolver, not from a hand list: a filter or field added without the restriction fails
here. An id the user may not see is refused exactly like an id that does not exist.
"""

import re

import pytest
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.http import QueryDict
from django.test import RequestFactory
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from briefs.forms import PacketRequestForm, SubscriptionForm
from core import roles, teams
from core.forms import PortalFormMixin
from core.generic_views import ChildFormsetView, ObjectListView
from core.permissions import record_models, restrict
from fora.models import Meeting
from tests.agreements.factories import AgreementFactory
from tests.fora.factories import ForumFactory, MeetingFactory
from tests.fora.factories import with_children as meeting_with_children
from tests.generic import every_route
from tests.programs.factories import ProgramFactory, with_children
from tests.tsfd.factories import area, draft
from tsfd.forms import DecisionForm
from tsfd.models import Review

pytestmark = pytest.mark.django_db

INVALID_CHOICE = "Select a valid choice."
SEEN_PROGRAM, HIDDEN_PROGRAM = "CP-2026-901", "CP-2026-902"
SEEN_AGREEMENT, HIDDEN_AGREEMENT = "MOU-GBR-2026-01", "MOU-FRA-2026-02"


# --- the world: one record of each kind the user sees, one they do not --------------------


@pytest.fixture
def world(make_user):
    """A program manager on the team of one program, agreement and forum, author of one
    TSFD request; the twin of each belongs to someone else. The visible agreement is
    under, and amends, the hidden one (links the user must not learn of)."""
    me = make_user("limited-pm", roles.PROGRAM_MANAGER)
    other = make_user("other-pm", roles.PROGRAM_MANAGER)
    seen_program = with_children(ProgramFactory(code=SEEN_PROGRAM, name="Seen program"))
    hidden_program = with_children(ProgramFactory(code=HIDDEN_PROGRAM, name="Hidden program"))
    # A framework in force: the only kind a parent (and a base to amend) may be.
    hidden_agreement = AgreementFactory(
        number=HIDDEN_AGREEMENT, title="Hidden agreement", kind="framework", status="in_force"
    )
    seen_agreement = AgreementFactory(
        number=SEEN_AGREEMENT,
        title="Seen agreement",
        kind="framework",
        status="in_force",
        parent=hidden_agreement,
        amends=hidden_agreement,
    )
    hidden_agreement.programs.add(hidden_program)
    seen_meeting = meeting_with_children(MeetingFactory(forum=ForumFactory(name="Seen forum")))
    hidden_meeting = meeting_with_children(MeetingFactory(forum=ForumFactory(name="Hidden forum")))
    for record in (seen_program, seen_agreement, seen_meeting.forum):
        teams.set_member(record, me, "editor")
    seen_case = draft(me, title="Seen disclosure", program=seen_program)
    hidden_case = draft(other, title="Hidden disclosure", program=hidden_program)
    for case in (seen_case, hidden_case):
        Review.objects.create(request=case, area=area("NDP"))
    return {
        "me": me,
        "seen": {
            "program": seen_program,
            "agreement": seen_agreement,
            "meeting": seen_meeting,
            "case": seen_case,
        },
        "hidden": {
            "program": hidden_program,
            "agreement": hidden_agreement,
            "meeting": hidden_meeting,
            "case": hidden_case,
        },
    }


def is_record_model(model):
    """A record with its own object permissions, or a child that follows one."""
    return model in record_models() or bool(getattr(model, "permission_parent", None))


def hidden_ids(model, user):
    everything = model._default_manager.all()
    visible = restrict(everything, user, "view").values("pk")
    return set(everything.exclude(pk__in=visible).values_list("pk", flat=True))


def missing_id(model):
    """An id no record has: the largest one plus 1000."""
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 1000


def form_errors_for_hidden_and_missing(form_class, world, kind, data, *fields):
    """The form's errors on `fields`, as `world["me"]` submits it (`data(pk)`), for the
    hidden record of `kind`, then for an id no record has: (hidden's, missing's)."""
    hidden = world["hidden"][kind]
    errors = []
    for pk in (hidden.pk, missing_id(type(hidden))):
        form = form_class(data=data(pk), user=world["me"])
        form.is_valid()
        errors.append(tuple(form.errors[field] for field in fields))
    return errors


# --- walking the project: API lists, list pages, forms ------------------------------------


def routes():
    """(route, callback) of every URL pattern, through the resolver."""
    return [(route, p.callback) for route, p, _ in every_route()]


def api_list_endpoints():
    """(url, viewset class) of every list endpoint the API routers register."""
    found = {}
    for route, callback in routes():
        cls = getattr(callback, "cls", None)
        if cls is not None and (getattr(callback, "actions", None) or {}).get("get") == "list":
            found.setdefault(cls, re.sub(r"[\^$]", "", route))
    assert found, "no API list endpoint found through the resolver"
    return [(url, cls) for cls, url in found.items()]


def list_views():
    """(url, view class) of every HTML list page built on the generic list view."""
    found = {}
    for route, callback in routes():
        cls = getattr(callback, "view_class", None)
        if cls is not None and issubclass(cls, ObjectListView) and "<" not in route:
            found.setdefault(cls, route)
    assert found, "no list view found through the resolver"
    return [(url, cls) for cls, url in found.items()]


def api_filterset(url, viewset, user):
    """The filter set the viewset's filter backend builds for `user` (as for a GET)."""
    request = Request(APIRequestFactory().get(url))
    request.user = user
    view = viewset(request=request, format_kwarg=None, args=(), kwargs={}, action="list")
    queryset = view.get_queryset()
    for backend in view.filter_backends:
        backend = backend()
        if hasattr(backend, "get_filterset"):
            return backend.get_filterset(request, queryset, view)
    return None


def page_filterset(url, view_class, user):
    request = RequestFactory().get(url)
    request.user = user
    view = view_class()
    view.request = request
    visible = restrict(view.queryset, user, "view")  # a property on some views
    return view_class.filterset_class(QueryDict(), queryset=visible, request=request)


def generic_view_forms(user):
    """(where, form) for every form or formset form a view with `form_class` or
    `formset_class` builds, as `user` gets it."""
    request = RequestFactory().get("/")
    request.user = user
    seen = set()
    for route, callback in routes():
        cls = getattr(callback, "view_class", None)
        if cls is None or cls in seen:
            continue
        seen.add(cls)
        form_class = getattr(cls, "form_class", None)
        if isinstance(form_class, type) and issubclass(form_class, PortalFormMixin):
            yield f"{route} {form_class.__name__}", form_class(user=user)
        if issubclass(cls, ChildFormsetView):
            view = cls()
            view.request = request
            parent_model = cls.parent_queryset.model
            parent = restrict(parent_model._default_manager.all(), user, "change").first()
            assert parent is not None, f"{route}: the world has no {parent_model} to edit"
            formset = view.formset_class(
                instance=parent, form_kwargs={"parent": parent, "user": user}
            )
            for i, form in enumerate([*formset.forms, formset.empty_form]):
                yield f"{route} {type(form).__name__} #{i}", form


def hand_built_forms(user):
    """Forms that pages build themselves (not through a generic view's `form_class`)."""
    yield "briefs PacketRequestForm", PacketRequestForm(user=user)
    yield "briefs SubscriptionForm", SubscriptionForm(user=user)
    yield "tsfd DecisionForm", DecisionForm(user=user)


def model_choice_filters(filterset):
    """(name, queryset offered) of every model-choice filter, as its form field sees it."""
    form = filterset.form
    for name, flt in filterset.filters.items():
        if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter):
            yield name, form.fields[name].queryset


def related_model_of(model, path):
    """The model a filter's `field_name` lands on when it ends on a relation, else None."""
    target = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not field.is_relation:
            return None
        target = model = field.related_model
    return target


def id_filters_on_records(filterset):
    """Names of filters that take the id of a record but are not model-choice filters
    (so a hidden id cannot be refused like a missing one)."""
    model = filterset._meta.model
    for name, flt in filterset.filters.items():
        if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter) or flt.method:
            continue
        target = related_model_of(model, flt.field_name) if model else None
        if target is not None and is_record_model(target):
            yield name


def all_filtersets(user):
    """(where, url, filter set) for every API list endpoint and every list page."""
    for url, viewset in api_list_endpoints():
        filterset = api_filterset(url, viewset, user)
        if filterset is not None:
            yield f"API {url}", url, filterset
    for url, view_class in list_views():
        yield f"page {url}", url, page_filterset(url, view_class, user)


def portal_form_classes():
    found, todo = set(), [PortalFormMixin]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


# --- (1) every picker and filter is restricted ---------------------------------------------


def test_every_model_choice_filter_offers_only_visible_records(world):
    me = world["me"]
    checked, leaks, unrestricted_ids = [], [], []
    for where, _url, filterset in all_filtersets(me):
        for name, queryset in model_choice_filters(filterset):
            if not is_record_model(queryset.model):
                continue
            checked.append((where, name, queryset.model))
            shown = hidden_ids(queryset.model, me) & set(queryset.values_list("pk", flat=True))
            if shown:
                leaks.append(f"{where} ?{name}= offers hidden {queryset.model.__name__} {shown}")
        unrestricted_ids += [f"{where} ?{n}=" for n in id_filters_on_records(filterset)]
    print(f"\nmodel-choice filters on record models checked: {len(checked)}")
    assert not leaks, "\n".join(leaks)
    assert not unrestricted_ids, (
        "filters that take a record's id without being model-choice filters (a hidden id "
        "would not be refused like a missing one): " + ", ".join(unrestricted_ids)
    )
    for model in {m for _, _, m in checked}:  # the world holds something to leak
        assert hidden_ids(model, me), f"no hidden {model.__name__}: the check proves nothing"
    assert len(checked) >= 15, checked


def test_every_form_dropdown_offers_only_visible_records(world):
    me = world["me"]
    checked, leaks, built = [], [], set()
    for where, form in [*generic_view_forms(me), *hand_built_forms(me)]:
        built.add(type(form))
        for name, field in form.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
                continue
            if not is_record_model(field.queryset.model):
                continue
            checked.append((where, name))
            offered = set(field.queryset.values_list("pk", flat=True))
            if hidden_ids(field.queryset.model, me) & offered:
                leaks.append(f"{where} {name} offers hidden {field.queryset.model.__name__}")
    print(f"\nform dropdowns on record models checked: {len(checked)}")
    assert not leaks, "\n".join(leaks)
    assert len(checked) >= 5, checked
    # A form with a dropdown of records that no page above builds would escape the check.
    for form_class in portal_form_classes():
        declared = getattr(form_class, "base_fields", {})
        on_records = [
            n
            for n, f in declared.items()
            if isinstance(f, forms.ModelChoiceField)
            and f.queryset is not None
            and is_record_model(f.queryset.model)
        ]
        if form_class.__module__.startswith("tests."):
            continue  # a form a test module defines for itself
        if on_records and not any(issubclass(b, form_class) for b in built):
            pytest.fail(f"{form_class.__name__} ({on_records}) is built by no page checked here")


# --- (2) a hidden id answers exactly like a missing one ------------------------------------

NAMED_ID_FILTERS = [
    ("/api/v1/programs/participants/", "program", "program"),
    ("/api/v1/programs/milestones/", "program", "program"),
    ("/api/v1/tsfd/reviews/", "request", "case"),
    ("/api/v1/fora/agenda-items/", "meeting", "meeting"),
    ("/api/v1/agreements/", "amends", "agreement"),
    ("/api/v1/agreements/", "parent", "agreement"),
]


@pytest.mark.parametrize(("url", "name", "kind"), NAMED_ID_FILTERS)
def test_hidden_id_filter_answers_like_a_missing_id(client, world, url, name, kind):
    hidden = world["hidden"][kind]
    client.force_login(world["me"])
    as_hidden = client.get(url, {name: hidden.pk})
    as_missing = client.get(url, {name: missing_id(type(hidden))})
    assert as_hidden.status_code == as_missing.status_code == 400
    assert as_hidden.content == as_missing.content
    assert INVALID_CHOICE in as_hidden.json()[name][0]
    # …and the id of a record the user sees still filters.
    assert client.get(url, {name: world["seen"][kind].pk}).status_code == 200


def test_amends_and_parent_do_not_reveal_the_hidden_link(client, world):
    client.force_login(world["me"])
    hidden = world["hidden"]["agreement"]
    for name in ("amends", "parent"):
        body = client.get("/api/v1/agreements/", {name: hidden.pk}).content.decode()
        assert SEEN_AGREEMENT not in body
        page = client.get("/agreements/", {name: hidden.pk}).content.decode()
        assert SEEN_AGREEMENT not in page and HIDDEN_AGREEMENT not in page


def test_every_api_record_filter_answers_hidden_and_missing_ids_alike(client, world):
    me = world["me"]
    client.force_login(me)
    tried, differ = 0, []
    for where, url, filterset in all_filtersets(me):
        if not where.startswith("API"):
            continue
        for name, queryset in model_choice_filters(filterset):
            model = queryset.model
            if not is_record_model(model):
                continue
            hidden = min(hidden_ids(model, me))
            as_hidden = client.get(url, {name: hidden})
            as_missing = client.get(url, {name: missing_id(model)})
            tried += 1
            if (as_hidden.status_code, as_hidden.content) != (
                as_missing.status_code,
                as_missing.content,
            ) or as_hidden.status_code != 400:
                differ.append(
                    f"{url}?{name}=: hidden {as_hidden.status_code} {as_hidden.content[:120]!r}"
                    f" / missing {as_missing.status_code} {as_missing.content[:120]!r}"
                )
    print(f"\nAPI record filters tried with a hidden and a missing id: {tried}")
    assert not differ, "\n".join(differ)
    assert tried >= 10


RESULT_COUNT = re.compile(r'<p class="result-count"[^>]*>(.*?)</p>', re.S)


def test_every_list_page_record_filter_answers_hidden_and_missing_ids_alike(client, world):
    me = world["me"]
    client.force_login(me)
    tried, differ = 0, []
    for url, view_class in list_views():
        filterset = page_filterset(url, view_class, me)
        for name, queryset in model_choice_filters(filterset):
            model = queryset.model
            if not is_record_model(model):
                continue
            as_hidden = client.get(url, {name: min(hidden_ids(model, me))})
            as_missing = client.get(url, {name: missing_id(model)})
            tried += 1
            counts = [
                RESULT_COUNT.search(r.content.decode()).group(1) for r in (as_hidden, as_missing)
            ]
            if as_hidden.status_code != as_missing.status_code or counts[0] != counts[1]:
                differ.append(f"{url}?{name}=: {counts}")
    print(f"\nlist-page record filters tried with a hidden and a missing id: {tried}")
    assert not differ, "\n".join(differ)
    assert tried >= 3


# --- (3) the dropdowns users pick from ----------------------------------------------------


def options_of(html, name):
    """The option texts of the <select name=…> in a page."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}> on the page"
    return re.findall(r"<option[^>]*>(.*?)</option>", select.group(1), re.S)


def test_request_form_offers_only_visible_programs_and_agreements(client, world):
    client.force_login(world["me"])
    html = client.get("/tsfd/add/").content.decode()
    programs = " ".join(options_of(html, "program"))
    assert SEEN_PROGRAM in programs and HIDDEN_PROGRAM not in programs
    agreements = " ".join(options_of(html, "agreement"))
    assert SEEN_AGREEMENT in agreements and HIDDEN_AGREEMENT not in agreements
    assert HIDDEN_PROGRAM not in html and HIDDEN_AGREEMENT not in html


def test_request_form_refuses_a_hidden_program_like_a_missing_one(client, world):
    from tsfd.forms import DisclosureRequestForm

    as_hidden, as_missing = form_errors_for_hidden_and_missing(
        DisclosureRequestForm, world, "program", lambda pk: {"program": pk}, "program"
    )
    assert as_hidden == as_missing
    assert INVALID_CHOICE in as_hidden[0][0]


def test_agreement_form_offers_only_visible_links_and_programs(client, world):
    client.force_login(world["me"])
    html = client.get("/agreements/add/").content.decode()
    for name in ("parent", "amends"):
        links = " ".join(options_of(html, name))
        assert SEEN_AGREEMENT in links and HIDDEN_AGREEMENT not in links
    programs = " ".join(options_of(html, "programs"))
    assert SEEN_PROGRAM in programs and HIDDEN_PROGRAM not in programs
    assert HIDDEN_PROGRAM not in html and HIDDEN_AGREEMENT not in html


def test_agreement_edit_form_keeps_hidden_links_out_of_sight(client, world):
    seen = world["seen"]["agreement"]
    seen.programs.add(world["hidden"]["program"])
    client.force_login(world["me"])
    html = client.get(f"/agreements/{seen.pk}/edit/").content.decode()
    assert HIDDEN_AGREEMENT not in html and HIDDEN_PROGRAM not in html
    assert 'name="parent"' not in html and 'name="amends"' not in html
    programs = " ".join(options_of(html, "programs"))
    assert SEEN_PROGRAM in programs


def test_agreement_form_refuses_a_hidden_parent_like_a_missing_one(world):
    from agreements.forms import AgreementForm

    as_hidden, as_missing = form_errors_for_hidden_and_missing(
        AgreementForm,
        world,
        "agreement",
        lambda pk: {"parent": pk, "amends": pk},
        "parent",
        "amends",
    )
    assert as_hidden == as_missing


def test_packet_form_offers_only_visible_programs(client, world):
    client.force_login(world["me"])
    html = client.get("/briefs/request/", {"kind": "program"}).content.decode()
    programs = " ".join(options_of(html, "programs"))
    assert SEEN_PROGRAM in programs and HIDDEN_PROGRAM not in programs
    forums = " ".join(options_of(html, "forum"))
    assert "Seen forum" in forums and "Hidden forum" not in forums
    assert HIDDEN_PROGRAM not in html and "Hidden forum" not in html


def test_packet_form_refuses_a_hidden_program_like_a_missing_one(world):
    as_hidden, as_missing = form_errors_for_hidden_and_missing(
        PacketRequestForm,
        world,
        "program",
        lambda pk: {"kind": "program", "programs": [pk]},
        "programs",
    )
    assert as_hidden == as_missing
    assert INVALID_CHOICE in as_hidden[0][0]


def test_meeting_filter_of_action_items_is_refused_for_a_hidden_meeting(client, world):
    client.force_login(world["me"])
    hidden = world["hidden"]["meeting"]
    as_hidden = client.get("/api/v1/fora/action-items/", {"meeting": hidden.pk, "owner": "all"})
    as_missing = client.get(
        "/api/v1/fora/action-items/", {"meeting": missing_id(Meeting), "owner": "all"}
    )
    assert as_hidden.status_code == as_missing.status_code == 400
    assert as_hidden.content == as_missing.content
