"""Check someone else's gradients against the oracle; central finite differences for any parameter.

The "checked oracle" use of the package: give :func:`check_gradients` a network, data, and your
gradient (a function of the parameters, or the arrays it returned) and get a :class:`Report`:
pass/fail, the largest absolute and relative errors, and the worst parameter by name and index.
The oracle's own gradient is backpropagation through proven, generated rules; finite differences
(:func:`finite_differences`) are an independent second opinion that needs no derivative at all.

Parameter names are those of :meth:`backprop_ref.Network.parameters`: ``"W1"``, ``"b1"``, ``"W2"``, ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_ref.core import Array
from backprop_ref.errors import InputError
from backprop_ref.network import Network
from backprop_ref.validation import as_array, number

GradientFunction = Callable[[dict[str, Array], Array, Array], Mapping[str, Any]]


def finite_differences(net: Network, x: object, y: object = None, h: float = 1e-6) -> dict[str, Array]:
    """∂J/∂θ for every parameter θ by central differences (J(θ+h) − J(θ−h)) / 2h.

    Costs ``2 × (number of parameters)`` forward passes: a check, not a way to train.

    Examples
    --------
    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> round(float(finite_differences(net, [1.0], [2.0])["W1"][0, 0]), 6)   # (0.5 - 2)·1
    -1.5
    """
    h = number(h, "h", minimum=0.0, inclusive=False)
    data = net.batch(x, y)
    for name, value in net.parameters().items():
        if np.any(value + h == value) or np.any(value - h == value):
            smallest = float(np.max(np.spacing(np.abs(value)))) * 2
            expected = (
                f"a step that moves every entry of every parameter (at least {smallest:.3g} for {name})"
            )
            raise InputError("h", expected, h)
    W, b = list(net.W), list(net.b)
    out: dict[str, Array] = {}
    for name, value in net.parameters().items():
        params, l = (W if name[0] == "W" else b), int(name[1:]) - 1
        grad = np.empty_like(value)
        for index in np.ndindex(value.shape):
            costs = []
            for sign in (1.0, -1.0):
                moved = value.copy()
                moved[index] += sign * h
                params[l] = moved
                costs.append(net.with_arrays(W, b).cost_of(data))
            params[l] = value
            grad[index] = (costs[0] - costs[1]) / (2 * h)
        out[name] = grad
    return out


def oracle_gradients(net: Network, x: object, y: object = None) -> dict[str, Array]:
    """The oracle's ∂J/∂θ by backpropagation, keyed by parameter name."""
    return net.gradient(x, y).by_name()


@dataclass(frozen=True)
class Report:
    """How a gradient compares with the oracle's, entry by entry.

    An entry passes when ``|g − r| ≤ atol + rtol·|r|`` (``g`` yours, ``r`` the oracle's); the
    relative error shown is ``|g − r| / max(|r|, atol)``, which is 0 for an exact match and inf
    for any other value where that denominator is 0.
    """

    passed: bool
    max_abs_error: float
    max_rel_error: float
    worst: tuple[str, tuple[int, ...]]
    yours: float
    oracle: float
    rtol: float
    atol: float

    def __str__(self) -> str:
        name, index = self.worst
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict}: max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g} "
            f"(rtol {self.rtol:g}, atol {self.atol:g}); worst {name}{list(index)}: "
            f"yours {self.yours:.10g}, oracle {self.oracle:.10g}"
        )


def check_gradients(
    net: Network,
    x: object,
    y: object,
    gradient: GradientFunction | Mapping[str, Any],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> Report:
    """Compare your gradient of the network's cost with the oracle's.

    Parameters
    ----------
    net
        The network, cost and conventions your code implements.
    x, y
        Inputs ``(n_0, m)`` and targets ``(n_L, m)``; examples are columns (or a
        :class:`~backprop_ref.network.Batch` as ``x``, with ``y`` None).
    gradient
        Either your gradient function, called as ``gradient(params, x, y)`` with ``params`` the
        dict of :meth:`backprop_ref.Network.parameters` (copies), or the dict it returned; either way a dict
        from every parameter name to an array of that parameter's shape.
    rtol, atol
        Tolerances of the pass test.

    Examples
    --------
    A hand-written gradient for a one-unit sigmoid layer with ½ squared error, one example:

    >>> import numpy as np
    >>> def mine(p, x, y):
    ...     a = 1 / (1 + np.exp(-(p["W1"] @ x + p["b1"])))
    ...     delta = (a - y) * a * (1 - a)
    ...     return {"W1": delta @ x.T, "b1": delta}
    >>> net = Network(W=[[[0.3, -0.2]]], b=[[0.1]], activations=["sigmoid"], cost="half_sse")
    >>> x, y = np.array([[0.5], [1.5]]), np.array([[1.0]])
    >>> check_gradients(net, x, y, mine).passed
    True
    >>> print(check_gradients(net, x, y, lambda p, x, y: {**mine(p, x, y), "b1": np.zeros((1, 1))}))
    FAIL: ... worst b1[0, 0]: yours 0, oracle -0.1280443...
    """
    rtol = number(rtol, "rtol", minimum=0.0, inclusive=True)
    atol = number(atol, "atol", minimum=0.0, inclusive=True)
    data = net.batch(x, y)
    params = net.parameters()
    if not isinstance(gradient, Mapping) and not callable(gradient):
        raise InputError("gradient", "a function gradient(params, x, y) or the dict it returned", gradient)
    given = (
        gradient
        if isinstance(gradient, Mapping)
        else gradient({k: v.copy() for k, v in params.items()}, data.x.copy(), data.y.copy())
    )
    if not isinstance(given, Mapping) or set(given) != set(params):
        keys = sorted(map(str, given)) if isinstance(given, Mapping) else given
        raise InputError("gradient", f"a dict with exactly the keys {sorted(params)}", keys)
    oracle = net.gradient(data).by_name()
    worst: tuple[float, str, tuple[int, ...], float, float] = (-1.0, "", (), 0.0, 0.0)
    max_abs = max_rel = 0.0
    passed = True
    for name, ref in oracle.items():
        mine = as_array(given[name], f"gradient[{name!r}]", ref.shape)
        err = np.abs(mine - ref)
        passed &= bool(np.all(err <= atol + rtol * np.abs(ref)))
        scale = np.maximum(np.abs(ref), atol)
        # Where the oracle's entry is 0 and atol is 0, an exact match is 0 and any miss is inf.
        rel = np.divide(err, scale, out=np.where(err > 0, np.inf, 0.0), where=scale > 0)
        i = np.unravel_index(int(np.argmax(rel)), ref.shape)
        max_abs, max_rel = max(max_abs, float(err.max())), max(max_rel, float(rel[i]))
        if rel[i] > worst[0]:
            worst = (float(rel[i]), name, tuple(int(k) for k in i), float(mine[i]), float(ref[i]))
    return Report(passed, max_abs, max_rel, (worst[1], worst[2]), worst[3], worst[4], rtol, atol)
