"""What a reader of the built site gets in a real browser, one test per check and page.

Each page was opened once in headless Chromium (see ``conftest.py``); these tests read that record.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from .conftest import OpenPage, Visit

# TeX that MathJax did not typeset: display and inline delimiters, environments, and a command
# between single dollars (a lone "$" in prose is fine).
RAW_TEX = re.compile(r"\$\$|\\[()[\]]|\\(?:begin|end)\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")
WEIGHT_LIMIT = 2_000_000  # bytes a first visit may transfer, MathJax and its fonts not counted


def test_math_is_typeset(visit: Visit) -> None:
    untypeset, tex_errors = visit.facts["untypeset"], visit.facts["tex_errors"]
    assert not untypeset, f"math that MathJax did not typeset: {untypeset}"
    assert not tex_errors, f"TeX that MathJax could not typeset: {tex_errors}"


def test_no_raw_tex_in_the_text(visit: Visit) -> None:
    text = visit.facts["text"]
    found = [text[max(0, m.start() - 30) : m.end() + 30] for m in RAW_TEX.finditer(text)]
    assert not found, f"TeX a reader sees as source, outside code listings: {found}"


def test_every_image_loads(visit: Visit) -> None:
    broken = [src for src, natural_width in visit.facts["images"] if natural_width == 0]
    assert not broken, f"images that did not load (naturalWidth 0): {broken}"


def test_no_console_errors(visit: Visit) -> None:
    assert not visit.console_errors, f"console errors: {visit.console_errors}"


def test_no_request_leaves_the_machine(visit: Visit) -> None:
    assert not visit.outside_requests, f"requests to hosts other than 127.0.0.1: {visit.outside_requests}"


def test_page_weight_is_at_most_2_mb(visit: Visit) -> None:
    biggest = sorted(visit.transfer.items(), key=lambda item: -item[1])[:3]
    heaviest = ", ".join(f"{path} {size / 1e6:.2f} MB" for path, size in biggest)
    assert visit.weight <= WEIGHT_LIMIT, f"{visit.weight / 1e6:.2f} MB on a first visit; heaviest: {heaviest}"


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)


@functools.cache
def element_ids(html_file: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(html_file.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


def test_internal_links_resolve(visit: Visit, site: Path, base_url: str) -> None:
    broken = []
    for href in sorted(set(visit.facts["links"])):
        url = urlsplit(href)
        if f"{url.scheme}://{url.netloc}/" != base_url:
            continue  # a link to another site is for the reader to follow; nothing loads it here
        path = unquote(url.path).lstrip("/")
        target = site / path / "index.html" if path == "" or path.endswith("/") else site / path
        if not target.is_file():
            broken.append(f"{href}: no file {target.relative_to(site)}")
        elif url.fragment and unquote(url.fragment) not in element_ids(target):
            broken.append(f"{href}: no id {unquote(url.fragment)!r} in {target.relative_to(site)}")
    assert not broken, f"links to this site that lead nowhere: {broken}"


def test_search_finds_sigmoid(open_page: OpenPage) -> None:
    from playwright.sync_api import expect

    with open_page("search.html?q=sigmoid") as (tab, visit):
        expect(tab.locator("#search-results .search-summary")).to_contain_text("Search finished")
        assert tab.locator("#search-results ul.search > li").count() >= 1
        assert not visit.console_errors, f"console errors: {visit.console_errors}"
        assert not visit.outside_requests, f"requests to other hosts: {visit.outside_requests}"
