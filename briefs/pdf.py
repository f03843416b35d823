"""HTML to a tagged PDF with WeasyPrint, reporting layout progress as it goes.

The print templates embed the portal's own fonts (Public Sans from the installed USWDS
assets) through file URLs; when the assets are missing, fontconfig's Liberation Sans
takes over. Nothing else is fetched: the URL fetcher refuses every URL outside the
font folder, so no record text can make the renderer reach the network or the disk.
"""

import contextlib
import ctypes
import logging
import os
import re
import select
import signal
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import HTML
from weasyprint.logger import PROGRESS_LOGGER
from weasyprint.urls import URLFetcher

from briefs.join import join

# PDF/UA-1: tagged structure, document title shown, language set; WeasyPrint 70 turns
# on `pdf_tags` for this variant.
PDF_VARIANT = "pdf/ua-1"
FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "uswds" / "fonts" / "public-sans"


def font_url():
    """The file URL of the Public Sans folder, or None when the USWDS assets are not installed."""
    if (FONT_DIR / "PublicSans-Regular.ttf").is_file():
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


def _listen_to_progress():
    """Attach the progress handler, again if a logging set-up (a worker's, a test's)
    has since reset WeasyPrint's progress logger: without it no page is ever counted."""
    if _handler not in PROGRESS_LOGGER.handlers:
        PROGRESS_LOGGER.addHandler(_handler)
    PROGRESS_LOGGER.setLevel(logging.INFO)
    PROGRESS_LOGGER.disabled = False
    PROGRESS_LOGGER.propagate = False  # per-page chatter stays out of the worker log


_listen_to_progress()
logging.getLogger("fontTools").setLevel(logging.WARNING)  # one INFO line per font subset


def render_pdf(html, on_progress=None, on_write=None):
    """Render `html` to PDF bytes; returns (pdf, page_count).

    `on_progress(stage, page)` is called as WeasyPrint goes (stage "styles",
    "structure", "page" with its number, "numbering"), `on_write()` before the PDF is
    written; either may raise to abandon the render.
    """
    _listen_to_progress()
    _listeners.callback = on_progress
    try:
        document = HTML(string=html, url_fetcher=FontOnlyFetcher()).render(pdf_variant=PDF_VARIANT)
    finally:
        _listeners.callback = None
    if on_write is not None:
        on_write()
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf, len(document.pages)


def render_processes():
    """How many parts are laid out at once: BRIEFS_RENDER_PROCESSES, else every core."""
    configured = getattr(settings, "BRIEFS_RENDER_PROCESSES", 0)
    return max(1, configured or len(os.sched_getaffinity(0)))


def render_nice():
    """How much lower than the web the parts are laid out (os.nice increment)."""
    return getattr(settings, "BRIEFS_RENDER_NICE", 10)


class PartFailed(Exception):
    """A part of the brief could not be rendered (its process said why, or died)."""


def render_parts(parts, on_progress=None, on_write=None, processes=None):
    """Render the composed parts (briefs.compose.Part) to one PDF; (pdf, page_count).

    One part is rendered as before. Several are laid out and written by up to
    `processes` child processes at once (forked, so nothing is imported or pickled,
    and niced below the web), then joined (briefs.join). Progress counts the pages
    laid out over all parts. Run from a thread other than the main one (the
    development server answering with an eager task), the parts are rendered one
    after the other in this process: forking a threaded process is not safe.
    """
    if len(parts) == 1:
        return render_pdf(parts[0].html, on_progress=on_progress, on_write=on_write)
    processes = processes or render_processes()
    if threading.current_thread() is threading.main_thread():
        pdfs, pages = _render_forked([p.html for p in parts], processes, on_progress)
    else:
        pdfs, pages = _render_here([p.html for p in parts], on_progress)
    if on_write is not None:
        on_write()
    sheets = {anchor: number for part in parts for anchor, number in part.sheets.items()}
    continues = {i for i, part in enumerate(parts) if part.continues}
    return join(pdfs, continues=continues, sheets=sheets), pages


class _Progress:
    """Pages laid out over all parts, and each stage reported once."""

    def __init__(self, count, callback):
        self.laid = [0] * count
        self.seen = set()
        self.callback = callback

    def __call__(self, index, stage, page):
        if self.callback is None:
            return
        if stage == "page":
            self.laid[index] = page
            self.callback("page", sum(self.laid))
        elif stage not in self.seen:
            self.seen.add(stage)
            self.callback(stage, None)


def _render_here(htmls, on_progress):
    progress = _Progress(len(htmls), on_progress)
    pdfs, pages = [], 0
    for index, html in enumerate(htmls):
        pdf, count = render_pdf(html, on_progress=lambda s, n, i=index: progress(i, s, n))
        pdfs.append(pdf)
        pages += count
    return pdfs, pages


def _child(html, path, fd):
    """In the forked process: render one part to `path`, report on `fd`, never return."""
    code = 1
    try:
        _die_with_parent()
        os.nice(render_nice())

        def say(line):
            os.write(fd, (line + "\n").encode())

        def on_progress(stage, page):
            say(f"{stage} {page or 0}")

        pdf, pages = render_pdf(html, on_progress=on_progress)
        Path(path).write_bytes(pdf)
        say(f"done {pages}")
        code = 0
    except BaseException as exc:  # everything is reported to the parent
        with contextlib.suppress(OSError):
            os.write(fd, f"error {type(exc).__name__}: {exc}"[:1000].encode() + b"\n")
    finally:
        os._exit(code)  # no atexit, no database teardown: the connections are the parent's


def _die_with_parent():
    """Linux: the child is killed when the process that forked it dies (a worker killed
    mid-render leaves no orphan laying out a part nobody will read)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _render_forked(htmls, processes, on_progress):
    progress = _Progress(len(htmls), on_progress)
    pending = list(enumerate(htmls))
    running = {}  # read end of the pipe -> [pid, part index, unread bytes]
    results, errors = {}, []
    with tempfile.TemporaryDirectory(prefix="icportal-brief-") as folder:
        try:
            while pending or running:
                while pending and len(running) < processes and not errors:
                    index, html = pending.pop(0)
                    path = os.path.join(folder, f"part-{index}.pdf")
                    read, write = os.pipe()
                    pid = os.fork()
                    if pid == 0:
                        os.close(read)
                        _child(html, path, write)
                    os.close(write)
                    running[read] = [pid, index, b""]
                if not running:
                    break
                ready, _, _ = select.select(list(running), [], [], 1.0)
                for fd in ready:
                    entry = running[fd]
                    data = os.read(fd, 65536)
                    if data:
                        entry[2] += data
                        *lines, entry[2] = entry[2].split(b"\n")
                        for line in lines:
                            word, _, rest = line.decode().partition(" ")
                            if word == "done":
                                results[entry[1]] = int(rest)
                            elif word == "error":
                                errors.append(rest)
                            else:
                                progress(entry[1], word, int(rest))
                        continue
                    os.close(fd)
                    del running[fd]
                    _, status = os.waitpid(entry[0], 0)
                    if entry[1] not in results and not errors:
                        errors.append(f"the process ended with status {status}")
            if errors:
                raise PartFailed(errors[0])
            pdfs = [Path(folder, f"part-{i}.pdf").read_bytes() for i in range(len(htmls))]
        finally:
            for fd, (pid, _, _) in running.items():  # cancelled, timed out or failed
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
                os.close(fd)
    return pdfs, sum(results.values())
