"""Helpers for browser tests."""

from tests.conftest import PASSWORD


def sign_in(page, live_server, username):
    """Accept the consent banner and sign in through the real form."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="I accept").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
