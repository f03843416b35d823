"""The marking every domain record carries: classification, CUI category, controls.

The vocabulary and the banner arithmetic (Classification, Marking...) live in
core.markings; this is the abstract model that stores them on a record.
"""

from django.core.exceptions import ValidationError
from django.db import models

from core.markings import (
    CUI_CATEGORIES,
    Classification,
    Dissemination,
    Marking,
    marking_problem,
    validate_portal_classification,
)
from core.models.reference import Country


class MarkedModel(models.Model):
    """Abstract base for every domain record: classification, CUI category, controls."""

    classification = models.CharField(
        max_length=4,
        choices=Classification.choices,
        default=Classification.CUI,
        validators=[validate_portal_classification],
    )
    cui_category = models.CharField(
        "CUI category", max_length=10, blank=True, choices=CUI_CATEGORIES
    )
    dissemination = models.CharField(max_length=10, blank=True, choices=Dissemination.choices)
    rel_to = models.CharField(
        "REL TO countries",
        max_length=200,
        blank=True,
        help_text="ISO alpha-3 codes separated by commas, e.g. USA, GBR, AUS.",
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        codes = [c.strip().upper() for c in self.rel_to.split(",") if c.strip()]
        if self.dissemination == Dissemination.REL_TO and not codes:
            raise ValidationError({"rel_to": "REL TO needs at least one country code."})
        if codes and self.dissemination != Dissemination.REL_TO:
            raise ValidationError({"rel_to": "Countries apply only with REL TO dissemination."})
        bad = [c for c in codes if len(c) != 3 or not c.isalpha()]
        if bad:
            raise ValidationError({"rel_to": f"Not ISO alpha-3 codes: {', '.join(bad)}."})
        if codes:
            known = set(Country.objects.filter(iso3__in=codes).values_list("iso3", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise ValidationError(
                    {"rel_to": f"Not countries the portal knows: {', '.join(unknown)}."}
                )
        self.rel_to = ", ".join(codes)
        problem = marking_problem(self.classification, self.cui_category, self.dissemination)
        if problem:
            raise ValidationError(problem)

    @property
    def marking(self):
        return Marking.of(self)
