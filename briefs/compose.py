"""A Brief to the HTML of its parts, through the print templates in templates/briefs/print/."""

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from briefs.pdf import font_url


def css_string(text):
    """`text` as a quoted CSS string; every character outside a safe set is escaped."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_()/·")
    return '"' + "".join(c if c in safe else f"\\{ord(c):x} " for c in text) + '"'


def as_of_text(moment):
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or 'UTC'}"


def contents_of(brief):
    """(anchor, label, level, sheet) entries: every section, program sheets under one
    heading. An annex sheet's entry gives its sheet number ("A-3") instead of a page."""
    entries = []
    annex_from = brief.annex_from if brief.annex_from is not None else len(brief.sections)
    for i, section in enumerate(brief.sections):
        sheet = f"A-{i - annex_from + 1}" if i >= annex_from else ""
        if section.program_step and section.program_step[0] == 1:
            band = section.context.get("band") or "Program briefs"
            entries.append({"anchor": "program-briefs", "label": band, "level": 1, "sheet": sheet})
        entries.append(
            {
                "anchor": section.key,
                "label": section.title,
                "level": 2 if section.program_step else 1,
                "sheet": sheet,
            }
        )
    return entries


def sheets_per_part():
    return getattr(settings, "BRIEFS_SHEETS_PER_PART", 8)


@dataclass
class Part:
    """One separately rendered piece of a brief's PDF (see briefs/join.py)."""

    html: str
    sheets: dict = field(default_factory=dict)  # anchor -> annex sheet number
    continues: bool = False  # a later chunk of the annex: its outline goes under the band


def compose(brief, requester, on_section=None):
    """The brief's HTML parts, in order. `on_section(i, n, section)` is called before
    each section.

    A brief without an annex is one part. A leadership packet with its program sheets
    is the front matter (cover, contents, read-ahead, lists), then the annex in parts of
    at most BRIEFS_SHEETS_PER_PART sheets: the parts are laid out at once on separate
    cores and joined. So that no part depends on another's page count, the front
    matter is numbered "Page 3 of 16" and every annex page by its sheet, "Sheet A-3 of
    A-50"; the contents give each annex sheet's number, and the front's links to the
    sheets land on them through placeholder anchors the join replaces.
    """
    # The marking and the designation block are the whole brief's: worked out once here,
    # not again for every part.
    marking = brief.marking
    shared = {"marking": marking, "designation": brief.designation}
    total = len(brief.sections)
    rendered = []
    for i, section in enumerate(brief.sections, start=1):
        if on_section is not None:
            on_section(i, total, section)
        html = render_to_string(section.template, {"section": section, **section.context})
        rendered.append({"section": section, "html": html, "marking": section.marking or marking})
    if brief.annex_from is None or brief.annex_from >= total:
        return [Part(_document(brief, requester, rendered, shared, front=True))]
    front, annex = rendered[: brief.annex_from], rendered[brief.annex_from :]
    for number, item in enumerate(annex, start=1):
        item["sheet"] = number
    placeholders = ["program-briefs", *(item["section"].key for item in annex)]
    parts = [
        Part(_document(brief, requester, front, shared, front=True, placeholders=placeholders))
    ]
    size = max(1, sheets_per_part())
    for start in range(0, len(annex), size):
        chunk = annex[start : start + size]
        parts.append(
            Part(
                _document(brief, requester, chunk, shared, annex_total=len(annex)),
                sheets={item["section"].key: item["sheet"] for item in chunk},
                continues=start > 0,
            )
        )
    return parts


def _document(brief, requester, parts, shared, front=False, placeholders=(), annex_total=0):
    """One part's HTML: the cover and contents come with the front matter only. `shared`
    holds the brief's marking and designation, the same for every part."""
    marking = shared["marking"]
    as_of = as_of_text(brief.data_as_of)
    requester_name = requester.get_full_name() or requester.get_username()
    header = f"IC Portal · {brief.title}"
    return render_to_string(
        "briefs/print/document.html",
        {
            "brief": brief,
            "parts": parts,
            "cover": front and brief.cover,
            "placeholders": placeholders,
            "annex_total": annex_total,
            "marking": marking,
            "designation": shared["designation"],
            "contents": contents_of(brief) if front and brief.contents else [],
            "requester": requester_name,
            "author": f"IC Portal, {settings.DESIGNATION_CONTROLLED_BY}",
            "keywords": f"{brief.title}, {marking}, IC Portal",
            "as_of": as_of,
            "created_iso": timezone.now().replace(microsecond=0).isoformat(),
            "font_url": font_url(),
            "header_css": css_string(header[:90]),
            "as_of_css": css_string(f"Data as of {as_of}"),
        },
    )
