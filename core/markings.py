"""Markings: the classification and controls every record carries.

The portal holds unclassified and CUI information only. Anything above is refused
with a message pointing to the proper system, never stored. The abstract model that
stores a marking on a record, MarkedModel, is in core.models.markings.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Classification(models.TextChoices):
    UNCLASSIFIED = "U", "Unclassified"
    CUI = "CUI", "CUI"
    # Levels the portal must refuse: kept as choices so a user who picks one gets a
    # clear message instead of a generic "invalid choice".
    CONFIDENTIAL = "C", "Confidential"
    SECRET = "S", "Secret"
    TOP_SECRET = "TS", "Top Secret"


PORTAL_MAX_LEVEL = {Classification.UNCLASSIFIED: 0, Classification.CUI: 1}
LEVEL = {"U": 0, "CUI": 1, "C": 2, "S": 3, "TS": 4}


class Dissemination(models.TextChoices):
    NONE = "", "None"
    NOFORN = "NOFORN", "NOFORN (no foreign dissemination)"
    FED_ONLY = "FED ONLY", "FED ONLY"
    FEDCON = "FEDCON", "FEDCON"
    NOCON = "NOCON", "NOCON"
    DL_ONLY = "DL ONLY", "DL ONLY (dissemination list)"
    REL_TO = "REL TO", "REL TO (releasable to listed countries)"


CUI_CATEGORIES = [
    ("", "—"),
    ("CTI", "Controlled Technical Information"),
    ("EXPT", "Export Controlled"),
    ("PROPIN", "Proprietary Business Information"),
    ("OPSEC", "Operations Security"),
    ("PRVCY", "Privacy"),
    ("PROCURE", "General Procurement and Acquisition"),
    ("ISVI", "Information Systems Vulnerability Information"),
]


def validate_portal_classification(value):
    """Refuse any classification the portal may not hold."""
    if LEVEL.get(value, 99) > 1:
        raise ValidationError(
            "The portal holds unclassified and CUI information only. Information at "
            "this level must not be entered here: use the proper classified system.",
            code="classification_too_high",
        )


def marking_problem(classification, cui_category, dissemination):
    """{field: message} when the combination is not a valid marking, else None.

    Dissemination controls and CUI categories apply to CUI (the portal holds nothing
    classified): "U//NOFORN" is not a marking."""
    if classification == Classification.UNCLASSIFIED and dissemination:
        return {
            "dissemination": (
                f"{dissemination} applies to CUI only: mark the record CUI with this "
                "control, or Unclassified without one."
            )
        }
    if classification == Classification.UNCLASSIFIED and cui_category:
        return {
            "cui_category": (
                "A CUI category needs the CUI classification: mark the record CUI, or "
                "remove the category."
            )
        }
    return None


class Marking:
    """A marking banner value that can be combined with others (most restrictive wins)."""

    def __init__(self, classification="U", categories=(), dissemination=(), rel_to=None):
        self.classification = classification
        self.categories = frozenset(c for c in categories if c)
        self.dissemination = frozenset(d for d in dissemination if d and d != "REL TO")
        self.rel_to = frozenset(rel_to) if rel_to is not None else None

    @classmethod
    def of(cls, record):
        rel = None
        if record.dissemination == Dissemination.REL_TO:
            rel = {c.strip() for c in record.rel_to.split(",") if c.strip()}
        return cls(record.classification, [record.cui_category], [record.dissemination], rel)

    def __or__(self, other):
        level = max(self.classification, other.classification, key=lambda c: LEVEL.get(c, 0))
        if self.rel_to is None:
            rel = other.rel_to
        elif other.rel_to is None:
            rel = self.rel_to
        else:
            rel = self.rel_to & other.rel_to  # releasable only where both are
        return Marking(
            level, self.categories | other.categories, self.dissemination | other.dissemination, rel
        )

    def __str__(self):
        if self.classification == "U" and not self.dissemination:
            return "UNCLASSIFIED"
        parts = ["CUI" if self.classification == "CUI" else self.classification]
        if self.categories:
            parts[0] += "//" + "/".join(sorted(self.categories))
        controls = sorted(self.dissemination)
        if "NOFORN" not in self.dissemination and self.rel_to:
            others = sorted(self.rel_to - {"USA"})
            controls.append("REL TO " + ", ".join(["USA", *others]))
        if controls:
            parts.append("/".join(controls))
        return "//".join(parts)


def combined(records):
    """The most restrictive marking of the records, or the portal default when none."""
    result = None
    for record in records:
        m = Marking.of(record)
        result = m if result is None else result | m
    return str(result) if result is not None else settings.PORTAL_MARKING
