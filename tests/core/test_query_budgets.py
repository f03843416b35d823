"""Every list page, record page and API list holds to its query budget, whatever the rows.

The pages are found through the URL resolver and the API routers, not from a hand list:
a page added later is held to a budget the day it lands (and fails until its budget is
committed to tests/query_budgets.json). Each page is measured as a role that sees
everything (Leadership) and a restricted one (a program manager on the records' teams),
on data of two sizes: 2 records of each kind, then 12, the records whose pages are opened
growing from 2 children of each kind to 12. A count that grows with the rows (an N+1)
fails even when it is under the budget.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from agreements.models import Agreement, CoordinatingOffice, Coordination
from briefs.models import Packet
from core import teams
from core.models import Country, Document
from core.notifications import notify
from core.permissions import guarded_model, restrict
from fora import links
from fora.models import ActionItem, AgendaItem, Attendee, Forum, Meeting, WorkingGroup
from programs.models import Funding, Milestone, Program
from tests.agreements.factories import AgreementFactory, with_participants
from tests.fora.factories import ForumFactory, MeetingFactory
from tests.fora.factories import with_children as meeting_with_children
from tests.generic import every_route
from tests.programs.factories import ProgramFactory, with_children
from tests.tsfd.factories import advance, area, draft, make_ddl, record_release
from tsfd.models import DelegationLetter, DisclosureRequest, InformationCategory, Review

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 12
ROLES = ("leader", "pm")  # sees everything; sees what its teams hold
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/")  # Django's admin has its own tests


# --- the pages, through the resolver -------------------------------------------------------


def routes():
    """(route, URL name with its namespaces, callback) of every URL pattern."""
    found = []
    for route, p, namespaces in every_route():
        name = ":".join([*namespaces, p.name]) if p.name else None
        found.append((re.sub(r"[\^$]", "", route), name, p.callback))
    return [r for r in found if not r[0].startswith(SKIPPED_PREFIXES)]


def answers_get(callback):
    """False for a view that only accepts POST, or only answers without a session."""
    if getattr(callback, "login_required", True) is False:
        return False
    cls = getattr(callback, "view_class", None)
    return cls is None or hasattr(cls, "get")


def list_pages():
    """Every page without a parameter (lists, queues, home, search, forms to add)."""
    return [
        url
        for url, _, callback in routes()
        if "<" not in url and not url.startswith("/api/") and answers_get(callback)
    ]


def record_pages():
    """(route, model) of every page of one record: its detail page and the pages under it."""
    found = []
    for route, _, callback in routes():
        if route.startswith("/api/") or route.count("<") != 1 or "<int:pk>/" not in route:
            continue
        if not answers_get(callback):
            continue
        model, owner = guarded_model(callback)
        assert model is not None, f"{route} names no model"
        found.append((route, model))
    return found


def api_lists():
    """The list endpoint of every viewset the API routers register."""
    found = []
    for url, _, callback in routes():
        actions = getattr(callback, "actions", None) or {}
        if url.startswith("/api/") and actions.get("get") == "list":
            found.append(url)
    return found


# --- data of a given size ------------------------------------------------------------------


class Scene:
    """Records of every kind, each with children, visible to both roles.

    `grow(n)` brings every kind to n records and gives the first record of each kind (the
    one whose pages are opened) n children of each kind.
    """

    def __init__(self, users):
        self.users = users
        self.pm = users["pm"]
        self.rows = 0
        self.first = {}  # model -> the first records, whose pages are measured

    def grow(self, n):
        for i in range(self.rows, n):
            self.add_records(i)
        self.add_children(n)
        self.rows = n

    def keep(self, record):
        self.first.setdefault(type(record), []).append(record)

    def add_records(self, i):
        pm = self.pm
        program = with_children(ProgramFactory())
        agreement = with_participants(AgreementFactory())
        agreement.programs.add(program)
        forum = ForumFactory()
        for record in (program, agreement, forum):
            teams.set_member(record, pm, "editor")
        meeting = meeting_with_children(MeetingFactory(forum=forum), owner=pm)
        category = InformationCategory.objects.get(number=3)
        case = draft(pm, program=program, information_category=category)
        Review.objects.create(request=case, area=area("NDP"))
        # A decided case with a release (a precedent of the first case: same country and
        # category) and a DDL, so their pages are measured and precedents grow with rows.
        # (requested by the requester: the pm's own notifications would change every page)
        decided = advance(
            draft(self.users["requester"], information_category=category),
            DisclosureRequest.Status.APPROVED,
            self.users["approver"],
            [self.users["reviewer"]],
        )
        release = record_release(decided, self.users["approver"], what=f"Release {i}")
        ddl = make_ddl(f"DDL-QB-{i:03d}", f"Budget letter {i}")
        packets = [
            Packet.objects.create(
                requested_by=self.users[role],
                kind=Packet.Kind.LEADERSHIP,
                title=f"Leadership packet {i}",
                status=Packet.Status.DONE,
                progress=100,
            )
            for role in ROLES
        ]
        notify([self.users[role] for role in ROLES], f"Note {i}", url=program.get_absolute_url())
        if i == 0:
            for record in (program, agreement, forum, meeting, case, release, ddl, *packets):
                self.keep(record)

    def add_children(self, n):
        """Give the first record of each kind n children of each kind."""
        (program,) = self.first[Program]
        for k in range(program.milestones.count(), n):
            Milestone.objects.create(
                program=program,
                title=f"Milestone {k}",
                planned_date=datetime.date.today() + datetime.timedelta(days=200 + k),
            )
        lead = program.participants.order_by("pk").first()
        for k in range(program.funding.count(), n):
            Funding.objects.create(
                program=program, fiscal_year=2030 + k, participant=lead, amount=Decimal(1000 + k)
            )
        (agreement,) = self.first[Agreement]
        others = list(Program.objects.exclude(agreements=agreement)[: n - 1])
        agreement.programs.add(*others)
        countries = Country.objects.exclude(iso3__in=["USA", "GBR"]).order_by("iso3")
        extra = n - agreement.participants.count()
        if extra > 0:
            with_participants(agreement, [c.iso3 for c in countries[:extra]])
        for k in range(agreement.coordinations.count(), n):
            office = CoordinatingOffice.objects.create(name=f"Coordinating office {k}")
            office.members.add(self.pm)
            row = Coordination.objects.create(
                agreement=agreement,
                stage="rad",
                office=office,
                requested_on=datetime.date.today() - datetime.timedelta(days=10),
                due_on=datetime.date.today() + datetime.timedelta(days=k - 1),
                answer="non_concur" if k % 3 == 0 else "",
                comment="Not yet." if k % 3 == 0 else "",
                answered_on=datetime.date.today() if k % 3 == 0 else None,
                answered_by=self.pm if k % 3 == 0 else None,
            )
            if k == 0:
                self.keep(row)
        (forum,) = self.first[Forum]
        for k in range(forum.working_groups.count(), n):
            WorkingGroup.objects.create(forum=forum, name=f"Working group {k}")
        for _ in range(forum.meetings.count(), n):
            MeetingFactory(forum=forum)
        (meeting,) = self.first[Meeting]
        linked = list(Program.objects.order_by("pk")[:n])
        for k in range(meeting.agenda_items.count(), n):
            AgendaItem.objects.create(
                meeting=meeting,
                order=10 + k,
                title=f"Agenda item {k}",
                linked_type=links.content_type_for("programs.program"),
                linked_id=linked[k % len(linked)].pk,
            )
        gbr = Country.objects.get(iso3="GBR")
        for k in range(meeting.attendees.count(), n):
            Attendee.objects.create(meeting=meeting, country=gbr, name=f"Delegate {k}")
        for k in range(meeting.action_items.count(), n):
            ActionItem.objects.create(
                meeting=meeting,
                description=f"Action {k}",
                owner_user=self.pm,
                due_date=datetime.date.today() + datetime.timedelta(days=10 + k),
            )
        (ddl,) = self.first[DelegationLetter]
        ddl.countries.add(*Country.objects.exclude(iso3="USA").order_by("iso3")[:n])
        (case,) = self.first[DisclosureRequest]
        for k in range(case.reviews.count(), n):
            Review.objects.create(request=case, area=area(f"QB{k}"))
        for record in (program, agreement, case):
            for k in range(Document.objects.filter(**owner_of(record)).count(), n):
                document_on(record, k)

    def record_for(self, model, user):
        """The first record of `model` that `user` may see (their own packet, say)."""
        candidates = self.first.get(model, [])
        visible = restrict(model._default_manager.filter(pk__in=[r.pk for r in candidates]), user)
        return visible.order_by("pk").first()


def owner_of(record):
    return {
        "content_type": ContentType.objects.get_for_model(type(record)),
        "object_id": record.pk,
    }


def document_on(record, k):
    document = Document(
        **owner_of(record),
        title=f"Document {k}",
        original_name=f"note-{k}.txt",
        size=5,
        checksum="0" * 64,
    )
    document.file.save(f"note-{k}.txt", ContentFile(b"note\n"), save=False)
    document.save()


# --- measuring -----------------------------------------------------------------------------

# Pages whose count is known to grow with the rows, and why: they are held to the budget
# of the small data, and fail here the day they stop growing (remove the entry then).
KNOWN_GROWTH = {}


def pages_for(user, scene, routes_of_records, without_record):
    """(route, url) of the pages to measure for `user`: the pages without a record, and
    each record page opened on the first record of its model `user` may see."""
    pages = [(url, url) for url in without_record]
    for route, model in routes_of_records:
        record = scene.record_for(model, user)
        if record is not None:
            pages.append((route, route.replace("<int:pk>", str(record.pk))))
    return pages


def measure(query_budget, users, pages_of_role):
    """{(role, route): Measured} of every page that answers 200 to the role."""
    measured = {}
    for role in ROLES:
        for route, url in pages_of_role(users[role]):
            # A form this role may not open, or a page that needs a parameter, is skipped.
            found = query_budget.measure(url, users[role], optional=True)
            if found is not None:
                measured[(role, route)] = found
    return measured


def hold_on_two_sizes(query_budget, scene, users, pages_of_role):
    """Measure on FEW then MANY rows; every page is held to its budget and must not grow."""
    scene.grow(FEW)
    few = measure(query_budget, users, pages_of_role)
    scene.grow(MANY)
    many = measure(query_budget, users, pages_of_role)
    problems, known = [], []
    for key in sorted(few.keys() | many.keys()):
        if key not in few or key not in many:
            problems.append(f"{key}: answered 200 with {FEW} rows or {MANY}, not both")
            continue
        try:
            if key in KNOWN_GROWTH:
                if many[key].count <= few[key].count:
                    problems.append(f"{key} no longer grows with rows: remove it from KNOWN_GROWTH")
                known.append(f"{many[key].name}: {few[key].count} → {many[key].count} queries")
                query_budget.hold(few[key])
                continue
            query_budget.assert_not_grown(few[key], many[key], rows=f"({FEW} → {MANY}) ")
            query_budget.hold(many[key])
        except (AssertionError, pytest.fail.Exception) as failure:
            problems.append(str(failure))
    for line in known:
        print(f"\nknown N+1 (KNOWN_GROWTH), held to the budget of {FEW} rows: {line}")
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
    return many


@pytest.fixture
def scene(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return Scene(users)


@pytest.mark.slow  # a sweep over every page (~25 s of CPU); `make test` and CI run it
def test_every_page_holds_to_its_budget_whatever_the_rows(users, scene, query_budget):
    """Lists, record pages (detail, edit forms, child formsets, history, team) and API
    lists, as Leadership and as a program manager, on FEW then MANY rows."""
    records, without_record = record_pages(), list_pages() + api_lists()
    measured = hold_on_two_sizes(
        query_budget,
        scene,
        users,
        lambda user: pages_for(user, scene, records, without_record),
    )
    routes_held = {route for _, route in measured}
    kinds = {
        "list pages": {r for r in routes_held if "<" not in r and not r.startswith("/api/")},
        "detail pages": {r for r in routes_held if r.endswith("<int:pk>/")},
        "other record pages": {r for r in routes_held if "<" in r and not r.endswith("<int:pk>/")},
        "API lists": {r for r in routes_held if r.startswith("/api/")},
    }
    print(
        f"\nquery budgets: {len(measured)} pages held to a budget, on {FEW} and {MANY} rows: "
        + ", ".join(f"{len(routes)} {kind}" for kind, routes in kinds.items())
        + f", each as {' and '.join(ROLES)} where the role may open it"
    )
    assert {route for route, _ in records if route.endswith("<int:pk>/")} <= routes_held
    assert set(api_lists()) <= routes_held


def test_the_sweep_finds_every_kind_of_page():
    lists, records, apis = list_pages(), [r for r, _ in record_pages()], api_lists()
    assert {"/programs/", "/tsfd/", "/agreements/", "/fora/", "/briefs/"} <= set(lists)
    assert {"/tsfd/<int:pk>/", "/fora/meetings/<int:pk>/", "/briefs/<int:pk>/"} <= set(records)
    assert {"/api/v1/tsfd/requests/", "/api/v1/tsfd/reviews/", "/api/v1/programs/"} <= set(apis)
