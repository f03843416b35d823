"""The parts of every brief: sections, the whole document, and the reading rule.

Everything a brief shows is read with `restrict(..., user, "view")` for the requester, at
generation time: a record they may not see is simply absent (no title, no count).
"""

from dataclasses import dataclass, field

from django.conf import settings

from core.markings import CUI_CATEGORIES, Marking, combined
from core.permissions import restrict


def max_programs():
    return getattr(settings, "BRIEFS_MAX_PROGRAMS", 400)


class BriefError(Exception):
    """Why a brief cannot be made, in words its requester understands."""


def visible(queryset, user):
    return restrict(queryset, user, "view")


def visible_ids(model, user):
    """The ids of the `model` records the user may see (one query)."""
    return set(visible(model.objects.order_by(), user).values_list("pk", flat=True))


@dataclass
class Section:
    """One part of a brief: starts on a new page and carries its own page marking."""

    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    records: list = field(default_factory=list)  # the marked records it shows
    level: int = 1
    program_step: tuple | None = None  # (i, n) for "program i of n" progress

    @property
    def marking(self):
        return combined(self.records) if self.records else None


@dataclass
class Brief:
    """A whole document: its sections, and what the cover and metadata say about it."""

    kind: str
    title: str
    subject: str
    sections: list
    data_as_of: object
    cover: bool = False
    contents: bool = False
    annex_from: int | None = None  # sections from this index on are the annex's sheets

    @property
    def records(self):
        seen, result = set(), []
        for section in self.sections:
            for record in section.records:
                key = (type(record), record.pk)
                if key not in seen:
                    seen.add(key)
                    result.append(record)
        return result

    @property
    def marking(self):
        return combined(self.records)

    @property
    def designation(self):
        """The CUI designation block of the cover: category and dissemination in words."""
        result = None
        for record in self.records:
            mark = Marking.of(record)
            result = mark if result is None else result | mark
        names = dict(CUI_CATEGORIES)
        categories = sorted(result.categories) if result else []
        controls = sorted(result.dissemination) if result else []
        if result and result.rel_to and "NOFORN" not in controls:
            controls.append("REL TO " + ", ".join(["USA", *sorted(result.rel_to - {"USA"})]))
        return {
            "controlled_by": settings.DESIGNATION_CONTROLLED_BY,
            "poc": settings.DESIGNATION_POC,
            "categories": [f"{names.get(c, c)} ({c})" for c in categories],
            "dissemination": controls,
        }
