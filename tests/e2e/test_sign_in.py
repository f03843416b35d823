"""The first thing every user does, in a real Chromium: consent, sign in, sign out."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consent_sign_in_home_and_sign_out(live_server, page, make_user):
    make_user("leader", "Leadership")
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/consent/"))
    expect(page.get_by_role("region", name="Notice and consent banner")).to_contain_text(
        "USG-authorized use only"
    )
    page.get_by_role("button", name="I accept").click()
    page.get_by_label("Username").fill("leader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Leader Tester")
    banners = page.locator(".marking-banner")
    expect(banners).to_have_count(2)
    expect(banners.first).to_have_text("CUI")
    expect(banners.last).to_have_text("CUI")
    expect(page.get_by_role("navigation", name="Primary navigation")).to_contain_text("Leadership")
    expect(page.get_by_role("searchbox", name="Search")).to_be_visible()
    # Styles come from the installed USWDS, not a CDN.
    assert page.evaluate("getComputedStyle(document.querySelector('.usa-button')).borderRadius")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/consent/"))


def test_locked_account_sees_clear_message(live_server, page, make_user):
    make_user("pm", "Program Manager")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="I accept").click()
    for _ in range(3):
        page.get_by_label("Username").fill("pm")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("This account is locked")
