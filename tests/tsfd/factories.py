"""TSFD test data: requests driven through the real workflow to the state a test needs."""

import itertools
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from core.models import Country, Document
from tsfd import workflow
from tsfd.models import DisclosureRequest, ReviewArea

S = DisclosureRequest.Status
_titles = itertools.count(1)


def area(code="NDP", days=30):
    found, _ = ReviewArea.objects.get_or_create(
        code=code, defaults={"name": f"{code} review", "target_days": days}
    )
    return found


def draft(requester, title=None, country="GBR", document=True, **fields):
    """A draft request by `requester`, complete enough to submit (with a document unless
    `document` is False)."""
    case = DisclosureRequest(
        title=title or f"Disclosure of widget design {next(_titles)}",
        requested_by=requester,
        recipient_country=Country.objects.get(iso3=country),
        technology="Widget design drawings at interface level.",
        disclosure_form=DisclosureRequest.Form.DOCUMENTARY,
        purpose="Lets the partner integrate the widget.",
        **{**COMPLETE, **fields},
    )
    case.save()
    if document:
        attach(case)
    return case


# What a request needs before it may be submitted (besides a document: see `attach`).
COMPLETE = {
    "highest_classification": "CUI",
    "end_use": "Integration of the widget into the partner's airframe.",
    "end_user": "Partner air force",
    "export_jurisdiction": "itar",
    "usml_category": "XI",
    "security_agreement": "US bilateral General Security Agreement (demo)",
}


def attach(case, title="Widget drawings", kind="draft"):
    """Attach a small text document to the case (submission needs one)."""
    doc = Document(
        content_type=ContentType.objects.get_for_model(DisclosureRequest),
        object_id=case.pk,
        title=title,
        kind=kind,
        original_name="drawings.txt",
        size=9,
        checksum="0" * 64,
    )
    doc.file.save("drawings.txt", ContentFile(b"drawings\n"), save=False)
    doc.save()
    return doc


def has_document(case):
    return Document.objects.filter(
        content_type=ContentType.objects.get_for_model(DisclosureRequest), object_id=case.pk
    ).exists()


# What an approval says besides its rationale: until when, and up to which level.
VALID = {"valid_until": date.today() + timedelta(days=365), "limit": "CUI"}


def fresh(case):
    return DisclosureRequest.objects.get(pk=case.pk)


def advance(case, to, approver, reviewers=(), areas=("NDP",), decision="approve"):
    """Move `case` along the happy path until it reaches status `to`.

    `reviewers` pairs with `areas` (the last reviewer repeats when there are fewer).
    """
    order = [
        S.SUBMITTED,
        S.INTAKE,
        S.IN_REVIEW,
        S.DECISION_PENDING,
        S.APPROVED,
    ]
    goal = S.DECISION_PENDING if to in DisclosureRequest.DECIDED else to
    case = fresh(case)
    if case.status == S.DRAFT:
        if not has_document(case):
            attach(case)
        workflow.step(case, case.requested_by, "submit")
    if goal == S.SUBMITTED:
        return fresh(case)
    workflow.step(fresh(case), approver, "begin_intake")
    if goal == S.INTAKE:
        return fresh(case)
    case = fresh(case)
    reviewers = list(reviewers)
    for i, code in enumerate(areas):
        workflow.assign(case, approver, area(code), reviewers[min(i, len(reviewers) - 1)])
    workflow.step(fresh(case), approver, "send_to_review")
    if goal == S.IN_REVIEW:
        return fresh(case)
    for review in fresh(case).reviews.select_related("reviewer"):
        workflow.record_review(review, review.reviewer, "concur")
    if to == S.DECISION_PENDING:
        return fresh(case)
    assert to in order or to in DisclosureRequest.DECIDED
    validity = VALID
    kwargs = {
        "approve": validity,
        "approve_with_provisos": {"provisos": ["Only the interface drawings."], **validity},
        "partially_approve": {"scope": "Drawings only, no test data.", **validity},
        "deny": {},
    }[decision]
    workflow.decide(fresh(case), approver, decision, "Because the reviews concur.", **kwargs)
    return fresh(case)


def make_ddl(number="DDL-T-001", title="Test letter", countries=("GBR",), expires_in=365, **more):
    """A DDL covering `countries` up to Secret, expiring in `expires_in` days."""
    from tsfd.models import DelegationLetter

    letter = DelegationLetter.objects.create(
        number=number,
        title=title,
        system="Widget",
        scope="Interface drawings only.",
        classification_limit=more.pop("limit", "S"),
        expires_on=date.today() + timedelta(days=expires_in),
        **more,
    )
    letter.countries.set(Country.objects.filter(iso3__in=countries))
    return letter


def record_release(case, officer, **fields):
    """A release under `case`'s decision, within its scope unless `fields` say otherwise."""
    from tsfd.models import Release

    values = {
        "released_on": date.today(),
        "what": "Interface drawings",
        "recipient": "Partner program office",
        "recipient_country": case.recipient_country,
        "classification_released": "CUI",
        **fields,
    }
    return Release.objects.create(request=case, released_by=officer, **values)
