"""HTML to a tagged PDF with WeasyPrint, reporting layout progress as it goes.

The print templates embed the portal's own fonts (Public Sans from the installed USWDS
assets) through file URLs; when the assets are missing, fontconfig's Liberation Sans
takes over. Nothing else is fetched: the URL fetcher refuses every URL outside the
font folder, so no record text can make the renderer reach the network or the disk.
"""

import logging
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import HTML
from weasyprint.logger import PROGRESS_LOGGER
from weasyprint.urls import URLFetcher

# PDF/UA-1: tagged structure, document title shown, language set; WeasyPrint 70 turns
# on `pdf_tags` for this variant.
PDF_VARIANT = "pdf/ua-1"
FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "uswds" / "fonts" / "public-sans"


def font_url():
    """The file URL of the Public Sans folder, or None when the USWDS assets are not installed."""
    if (FONT_DIR / "PublicSans-Regular.woff2").is_file():
        return FONT_DIR.as_uri() + "/"
    return None


class FontOnlyFetcher(URLFetcher):
    """Fetches the portal's font files and nothing else."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"Print templates may not load {parts.scheme or 'relative'} URLs")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(FONT_DIR.resolve()):
            raise ValueError("Print templates may load only the portal's font files")
        return super().fetch(url, headers)


_PAGE = re.compile(r"Creating layout - Page (\d+)$")
_STAGES = {
    "Step 3 ": "styles",  # applying CSS
    "Step 4 ": "structure",  # building the box tree
    "Step 5 - Creating layout - Repagination": "numbering",  # second pass for "of N"
}
_listeners = threading.local()


class _LayoutProgress(logging.Handler):
    """Passes WeasyPrint's progress lines to the render running in this thread, as
    ("page", n) for each page laid out, or (stage, None)."""

    def emit(self, record):
        callback = getattr(_listeners, "callback", None)
        if callback is None:
            return
        message = record.getMessage()
        match = _PAGE.search(message)
        if match:
            callback("page", int(match.group(1)))  # may raise to stop the render (cancelled)
            return
        for prefix, stage in _STAGES.items():
            if message.startswith(prefix):
                callback(stage, None)
                return


_handler = _LayoutProgress(level=logging.INFO)
PROGRESS_LOGGER.addHandler(_handler)
PROGRESS_LOGGER.setLevel(logging.INFO)
PROGRESS_LOGGER.propagate = False  # per-page chatter stays out of the worker log
logging.getLogger("fontTools").setLevel(logging.WARNING)  # one INFO line per font subset


def render_pdf(html, on_progress=None, on_write=None):
    """Render `html` to PDF bytes; returns (pdf, page_count).

    `on_progress(stage, page)` is called as WeasyPrint goes (stage "styles",
    "structure", "page" with its number, "numbering"), `on_write()` before the PDF is
    written; either may raise to abandon the render.
    """
    _listeners.callback = on_progress
    try:
        document = HTML(string=html, url_fetcher=FontOnlyFetcher()).render(pdf_variant=PDF_VARIANT)
    finally:
        _listeners.callback = None
    if on_write is not None:
        on_write()
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf, len(document.pages)
