"""The site's verdicts on an article's checkable claims, and the verdict table every article page ends with.

A *claim* is anything an article states that a computation can settle: a printed number, a sign
("a decrease in w5 lowers the error"), a shape, a property ("a composition of linear maps is
linear").  The page computes the evidence at build time and records it here with one of the
verdicts of :mod:`backprop_ref.worked.verdicts`; :func:`verdict_table` renders the table.  Printed
numbers of a worked example are judged by :mod:`backprop_ref.worked.audit` from a spec
(:func:`claim_of` turns its findings into claims); this module serves everything else and renders
both.  It is the site's own helper, not part of the installed package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from backprop_ref.errors import InputError, one_of
from backprop_ref.worked import verdicts
from backprop_ref.worked.audit import Finding, decimals
from backprop_ref.worked.verdicts import VERDICTS


@dataclass(frozen=True)
class Claim:
    """One claim, the evidence computed for it and its verdict.

    Parameters
    ----------
    name
        A short label (the article's symbol where it has one).
    where
        Where in the article the claim stands (section, a few words).
    article
        What the article says or prints, in our words or its digits.
    ours
        What we compute (formatted from a value computed at build time).
    verdict
        One of :data:`~backprop_ref.worked.verdicts.VERDICTS`.
    note
        One sentence of explanation, e.g. the correct form for a slip.
    section
        The label of the section of our page that shows the work (for the summary's links).

    Examples
    --------
    >>> Claim("∂f/∂x", "the xy example", "7", "7.0", "reproduced").verdict
    'reproduced'
    >>> Claim("x", "here", "1", "2", "wrong")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: verdict: expected one of 'reproduced', ..., got 'wrong'
    """

    name: str
    where: str
    article: str
    ours: str
    verdict: str
    note: str = ""
    section: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise InputError("verdict", one_of(VERDICTS), self.verdict)


def judge(holds: bool, *, otherwise: str = "slip") -> str:
    """``"reproduced"`` when the computed evidence ``holds``, else ``otherwise``.

    Examples
    --------
    >>> judge(abs(3 * 7 - 21) < 1e-12)
    'reproduced'
    """
    if otherwise not in VERDICTS:
        raise InputError("otherwise", one_of(VERDICTS), otherwise)
    return "reproduced" if holds else otherwise


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def verdict_table(claims: Iterable[Claim]) -> str:
    """A Markdown table of claims, narrow enough for the text column: claim, article, ours, verdict.

    Where each claim stands in the article, and its note, are listed by :func:`notes`. A claim
    with a ``section`` links to the section of our page that shows its work.

    Examples
    --------
    >>> row = Claim("E", "forward pass", "0.2266", "0.2335", "follows", "from printed outputs")
    >>> print(verdict_table([row]))
    | claim | the article | we compute | verdict |
    |---|---|---|---|
    | E | 0.2266 | 0.2335 | **follows** |
    """
    rows = ["| claim | the article | we compute | verdict |", "|---|---|---|---|"]
    for c in claims:
        cells = (_named(c), c.article, c.ours, f"**{c.verdict}**")
        rows.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return "\n".join(rows)


def notes(claims: Iterable[Claim]) -> str:
    """A Markdown list: where each claim stands in the article, and its note where it has one.

    Examples
    --------
    >>> print(notes([Claim("E", "forward pass", "0.2266", "0.2335", "follows", "from printed outputs")]))
    - **E** (the article's forward pass): from printed outputs
    """
    return "\n".join(
        f"- **{c.name}** (the article's {c.where})" + (f": {c.note}" if c.note else "") for c in claims
    )


def tally(claims: Iterable[Claim]) -> dict[str, int]:
    """How many claims have each verdict (every verdict present, zero or not).

    Examples
    --------
    >>> tally([Claim("a", "", "", "", "slip"), Claim("b", "", "", "", "slip")])["slip"]
    2
    """
    return verdicts.tally(c.verdict for c in claims)


def with_sections(claims: Iterable[Claim], sections: dict[str, str]) -> list[Claim]:
    """The claims, each given the label of the section of our page that shows its work.

    ``sections`` maps the start of a claim's name to a label; every claim must match one.

    Examples
    --------
    >>> [c.section for c in with_sections([Claim("BP1 (output)", "", "", "", "slip")], {"BP1": "bp1"})]
    ['bp1']
    """
    out = []
    for c in claims:
        label = next((label for start, label in sections.items() if c.name.startswith(start)), None)
        if label is None:
            raise InputError(f"sections for {c.name!r}", "a key that starts its name", sorted(sections))
        out.append(replace(c, section=label))
    return out


def _named(c: Claim) -> str:
    if not c.section:
        return c.name
    if "$" in c.name:  # math does not render inside a link's text
        return f"{c.name} ({{ref}}`shown here <{c.section}>`)"
    return f"{{ref}}`{c.name} <{c.section}>`"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _corrected(c: Claim, ours: str = "correct") -> str:
    """A printed number and ours (the correct one), or the note on a statement."""
    if _is_number(c.article):
        return f"{_named(c)} {c.article}, {ours} {c.ours}"
    return f"{_named(c)} ({c.note or c.ours})"


def summary(claims: Iterable[Claim]) -> str:
    """The verdicts first, as Markdown for the box that opens an article page.

    One line counts the verdicts; then what the article gets right, each slip with the correct
    value (for a printed number) or form (the note, for a statement), what follows from earlier
    slips, and what stays unexplained. A claim with a ``section`` links to it.

    Examples
    --------
    >>> print(summary([Claim("a", "", "1", "1", "reproduced"), Claim("b", "", "2", "3", "slip")]))
    **1 of 2** checkable statements reproduced, 0 follow from earlier slips, 1 slips, 0 unexplained.
    <BLANKLINE>
    - **Right:** a.
    - **Slips:** b 2, correct 3.
    """
    claims = list(claims)
    n = tally(claims)
    by = {v: [c for c in claims if c.verdict == v] for v in VERDICTS}
    groups = {
        "Right": [_named(c) for c in by["reproduced"]],
        "Slips": [_corrected(c) for c in by["slip"]],
        "Follow from the slips": [_named(c) for c in by["follows"]],
        "Unexplained": [_corrected(c, "we compute") for c in by["unexplained"]],
    }
    head = (
        f"**{n['reproduced']} of {len(claims)}** checkable statements reproduced, {n['follows']} follow "
        f"from earlier slips, {n['slip']} slips, {n['unexplained']} unexplained."
    )
    lines = [f"- **{group}:** " + "; ".join(items) + "." for group, items in groups.items() if items]
    return "\n".join([head, "", *lines])


def claim_of(finding: Finding) -> Claim:
    """An audit finding as a :class:`Claim`, the exact value to the printed digits.

    Examples
    --------
    >>> from backprop_ref.worked.audit import audit
    >>> from backprop_ref.worked.spec import load
    >>> c = claim_of(audit(load("afteracademy"))[4])
    >>> c.name, c.article, c.ours, c.verdict
    ('net(o1)', '0.794609', '0.844681', 'slip')
    """
    p = finding.printed
    if "e" in p.value.lower():  # scientific notation: as many significant digits as printed
        digits = len(p.value.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0")) or 1
        ours = f"{finding.exact:.{digits - 1}e}"
    else:
        ours = f"{finding.exact:.{decimals(p.value)}f}"
    return Claim(p.name, p.where, p.value, ours, finding.verdict, p.note)
