"""A disclosure request from draft to decision in a real browser, as its people would do it."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from core import roles
from core.countries import country_rows
from core.models import Country
from tests.e2e.helpers import sign_in
from tests.tsfd.factories import area
from tsfd.models import DisclosureRequest, InformationCategory, NdpLevel, StandardProviso

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


def test_request_from_submit_to_release(live_server, page, make_user, settings, tmp_path):
    """Draft (complete, with a document) → submit → intake with two reviewers → both
    concur → approved with a standard and a free-text proviso, valid a year up to CUI →
    the foreign disclosure officer records a release → the requester sees it all."""
    settings.MEDIA_ROOT = tmp_path
    make_user("requester", roles.TSFD_REQUESTER)
    make_user("approver", roles.TSFD_APPROVER)
    make_user("reviewer", roles.TSFD_REVIEWER)
    make_user("reviewer2", roles.TSFD_REVIEWER)
    category, _ = InformationCategory.objects.get_or_create(
        number=3, defaults={"name": "Applied research and development information"}
    )
    NdpLevel.objects.create(country=Country.objects.get(iso3="NOR"), category=category, level="C")
    StandardProviso.objects.get_or_create(
        code="NO-RETRANSFER",
        defaults={"text": "No retransfer to a third party without prior written US consent."},
    )

    # The requester drafts, and is told what is missing before submitting.
    sign_in(page, live_server, "requester")
    page.goto(live_server.url + "/tsfd/")
    page.get_by_role("link", name="New disclosure request").click()
    page.get_by_label("Title").fill("Harbour sensor interface drawings")
    page.get_by_label("Technology or information").fill("Interface control drawings, rev C.")
    page.get_by_label("Form of disclosure").select_option(label="Documentary")
    page.get_by_label("Highest classification involved").select_option(label="Secret")
    page.get_by_label("Information category").select_option(label=str(category))
    page.get_by_label("Recipient country").select_option(label="Norway")
    page.get_by_label("Purpose and benefit to the US").fill("Lets the partner integrate.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour sensor interface drawings")
    expect(page.locator("#ndp")).to_contain_text("Exception to NDP required")
    page.get_by_role("button", name="Submit").click()
    alerts = page.locator(".usa-alert")
    for missing in ("Attach at least one document", "end use", "end user", "export jurisdiction"):
        expect(alerts.filter(has_text=missing).first).to_be_visible()
    case = DisclosureRequest.objects.get()
    assert case.status == DisclosureRequest.Status.DRAFT

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("End user", exact=True).fill("Royal Norwegian Navy")
    page.get_by_label("End use", exact=True).fill("Integration into harbour surveillance.")
    page.get_by_label("Export jurisdiction").select_option(label="ITAR (USML)")
    page.get_by_label("USML category").fill("XI")
    page.get_by_label("General Security Agreement").fill("US-NOR General Security Agreement")
    page.get_by_role("button", name=re.compile("Save")).click()
    page.get_by_role("link", name="Upload").click()
    page.get_by_label("Title").fill("Interface control drawings")
    page.get_by_label("File").set_input_files(
        {"name": "icd.txt", "mimeType": "text/plain", "buffer": b"Interface drawings\n"}
    )
    page.get_by_role("button", name=re.compile("Upload")).click()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".record-header .tsfd-status")).to_have_text("Submitted")
    sign_out(page)

    # The approver takes it in and assigns two reviewers.
    sign_in(page, live_server, "approver")
    page.goto(f"{live_server.url}/tsfd/queue/")
    page.get_by_role("link", name=case.number).click()
    page.get_by_role("button", name="Begin intake").click()
    page.get_by_role("link", name="Select review areas and reviewers").click()
    expect(page.locator("#ndp")).to_contain_text("Exception to NDP required")
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

    # The approver decides: a standard proviso and a free-text one, valid a year, up to CUI.
    sign_in(page, live_server, "approver")
    page.goto(case_url := f"{live_server.url}/tsfd/{case.pk}/")
    expect(page.locator(".record-header .tsfd-status")).to_have_text("Decision pending")
    page.get_by_role("link", name="Record the decision").click()
    page.locator("label", has_text="Approve with provisos").click()
    page.get_by_label("Rationale").fill("Both reviews concur.")
    page.get_by_label("Valid until").fill((date.today() + timedelta(days=365)).isoformat())
    page.get_by_label("Highest classification released").select_option(label="CUI")
    page.locator("label", has_text="NO-RETRANSFER").click()
    page.get_by_role("textbox", name="Provisos").fill(
        "Interface drawings only; no design rationale."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".record-header .tsfd-status")).to_have_text("Approved with provisos")

    # The foreign disclosure officer records the release under the decision.
    page.get_by_role("link", name="Record a release").click()
    page.get_by_label("What was released").fill("Interface control drawings, rev C, sheets 1-4.")
    page.get_by_label("Released to").fill("Norwegian navy program office")
    page.get_by_role("button", name=re.compile("Save")).click()
    releases = page.locator("#releases")
    expect(releases).to_contain_text("sheets 1-4")
    expect(releases).to_contain_text("Yes")  # within the decision's scope
    sign_out(page)

    # The requester sees the decision, its provisos, the release and the timeline.
    sign_in(page, live_server, "requester")
    page.goto(case_url)
    decision = page.locator("#decision")
    expect(decision).to_contain_text("Decision: Approved with provisos")
    expect(decision).to_contain_text("standard proviso NO-RETRANSFER")
    expect(decision).to_contain_text("Interface drawings only; no design rationale.")
    expect(page.locator("#releases")).to_contain_text("Norwegian navy program office")
    expect(page.locator("#timeline")).to_contain_text("Decision pending")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Record a release")).to_have_count(0)
