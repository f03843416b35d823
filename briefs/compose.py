"""A Brief to one HTML document, through the print templates in templates/briefs/print/."""

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
    """(anchor, label, level) entries: every section, program sheets under one heading."""
    entries = []
    for section in brief.sections:
        if section.program_step and section.program_step[0] == 1:
            band = section.context.get("band") or "Program briefs"
            entries.append({"anchor": "program-briefs", "label": band, "level": 1})
        entries.append(
            {
                "anchor": section.key,
                "label": section.title,
                "level": 2 if section.program_step else 1,
            }
        )
    return entries


def compose(brief, requester, on_section=None):
    """The document's HTML. `on_section(i, n, section)` is called before each section."""
    marking = brief.marking
    as_of = as_of_text(brief.data_as_of)
    parts = []
    total = len(brief.sections)
    for i, section in enumerate(brief.sections, start=1):
        if on_section is not None:
            on_section(i, total, section)
        html = render_to_string(section.template, {"section": section, **section.context})
        parts.append({"section": section, "html": html, "marking": section.marking or marking})
    requester_name = requester.get_full_name() or requester.get_username()
    header = f"IC Portal · {brief.title}"
    return render_to_string(
        "briefs/print/document.html",
        {
            "brief": brief,
            "parts": parts,
            "marking": marking,
            "designation": brief.designation,
            "contents": contents_of(brief) if brief.contents else [],
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
