"""Adapters between the W, b form and two articles' notations.

* Ognjanovski (seed 000) and Coursera write each layer as one matrix θ⁽ˡ⁾ of shape
  ``n_l × (n_{l-1} + 1)`` whose first column holds the biases (a bias node x₀ = a₀ = 1 feeds it).
* AfterAcademy (seed 004) names eight scalar weights and two shared biases with its own wiring:
  h1 = w1·x1 + w4·x2 + b1, h2 = w3·x1 + w2·x2 + b1, o1 = w5·h1 + w6·h2 + b2, o2 = w7·h1 + w8·h2 + b2.
  So W¹ = [[w1, w4], [w3, w2]] (note w2 and w4 cross) and W² = [[w5, w6], [w7, w8]].

Nothing here computes; it only rearranges numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from backprop_ref.conventions import Conventions
from backprop_ref.core import Array
from backprop_ref.errors import InputError
from backprop_ref.network import Network
from backprop_ref.validation import as_array

#: AfterAcademy's names → (parameter, index) in the W, b form.
AFTERACADEMY: dict[str, tuple[str, tuple[int, int]]] = {
    "w1": ("W1", (0, 0)),
    "w4": ("W1", (0, 1)),
    "w3": ("W1", (1, 0)),
    "w2": ("W1", (1, 1)),
    "w5": ("W2", (0, 0)),
    "w6": ("W2", (0, 1)),
    "w7": ("W2", (1, 0)),
    "w8": ("W2", (1, 1)),
    "b1": ("b1", (0, 0)),
    "b2": ("b2", (0, 0)),
}


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


def afteracademy_network(values: Mapping[str, float], cost: str = "half_sse") -> Network:
    """The 2-2-2 sigmoid network of seed 004 from its named weights w1…w8 and biases b1, b2.

    Examples
    --------
    >>> net = afteracademy_network(dict(w1=.25, w2=.28, w3=.35, w4=.15, w5=.35, w6=.20,
    ...                                 w7=.45, w8=.40, b1=.45, b2=.5))
    >>> net.W[0].tolist()
    [[0.25, 0.15], [0.35, 0.28]]
    """
    missing = sorted(set(AFTERACADEMY) - set(values))
    extra = sorted(set(values) - set(AFTERACADEMY))
    if missing or extra:
        raise InputError("values", f"exactly the names {sorted(AFTERACADEMY)}", sorted(values))
    params = {
        "W1": np.zeros((2, 2)),
        "W2": np.zeros((2, 2)),
        "b1": np.zeros((1, 1)),
        "b2": np.zeros((1, 1)),
    }
    for name, (param, index) in AFTERACADEMY.items():
        params[param][index] = values[name]
    return Network(
        W=[params["W1"], params["W2"]],
        b=[params["b1"], params["b2"]],
        activations=["sigmoid", "sigmoid"],
        cost=cost,
        conventions=Conventions(reduction="sum", bias="shared"),
    )


def afteracademy_values(net: Network) -> dict[str, float]:
    """The named weights and biases of a seed 004 network (inverse of :func:`afteracademy_network`)."""
    params = net.parameters()
    return {name: float(params[param][index]) for name, (param, index) in AFTERACADEMY.items()}
