"""Adapters between the W, b form and the θ form of Ognjanovski's article (seed 000) and Coursera.

The θ form writes each layer as one matrix θ⁽ˡ⁾ of shape ``n_l × (n_{l-1} + 1)`` whose first
column holds the biases (a bias node x₀ = a₀ = 1 feeds it).  An article that names scalar weights
one by one (AfterAcademy's w1..w8) is wired in its worked-example spec instead: the spec's
``[names]`` table is the one place that wiring is written
(:meth:`backprop_ref.worked.spec.Spec.network_with`).

Nothing here computes; it only rearranges numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from backprop_ref.core import Array
from backprop_ref.errors import InputError
from backprop_ref.validation import as_array


def from_theta(theta: Sequence[object]) -> tuple[list[Array], list[Array]]:
    """Split each θ⁽ˡ⁾ (bias column first) into ``Wˡ`` and a bias column ``bˡ``.

    Examples
    --------
    >>> W, b = from_theta([[[0.1, 1.0, 2.0], [0.2, 3.0, 4.0]]])
    >>> W[0].tolist(), b[0].tolist()
    ([[1.0, 2.0], [3.0, 4.0]], [[0.1], [0.2]])
    """
    W, b = [], []
    for l, t in enumerate(theta, start=1):
        arr = as_array(t, f"theta[{l}]", (None, None))
        if arr.shape[1] < 2:
            raise InputError(
                f"theta[{l}]",
                "shape b × (a+1) with a ≥ 1 (a bias column then weights)",
                t,
                shown=f"shape {arr.shape}",
            )
        W.append(arr[:, 1:])
        b.append(arr[:, :1])
    return W, b


def to_theta(W: Sequence[Array], b: Sequence[Array]) -> list[Array]:
    """Join ``Wˡ`` and a per-unit bias column ``bˡ`` into θ⁽ˡ⁾ = [bˡ | Wˡ] of shape b × (a+1).

    Examples
    --------
    >>> to_theta([np.array([[1.0, 2.0]])], [np.array([[0.5]])])[0].tolist()
    [[0.5, 1.0, 2.0]]
    """
    return [np.hstack([np.broadcast_to(b_l, (W_l.shape[0], 1)), W_l]) for W_l, b_l in zip(W, b, strict=True)]


def _theta_shapes(W: Sequence[Array]) -> list[tuple[int, int]]:
    return [(W_l.shape[0], W_l.shape[1] + 1) for W_l in W]


def theta_entry(
    W: Sequence[Array], param: str, index: tuple[int, ...], unrolled: str | None
) -> tuple[str, tuple[int, ...]]:
    """Where ``param[index]`` of the W, b form lies in the θ form: ``("Theta2", (i, j))``, or
    ``("grad", (p,))`` in the θ matrices unrolled in order ``unrolled`` ("F", column-major as
    Octave's ``(:)``, or "C", row-major as NumPy's ``ravel``).

    Examples
    --------
    >>> W = [np.zeros((3, 2)), np.zeros((1, 3))]
    >>> theta_entry(W, "b2", (0, 0), None), theta_entry(W, "W1", (2, 1), None)
    (('Theta2', (0, 0)), ('Theta1', (2, 2)))
    >>> theta_entry(W, "W1", (2, 1), "F")       # Theta1 is 3 x 3: column 2, row 2
    ('grad', (8,))
    """
    l = int(param[1:])
    i, j = index[0], index[1]
    at = (i, 0) if param[0] == "b" else (i, j + 1)
    if unrolled is None:
        return f"Theta{l}", at
    shapes = _theta_shapes(W)
    offset = sum(r * c for r, c in shapes[: l - 1])
    order: Literal["F", "C"] = "F" if unrolled == "F" else "C"
    return "grad", (offset + int(np.ravel_multi_index(at, shapes[l - 1], order=order)),)


def gradient_from_theta(W: Sequence[Array], given: object, unrolled: str | None) -> dict[str, Array]:
    """Your θ-form gradient as the W, b gradients ``{"W1": ..., "b1": ..., ...}``.

    ``given`` is a dict with the keys ``"Theta1"`` .. ``"ThetaL"`` (each ``n_l × (n_{l-1} + 1)``,
    the bias column first), or with ``unrolled`` ("F" or "C") one vector holding every Θ in turn,
    each unrolled in that order.

    Examples
    --------
    >>> W = [np.zeros((1, 2))]
    >>> g = gradient_from_theta(W, {"Theta1": [[0.5, 1.0, 2.0]]}, None)
    >>> g["W1"].tolist(), g["b1"].tolist()
    ([[1.0, 2.0]], [[0.5]])
    >>> gradient_from_theta(W, [0.5, 1.0, 2.0], "F")["W1"].tolist()
    [[1.0, 2.0]]
    """
    shapes = _theta_shapes(W)
    if unrolled is not None:
        if unrolled not in ("F", "C"):
            raise InputError("unrolled", "'F' (column-major, as Octave's (:)) or 'C' (row-major)", unrolled)
        total = sum(r * c for r, c in shapes)
        flat = as_array(given, "gradient", (total,), column=False)
        pieces = np.split(flat, np.cumsum([r * c for r, c in shapes])[:-1])
        order: Literal["F", "C"] = "F" if unrolled == "F" else "C"
        thetas = [piece.reshape(shape, order=order) for piece, shape in zip(pieces, shapes, strict=True)]
    else:
        names = [f"Theta{l}" for l in range(1, len(W) + 1)]
        if not isinstance(given, Mapping) or set(given) != set(names):
            keys = sorted(map(str, given)) if isinstance(given, Mapping) else given
            raise InputError("gradient", f"a dict with exactly the keys {names}", keys)
        thetas = [
            as_array(given[n], f"gradient[{n!r}]", shape) for n, shape in zip(names, shapes, strict=True)
        ]
    out: dict[str, Array] = {}
    for l, theta in enumerate(thetas, start=1):
        out[f"W{l}"], out[f"b{l}"] = theta[:, 1:], theta[:, :1]
    return out
