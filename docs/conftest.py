"""pytest collects every page's code cells and doctests with Sybil (``nox -s tests -- docs``).

On each Markdown page, in page order and in one namespace per page:

- every ``{code-cell}`` runs as plain Python, as the kernel ran it at build time (so no IPython
  magics; import ``display`` from ``IPython.display`` where a cell uses it);
- every ```` ```python ```` fence that starts with ``>>>`` is a doctest, and its floats compare to
  the digits written (Sybil's ``NUMBER``); other ``python`` fences are listings and are not run.

The doctest therefore sees the same variables that ``glue`` put into the prose. Never write
``>>>`` inside a ``{code-cell}``: IPython strips the prompts and runs it without checking.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from sybil import Document, Region, Sybil
from sybil.evaluators.doctest import NUMBER, DocTestEvaluator
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.myst import PythonCodeBlockParser
from sybil.parsers.myst.lexers import DirectiveLexer

collect_ignore = ["_build"]  # built pages, their copied sources and the execution cache
# The pages import the site's own helpers (``site_helpers``), which live here, not in the package.
sys.path.insert(0, str(Path(__file__).parent))

_code_cells = DirectiveLexer(directive="code-cell", arguments=".*")
_run = PythonEvaluator()
_python_fences = PythonCodeBlockParser(doctest_optionflags=NUMBER)


def code_cells(document: Document) -> Iterator[Region]:
    """Each ``{code-cell}``, whatever its lexer name (``ipython3``, ``python``), run as Python."""
    for region in _code_cells(document):
        region.parsed = region.lexemes["source"]
        region.evaluator = _run
        yield region


def doctests(document: Document) -> Iterator[Region]:
    """The ``>>>`` examples in ``python`` fences; the fences' other code is not run."""
    for region in _python_fences(document):
        if isinstance(region.evaluator, DocTestEvaluator):
            yield region


pytest_collect_file = Sybil(parsers=[code_cells, doctests], patterns=["*.md"]).pytest()
