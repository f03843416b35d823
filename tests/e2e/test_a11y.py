"""Accessibility in a real Chromium: axe-core on every main page and form, and the keyboard.

axe-core comes from the npm registry (package.json, installed by `npm ci`) and is read
from node_modules: it is a test tool and is never served by the portal. It is injected
with `page.evaluate`, which runs in the page through the DevTools protocol and is not
subject to the page's Content-Security-Policy (`script-src 'self'`), so the pages are
checked with the CSP they ship with (an inline <script> tag would be refused by it).
"""

import os
import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import NamedTuple

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from agreements.models import Agreement
from briefs.models import Packet
from core import teams
from core.permissions import restrict
from fora.models import Forum, Meeting
from programs.models import Program
from tests.conftest import PASSWORD
from tests.e2e.helpers import sign_in
from tests.programs.factories import ProgramFactory, with_children
from tsfd.models import DisclosureRequest, Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = ("serious", "critical")
ROLES = ("leader", "pm", "staff", "requester", "reviewer", "approver", "admin")


@pytest.fixture(scope="module")
def axe_source():
    if not AXE_JS.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {AXE_JS} is missing: run `npm ci`.")
        pytest.skip(f"{AXE_JS} not found (run `npm ci`): accessibility checks skipped")
    return AXE_JS.read_text()


def axe_violations(page, axe_source):
    """Serious and critical violations on the page as it is now, every <details> open."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    # Collapsed panels (columns, saved views, filters) are part of the page too.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations, limit=4):
    lines = []
    for v in violations:
        targets = [" ".join(node["target"]) for node in v["nodes"][:limit]]
        more = f" (+{len(v['nodes']) - limit} more)" if len(v["nodes"]) > limit else ""
        lines.append(
            f"  {v['id']} [{v['impact']}] {v['help']}: {len(v['nodes'])} node(s): "
            f"{', '.join(targets)}{more}"
        )
    return "\n".join(lines)


# --- what to check, from the demo data -------------------------------------------------


class Check(NamedTuple):
    label: str
    path: str
    prepare: Callable | None = None  # brings the page into the state to check
    status: int = 200


def submit_as_is(button):
    """Submit the form as it is, to check the page with its error messages."""

    def prepare(page):
        page.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")
        page.get_by_role("button", name=button, exact=True).first.click()
        expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")

    return prepare


def create_calendar_link(page):
    page.get_by_role("button", name="Create calendar link").click()
    expect(page.get_by_label("Your calendar address")).to_be_visible()


def save_view(page):
    page.locator("details", has=page.locator("#save-view-form")).evaluate("d => d.open = true")
    page.get_by_label("Save this view as").fill("Green programs")
    page.get_by_role("button", name="Save view").click()
    expect(
        page.get_by_role("button", name="Delete saved view Green programs", exact=True)
    ).to_be_attached()


def suggest(page):
    page.get_by_role("searchbox", name="Search").press_sequentially("maritime")
    page.locator("#search-suggestions a").first.wait_for()


def bulk_edit_two_rows(page):
    page.locator("#results tbody input[type=checkbox]").nth(0).check(force=True)
    page.locator("#results tbody input[type=checkbox]").nth(1).check(force=True)
    page.get_by_role("button", name="Edit selected").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit 2 programs")


def accept_consent(page):
    page.get_by_role("button", name="I accept").click()
    expect(page.get_by_label("Username")).to_be_visible()


def sign_in_without_password(page):
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Password")).to_be_visible()


def page_plan():
    """{role: [Check]}: every main page and form, in the state a user sees it."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=ROLES)}
    pm, leader = users["pm"], users["leader"]

    def first(queryset, user, action="view"):
        obj = restrict(queryset, user, action).order_by("pk").first()
        assert obj is not None, f"demo data has no {queryset.model.__name__} {user} may {action}"
        return obj

    program = first(Program.objects.filter(participants__isnull=False).distinct(), pm, "change")
    agreement = first(Agreement.objects.filter(participants__isnull=False).distinct(), pm, "change")
    forum = first(Forum.objects.filter(meetings__isnull=False).distinct(), pm, "change")
    meeting = Meeting.objects.filter(forum=forum).order_by("pk").first()
    requests = DisclosureRequest.objects.order_by("pk")
    S = DisclosureRequest.Status
    draft = requests.filter(requested_by=users["requester"], status=S.DRAFT).first()
    decided = requests.filter(status=S.APPROVED_WITH_PROVISOS).first()
    in_intake = requests.filter(status=S.INTAKE).first()
    pending = requests.filter(status=S.DECISION_PENDING).first()
    submitted = requests.filter(status=S.SUBMITTED).first()
    review = (
        Review.objects.filter(
            reviewer=users["reviewer"], completed_at__isnull=True, request__status=S.IN_REVIEW
        )
        .select_related("area")
        .order_by("pk")
        .first()
    )
    packet = Packet.objects.filter(requested_by=leader).order_by("pk").first()
    assert all([draft, decided, in_intake, pending, submitted, review, packet]), "demo data"
    p, a, f, m = program.pk, agreement.pk, forum.pk, meeting.pk

    plan = {
        "anonymous": [
            Check("consent banner", "/accounts/login/"),
            Check("sign-in form", "/accounts/login/", accept_consent),
            Check("sign-in form with errors", "/accounts/login/", sign_in_without_password),
        ]
    }
    for role in ROLES:  # every role's own dashboard and notifications
        plan[role] = [Check("home dashboard", "/"), Check("notifications", "/notifications/")]
    plan["leader"] += [
        Check("programs list", "/programs/"),
        Check("program detail", f"/programs/{p}/"),
        Check("program history", f"/programs/{p}/history/"),
        Check("program edit refused", f"/programs/{p}/edit/", status=403),
        Check("agreements list", "/agreements/"),
        Check("agreement detail", f"/agreements/{a}/"),
        Check("agreement history", f"/agreements/{a}/history/"),
        Check("TSFD list", "/tsfd/"),
        Check("TSFD decided request", f"/tsfd/{decided.pk}/"),
        Check("TSFD history", f"/tsfd/{decided.pk}/history/"),
        Check("fora list", "/fora/"),
        Check("forum detail", f"/fora/{f}/"),
        Check("forum history", f"/fora/{f}/history/"),
        Check("meeting detail", f"/fora/meetings/{m}/"),
        Check("meetings list", "/fora/meetings/"),
        Check("read-ahead", f"/fora/{f}/read-ahead/"),
        Check("briefs list", "/briefs/"),
        Check("brief request page", "/briefs/request/"),
        Check("packet detail", f"/briefs/{packet.pk}/"),
        Check("search suggestions", "/", suggest),
        Check("search results", "/search/?q=maritime"),
        Check("country page", "/countries/GBR/"),
        Check("profile", "/accounts/profile/"),
        Check("404 page", "/no-such-page/", status=404),
    ]
    plan["pm"] += [
        Check("programs list", "/programs/"),
        Check("programs list sorted by name", "/programs/?sort=-name"),
        Check("programs list with a saved view", "/programs/?health=green", save_view),
        Check("program bulk edit form", "/programs/", bulk_edit_two_rows),
        Check("program new form", "/programs/add/"),
        Check("program new form with errors", "/programs/add/", submit_as_is("Save")),
        Check("program edit form", f"/programs/{p}/edit/"),
        Check("program partners form", f"/programs/{p}/partners/"),
        Check("program funding form", f"/programs/{p}/funding/"),
        Check("program milestones form", f"/programs/{p}/milestones/"),
        Check("program team", f"/programs/{p}/team/"),
        Check("program document upload", f"/programs/{p}/documents/add/"),
        Check("program delete confirmation", f"/programs/{p}/delete/"),
        Check("program CSV import", "/programs/import/"),
        Check("agreements list with due for action", "/agreements/"),
        Check("agreement new form", "/agreements/add/"),
        Check("agreement edit form", f"/agreements/{a}/edit/"),
        Check("agreement detail (lead)", f"/agreements/{a}/"),
        Check("agreement participants form", f"/agreements/{a}/participants/"),
        Check("agreement signatories form", f"/agreements/{a}/signatories/"),
        Check("TSFD list", "/tsfd/"),
        Check("fora list", "/fora/"),
        Check("forum new form", "/fora/add/"),
        Check("forum edit form", f"/fora/{f}/edit/"),
        Check("working groups form", f"/fora/{f}/working-groups/"),
        Check("meeting new form", f"/fora/{f}/meetings/add/"),
        Check("meeting edit form", f"/fora/meetings/{m}/edit/"),
        Check("meeting agenda form", f"/fora/meetings/{m}/agenda/"),
        Check("meeting delegations form", f"/fora/meetings/{m}/delegations/"),
        Check("meeting action items form", f"/fora/meetings/{m}/action-items/"),
        Check("my action items", "/fora/action-items/"),
        Check("profile with a calendar link", "/accounts/profile/", create_calendar_link),
    ]
    plan["requester"] += [
        Check("TSFD list", "/tsfd/"),
        Check("TSFD request form", "/tsfd/add/"),
        Check("TSFD request form with errors", "/tsfd/add/", submit_as_is("Save draft")),
        Check("TSFD draft detail", f"/tsfd/{draft.pk}/"),
        Check("TSFD draft edit form", f"/tsfd/{draft.pk}/edit/"),
        Check("TSFD submit confirmation", f"/tsfd/{draft.pk}/step/?name=submit"),
        Check("TSFD reconsideration form", f"/tsfd/{decided.pk}/reconsider/"),
    ]
    plan["reviewer"] += [
        Check("TSFD queue", "/tsfd/queue/"),
        Check("TSFD request in review", f"/tsfd/{review.request_id}/"),
        Check("TSFD review form", f"/tsfd/{review.request_id}/review/?area={review.area.code}"),
    ]
    plan["approver"] += [
        Check("TSFD queue", "/tsfd/queue/"),
        Check("TSFD submitted request", f"/tsfd/{submitted.pk}/"),
        Check("TSFD intake form", f"/tsfd/{in_intake.pk}/intake/"),
        Check("TSFD decision form", f"/tsfd/{pending.pk}/decide/"),
    ]
    plan["staff"] += [Check("programs list", "/programs/"), Check("fora list", "/fora/")]
    return plan


def test_every_page_has_no_serious_or_critical_violations(
    live_server, browser, axe_source, subtests, monkeypatch
):
    """One load of the demo data (about 9 s), then each role's pages, a subtest each."""
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=StringIO())
    for role, checks in page_plan().items():
        context = browser.new_context()
        page = context.new_page()
        if role != "anonymous":
            sign_in(page, live_server, role)
        for check in checks:
            with subtests.test(role=role, page=check.label):
                response = page.goto(live_server.url + check.path)
                assert response.status == check.status, f"{check.path}: {response.status}"
                if check.prepare:
                    check.prepare(page)
                found = axe_violations(page, axe_source)
                assert not found, f"{check.label} ({page.url}) as {role}:\n{describe(found)}"
        context.close()


# --- keyboard ---------------------------------------------------------------------------


FOCUSED = """() => {
  const el = document.activeElement;
  // USWDS hides the real checkbox or radio and draws it, and its focus ring, on the label.
  const drawn = el.matches('.usa-checkbox__input, .usa-radio__input') && el.labels.length
    ? [el.labels[0], '::before'] : [el, null];
  const s = getComputedStyle(drawn[0], drawn[1]);
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  // Chromium's date field has a last tab stop inside its own (closed) shadow tree, the
  // calendar button: the input then does not match :focus and the browser draws that
  // button's focus ring itself, out of reach of getComputedStyle.
  const native = el.type === 'date' && !el.matches(':focus');
  return {
    tag: el.tagName, id: el.id,
    name: (el.getAttribute('aria-label') || label || el.innerText || el.value || '').trim(),
    ring: native || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
      || s.boxShadow !== 'none',
    // Not covered by anything else (the sticky marking banner, a menu), where it is on screen.
    on_top: !hit || el.contains(hit) || [...(el.labels || [])].includes(hit),
  };
}"""


def tab_until(page, predicate, limit=80):
    """Press Tab until the focused element matches; each one on the way shows its focus.

    Returns what received focus, in order (the matching element last)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused)
        assert focused["ring"], f"no visible focus indicator on {focused}"
        assert focused["on_top"], f"focused element is hidden under another one: {focused}"
        if predicate(focused):
            return seen
    names = [f["name"] or f["id"] or f["tag"] for f in seen]
    raise AssertionError(f"never reached by Tab; focus went through: {names}")


def named(name):
    return lambda focused: focused["name"] == name


def test_skip_link_and_keyboard_order_on_programs_list(live_server, page, make_user):
    make_user("leader", "Leadership")
    with_children(ProgramFactory(name="Amber rotorcraft", health="yellow"))
    with_children(ProgramFactory(name="Crimson radar", health="red"))
    sign_in(page, live_server, "leader")
    page.goto(live_server.url + "/programs/")

    # The first Tab reaches the USWDS skip link: it slides into view, above the sticky
    # marking banner, with a focus ring; Enter moves focus to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport(ratio=1)  # slid in (USWDS animates it from above)
    focused = page.evaluate(FOCUSED)
    assert focused["ring"] and focused["on_top"], focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main-content$"))
    # The next Tab starts inside the main content, at the list's first action.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Export CSV")).to_be_focused()

    # From the top again: the header in reading order, then the list, then its filters.
    page.goto(live_server.url + "/programs/")
    page.keyboard.press("Tab")  # skip link
    header = [
        f["id"] if f["tag"] == "INPUT" else f["name"] for f in tab_until(page, named("Sign out"))
    ]
    nav = ["IC Portal", "Programs", "Agreements", "TSFD", "Fora", "Briefs", "portal-search"]
    assert [n for n in header if n in nav] == nav, header
    assert header.index("portal-search") < header.index("Leader Tester") < len(header) - 1
    tab_until(page, named("Export CSV"))
    tab_until(page, named("Export XLSX"))
    tab_until(page, lambda f: f["id"] == "id_q")  # the filter panel's quick search

    # A filter checkbox toggles with Space; the table follows (htmx), no mouse needed.
    tab_until(page, lambda f: f["tag"] == "INPUT" and f["name"] == "Red")
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"health=red"))
    expect(page.locator("#results")).not_to_contain_text("Amber rotorcraft")
    # The filter buttons, the column chooser and saved views, then sorting and the rows.
    tab_until(page, named("Apply"))
    tab_until(page, named("Columns"))
    tab_until(page, named("Saved views"))
    tab_until(page, named("Sort by Name"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page).to_have_url(re.compile(r"health=red"))
    page.get_by_role("link", name="Sort by Name").focus()  # htmx replaced the old link
    tab_until(page, lambda f: f["name"].startswith("Crimson radar"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Crimson radar")


FORM_CONTROLS = """() => [...document.querySelectorAll(
  'main form.portal-form :is(input, select, textarea, button):not([type=hidden]):not([disabled])'
)].map(el => el.id || el.innerText.trim())"""


def test_program_edit_form_by_keyboard_only(live_server, page, make_user):
    pm = make_user("pm", "Program Manager")
    program = with_children(ProgramFactory(name="Quiet harbour"))
    teams.set_member(program, pm, "lead")
    sign_in(page, live_server, "pm")
    detail = f"{live_server.url}/programs/{program.pk}/"

    # An in-page section link lands on its section below the sticky marking banner.
    page.goto(detail)
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    tab_until(page, named("Funding"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#funding$"))
    heading = page.get_by_role("heading", name="Funding by fiscal year")
    expect(heading).to_be_in_viewport()
    covered = heading.evaluate(
        "h => { const b = h.getBoundingClientRect();"
        " return !h.contains(document.elementFromPoint(b.left + 5, b.top + 5)); }"
    )
    assert not covered, "the section heading is hidden under the marking banner"

    # The main actions, then the edit form, all by keyboard.
    page.goto(detail)
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    actions = [f["name"] for f in tab_until(page, named("Delete"))]
    assert actions.index("Edit") < actions.index("History") < actions.index("Delete"), actions
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    while page.evaluate(FOCUSED)["name"] != "Edit":
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/edit/$"))

    # Tab visits every field in the order they are read, then Save; Enter in a text
    # field submits the form.
    controls = page.evaluate(FORM_CONTROLS)
    visited = tab_until(page, lambda f: f["tag"] == "BUTTON" and f["name"] == "Save")
    order = []
    for f in visited:
        key = f["id"] or f["name"]
        if key in controls and (not order or order[-1] != key):  # a date field has 4 stops
            order.append(key)
    assert order == controls[: controls.index("Save") + 1]
    page.get_by_label("Name").focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Quiet harbour II")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiet harbour II")
    expect(page.get_by_role("status").first).to_contain_text("saved")

    # Again, reaching the Save button by Tab from the name field and pressing Space on it.
    page.goto(f"{detail}edit/")
    tab_until(page, lambda f: f["id"] == "id_name")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Quiet harbour III")
    tab_until(page, lambda f: f["tag"] == "BUTTON" and f["name"] == "Save")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiet harbour III")
