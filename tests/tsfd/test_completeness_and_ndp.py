"""Issue 17, parts 11 and 6: completeness before submit, and National Disclosure Policy."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError

from core.models import Country, Document
from core.workflow import TransitionRefused
from tests.tsfd.factories import S, advance, area, draft, fresh
from tsfd import workflow
from tsfd.models import DisclosureRequest, InformationCategory, NdpLevel, Review

pytestmark = pytest.mark.django_db

EVERY_MISSING = [
    "Attach at least one document",
    "The end use is missing.",
    "The end user is missing.",
    "The export jurisdiction is missing (ITAR or EAR).",
    "The applicable General Security Agreement is missing.",
]


def bare(requester):
    """A draft with none of what part 11 asks for."""
    return draft(
        requester,
        document=False,
        end_use="",
        end_user="",
        export_jurisdiction="",
        usml_category="",
        security_agreement="",
    )


# --- Part 11: completeness before submit ---------------------------------------------------


def test_submit_lists_every_missing_item_and_changes_nothing(cast):
    case = bare(cast["requester"])
    with pytest.raises(TransitionRefused) as refused:
        workflow.step(case, cast["requester"], "submit")
    reasons = " ".join(refused.value.reasons)
    for item in EVERY_MISSING:
        assert item in reasons
    assert fresh(case).status == S.DRAFT and fresh(case).submitted_at is None


def test_submit_through_the_api_answers_every_missing_item(client, cast):
    case = bare(cast["requester"])
    client.force_login(cast["requester"])
    response = client.post(
        f"/api/v1/tsfd/requests/{case.pk}/transition/",
        {"name": "submit", "version": case.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    reasons = " ".join(response.json()["reasons"])
    for item in EVERY_MISSING:
        assert item in reasons
    assert fresh(case).status == S.DRAFT


def test_submit_through_the_page_says_what_is_missing(client, cast):
    case = bare(cast["requester"])
    client.force_login(cast["requester"])
    response = client.post(
        f"/tsfd/{case.pk}/step/", {"name": "submit", "version": case.version}, follow=True
    )
    for item in EVERY_MISSING:
        assert item in response.text
    assert fresh(case).status == S.DRAFT


@pytest.mark.parametrize(
    ("jurisdiction", "code", "missing"),
    [
        ("itar", {}, "An ITAR case needs its USML category."),
        ("ear", {}, "An EAR case needs its ECCN."),
    ],
)
def test_the_jurisdiction_needs_its_code(cast, jurisdiction, code, missing):
    case = draft(cast["requester"], export_jurisdiction=jurisdiction, usml_category="", **code)
    with pytest.raises(TransitionRefused, match=missing):
        workflow.step(case, cast["requester"], "submit")
    case.export_jurisdiction, case.eccn = "ear", "5A002"
    case.save()
    workflow.step(fresh(case), cast["requester"], "submit")
    assert fresh(case).status == S.SUBMITTED


def test_resubmission_checks_completeness_again(cast):
    case = advance(draft(cast["requester"]), S.SUBMITTED, cast["approver"])
    workflow.step(fresh(case), cast["approver"], "return", comment="Which end user?")
    case = fresh(case)
    case.end_user = ""
    case.save()
    with pytest.raises(TransitionRefused, match="end user"):
        workflow.step(fresh(case), cast["requester"], "resubmit")
    assert fresh(case).status == S.RETURNED


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"usml_category": "XXV"}, "usml_category", "roman numeral from I to XXI"),
        ({"export_jurisdiction": "ear", "usml_category": "", "eccn": "5Z0"}, "eccn", "ECCN"),
        ({"export_jurisdiction": "itar", "eccn": "5A002"}, "eccn", "not an ECCN"),
    ],
)
def test_export_codes_are_checked_on_every_path(client, cast, fields, field, words):
    # The model (a shell, the demo loader, the admin) ...
    with pytest.raises(ValidationError, match=words):
        draft(cast["requester"], **fields)
    # ... the API ...
    client.force_login(cast["requester"])
    body = {
        "title": "Export code case",
        "recipient_country": "GBR",
        "technology": "x",
        "disclosure_form": "documentary",
        "purpose": "y",
        "export_jurisdiction": "itar",
        "usml_category": "XI",
        **fields,
    }
    response = client.post("/api/v1/tsfd/requests/", body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()
    # ... and the form: all refused, nothing stored.
    page = client.post(
        "/tsfd/add/",
        {**body, "recipient_country": Country.objects.get(iso3="GBR").pk, "classification": "U"},
    )
    assert page.status_code == 200 and words in page.text
    assert not DisclosureRequest.objects.filter(title="Export code case").exists()


def test_one_reviewer_on_two_areas_needs_a_reason(client, cast):
    case = advance(draft(cast["requester"]), S.INTAKE, cast["approver"])
    ndp, at = area("NDP"), area("AT", 45)
    workflow.assign(case, cast["approver"], ndp, cast["reviewer"])
    # The model refuses the second area for the same person, whoever writes ...
    with pytest.raises(ValidationError, match="record at intake why"):
        workflow.assign(fresh(case), cast["approver"], at, cast["reviewer"])
    with pytest.raises(ValidationError):
        Review.objects.create(request=case, area=at, reviewer=cast["reviewer"])
    # ... the API answers 400 ...
    client.force_login(cast["approver"])
    response = client.post(
        f"/api/v1/tsfd/requests/{case.pk}/assign/",
        {"area": "AT", "reviewer": "reviewer"},
        content_type="application/json",
    )
    assert response.status_code == 400
    # ... the intake page asks for the reason and keeps everything as it was.
    page = client.post(
        f"/tsfd/{case.pk}/intake/",
        {
            f"include_{ndp.pk}": "on",
            f"reviewer_{ndp.pk}": cast["reviewer"].pk,
            f"include_{at.pk}": "on",
            f"reviewer_{at.pk}": cast["reviewer"].pk,
        },
    )
    assert page.status_code == 400 and "say why" in page.text
    assert list(fresh(case).reviews.values_list("area__code", flat=True)) == ["NDP"]
    # With the reason recorded at intake, one person may review both.
    page = client.post(
        f"/tsfd/{case.pk}/intake/",
        {
            f"include_{ndp.pk}": "on",
            f"reviewer_{ndp.pk}": cast["reviewer"].pk,
            f"include_{at.pk}": "on",
            f"reviewer_{at.pk}": cast["reviewer"].pk,
            "shared_reviewer_reason": "The only cleared AT reviewer is also the NDP lead.",
        },
    )
    assert page.status_code == 302, page.content
    case = fresh(case)
    assert case.shared_reviewer_reason.startswith("The only cleared")
    assert case.reviews.filter(reviewer=cast["reviewer"]).count() == 2
    workflow.step(case, cast["approver"], "send_to_review")
    assert fresh(case).status == S.IN_REVIEW
    assert "The only cleared AT reviewer" in client.get(case.get_absolute_url()).text


def test_a_document_of_the_case_counts_not_one_of_another_record(cast):
    case = bare(cast["requester"])
    other = draft(cast["requester"])  # has a document of its own
    assert Document.objects.filter(object_id=other.pk).exists()
    with pytest.raises(TransitionRefused, match="Attach at least one document"):
        workflow.step(case, cast["requester"], "submit")


# --- Part 6: National Disclosure Policy levels -----------------------------------------------


@pytest.fixture
def category():
    return InformationCategory.objects.get(number=3)


def level(iso3, category, value):
    return NdpLevel.objects.create(
        country=Country.objects.get(iso3=iso3), category=category, level=value
    )


def test_a_case_above_the_delegated_level_needs_an_exception(cast, category):
    level("GBR", category, "C")
    secret = draft(cast["requester"], information_category=category, highest_classification="S")
    within = draft(cast["requester"], information_category=category, highest_classification="C")
    assert secret.exceeds_ndp and secret.ndp_level.level == "C"
    assert not within.exceeds_ndp
    # No level for the country and category: anything classified needs an exception.
    elsewhere = draft(
        cast["requester"], country="FRA", information_category=category, highest_classification="C"
    )
    assert elsewhere.ndp_level is None and elsewhere.exceeds_ndp
    unclassified = draft(
        cast["requester"], country="FRA", information_category=category, highest_classification="U"
    )
    assert not unclassified.exceeds_ndp


def test_intake_review_decision_and_case_pages_flag_the_exception(client, cast, category):
    level("GBR", category, "C")
    case = advance(
        draft(cast["pm"], information_category=category, highest_classification="S"),
        S.DECISION_PENDING,
        cast["approver"],
        [cast["reviewer"]],
    )
    client.force_login(cast["approver"])
    for url in (
        case.get_absolute_url(),
        f"/tsfd/{case.pk}/decide/",
        f"/tsfd/{case.pk}/review/?area=NDP",
    ):
        body = client.get(url).text
        assert "Exception to NDP required" in body, url
        assert "delegated up to <strong>Confidential</strong>" in body, url
    api = client.get(f"/api/v1/tsfd/requests/{case.pk}/").json()
    assert api["exceeds_ndp"] is True and api["ndp_level"] == "C"
    assert api["highest_classification"] == "S"
    intake_case = advance(
        draft(cast["pm"], information_category=category, highest_classification="S"),
        S.INTAKE,
        cast["approver"],
    )
    assert "Exception to NDP required" in client.get(f"/tsfd/{intake_case.pk}/intake/").text


def test_ndp_levels_show_on_their_list_the_country_page_and_the_api(client, cast, category):
    level("GBR", category, "C")
    client.force_login(cast["requester"])
    body = client.get("/tsfd/ndp/?country=GBR").text
    assert str(category) in body and "Confidential" in body
    country = client.get(Country.objects.get(iso3="GBR").get_absolute_url()).text
    assert "NDP levels" in country and str(category) in country
    rows = client.get("/api/v1/tsfd/ndp-levels/?country=GBR").json()["results"]
    assert [(r["country"], r["level"]) for r in rows] == [("GBR", "C")]


def test_an_ndp_level_is_kept_once_per_country_and_category_in_the_admin(client, users, category):
    level("GBR", category, "C")
    client.force_login(users["admin"])
    before = LogEntry.objects.count()
    response = client.post(
        "/admin/tsfd/ndplevel/add/",
        {"country": Country.objects.get(iso3="GBR").pk, "category": category.pk, "level": "S"},
    )
    assert response.status_code == 200 and "already exists" in response.text
    assert NdpLevel.objects.count() == 1 and LogEntry.objects.count() == before
