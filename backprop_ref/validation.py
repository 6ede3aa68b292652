"""Turn what a user passes into well-formed float64 arrays, or raise one clear :class:`InputError`.

The dtype policy: the package computes in float64 throughout.  Real numbers of any type (Python
ints and floats, NumPy integers, float16, float32) are converted to float64 on the way in, which
is exact for every float16 and float32 value; booleans, strings, None and complex numbers are
refused.  Results are float64 whatever came in.

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


def _not_a_number(value: object) -> bool:
    """True when ``value`` (a nested list, tuple or array) holds anything but real numbers.

    Booleans, strings, None and other objects are not numbers here, though NumPy would convert
    some of them (``True`` to 1.0, ``"1e3"`` to 1000.0) without a word.
    """
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "iuf" and (
            value.dtype.kind != "O" or any(_not_a_number(v) for v in value.flat)
        )
    if isinstance(value, list | tuple):
        return any(_not_a_number(v) for v in value)
    return isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating)


def as_array(
    value: object, field: str, shape: tuple[int | None, ...], *, column: bool = True, units: bool = False
) -> Array:
    """``value`` as a finite float64 array of ``shape`` (None matches any length).

    Numbers of any real type (ints, float32, float16) become float64, the one dtype the package
    computes in; booleans, strings and None are refused.  With ``column``, a 1-D value where a
    column ``(n, m)`` is expected (m unset or 1) is one example or one bias per unit: ``(n, 1)``.
    ``units`` says the axes count units of a layer (parameters), so an empty array is a layer
    with no units rather than an empty batch.

    Examples
    --------
    >>> as_array([0.1, 0.2], "x", (2, None)).shape
    (2, 1)
    >>> as_array([[1.0, 2.0], [3.0]], "W[1]", (2, 2))
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: W[1]: expected a 2 x 2 array of numbers, got a ragged nested list
    """
    if len(shape) == 1:
        want = f"vector of {'m' if shape[0] is None else shape[0]} numbers"
    else:
        want = " x ".join("m" if n is None else str(n) for n in shape) + " array of numbers"
    if _not_a_number(value):
        raise InputError(field, f"a {want}", value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except ValueError as err:
        ragged = "inhomogeneous" in str(err) or "sequence" in str(err)
        raise InputError(
            field, f"a {want}", value, shown="a ragged nested list" if ragged else None
        ) from None
    if column and arr.ndim == 1 and len(shape) == 2 and shape[1] in (None, 1):
        arr = arr.reshape(-1, 1)
    if arr.ndim != len(shape) or any(n is not None and n != s for n, s in zip(shape, arr.shape, strict=True)):
        raise InputError(field, f"a {want}", value, shown=f"shape {arr.shape}")
    if arr.size == 0:
        if units:
            raise InputError(field, "at least one unit in every layer", value, shown=f"shape {arr.shape}")
        expected = "at least one example (an empty batch has no cost)"
        raise InputError(field, expected, value, shown="an empty array")
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


#: How far an example's targets may sum from 1 and still be a distribution (rounding in a file).
DISTRIBUTION_TOLERANCE = 1e-9


def distributions(arr: Array, field: str) -> Array:
    """``arr`` if each example (column) is a distribution over the units: in [0, 1], summing to 1."""
    in_unit_interval(arr, field)
    sums = arr.sum(axis=0)
    off = np.abs(sums - 1) > DISTRIBUTION_TOLERANCE
    if off.any():
        j = int(np.argmax(off))
        expected = "targets that sum to 1 in each example (column), for categorical cross-entropy"
        raise InputError(field, expected, sums[j], shown=f"a sum of {sums[j]:.12g} in example {j + 1}")
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


def whole(value: object, field: str, *, minimum: int = 1) -> int:
    """``value`` as an int ≥ ``minimum`` (a Python or NumPy integer, not a bool), else raise.

    Examples
    --------
    >>> whole(3, "epochs")
    3
    >>> whole(2.5, "epochs")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: epochs: expected a whole number ≥ 1, got 2.5
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(field, f"a whole number ≥ {minimum}", value)
    return int(value)
