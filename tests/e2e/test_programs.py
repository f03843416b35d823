"""Programs in a real browser: filter in place, bookmarkable URL, edit with validation."""

import re

import pytest
from playwright.sync_api import expect

from core import teams
from tests.e2e.helpers import sign_in
from tests.programs.factories import ProgramFactory, with_children

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_updates_table_in_place_and_url(live_server, page, make_user):
    make_user("leader", "Leadership")
    with_children(ProgramFactory(name="Amber rotorcraft", health="yellow"))
    with_children(ProgramFactory(name="Crimson radar", health="red"))
    sign_in(page, live_server, "leader")
    page.get_by_role("link", name="Programs").first.click()
    results = page.locator("#results")
    expect(results).to_contain_text("Amber rotorcraft")
    expect(results).to_contain_text("Crimson radar")
    page.evaluate("window.__marker = 'same page'")
    # USWDS hides the real checkbox and styles its label: click the label, as a user does.
    page.locator("#filter-form label", has_text=re.compile(r"^Red$")).click()
    expect(results).not_to_contain_text("Amber rotorcraft")
    expect(results).to_contain_text("Crimson radar")
    expect(page).to_have_url(re.compile(r"health=red"))
    # htmx swapped the results: the page itself was not reloaded.
    assert page.evaluate("window.__marker") == "same page"
    # The URL is shareable: opening it fresh gives the same filtered table.
    page.goto(page.url)
    expect(page.locator("#results")).not_to_contain_text("Amber rotorcraft")
    expect(page.get_by_role("checkbox", name="Red", exact=True)).to_be_checked()


def test_edit_program_shows_errors_then_saves(live_server, page, make_user):
    pm = make_user("pm", "Program Manager")
    program = with_children(ProgramFactory(name="Quiet harbour"))
    teams.set_member(program, pm, "lead")
    sign_in(page, live_server, "pm")
    page.goto(f"{live_server.url}/programs/{program.pk}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("End date").fill("2020-01-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    expect(page.get_by_text("The end date is before the start date.")).to_be_visible()
    page.get_by_label("End date").fill("2030-01-01")
    page.get_by_label("Name").fill("Quiet harbour II")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiet harbour II")
    expect(page.get_by_role("status").first).to_contain_text("saved")


def test_a_filtered_list_saved_as_a_view_opens_again_with_its_filter(live_server, page, make_user):
    make_user("leader", "Leadership")
    with_children(ProgramFactory(name="Amber rotorcraft", health="yellow"))
    with_children(ProgramFactory(name="Crimson radar", health="red"))
    sign_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/programs/")
    page.locator("#filter-form label", has_text=re.compile(r"^Red$")).click()
    expect(page.locator("#results")).not_to_contain_text("Amber rotorcraft")
    page.get_by_text("Saved views", exact=True).click()
    page.get_by_label("Save this view as").fill("Red programs")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved view “Red programs”")
    # Fresh, unfiltered: the saved view is listed and brings its filter back.
    page.goto(f"{live_server.url}/programs/")
    expect(page.locator("#results")).to_contain_text("Amber rotorcraft")
    page.get_by_role("link", name="Red programs").click()
    expect(page.locator("#results")).to_contain_text("Crimson radar")
    expect(page.locator("#results")).not_to_contain_text("Amber rotorcraft")
