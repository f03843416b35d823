"""Agreement test data."""

import datetime

import factory
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from agreements.models import Agreement, AgreementParticipant, LegalAuthority
from core.models import Country, Document


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    # A number of the kind's pattern (settings.AGREEMENT_NUMBER_PREFIXES).
    number = factory.LazyAttributeSequence(
        lambda o, n: f"{settings.AGREEMENT_NUMBER_PREFIXES[o.kind][0]}-T{n:05d}-2026-01"
    )
    title = factory.Sequence(lambda n: f"Test agreement number {n}")
    kind = Agreement.Kind.MOU
    summary = "Cooperative research on test things."
    legal_authority = factory.LazyFunction(lambda: LegalAuthority.objects.order_by("pk").first())
    # State (Circular 175) authority to negotiate and conclude, granted last year.
    c175_requested_on = datetime.date(2025, 3, 1)
    c175_granted_on = datetime.date(2025, 4, 1)
    c175_scope = Agreement.AuthorityScope.BOTH


def with_participants(agreement, countries=("USA", "GBR"), signatories=False, signed_on=None):
    """Give an agreement participants, optionally with signatories and signature dates."""
    for iso3 in countries:
        AgreementParticipant.objects.create(
            agreement=agreement,
            country=Country.objects.get(iso3=iso3),
            signatory_name=f"Signer of {iso3}" if signatories else "",
            signatory_title="Director" if signatories else "",
            signed_on=signed_on,
            financial_contribution=1000,
        )
    return agreement


def attach(agreement, kind="draft", title="Agreed text"):
    """Attach a small text document of `kind` (draft, signed...) to the agreement."""
    doc = Document(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id=agreement.pk,
        title=title,
        kind=kind,
        original_name="text.txt",
        size=5,
        checksum="0" * 64,
    )
    doc.file.save("text.txt", ContentFile(b"text\n"), save=False)
    doc.save()
    return doc


def in_state(status, **fields):
    """An agreement already in `status` (set directly, without a timeline)."""
    return AgreementFactory(status=status, **fields)
