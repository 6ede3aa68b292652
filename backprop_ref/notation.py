"""Adapters between the W, b form and the θ form of Ognjanovski's article (seed 000) and Coursera.

The θ form writes each layer as one matrix θ⁽ˡ⁾ of shape ``n_l × (n_{l-1} + 1)`` whose first
column holds the biases (a bias node x₀ = a₀ = 1 feeds it).  An article that names scalar weights
one by one (AfterAcademy's w1..w8) is wired in its worked-example spec instead: the spec's
``[names]`` table is the one place that wiring is written
(:meth:`backprop_ref.worked.spec.Spec.network_with`).

Nothing here computes; it only rearranges numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

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
