"""Horizontal bar charts as inline SVG geometry, drawn the same on a page and in a PDF.

The server computes every coordinate; `templates/core/_hbars.html` draws them. Each
chart has its numbers in a table beside it (the caller's), so the SVG is a picture of
the table, never the only place a number is.
"""

from dataclasses import dataclass, field

WIDTH = 560  # viewBox units; the template scales the chart to the width it is given
ROW = 22
LABEL = 190  # room for the row labels on the left
NOTE = 120  # room for the note after each bar


@dataclass
class Part:
    value: float
    colour: str
    name: str = ""


@dataclass
class Row:
    label: str
    parts: list = field(default_factory=list)
    note: str = ""


def hbars(rows, legend=(), title=""):
    """Geometry of stacked horizontal bars, one per row, scaled to the largest total.

    `rows` are `Row`s; a row whose parts are all zero keeps its label and note. Returns
    None when there are no rows.
    """
    if not rows:
        return None
    peak = max((sum(p.value for p in r.parts) for r in rows), default=0) or 1
    span = WIDTH - LABEL - NOTE
    drawn = []
    for i, row in enumerate(rows):
        x, parts = LABEL, []
        for part in row.parts:
            w = part.value / peak * span
            if w > 0:
                parts.append(
                    {
                        "x": round(x, 1),
                        "w": round(max(w, 1), 1),
                        "colour": part.colour,
                        "name": part.name,
                    }
                )
            x += w
        drawn.append(
            {
                "y": i * ROW + 4,
                "text_y": i * ROW + 15,
                "label": row.label,
                "parts": parts,
                "note": row.note,
                "note_x": round(x + 4, 1),
            }
        )
    return {
        "width": WIDTH,
        "height": len(rows) * ROW + 8,
        "bar": ROW - 8,
        "rows": drawn,
        "legend": list(legend),
        "title": title,
    }
