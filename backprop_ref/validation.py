"""Turn what a user passes into well-formed float64 arrays, or raise one clear :class:`InputError`.

Checks made here: numbers only, not ragged, finite, the expected number of dimensions and shape,
non-empty batches, ranges (targets in [0, 1], λ ≥ 0, η > 0).  The public boundary (constructing a
``Network`` or a ``Batch``, each public function, loading a spec) calls these once; internal code
takes the arrays they return and does not check again.
"""

from __future__ import annotations

import math

import numpy as np

from backprop_ref.core import Array
from backprop_ref.errors import InputError


def as_array(value: object, field: str, shape: tuple[int | None, ...]) -> Array:
    """``value`` as a finite float64 array of ``shape`` (None matches any length).

    A 1-D value where a column ``(n, m)`` is expected (m unset or 1) is one example: ``(n, 1)``.

    Examples
    --------
    >>> as_array([0.1, 0.2], "x", (2, None)).shape
    (2, 1)
    >>> as_array([[1.0, 2.0], [3.0]], "W[1]", (2, 2))
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: W[1]: expected a 2 x 2 array of numbers, got a ragged nested list
    """
    want = " x ".join("m" if n is None else str(n) for n in shape) + " array of numbers"
    try:
        arr = np.asarray(value, dtype=np.float64)
    except ValueError as err:
        ragged = "inhomogeneous" in str(err) or "sequence" in str(err)
        raise InputError(
            field, f"a {want}", value, shown="a ragged nested list" if ragged else None
        ) from None
    except TypeError:
        raise InputError(field, f"a {want}", value) from None
    if arr.ndim == 1 and len(shape) == 2 and shape[1] in (None, 1):
        arr = arr.reshape(-1, 1)
    if arr.ndim != len(shape) or any(n is not None and n != s for n, s in zip(shape, arr.shape, strict=True)):
        raise InputError(field, f"a {want}", value, shown=f"shape {arr.shape}")
    if arr.size == 0:
        raise InputError(
            field,
            "at least one example (an empty batch has no cost)",
            value,
            shown="an empty array",
        )
    # A finite sum proves every entry finite without a boolean array as large as the data; only a
    # non-finite sum (a NaN or inf entry, or rarely an overflow) pays for the entry-by-entry look.
    with np.errstate(over="ignore", invalid="ignore"):
        total = arr.sum()
    if not np.isfinite(total) and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InputError(
            field,
            "finite numbers",
            value,
            shown=f"{arr[tuple(bad)]} at index {tuple(int(i) for i in bad)}",
        )
    return arr


def in_unit_interval(arr: Array, field: str) -> Array:
    """``arr`` if every entry lies in [0, 1] (cross-entropy targets), else raise."""
    if ((arr < 0) | (arr > 1)).any():
        bad = arr[(arr < 0) | (arr > 1)][0]
        raise InputError(field, "values in [0, 1] for cross-entropy", bad, shown=f"{bad}")
    return arr


def number(value: object, field: str, *, minimum: float | None = None, inclusive: bool = True) -> float:
    """``value`` as a finite float (≥ ``minimum``, or > when not ``inclusive``), else raise."""
    bound = "" if minimum is None else f" {'≥' if inclusive else '>'} {minimum:g}"
    expected = f"a finite number{bound}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise InputError(field, expected, value)
    v = float(value)
    if not math.isfinite(v) or (minimum is not None and (v < minimum or (v == minimum and not inclusive))):
        raise InputError(field, expected, value)
    return v
