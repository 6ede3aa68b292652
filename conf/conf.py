"""Sphinx configuration for the site: ``sphinx-build -c conf docs <out>`` (``nox -s site``).

Pages are MyST text notebooks executed at build time. By default every page is executed afresh
(``force``): the jupyter-cache keys only on a page's cell source, so a cached page would keep
numbers from an older version of the package. ``nox -s preview`` switches to the cache, whose
folder is named after a hash of the package's files, so an edit to the package still re-runs
every page once. Math is rendered by MathJax served from the build (see ``offline_assets.py``).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

CONF = Path(__file__).resolve().parent
ROOT = CONF.parent
sys.path.insert(0, str(CONF))
# The pages import the site's own helpers (docs/site_helpers, not part of the installed package);
# the kernels that execute them inherit this environment.
SITE_HELPERS = str(ROOT / "docs")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [SITE_HELPERS, os.environ.get("PYTHONPATH")]))
sys.path.insert(0, SITE_HELPERS)

from offline_assets import MATHJAX_FONTS, MATHJAX_PATH  # noqa: E402


def _package_digest() -> str:
    """A hash of every file in the package, to name the execution cache after."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "backprop_ref").rglob("*"), *(ROOT / "docs" / "site_helpers").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


project = "backprop_ref"
author = "the backprop_ref authors"
copyright = f"2026, {author}"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
    "sphinx_design",  # dropdowns for the exercises' solutions
    "sphinxcontrib.bibtex",
    "offline_assets",
]
exclude_patterns = ["_build", "conftest.py", "site_helpers", "**.ipynb_checkpoints"]
numfig = True  # {numref} to figures and tables

# Bibliography (docs/references.md lists it; pages cite with {cite})
bibtex_bibfiles = [str(ROOT / "docs" / "references.bib")]  # a relative path resolves against conf/
bibtex_reference_style = "author_year"

# MyST
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]

# MyST-NB execution
nb_execution_mode = "force"
# A relative path would resolve against the working directory, not this folder.
nb_execution_cache_path = str(ROOT / "docs" / "_build" / ".jupyter_cache" / _package_digest())
nb_execution_timeout = 300  # seconds per cell; a page stuck longer than that is a bug
# A failing cell prints its traceback and is a warning, so -W fails the build and names the cell
# (raising instead would name only the page).
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_merge_streams = True  # one output block per cell for interleaved stdout/stderr
# Markdown output of a cell (verdict tables, generated field tables) is parsed as MyST, which has
# pipe tables; the default, CommonMark, has none and would print the table as one paragraph.
nb_render_markdown_format = "myst"

# autodoc + napoleon: numpydoc-style docstrings
napoleon_google_docstring = False
napoleon_numpy_docstring = True
# With no intersphinx (no network), types from other packages cannot resolve; under -n (nitpicky)
# each would be a warning. Only outside namespaces are exempt: the package's own must resolve.
nitpick_ignore_regex = [
    ("py:class", r"(numpy|collections\.abc|typing|sympy|matplotlib)\..+"),
    ("py:class", r"Figure"),  # matplotlib's, named under TYPE_CHECKING only
]

# HTML
html_theme = "sphinx_book_theme"
html_title = "backprop_ref"
html_theme_options = {
    "show_toc_level": 2,
    # pydata-sphinx-theme 0.20 (pinned by sphinx-book-theme 1.4) adds a second, full-width
    # search field above the page; the book theme's own search stays in the sidebar.
    "navbar_persistent": [],
}
# Without a default, pydata-sphinx-theme logs "Got invalid theme mode" to the console of every
# first-time visitor (no mode stored yet); "auto" follows the reader's system setting.
html_context = {"default_mode": "auto"}
copybutton_exclude = ".linenos, .gp, .go"  # copy code, not prompts and doctest output

# Math: MathJax 4 from conf/node_modules, copied into the build by offline_assets; without the
# font path MathJax 4 would still fetch its fonts from a CDN.
mathjax_path = MATHJAX_PATH
mathjax4_config = {"loader": {"paths": {"fonts": MATHJAX_FONTS}}}

# --- Site frame: the site's own CSS (tables that fit or scroll in their own box) and a search
# that keeps a decimal number as one word (conf/search_numbers.py). Kept in one block.
extensions += ["search_numbers"]
html_static_path = ["_static"]  # conf/_static, relative to this folder
html_css_files = ["site.css"]
