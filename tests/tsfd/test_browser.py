"""A disclosure request from draft to decision in a real browser, as its people would do it."""

import re

import pytest
from playwright.sync_api import expect

from core import roles
from core.countries import country_rows
from core.models import Country
from tests.e2e.helpers import sign_in
from tests.tsfd.factories import area
from tsfd.models import DisclosureRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    # A live-server test flushes the database: put back what data migrations loaded.
    if not Country.objects.exists():
        Country.objects.bulk_create(Country(**row) for row in country_rows())
    area("NDP", 30)
    area("EW", 45)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_request_reviewed_in_parallel_then_approved_with_a_proviso(live_server, page, make_user):
    make_user("requester", roles.TSFD_REQUESTER)
    make_user("approver", roles.TSFD_APPROVER)
    make_user("reviewer", roles.TSFD_REVIEWER)
    make_user("reviewer2", roles.TSFD_REVIEWER)

    # The requester drafts and submits.
    sign_in(page, live_server, "requester")
    page.goto(live_server.url + "/tsfd/")
    page.get_by_role("link", name="New disclosure request").click()
    page.get_by_label("Title").fill("Harbour sensor interface drawings")
    page.get_by_label("Technology or information").fill("Interface control drawings, rev C.")
    page.get_by_label("Form of disclosure").select_option(label="Documentary")
    page.get_by_label("Recipient country").select_option(label="Norway")
    page.get_by_label("Purpose and benefit to the US").fill("Lets the partner integrate.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour sensor interface drawings")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".record-header .tsfd-status")).to_have_text("Submitted")
    case = DisclosureRequest.objects.get()
    sign_out(page)

    # The approver takes it in and assigns two reviewers.
    sign_in(page, live_server, "approver")
    page.goto(f"{live_server.url}/tsfd/queue/")
    page.get_by_role("link", name=case.number).click()
    page.get_by_role("button", name="Begin intake").click()
    page.get_by_role("link", name="Select review areas and reviewers").click()
    page.locator("label", has_text=re.compile(r"^NDP —")).click()
    page.get_by_label("Reviewer for NDP").select_option(label="Reviewer Tester")
    page.locator("label", has_text=re.compile(r"^EW —")).click()
    page.get_by_label("Reviewer for EW").select_option(label="Reviewer2 Tester")
    page.get_by_role("button", name="Save review areas").click()
    page.get_by_role("button", name="Send to reviewers").click()
    expect(page.locator(".record-header .tsfd-status")).to_have_text("In review")
    sign_out(page)

    # Each reviewer concurs from their queue.
    for reviewer in ("reviewer", "reviewer2"):
        sign_in(page, live_server, reviewer)
        page.goto(f"{live_server.url}/tsfd/queue/")
        page.get_by_role("link", name=case.number).click()
        page.locator("label", has_text=re.compile(r"^Concur$")).click()
        page.get_by_role("button", name="Record the review").click()
        expect(page.get_by_role("status").first).to_contain_text("is recorded")
        sign_out(page)

    # The approver decides, with one proviso.
    sign_in(page, live_server, "approver")
    page.goto(case_url := f"{live_server.url}/tsfd/{case.pk}/")
    expect(page.locator(".record-header .tsfd-status")).to_have_text("Decision pending")
    page.get_by_role("link", name="Record the decision").click()
    page.locator("label", has_text="Approve with provisos").click()
    page.get_by_label("Rationale").fill("Both reviews concur.")
    page.get_by_role("textbox", name="Provisos").fill(
        "Interface drawings only; no design rationale."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".record-header .tsfd-status")).to_have_text("Approved with provisos")
    sign_out(page)

    # The requester sees the decision, its proviso and the timeline; nothing to edit.
    sign_in(page, live_server, "requester")
    page.goto(case_url)
    decision = page.locator("#decision")
    expect(decision).to_contain_text("Decision: Approved with provisos")
    expect(decision).to_contain_text("Interface drawings only; no design rationale.")
    expect(page.locator("#timeline")).to_contain_text("Decision pending")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
