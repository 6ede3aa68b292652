"""Open the built site in Debian's headless Chromium and record what a first-time reader gets.

``nox -s browser`` runs these tests after ``nox -s site``. It sets ``BACKPROP_REF_SITE`` to the
built site (``docs/_build/html``). Without that variable this folder collects nothing, so the
plain ``pytest`` of ``nox -s tests`` (whose testpaths include ``tests``) neither imports
Playwright nor needs a built site or a browser. One variable both switches the tests on and says
which site to check, so a scratch copy of a build can be checked the same way.

Each page is served by ``http.server`` on a free port of 127.0.0.1, in a thread of this process,
and opened once per viewport (1280x900, a laptop, and 390x844, a phone), in a fresh browser
context (empty cache, empty storage); what it did is recorded once and kept for the session, and
the tests in ``test_site.py`` then assert on that record. The closing summary prints each page's
height, the share of it that is code shown to the reader and, on pages with exercises, how many
screens down they start, at both widths.
Requests from the page to any other host are aborted and recorded. Chromium itself also calls
Google services (sign-in, component updates) that no page asked for and that the page's
request routing never sees; a dead-end proxy on 127.0.0.1 refuses them, so nothing leaves the
machine, and the summary names those hosts.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import shutil
import socketserver
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route

SITE_VARIABLE = "BACKPROP_REF_SITE"
if SITE_VARIABLE not in os.environ:
    # Not asked to check a site (plain `pytest`, `nox -s tests`): ignore every file here, so
    # neither this folder's tests nor their doctests (--doctest-modules) import Playwright.
    collect_ignore_glob = ["*"]

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download cannot run here
CHROMIUM_FLAGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MATHJAX = "/_static/mathjax/"  # where conf/offline_assets.py puts MathJax and its fonts
# One page per checked article, articles/<name>.html; they open with a verdict summary. Side
# material an article page links to lives one folder down (articles/<name>/<topic>.html) and is
# not an article page.
ARTICLES = "articles/"


@dataclass(frozen=True)
class Viewport:
    """A browser window size; its name (``1280x900``) labels test ids and screenshot folders."""

    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


WIDE = Viewport(1280, 900)  # a laptop
PHONE = Viewport(390, 844)  # a phone held upright
VIEWPORTS = (WIDE, PHONE)

# After the load event: let MathJax finish its first typesetting, then load every image, lazy
# ones too (a reader who scrolls would load them; a full-page screenshot does not scroll).
SETTLE = """async () => {
  if (window.MathJax?.startup?.promise) await window.MathJax.startup.promise;
  const images = [...document.images];
  for (const image of images) image.loading = "eager";
  await Promise.all(images.map((image) => image.decode().catch(() => null)));
}"""
# What the page shows. Text inside code listings (pre, code) may be TeX on purpose; text inside
# MathJax's output is typeset; script and style are not text a reader sees.
FACTS = """() => {
  const skip = "pre, code, script, style, noscript, template, textarea, mjx-container";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const text = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (!node.parentElement.closest(skip)) text.push(node.data);
  const math = [...document.querySelectorAll(".math")];  // Sphinx's math, for MathJax to typeset
  return {
    text: text.join(""),
    untypeset: math.filter((m) => !m.querySelector("mjx-container")).map((m) => m.textContent.trim()),
    tex_errors: [...document.querySelectorAll("mjx-merror")].map((e) => e.textContent),
    images: [...document.images].map((i) => [i.getAttribute("src"), i.naturalWidth]),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    pasted: [...document.querySelectorAll(".pasted-text")].map((e) => e.textContent),
    system_messages: [...document.querySelectorAll(".system-message, .problematic")]
      .map((e) => e.textContent),
  };
}"""
# The page's layout at this viewport, before anything scrolls. The content column is the
# article's width less its padding. A table is "clipped" when part of it cannot be seen: the
# nearest box around it that does not let overflow show (overflow-x other than visible; the table
# itself when it is display: block) is narrower than the table and does not scroll, or there is no
# such box and the table runs past the column. A box that scrolls is fine if it fits the column.
LAYOUT = """() => {
  // The search page has no article; its main block holds the content there.
  const article = document.querySelector("article") || document.querySelector("main");
  const style = getComputedStyle(article);
  const left = article.getBoundingClientRect().left + parseFloat(style.paddingLeft);
  const column = article.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const right = left + column;
  const name = (e) => (e.querySelector("tr") || e).innerText.replace(/\\s+/g, " ").trim().slice(0, 60);
  const tables = [...article.querySelectorAll("table")].map((table) => {
    let box = table;
    while (box !== article && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
    const width = Math.max(table.getBoundingClientRect().width, table.scrollWidth);
    const edge = table.getBoundingClientRect().left + width;
    let clipped;
    if (box === article) clipped = edge > right + 1;
    else {
      const scrolls = ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
      const boxRight = box.getBoundingClientRect().right;
      clipped = scrolls ? boxRight > right + 1 : box.scrollWidth > box.clientWidth + 1;
    }
    const font = parseFloat(getComputedStyle(table.querySelector("td") || table).fontSize);
    return {name: name(table), width: Math.round(width), clipped, font};
  });
  // What sticks out of the window without a scrolling box around it (fixed drawers excepted).
  const sticking = [];
  if (document.documentElement.scrollWidth > innerWidth)
    for (const e of document.querySelectorAll("body *")) {
      const r = e.getBoundingClientRect();
      if (r.right <= innerWidth + 1 || r.width === 0 || getComputedStyle(e).position === "fixed") continue;
      let a = e.parentElement;
      while (a && !["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(a).overflowX)
             && getComputedStyle(a).position !== "fixed") a = a.parentElement;
      if (!a) sticking.push(`<${e.tagName.toLowerCase()} class="${e.className}"> ${name(e)}`);
      if (sticking.length === 5) break;
    }
  const summary = document.querySelector(".verdict-summary");
  let summaryEnd = null;  // where the summary's title and first line of text end
  if (summary) {
    const first = summary.querySelector(".admonition-title + *") || summary;
    const line = parseFloat(getComputedStyle(first).lineHeight) || 24;
    summaryEnd = first.getBoundingClientRect().top + scrollY + line;
  }
  // Where the main narrative ends: the top of the "Exercises" heading (pages without one: null).
  const exercises = [...article.querySelectorAll("h2")].find((h) => /^Exercises/.test(h.textContent.trim()));
  // Code shown to the reader: a cell whose source is folded away (hide-input, a closed
  // <details>) still has a layout box in Chromium, so only the visible ones count.
  const code = [...document.querySelectorAll(".cell_input")].filter((e) => e.checkVisibility())
    .reduce((sum, e) => sum + e.getBoundingClientRect().height, 0);
  return {
    page_width: document.documentElement.scrollWidth,
    window_width: innerWidth,
    window_height: innerHeight,
    height: document.documentElement.scrollHeight,
    code: Math.round(code),
    column: Math.round(column),
    reading_size: parseFloat(getComputedStyle(article.querySelector("p") || article).fontSize),
    tables,
    sticking,
    summary_end: summaryEnd,
    exercises: exercises ? exercises.getBoundingClientRect().top + scrollY : null,
  };
}"""


@dataclass
class Visit:
    """What one page did in the browser at one viewport, recorded once, asserted on by several tests."""

    url: str
    viewport: Viewport
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    finished: list[Request] = field(default_factory=list, repr=False)  # readable while the page is open
    facts: dict[str, Any] = field(default_factory=dict, repr=False)  # FACTS, after MathJax
    layout: dict[str, Any] = field(default_factory=dict, repr=False)  # LAYOUT, after MathJax
    transfer: dict[str, int] = field(default_factory=dict, repr=False)  # bytes per URL path

    @property
    def weight(self) -> int:
        return sum(self.transfer.values())


@dataclass
class Summary:
    """Collected across the session for the closing report."""

    weights: dict[str, int] = field(default_factory=dict)
    layouts: dict[str, dict[Viewport, dict[str, Any]]] = field(default_factory=dict)
    screenshots: Path | None = None
    chromium_hosts: set[str] = field(default_factory=set)


SUMMARY = pytest.StashKey[Summary]()
if TYPE_CHECKING:
    OpenPage = Callable[..., contextlib.AbstractContextManager[tuple[Page, Visit]]]
    VisitOf = Callable[[str, Viewport], Visit]


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the build, relative to it; folders named _* (_static...) hold no pages."""
    pages = (path.relative_to(site) for path in site.rglob("*.html"))
    return sorted(page.as_posix() for page in pages if not any(p.startswith("_") for p in page.parts))


def is_article(page: str) -> bool:
    return page.startswith(ARTICLES) and page.count("/") == 1


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SUMMARY] = Summary()
    if SITE_VARIABLE in os.environ and not (Path(os.environ[SITE_VARIABLE]) / "index.html").is_file():
        msg = f"No built site in {os.environ[SITE_VARIABLE]}: run `nox -s site` first."
        raise pytest.UsageError(msg)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that asks for ``page`` runs on every page, one that asks for ``article`` on every
    article page, and one that asks for ``viewport`` (directly or through ``visit``) at both sizes.
    """
    names = metafunc.fixturenames
    if "page" in names or "article" in names:
        pages = site_pages(Path(os.environ[SITE_VARIABLE]))
        if "page" in names:
            metafunc.parametrize("page", pages)
        if "article" in names:
            metafunc.parametrize("article", [page for page in pages if is_article(page)])
    if "viewport" in names:
        metafunc.parametrize("viewport", VIEWPORTS, ids=str)


@pytest.fixture(scope="session")
def site() -> Path:
    return Path(os.environ[SITE_VARIABLE]).resolve()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the build as a static host does: text gzip-compressed when the browser accepts it.

    Page weight is measured as bytes on the wire, so the server compresses like any real host
    (GitHub Pages, Read the Docs, nginx with gzip on); binaries (images, fonts) are sent as is.
    """

    COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".txt", ".map")

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output free of one line per request."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix in self.COMPRESSED):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serving(server: socketserver.TCPServer) -> Iterator[int]:
    """Run ``server`` in a daemon thread of this process; give its port; stop it on exit."""
    with server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """The site served from a thread of this process on a free port of 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as port:
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="session")
def chromium_hosts(pytestconfig: pytest.Config) -> Iterator[str]:
    """A dead-end HTTP proxy: it notes the host Chromium asked for and closes the connection.

    Chromium never sends loopback traffic to a proxy, so the site is reached directly.
    """
    hosts = pytestconfig.stash[SUMMARY].chromium_hosts

    class Refuse(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            # "CONNECT host:443 HTTP/1.1" or "GET http://host/path HTTP/1.1"
            words = self.request.recv(4096).decode(errors="replace").split()
            if len(words) > 1:
                target = words[1] if "//" in words[1] else f"//{words[1]}"
                hosts.add(urlsplit(target).hostname or words[1])

    with serving(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Refuse)) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser(chromium_hosts: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"No Chromium at {CHROMIUM}: `nox -s browser` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, f"--proxy-server={chromium_hosts}"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def open_page(browser: Browser, base_url: str) -> OpenPage:
    """Open a URL of the site in a fresh context, record its errors and requests, let it settle."""

    @contextlib.contextmanager
    def opened(relative_url: str, viewport: Viewport = WIDE) -> Iterator[tuple[Page, Visit]]:
        visit = Visit(base_url + relative_url, viewport)
        context = browser.new_context(viewport={"width": viewport.width, "height": viewport.height})

        def route(route: Route) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                visit.outside_requests.append(route.request.url)
                route.abort("blockedbyclient")

        def console(message: ConsoleMessage) -> None:
            # With no <link rel="icon"> Chromium itself asks the server root for /favicon.ico;
            # that 404 is not a file of this site (which may well be served below a root).
            if message.type == "error" and message.location["url"] != base_url + "favicon.ico":
                visit.console_errors.append(f"{message.text} ({message.location['url']})")

        context.route("**/*", route)
        try:
            page = context.new_page()
            page.on("console", console)
            page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught {error}"))
            page.on("requestfinished", lambda request: visit.finished.append(request))
            page.goto(visit.url, wait_until="load")
            page.evaluate(SETTLE)
            page.wait_for_load_state("networkidle")
            yield page, visit
        finally:
            context.close()

    return opened


@pytest.fixture(scope="session")
def screenshots(site: Path, pytestconfig: pytest.Config) -> Path:
    """docs/_build/screenshots beside the site, emptied first: a build artifact, never committed."""
    folder = site.parent / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    pytestconfig.stash[SUMMARY].screenshots = folder
    return folder


@pytest.fixture(scope="session")
def visit_of(open_page: OpenPage, screenshots: Path, pytestconfig: pytest.Config) -> VisitOf:
    """The record of a page at a viewport, made on first request and kept for the session.

    Opening the page reads its facts and layout, sums its weight and saves a full-page
    screenshot to ``screenshots/<viewport>/<page>.jpg``.
    """
    summary = pytestconfig.stash[SUMMARY]
    records: dict[tuple[str, Viewport], Visit] = {}

    def record(page: str, viewport: Viewport) -> Visit:
        if (page, viewport) in records:
            return records[page, viewport]
        with open_page(page, viewport) as (tab, visit):
            visit.facts = tab.evaluate(FACTS)
            visit.layout = tab.evaluate(LAYOUT)
            # What a first visit transfers (fresh context, so no cache): bodies and headers of
            # every response, less the MathJax files that every page with math shares.
            for request in visit.finished:
                url = urlsplit(request.url)
                if url.scheme in ("http", "https") and not url.path.startswith(MATHJAX):
                    sizes = request.sizes()
                    weight = sizes["responseBodySize"] + sizes["responseHeadersSize"]
                    visit.transfer[url.path] = visit.transfer.get(url.path, 0) + weight
            # JPEG: a 40,000 px page encodes in half the time of a PNG, and reads as well.
            shot = screenshots / str(viewport) / Path(page).with_suffix(".jpg")
            shot.parent.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=shot, full_page=True, type="jpeg", quality=80)
        summary.weights[page] = max(summary.weights.get(page, 0), visit.weight)
        summary.layouts.setdefault(page, {})[viewport] = visit.layout
        records[page, viewport] = visit
        return visit

    return record


@pytest.fixture
def visit(page: str, viewport: Viewport, visit_of: VisitOf) -> Visit:
    """The record of ``page`` at ``viewport``."""
    return visit_of(page, viewport)


def _size(layout: dict[str, Any]) -> str:
    height, code, window = layout["height"], layout["code"], layout["window_height"]
    size = f"{height:>7,} px {height / window:5.1f} screens, code {code:>6,} px {code / height:4.0%}"
    exercises = layout["exercises"]
    return size + (f", to Exercises {exercises / window:4.1f}" if exercises is not None else " " * 19)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    summary = config.stash[SUMMARY]
    if not summary.weights:
        return
    write = terminalreporter.write_line
    terminalreporter.section(
        "page height, visible code input (code cells shown, hidden ones closed) and screens to Exercises"
    )
    width = max(map(len, summary.layouts))
    write(f"{'page':<{width}}  " + "  |  ".join(f"{v!s:<64}" for v in VIEWPORTS))
    for page, layouts in sorted(summary.layouts.items()):
        write(f"{page:<{width}}  " + "  |  ".join(_size(layouts[v]) for v in VIEWPORTS if v in layouts))
    page, weight = max(summary.weights.items(), key=lambda item: item[1])
    write(f"biggest page: {page}, {weight / 1e6:.2f} MB (MathJax and its fonts not counted)")
    sizes = " and ".join(map(str, VIEWPORTS))
    write(f"screenshots of {len(summary.weights)} pages at {sizes}: {summary.screenshots}")
    if summary.chromium_hosts:
        hosts = ", ".join(sorted(summary.chromium_hosts))
        write(f"Chromium's own requests (no page made them), refused by the dead-end proxy: {hosts}")
