"""Sphinx extension: serve MathJax from the build itself and prove the site loads nothing remote.

MathJax 4 and its default font (New Computer Modern) come from npm, pinned by
``conf/package-lock.json`` and installed with ``npm ci --prefix conf``. After an HTML build this
copies the parts a page can load (the combined TeX+MathML/CHTML component, the components it
loads on demand, and the font's CHTML files) to ``_static/mathjax/``; ``conf.py`` points
``mathjax_path`` and MathJax's font path there. Then every built HTML and CSS file is scanned,
and each script, stylesheet, image or font it would load from another host is a warning (an
error under ``-W``). Links a reader follows (``<a href>``) are not loads and are not checked.
Left out: the SVG output and the fonts' SVG data, the Node.js entry points, the other combined
components.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

NODE_MODULES = Path(__file__).parent / "node_modules"
MATHJAX_DIR = "mathjax"  # under _static
MATHJAX_PATH = f"{MATHJAX_DIR}/tex-mml-chtml.js"  # relative to _static, as mathjax_path wants
# "[mathjax]" is the folder MathJax itself was loaded from, so this holds on pages at any depth.
MATHJAX_FONTS = "[mathjax]/fonts"
# (npm package, files and folders a page may load, destination under _static/mathjax)
VENDORED = (
    ("mathjax", ("tex-mml-chtml.js", "input/tex/extensions", "a11y", "ui", "sre"), "."),
    ("@mathjax/mathjax-newcm-font", ("chtml",), "fonts/mathjax-newcm-font"),
)

LOADING_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
# <link rel=...> values that make the browser fetch the href
LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")

logger = logging.getLogger(__name__)


def _sources() -> list[tuple[Path, Path]]:
    """(source, destination relative to _static/mathjax) for each vendored file or folder."""
    pairs = []
    for package, parts, dest in VENDORED:
        for part in parts:
            source = NODE_MODULES / package / part
            if not source.exists():
                msg = f"{source} is missing: run `npm ci --prefix conf` (nox -s site does)."
                raise ExtensionError(msg)
            pairs.append((source, Path(dest) / part))
    return pairs


def vendor_mathjax(outdir: Path) -> None:
    """Copy the vendored MathJax files into ``outdir/_static/mathjax``."""
    root = outdir / "_static" / MATHJAX_DIR
    for source, dest in _sources():
        target = root / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)


def _is_remote(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "data", "blob")


class _LoadCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        names = LOADING_ATTRS.get(tag, ())
        if tag == "link" and LOADING_RELS & set(values.get("rel", "").lower().split()):
            names = ("href",)
        for name in names:
            value = values.get(name, "")
            if name == "srcset":
                self.urls += [item.split()[0] for item in value.split(",") if item.strip()]
            elif value:
                self.urls.append(value)
        if "style" in values:
            self.urls += [a or b for a, b in CSS_URL.findall(values["style"])]

    def handle_data(self, data: str) -> None:
        if self.lasttag == "style":
            self.urls += [a or b for a, b in CSS_URL.findall(data)]


def remote_loads(outdir: Path) -> list[tuple[Path, str]]:
    """Every (file, URL) in the built HTML and CSS that a browser would fetch from another host."""
    found = []
    for path in sorted(outdir.rglob("*.html")):
        collector = _LoadCollector()
        collector.feed(path.read_text(encoding="utf-8"))
        found += [(path, url) for url in collector.urls if _is_remote(url)]
    for path in sorted(outdir.rglob("*.css")):
        urls = [a or b for a, b in CSS_URL.findall(path.read_text(encoding="utf-8"))]
        found += [(path, url) for url in urls if _is_remote(url)]
    return found


def _check_installed(app: Sphinx) -> None:
    if app.builder.format == "html":
        _sources()  # fails before the slow part of the build if npm ci was not run


def _finish(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    vendor_mathjax(outdir)
    for path, url in remote_loads(outdir):
        logger.warning(
            "%s loads %s from another host; vendor it under _static instead",
            path.relative_to(outdir),
            url,
            type="offline",
            subtype="remote_load",
        )


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("builder-inited", _check_installed)
    app.connect("build-finished", _finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
