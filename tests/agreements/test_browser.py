"""Agreements in a real browser: a lifecycle step by button, a refusal that says why."""

import datetime

import pytest
from playwright.sync_api import expect

from agreements.models import CoordinatingOffice, Coordination
from core import teams
from tests.agreements.factories import AgreementFactory, attach, with_participants
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
    attach(agreement, "ssoi", "SSOI package")
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


def test_rad_coordination_to_authority_to_negotiate(live_server, page, make_user):
    """Request authority to develop opens the coordination; counsel non-concurs from its
    own sign-in; the decision is blocked until leadership overrules with a reason; the
    comptroller's silence past its due date counts as concurrence; leadership authorizes."""
    pm = make_user("pm", "Program Manager")
    make_user("leader", "Leadership")
    counsel = make_user("counsel", "IC Staff")
    legal = CoordinatingOffice.objects.create(name="General Counsel", short_name="OGC")
    CoordinatingOffice.objects.create(name="Comptroller", short_name="COMP", days_to_answer=5)
    legal.members.add(counsel)
    agreement = with_participants(
        AgreementFactory(title="Harbour sonar MOU", status="ssoi_drafting", responsible_official=pm)
    )
    teams.set_member(agreement, pm, "lead")
    attach(agreement, "ssoi", "SSOI package")
    url = f"{live_server.url}/agreements/{agreement.pk}/"

    sign_in(page, live_server, "pm")
    page.goto(url)
    page.get_by_role("button", name="Request authority to develop").click()
    coordination = page.locator("#coordination")
    expect(coordination).to_contain_text("General Counsel")
    expect(coordination).to_contain_text("Waiting for an answer")
    page.get_by_role("button", name="Sign out").click()

    # Counsel sees the agreement it is asked about and non-concurs, with its reasons.
    sign_in(page, live_server, "counsel")
    page.goto(url)
    page.locator('tr[data-office="OGC"]').get_by_role("link", name="Record answer").click()
    page.get_by_label("Answer").select_option("non_concur")
    page.get_by_label("Comment").fill("Article 9 departs from the liability template.")
    page.get_by_role("button", name="Record the answer").click()
    expect(page.locator('tr[data-office="OGC"]')).to_contain_text("Non-concur: blocks")
    expect(page.locator('tr[data-office="OGC"]')).to_contain_text("Counsel Tester")
    page.get_by_role("button", name="Sign out").click()

    # The comptroller said nothing; its due date passes.
    Coordination.objects.filter(office__short_name="COMP").update(
        requested_on=datetime.date.today() - datetime.timedelta(days=8),
        due_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    sign_in(page, live_server, "leader")
    page.goto(url)
    expect(page.locator('tr[data-office="COMP"]')).to_contain_text("Concurred by silence on")
    blocked = page.locator(".blocked-steps")
    expect(blocked).to_contain_text("General Counsel (OGC) non-concurs")
    expect(page.get_by_role("button", name="Authorize negotiation")).to_have_count(0)
    page.locator('tr[data-office="OGC"]').get_by_role("link", name="Overrule").click()
    page.get_by_label("Reason for overruling").fill("Liability is covered by the framework.")
    page.get_by_role("button", name="Overrule").click()
    expect(page.locator('tr[data-office="OGC"]')).to_contain_text("Non-concurrence overruled")
    page.get_by_role("button", name="Authorize negotiation").click()
    expect(page.locator(".usa-step-indicator__heading-text")).to_have_text(
        "Authorized to negotiate"
    )
    page.screenshot(path="/tmp/agr-coordination-done.png", full_page=True)
