"""What a reader of the built site gets in a real browser, one test per check and page.

Each page was opened once per viewport in headless Chromium (see ``conftest.py``); these tests read
that record. The search tests open the search page themselves.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

import pytest

from .conftest import WIDE, Viewport

if TYPE_CHECKING:
    from .conftest import OpenPage, Visit, VisitOf

# TeX that MathJax did not typeset: display and inline delimiters, environments, and a command
# between single dollars (a lone "$" in prose is fine).
RAW_TEX = re.compile(r"\$\$|\\[()[\]]|\\(?:begin|end)\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")
WEIGHT_LIMIT = 2_000_000  # bytes a first visit may transfer, MathJax and its fonts not counted
NARRATIVE_SCREENS = 15  # an article page's main narrative, top to Exercises, in 1280x900 screens
CODE_SHARE = 0.10  # the most of an article page's height that visible code input may take
GLUE_TEXT = "{glue:text}"  # the MyST role that pastes a computed number into the prose


def test_the_page_does_not_scroll_sideways(visit: Visit) -> None:
    layout = visit.layout
    assert layout["page_width"] <= layout["window_width"], (
        f"the page is {layout['page_width']} px wide in a {layout['window_width']} px window; "
        f"sticking out: {layout['sticking']}"
    )


def test_no_table_is_clipped(visit: Visit) -> None:
    clipped = [table["name"] for table in visit.layout["tables"] if table["clipped"]]
    assert not clipped, f"tables cut off with no box to scroll them in: {clipped}"


def test_tables_fit_the_column_at_1280(page: str, visit_of: VisitOf) -> None:
    """On a laptop every table fits; on a phone a wide one scrolls (test_no_table_is_clipped)."""
    layout = visit_of(page, WIDE).layout
    column = layout["column"]
    wide = [f"{t['name']} ({t['width']} px)" for t in layout["tables"] if t["width"] > column + 1]
    assert not wide, f"tables wider than the {column} px content column: {wide}"


def test_tables_are_at_the_reading_size(visit: Visit) -> None:
    """A table fits or scrolls at the size of the prose around it, never by a smaller font."""
    size = visit.layout["reading_size"]
    small = [f"{t['name']} ({t['font']} px)" for t in visit.layout["tables"] if t["font"] < size]
    assert not small, f"tables set smaller than the {size} px prose: {small}"


def test_verdict_summary_is_on_the_first_screen(article: str, viewport: Viewport, visit_of: VisitOf) -> None:
    layout = visit_of(article, viewport).layout
    end = layout["summary_end"]
    assert end is not None, "no verdict summary (an admonition of class verdict-summary)"
    assert end <= layout["window_height"], (
        f"the summary's first line ends at {end:.0f} px, "
        f"below the first screen ({layout['window_height']} px)"
    )


def test_article_narrative_fits_15_screens_and_shows_little_code(article: str, visit_of: VisitOf) -> None:
    """At 1280x900 the page up to its Exercises heading is at most 15 screens, and the code cells
    shown (not those folded away) take at most a tenth of the page; side material goes on its own page.
    """
    layout = visit_of(article, WIDE).layout
    assert layout["exercises"] is not None, "no Exercises heading (an h2 starting with 'Exercises')"
    screens = layout["exercises"] / layout["window_height"]
    assert screens <= NARRATIVE_SCREENS, (
        f"the Exercises heading starts {screens:.1f} screens down; at most {NARRATIVE_SCREENS} allowed"
    )
    share = layout["code"] / layout["height"]
    assert share <= CODE_SHARE, f"code shown is {share:.1%} of the page height; at most {CODE_SHARE:.0%}"


def test_glued_numbers_are_pasted(visit: Visit, page: str, site: Path) -> None:
    """Every {glue:text} of the page's source shows a value; no build message stands in for one."""
    source = site / "_sources" / Path(page).with_suffix(".md")
    roles = source.read_text(encoding="utf-8").count(GLUE_TEXT) if source.is_file() else 0
    pasted = visit.facts["pasted"]
    assert len(pasted) == roles, f"{roles} {GLUE_TEXT} roles in the source, {len(pasted)} values pasted"
    assert all(value.strip() for value in pasted), "a pasted value is empty"
    assert "{glue" not in visit.facts["text"], "a glue role shown as source text"
    assert not visit.facts["system_messages"], f"build messages in the page: {visit.facts['system_messages']}"


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


def search(open_page: OpenPage, query: str) -> list[str]:
    """The pages the site's own search lists for ``query``, as the search page shows them."""
    from playwright.sync_api import expect

    with open_page(f"search.html?q={quote(query)}") as (tab, visit):
        expect(tab.locator("#search-results .search-summary")).to_contain_text("Search finished")
        assert not visit.console_errors, f"console errors: {visit.console_errors}"
        assert not visit.outside_requests, f"requests to other hosts: {visit.outside_requests}"
        results = tab.locator("#search-results ul.search > li > a")
        links = results.evaluate_all("(links) => links.map((a) => a.href)")
    return [urlsplit(link).path.lstrip("/") for link in links]


def test_search_finds_sigmoid(open_page: OpenPage) -> None:
    assert search(open_page, "sigmoid")


# A reader pastes a number a page prints and lands on the page that judges it. AfterAcademy
# prints the total error 0.22661423 (its verdict row "E(total)"); the Kostadinov page prints the
# gradient 0.0768276858 in its verdict on the w22 chain rule; a number pasted with fewer digits
# (0.2266) finds the page that prints more.
@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("0.22661423", "articles/afteracademy.html"),
        ("0.2266", "articles/afteracademy.html"),
        ("0.0768276858", "articles/kostadinov.html"),
    ],
)
def test_search_finds_the_page_that_judges_a_number(open_page: OpenPage, number: str, expected: str) -> None:
    found = search(open_page, number)
    assert expected in found, f"searching {number} lists {found or 'nothing'}, not {expected}"
