"""The claims a companion page settles, for the verdict table of the article page it belongs to.

An article page keeps its main line of reasoning and moves long side material (a training run, a
family of curves) to a page of its own, one folder down (``articles/<name>/<topic>.md``). The checks
of that material stay on that page, next to their doctests; the article page still judges every
claim in its verdict table, so it runs the companion page's code cells (in page order, in a fresh
namespace, with what they display discarded) and takes the list ``claims`` they build. One piece of
code serves both pages, and a check that fails on the companion page fails the verdict too.
"""

from __future__ import annotations

from pathlib import Path

from IPython.utils.capture import capture_output
from myst_nb.core.read import read_myst_markdown_notebook

from backprop_ref.errors import InputError
from site_helpers.claims import Claim

DOCS = Path(__file__).resolve().parent.parent


def claims_of(page: str) -> list[Claim]:
    """Run the code cells of ``page`` (a path below ``docs``) and return the claims they build.

    Examples
    --------
    >>> [c.name for c in claims_of("articles/ognjanovski/convexity.md")]
    ['squared error not convex', 'log cost convex', 'convex for neural networks']
    """
    notebook = read_myst_markdown_notebook((DOCS / page).read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": f"page {page}"}
    with capture_output():
        for cell in notebook.cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, f"{page}, cell {cell.get('id', '')}", "exec"), namespace)
    claims = namespace["claims"]
    if not isinstance(claims, list) or not all(isinstance(c, Claim) for c in claims):
        raise InputError(f"`claims` built by {page}", "a list of Claim", type(claims).__name__)
    return claims
