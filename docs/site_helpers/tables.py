"""Markdown tables for the pages' generated tables (a cell's output is parsed as MyST)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table from a header and rows of already formatted cells.

    Examples
    --------
    >>> print(markdown_table(["x", "σ(x)"], [[0, "0.5"]]))
    | x | σ(x) |
    |---|---|
    | 0 | 0.5 |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
