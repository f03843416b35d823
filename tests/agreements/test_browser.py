"""Agreements in a real browser: a lifecycle step by button, a refusal that says why."""

import pytest
from playwright.sync_api import expect

from core import teams
from tests.agreements.factories import AgreementFactory, with_participants
from tests.e2e.helpers import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_lead_requests_authority_and_leadership_authorizes(live_server, page, make_user):
    pm = make_user("pm", "Program Manager")
    make_user("leader", "Leadership")
    agreement = with_participants(
        AgreementFactory(title="Harbour radar MOU", status="ssoi_drafting", summary="")
    )
    teams.set_member(agreement, pm, "lead")
    sign_in(page, live_server, "pm")
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    # Not ready yet: the page says what is missing instead of offering the button.
    lifecycle = page.locator("#lifecycle")
    expect(lifecycle).to_contain_text("Describe the agreement's purpose and scope")
    expect(lifecycle.get_by_role("button", name="Request authority to develop")).to_have_count(0)
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Purpose and scope").fill("Joint harbour radar trials.")
    page.get_by_label("Responsible official").select_option(label="Pm Tester")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Comment for the timeline").first.fill("Ready for the approving official.")
    page.get_by_role("button", name="Request authority to develop").click()
    expect(page.get_by_role("status").first).to_contain_text("Authority to develop requested")
    expect(page.locator("#timeline")).to_contain_text("Ready for the approving official.")
    # The requester cannot decide; Leadership can.
    expect(page.get_by_role("button", name="Authorize negotiation")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    page.get_by_role("button", name="Authorize negotiation").click()
    expect(page.locator(".usa-step-indicator__heading-text")).to_have_text(
        "Authorized to negotiate"
    )
