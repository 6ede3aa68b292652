"""Which quantities each quantity of a worked example is computed from, read off a real run.

The audit needs, for every quantity q a spec can name, its *direct inputs*: the named quantities
the step that computes q reads (z¹ reads x, W¹ and b¹; δ¹ reads W², δ² and whatever f' reads).
Rather than keep a second, hand-written copy of the computation graph, this module runs the
example once through the oracle's own code (:func:`backprop_ref.worked.trace.run`) on
:class:`Traced` arrays: NumPy arrays that carry, entry by entry, the set of named quantities their
value was computed from.  Every time the run reaches a named quantity, the hook records the set
its entries carry and starts them afresh as sources of their own, so that what is recorded is the
*direct* dependence, whatever the kernels or conventions do.

A set is a Python int used as a bit mask (bit i is the i-th named quantity met); NumPy combines
them in object arrays with ``|``.  ``dC_da`` is recorded but not made a source: overriding it has
no effect on a run (:data:`backprop_ref.worked.trace.OVERRIDABLE`), so a δ depends on what ∂C/∂a
was computed from.  Left out: after more than one step the new parameters depend on quantities of
later steps, which no address names, so they get no set (None); so do the quantities after step k
(``...@k``), which are not in the result at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.lib.mixins

from backprop_ref.core import Array
from backprop_ref.worked.trace import OVERRIDABLE, SCALARS, Address, run

#: Kinds that become sources when the run reaches them (given inputs and overridable quantities).
SOURCES = ("a", *OVERRIDABLE, *SCALARS)


def _masks(value: Any) -> Array:
    """The dependency masks of ``value``: its own, or none (0) for a plain number or array."""
    if isinstance(value, Traced):
        return value.masks
    return np.zeros(np.shape(value), dtype=object) if np.ndim(value) else np.array(0, dtype=object)


def _union(masks: Iterable[Array], shape: tuple[int, ...]) -> Array:
    """The entry-by-entry union of ``masks`` broadcast to ``shape``."""
    out = np.zeros(shape, dtype=object)
    for m in masks:
        out = out | np.broadcast_to(m, shape)
    return out


def _any(masks: Array, axis: int | tuple[int, ...] | None, keepdims: bool) -> Array:
    """The union of ``masks`` along ``axis`` (as ``sum`` would reduce the values)."""
    out: Array = np.bitwise_or.reduce(masks, axis=axis, keepdims=keepdims, initial=0)  # type: ignore[call-overload]
    return out


class Traced(numpy.lib.mixins.NDArrayOperatorsMixin):
    """A float array and, for each entry, the set (a bit mask) of named quantities it was computed from.

    Elementwise operations unite the sets of the entries they combine; ``@`` unites a row's and a
    column's; ``sum`` unites what it adds.  Values are computed exactly as on plain arrays, so any
    code the oracle runs (checks on values included) runs unchanged.

    Examples
    --------
    >>> u = Traced(np.array([[1.0, 2.0]]), np.array([[1, 2]], dtype=object))
    >>> v = (u * 3.0).sum(axis=1, keepdims=True)
    >>> v.value.tolist(), v.masks.tolist()
    ([[9.0]], [[3]])
    """

    def __init__(self, value: Array, masks: Array) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.masks = np.broadcast_to(np.asarray(masks, dtype=object), self.value.shape).copy()

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def T(self) -> Traced:
        return Traced(self.value.T, self.masks.T)

    def __getitem__(self, index: Any) -> Traced:
        return Traced(self.value[index], self.masks[index])

    def __float__(self) -> float:
        return float(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Traced:
        return Traced(self.value.sum(axis=axis, keepdims=keepdims), _any(self.masks, axis, keepdims))

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__":
            return NotImplemented
        out = kwargs.pop("out", None)
        values = [i.value if isinstance(i, Traced) else i for i in inputs]
        result = ufunc(*values, **kwargs)
        if ufunc is np.matmul:  # entry (i, k) of A @ B reads row i of A and column k of B
            A, B = (_masks(i) for i in inputs)
            masks = _any(A[..., :, :, None] | B[..., None, :, :], axis=-2, keepdims=False)
        else:
            masks = _union((_masks(i) for i in inputs), np.shape(result))
        if out is not None:  # in place (z += b): the target takes the result, values and sets
            (target,) = out
            target.value[...], target.masks[...] = result, masks
            return target
        return Traced(result, masks)

    def __array_function__(
        self, func: Callable[..., Any], types: Sequence[type], args: Sequence[Any], kwargs: dict[str, Any]
    ) -> Any:
        if func is np.sum:
            return args[0].sum(*args[1:], **kwargs)
        if func is np.max:  # softmax's shift: the largest entry depends on every entry it compares
            axis, keepdims = kwargs.get("axis"), kwargs.get("keepdims", False)
            return Traced(
                np.max(args[0].value, axis=axis, keepdims=keepdims), _any(args[0].masks, axis, keepdims)
            )
        if func is np.full_like:  # a constant: computed from nothing
            return Traced(np.full_like(args[0].value, *args[1:], **kwargs), np.array(0, dtype=object))
        if func is np.any:  # a question about values, answered from the values
            return np.any(args[0].value, *args[1:], **kwargs)
        if func is np.where:
            result = np.where(*(a.value if isinstance(a, Traced) else a for a in args))
            return Traced(result, _union((_masks(a) for a in args), result.shape))
        return NotImplemented


def dependencies(
    net: Any, x: Array, y: Array, eta: float, steps: int
) -> dict[Address, frozenset[Address] | None]:
    """The direct inputs of every quantity of a run, found by running it on :class:`Traced` arrays.

    Parameters are those of ``net``; ``x``, ``y``, ``eta`` and ``steps`` as for
    :func:`backprop_ref.worked.trace.run`.  The sets use the addresses of
    :mod:`backprop_ref.worked.trace`; a set is None where the quantity depends on steps that no
    address names (the new parameters after more than one step).
    """
    named: list[Address] = []

    def sources(kind: str, layer: int, value: Any) -> Traced:
        """``value`` as a source: each entry depends on itself alone."""
        arr = value.value if isinstance(value, Traced) else np.asarray(value, dtype=np.float64)
        masks = np.zeros(arr.shape, dtype=object)
        for index in np.ndindex(arr.shape):
            masks[index] = 1 << len(named)
            named.append(_address(kind, layer, index))
        return Traced(arr, masks)

    found: dict[Address, int] = {}

    def hook(kind: str, layer: int, value: Any) -> Any:
        masks = _masks(value)
        for index in np.ndindex(masks.shape):
            found[_address(kind, layer, index)] = int(masks[index])
        return sources(kind, layer, value) if kind in SOURCES else value

    L = len(net.W)
    traced = net.with_arrays(
        [sources("W", l, net.W[l - 1]) for l in range(1, L + 1)],
        [sources("b", l, net.b[l - 1]) for l in range(1, L + 1)],
    )
    r = run(traced, x, y, eta, min(steps, 2), hook=hook)  # two steps show the structure of any number
    given = set(named)
    for kind, layer, array in r.arrays():  # what is read off the step's arrays, not hooked (f′, ...)
        for index in np.ndindex(array.shape):
            address = _address(kind, layer, index)
            if address not in given:
                found.setdefault(address, int(_masks(array)[index]))
    out: dict[Address, frozenset[Address] | None] = {
        address: frozenset(named[i] for i in range(mask.bit_length()) if mask >> i & 1)
        for address, mask in found.items()
    }
    for address in named:
        out.setdefault(address, frozenset())  # given: x, W and b read nothing
    if steps > 1:
        out.update({a: None for a in out if a.kind in ("W_new", "b_new")})
    return out


def _address(kind: str, layer: int, index: tuple[int, ...]) -> Address:
    """The address of entry ``index`` of quantity ``kind`` of ``layer`` (a scalar for the costs)."""
    if kind in SCALARS:
        return Address(kind)
    return Address(kind, layer, tuple(int(i) for i in index))
