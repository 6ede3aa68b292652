"""The verdict words given to an article's claims, the same on the command line and the site.

* ``reproduced`` -- what the article states is what we compute (within its printed digits);
* ``follows`` -- a number that is off, but follows from the article's own earlier printed values;
* ``slip`` -- wrong where it stands; the correct value or form is given;
* ``unexplained`` -- wrong, and the article does not show enough to locate the error.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The verdicts, in order from best to worst.
VERDICTS = ("reproduced", "follows", "slip", "unexplained")


def tally(verdicts: Iterable[str]) -> dict[str, int]:
    """How many times each verdict occurs (every verdict present, zero or not).

    Examples
    --------
    >>> tally(["slip", "slip", "reproduced"])
    {'reproduced': 1, 'follows': 0, 'slip': 2, 'unexplained': 0}
    """
    counts = dict.fromkeys(VERDICTS, 0)
    for v in verdicts:
        counts[v] += 1
    return counts
