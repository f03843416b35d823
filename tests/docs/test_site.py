"""The documentation site builds strictly, offline, and says what the portal does."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Any address of another host in a page's own markup: a link, script, stylesheet or font.
REMOTE_ASSET = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I
)
CDN_HOSTS = re.compile(
    r"fonts\.googleapis|fonts\.gstatic|cdn\.jsdelivr|unpkg\.com|cdnjs|polyfill\.io", re.I
)
# The theme's bundle names two scripts it fetches only when needed, and here never: a
# polyfill for browsers without ResizeObserver (Chromium, Firefox and Safari have had it
# since 2020) and Mermaid for pages with diagrams (the guides have none; tested below).
CONDITIONAL_FALLBACKS = (
    "https://unpkg.com/resize-observer-polyfill",
    "https://unpkg.com/mermaid@11/dist/mermaid.min.js",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_every_guide_is_built(site):
    for page in (
        "index.html",
        "user/index.html",
        "user/program-manager.html",
        "user/tsfd-reviewer.html",
        "admin/users-and-roles.html",
        "operator/configuration.html",
        "operator/monitoring.html",
        "api/locking.html",
        "api/errors.html",
    ):
        assert (site / page).is_file(), page


def test_no_page_loads_anything_from_another_host(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 25
    for page in pages:
        html = page.read_text()
        assert not REMOTE_ASSET.search(html), f"{page.relative_to(site)} loads a remote asset"
        assert not CDN_HOSTS.search(html), f"{page.relative_to(site)} names a CDN"
        assert 'class="mermaid"' not in html, page.relative_to(site)
    for asset in [*site.rglob("*.css"), *site.rglob("*.js")]:
        text = asset.read_text(errors="ignore")
        for url in CONDITIONAL_FALLBACKS:
            text = text.replace(url, "")
        assert not CDN_HOSTS.search(text), asset.relative_to(site)


@pytest.mark.browser
def test_pages_opened_in_chromium_request_nothing_from_another_host(site, browser):
    """The proof: every request the browser makes for a page and its search is local."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    page = browser.new_page()
    elsewhere = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(base) else elsewhere.append(request.url),
    )
    try:
        for path in ("/index.html", "/user/program-manager.html", "/operator/monitoring.html"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        page.keyboard.press("/")  # opens the search box
        page.keyboard.type("lockout")
        page.wait_for_selector(".md-search-result__item", timeout=10000)
        assert "Security events and lockouts" in page.inner_text(".md-search-result")
    finally:
        page.close()
        server.shutdown()
    assert elsewhere == []


def test_search_works_offline(site):
    # The index is a file of the site and the search code is in the theme's own bundle:
    # searching needs no other host.
    index = site / "search" / "search_index.json"
    assert index.is_file()
    assert "Unlocking an account" in index.read_text()
    assert list((site / "assets" / "javascripts" / "workers").glob("search.*.min.js"))


def test_user_guide_shows_committed_screenshots(site):
    html = (site / "user" / "program-manager.html").read_text()
    images = re.findall(r'<img[^>]+src="\.\./img/([\w-]+\.png)"', html)
    assert "program-detail.png" in images
    for name in images:
        assert (ROOT / "docs" / "img" / name).is_file(), name


def test_the_configuration_page_names_every_setting_the_monitoring_reads(site):
    text = (site / "operator" / "configuration.html").read_text()
    for name in (
        "METRICS_TOKEN",
        "METRICS_ALLOWED_IPS",
        "PROMETHEUS_MULTIPROC_DIR",
        "HEALTH_REQUIRE_WORKER",
        "WORKER_HEARTBEAT_STALE_SECONDS",
        "LOG_FORMAT",
    ):
        assert name in text, name


def test_a_broken_link_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [the missing page](missing.md).\n")
    config = (ROOT / "mkdocs.yml").read_text()
    config = config[: config.index("nav:")]  # the same settings, no navigation
    (tmp_path / "mkdocs.yml").write_text(config)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode != 0
    assert "missing.md" in result.stderr
