"""How many matches a search would make by chance: residuals in printed units and outcome density.

A search (``explain``) tries many departure sets and compares each outcome with a printed number.
The more it tries, the more outcomes land within the printed digits by coincidence; this module
says how many:

* :func:`residual` measures a value against a printed one in units of the printed value's last
  digit, so ``abs(residual) <= 1`` is the tolerance of ``backprop_ref.worked.audit.matches``;
* :func:`chance_matches` counts the distinct outcomes within a window around the printed value and
  scales the count to the width of the tolerance: the matches a search of this size and spread
  makes by coincidence;
* :func:`distinct` rounds outcomes to :data:`DIGITS` significant digits, so that float noise does
  not split one outcome into several.

Left out: any model of *which* outcomes are likely; the density is read off the outcomes themselves.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from backprop_ref.core import Array
from backprop_ref.worked.audit import decimals

#: Outcomes equal to this many significant digits count as one (float noise aside).
DIGITS = 12


def residual(printed: str, values: object) -> Array:
    """``values − printed`` in units of the printed value's last digit (signed).

    ``abs(residual) <= 1`` is the tolerance of ``backprop_ref.worked.audit.matches`` (up to float
    rounding exactly at the boundary).

    Examples
    --------
    >>> residual("0.249921", [0.2499215, 0.24965634]).round(2).tolist()
    [0.5, -264.66]
    """
    unit = float(Decimal(1).scaleb(-decimals(printed)))
    return (np.asarray(values, dtype=np.float64) - float(Decimal(printed))) / unit


def distinct(values: object) -> Array:
    """``values`` rounded to :data:`DIGITS` significant digits, so float noise does not split them.

    Examples
    --------
    >>> distinct([0.1 + 0.2, 0.3, 0.0]).tolist()
    [0.3, 0.3, 0.0]
    """
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
    scale = 10.0 ** (DIGITS - 1 - np.where(np.isfinite(magnitude), magnitude, 0))
    return np.round(values * scale) / scale


def chance_matches(printed: str, values: object, window: float = 1000.0) -> tuple[int, float]:
    """How many distinct outcomes lie within ``window`` units of ``printed``, and the chance count.

    The second number is the expected count within one unit (the match tolerance) if those
    outcomes were spread evenly over the window: ``near / window``.  Read it as the number of
    matches a search this size would make by coincidence.

    Examples
    --------
    >>> near, expected = chance_matches("0.5", np.linspace(0, 1, 1001), window=2.0)
    >>> near, expected
    (401, 200.5)
    """
    outcomes = np.unique(distinct(np.asarray(values, dtype=np.float64).ravel()))
    near = int((np.abs(residual(printed, outcomes)) <= window).sum())
    return near, near / window
