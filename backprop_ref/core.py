"""The four equations of backpropagation as array algebra, independent of any particular f or C.

::

  Forward:   zˡ = Wˡ aˡ⁻¹ + bˡ,   aˡ = f(zˡ)
  Backward:  (BP1) δᴸ = ∂C/∂zᴸ                      (a closed form per cost/activation)
             (BP2) δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹ ⊙ f'(zˡ)        (``∂C/∂aˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹`` is its first factor)
             (BP3) ∂C/∂bˡ = δˡ
             (BP4) ∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ

Examples are columns: ``x`` has shape ``(n_0, m)`` for ``m`` examples, every ``zˡ``, ``aˡ`` and
``δˡ`` has shape ``(n_l, m)``, and BP3/BP4 sum over examples by the matrix product itself.

These matrix rules are written by hand, here and only here.  They take their elementwise kernels
(f, f' as a function of z, δᴸ, ∂C/∂aᴸ) as arguments and use only ``@``, ``.T``, ``*`` and sums,
so they run unchanged on float arrays (``network.py``), on object arrays of SymPy symbols
(``symbolic/proofs.py`` proves them that way, on the code that runs) and on the
dependency-tracing arrays of ``worked/dependencies.py``.  The elementwise kernels are
generated (``_generated.py``).

Indexing: Python lists are 0-based and the math's layers 1..L, so ``W[l-1]`` is ``Wˡ`` (likewise
``b``, ``z``, ``delta``), while ``a[l]`` is ``aˡ`` with ``a[0] = x``.  Nothing here checks its
inputs: callers pass validated arrays (``network.py`` checks them once, at the public boundary).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: The package's one alias for a NumPy array of any shape and dtype.
Array = np.ndarray[Any, Any]
Elementwise = Callable[..., Array]
#: A hook sees each quantity (kind, layer, value) as it is computed and may return a replacement.
Hook = Callable[[str, int, Array], Array]


def unchanged(kind: str, layer: int, value: Array) -> Array:
    """The hook that replaces nothing."""
    return value


#: The arrays into which a caller that keeps none of the per-example quantities lets them be
#: written, ``space[kind, l]`` for ``kind`` in "z", "a", "delta", "dC_da" and layer l: float64, of
#: that quantity's shape, and the same ones on every call.  None means every array is new.
Space = Mapping[tuple[str, int], Array]


def forward(
    W: Sequence[Array],
    b: Sequence[Array],
    x: Array,
    f: Sequence[Elementwise],
    hook: Hook = unchanged,
    space: Space | None = None,
) -> tuple[list[Array], list[Array]]:
    """Return ``(z, a)``: weighted inputs of layers 1..L and activations of layers 0..L.

    With ``space`` (2-D arrays only), zˡ and aˡ are written into the space's arrays.
    """
    z: list[Array] = []
    a = [hook("a", 0, x)]
    for l, (W_l, b_l, f_l) in enumerate(zip(W, b, f, strict=True), start=1):
        z_l = W_l @ a[-1] if space is None else np.matmul(W_l, a[-1], out=space["z", l])
        z_l += b_l  # in place: no second array the size of the batch
        z.append(hook("z", l, z_l))
        a.append(hook("a", l, f_l(z[-1]) if space is None else f_l(z[-1], out=space["a", l])))
    return z, a


def output_error(
    z_L: Array,
    a_L: Array,
    y: Array,
    delta_out: Elementwise,
    dC_da_out: Elementwise | None,
    hook: Hook,
    L: int,
    space: Space | None = None,
) -> tuple[Array, Array | None]:
    """BP1: return ``(δᴸ, ∂C/∂aᴸ)``, each from its own proven closed form (not one from the other).

    δᴸ is the closed form of ∂C/∂zᴸ, finite even where ∂C/∂aᴸ is not (a saturated cross-entropy).
    With ``dC_da_out`` None, ∂C/∂aᴸ is not computed (a caller that returns only the gradient).
    """
    dC_da = None
    if dC_da_out is not None:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # ±inf past |z| ≈ 709
            dC_da = hook("dC_da", L, dC_da_out(z_L, a_L, y))
    delta = delta_out(z_L, a_L, y) if space is None else delta_out(z_L, a_L, y, out=space["delta", L])
    return hook("delta", L, delta), dC_da


def hidden_error(
    W_next: Array,
    delta_next: Array,
    fprime: Elementwise,
    z: Array,
    hook: Hook,
    l: int,
    space: Space | None = None,
) -> tuple[Array, Array]:
    """BP2 for layer l: return ``(δˡ, ∂C/∂aˡ)`` from ``Wˡ⁺¹``, ``δˡ⁺¹`` and f'(zˡ)."""
    dC_da = hook(
        "dC_da", l, np.matmul(W_next.T, delta_next, out=None if space is None else space["dC_da", l])
    )
    slope = fprime(z) if space is None else fprime(z, out=space["delta", l])  # δˡ then written over it
    return hook("delta", l, np.multiply(dC_da, slope, out=None if space is None else slope)), dC_da


@dataclass(frozen=True)
class Backward:
    """δ of layers 1..L (``delta[l-1]`` is δˡ) and ∂C/∂a of layers 0..L (``dC_da[l]``).

    Every entry is computed by the backward pass itself; ``dC_da[0]`` (the input's) is None unless
    asked for (and ``dC_da[L]`` when not asked for).  Everything is per example (not reduced).
    """

    delta: list[Array]
    dC_da: list[Array | None]


def backward(
    W: Sequence[Array],
    z: Sequence[Array],
    a: Sequence[Array],
    y: Array,
    fprime: Sequence[Elementwise],
    delta_out: Elementwise,
    dC_da_out: Elementwise | None,
    *,
    wrt_input: bool = False,
    hook: Hook = unchanged,
    space: Space | None = None,
) -> Backward:
    """Run BP1 then BP2 from layer L down to 1 (and ∂C/∂a⁰ = (W¹)ᵀδ¹ when ``wrt_input``).

    ``dC_da_out`` None leaves ∂C/∂aᴸ uncomputed (None), for a caller that needs only δ.
    With ``space``, every δˡ and ∂C/∂aˡ is written into the space's arrays.
    """
    L = len(W)
    d, g = output_error(z[-1], a[-1], y, delta_out, dC_da_out, hook, L, space)
    delta: list[Array] = [d]
    dC_da: list[Array | None] = [g]
    for l in range(L - 1, 0, -1):
        d, g = hidden_error(W[l], delta[0], fprime[l - 1], z[l - 1], hook, l, space)
        delta.insert(0, d)
        dC_da.insert(0, g)
    dC_da.insert(0, W[0].T @ delta[0] if wrt_input else None)
    return Backward(delta, dC_da)


def sum_to_shape(value: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``value`` over the axes along which an array of ``shape`` was broadcast.

    This is BP3 for both bias conventions: a bias of shape ``(n, 1)`` (one per unit) sums δ over
    examples; a bias of shape ``(1, 1)`` (one shared by the layer's units) sums over units too.
    """
    if value.ndim == len(shape) == 2 and shape[1] == 1 and value.shape[0] == shape[0]:  # a bias per unit
        return value.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]
    axes = tuple(i for i, (n, s) in enumerate(zip(value.shape, shape, strict=True)) if s == 1 and n != 1)
    return value.sum(axis=axes, keepdims=True) if axes else value


@dataclass(frozen=True)
class Gradients:
    """``dW[l-1] = ∂C/∂Wˡ`` and ``db[l-1] = ∂C/∂bˡ``, each the shape of its parameter."""

    dW: list[Array]
    db: list[Array]

    def by_name(self) -> dict[str, Array]:
        """The gradients keyed as :meth:`backprop_ref.Network.parameters` keys the parameters.

        Examples
        --------
        >>> list(Gradients([np.zeros((1, 1))] * 2, [np.zeros((1, 1))] * 2).by_name())
        ['W1', 'b1', 'W2', 'b2']
        """
        out: dict[str, Array] = {}
        for l, (dW, db) in enumerate(zip(self.dW, self.db, strict=True), start=1):
            out[f"W{l}"], out[f"b{l}"] = dW, db
        return out


def layer_gradients(delta: Array, a_prev: Array, b_shape: tuple[int, ...], scale: Any) -> tuple[Array, Array]:
    """BP4 and BP3 for one layer, summed over examples and multiplied by ``scale``."""
    db = scale * sum_to_shape(delta, b_shape)  # first, while δ is in the cache: the product reads all of aˡ⁻¹
    dW = delta @ a_prev.T
    dW *= scale  # in place: the product is new
    return dW, db


def parameter_gradients(
    delta: Sequence[Array], a: Sequence[Array], b: Sequence[Array], scale: Any
) -> Gradients:
    """BP4 and BP3 for every layer (``scale`` is 1 for a sum over examples, 1/m for a mean)."""
    pairs = [
        layer_gradients(d, a_prev, b_l.shape, scale) for d, a_prev, b_l in zip(delta, a[:-1], b, strict=True)
    ]
    return Gradients([dW for dW, _ in pairs], [db for _, db in pairs])
