"""Check someone else's gradients against the oracle; central finite differences for any parameter.

The "checked oracle" use of the package: give :func:`check_gradients` a network, data, and your
gradient (a function of the parameters, or the arrays it returned) and get a :class:`Report`:
pass/fail, the largest absolute and relative errors, and the worst parameter by name and index.
The oracle's own gradient is backpropagation through proven, generated rules; finite differences
are an independent second opinion that needs no derivative at all: every entry
(:func:`finite_differences`, two cost evaluations per parameter), or a randomized check along a
few random directions and at a few sampled entries (:func:`sampled_check`, in time independent of
the number of parameters).

Parameter names are those of :meth:`backprop_ref.Network.parameters`: ``"W1"``, ``"b1"``, ``"W2"``, ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_ref import notation
from backprop_ref.core import Array
from backprop_ref.errors import InputError
from backprop_ref.network import Batch, Network
from backprop_ref.validation import as_array, number, whole

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
    data = net._data(x, y)
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


def _yours(net: Network, data: Batch, gradient: object, theta: str | None = None) -> dict[str, Array]:
    """The gradient to check as checked arrays keyed like the parameters (calling it if a function).

    With ``theta`` ("matrices", or "F"/"C" for one unrolled vector), your function gets and
    gives the θ form (:mod:`backprop_ref.notation`).
    """
    params = net.parameters()
    if theta is not None and net.conventions.bias == "shared":
        raise InputError("theta", "a network with a bias per unit (the θ form's bias column)", theta)
    if not isinstance(gradient, Mapping) and not callable(gradient) and theta in (None, "matrices"):
        raise InputError("gradient", "a function gradient(params, x, y) or the dict it returned", gradient)
    if callable(gradient):
        given_params = (
            {f"Theta{l}": t for l, t in enumerate(notation.to_theta(net.W, net.b), start=1)}
            if theta is not None
            else {k: v.copy() for k, v in params.items()}
        )
        gradient = gradient(given_params, data.x.copy(), data.y.copy())
    if theta is not None:
        return notation.gradient_from_theta(net.W, gradient, None if theta == "matrices" else theta)
    given = gradient
    if not isinstance(given, Mapping) or set(given) != set(params):
        keys = sorted(map(str, given)) if isinstance(given, Mapping) else given
        raise InputError("gradient", f"a dict with exactly the keys {sorted(params)}", keys)
    return {name: as_array(given[name], f"gradient[{name!r}]", ref.shape) for name, ref in params.items()}


def check_gradients(
    net: Network,
    x: object,
    y: object,
    gradient: GradientFunction | Mapping[str, Any] | None,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    against: str = "oracle",
    seed: int = 0,
    theta: str | None = None,
) -> Report | SampledReport:
    """Compare your gradient of the network's cost with the oracle's (or with finite differences).

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
        from every parameter name to an array of that parameter's shape.  With
        ``against="finite_differences"``, None checks the oracle's own gradient.
    rtol, atol
        Tolerances of the pass test (entry by entry against the oracle; for
        ``"finite_differences"`` see :func:`sampled_check`, which uses ``rtol`` only).
    against
        ``"oracle"``: every entry against backpropagation through the proven rules (a
        :class:`Report`); ``"finite_differences"``: a randomized finite-difference check that uses
        no derivative at all, in time independent of the number of parameters (a
        :class:`SampledReport`, see :func:`sampled_check`).
    seed
        The random directions and coordinates of ``"finite_differences"``.
    theta
        For gradients in the θ form of Coursera and Ognjanovski (each layer one matrix Θˡ with
        the bias column first): ``"matrices"`` for a dict ``{"Theta1": ..., ...}``, ``"F"`` or
        ``"C"`` for one vector of every Θ unrolled column-major (Octave's ``(:)``) or row-major.
        A gradient function then gets the Θ matrices as ``params``; the report names the worst
        entry in your own terms (``Theta2[0, 3]`` or ``grad[17]``).

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
    >>> check_gradients(net, x, y, mine, against="finite_differences").passed
    True
    """
    rtol = number(rtol, "rtol", minimum=0.0, inclusive=True)
    atol = number(atol, "atol", minimum=0.0, inclusive=True)
    if against not in ("oracle", "finite_differences"):
        raise InputError("against", "one of 'oracle', 'finite_differences'", against)
    if theta not in (None, "matrices", "F", "C"):
        raise InputError("theta", "None, 'matrices', 'F' or 'C'", theta)
    data = net._data(x, y)
    if against == "finite_differences":
        converted = None if gradient is None else _yours(net, data, gradient, theta)
        return sampled_check(net, data, None, converted, rtol=rtol, seed=seed)
    given = _yours(net, data, gradient, theta)
    oracle = net.gradient(data).by_name()
    worst: tuple[float, str, tuple[int, ...], float, float] = (-1.0, "", (), 0.0, 0.0)
    max_abs = max_rel = 0.0
    passed = True
    for name, ref in oracle.items():
        mine = given[name]
        err = np.abs(mine - ref)
        passed &= bool(np.all(err <= atol + rtol * np.abs(ref)))
        scale = np.maximum(np.abs(ref), atol)
        # Where the oracle's entry is 0 and atol is 0, an exact match is 0 and any miss is inf.
        rel = np.divide(err, scale, out=np.where(err > 0, np.inf, 0.0), where=scale > 0)
        i = np.unravel_index(int(np.argmax(rel)), ref.shape)
        max_abs, max_rel = max(max_abs, float(err.max())), max(max_rel, float(rel[i]))
        if rel[i] > worst[0]:
            worst = (float(rel[i]), name, tuple(int(k) for k in i), float(mine[i]), float(ref[i]))
    where: tuple[str, tuple[int, ...]] = (worst[1], worst[2])
    if theta is not None:  # named as you wrote it
        where = notation.theta_entry(net.W, worst[1], worst[2], None if theta == "matrices" else theta)
    return Report(passed, max_abs, max_rel, where, worst[3], worst[4], rtol, atol)


# --- a randomized finite-difference check, in time independent of the number of parameters -------


@dataclass(frozen=True)
class SampledReport:
    """A gradient against central differences along random directions and at sampled entries.

    ``direction_error`` is the largest ``|D_v − gᵀv| / ‖g‖`` over the random unit directions v
    (D_v the central difference of J along v); ``worst`` names the sampled entry whose
    difference quotient is farthest from the gradient, relative to ``‖g‖`` as well.
    """

    passed: bool
    directions: int
    direction_error: float
    coordinates: int
    coordinate_error: float
    worst: tuple[str, tuple[int, ...]]
    yours: float
    finite_difference: float
    tolerance: float
    gradient_norm: float
    parameters: int

    def miss_probability(self, error_norm: float) -> float:
        """An upper bound on the chance that every direction misses a gradient error of this norm.

        Along a uniformly random unit direction v in P dimensions, eᵀv is close to
        ‖e‖·Z/√P with Z standard normal, so one direction hides e when ``|Z| ≤ t·√P/‖e‖`` for the
        tolerance t; that has probability at most 2·t·√P/(‖e‖·√(2π)) (the density of Z is at most
        1/√(2π)).  Independent directions multiply.  Errors in few entries are also looked for
        entry by entry, which this bound does not count.
        """
        tolerance = self.tolerance * self.gradient_norm
        width = tolerance * np.sqrt(self.parameters) / max(error_norm, np.finfo(float).tiny)
        return float(min(1.0, 2 * width / np.sqrt(2 * np.pi)) ** self.directions)

    def __str__(self) -> str:
        name, index = self.worst
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict}: {self.directions} random directions, worst |D_v - g.v|/|g| = "
            f"{self.direction_error:.3g}; {self.coordinates} sampled entries, worst {name}{list(index)}: "
            f"yours {self.yours:.10g}, finite difference {self.finite_difference:.10g} "
            f"(tolerance {self.tolerance:.3g} of |g|)"
        )


def sampled_check(
    net: Network,
    x: object,
    y: object = None,
    gradient: GradientFunction | Mapping[str, Any] | None = None,
    *,
    directions: int = 8,
    coordinates: int = 16,
    rtol: float = 1e-6,
    seed: int = 0,
) -> SampledReport:
    """Check a gradient (the oracle's own by default) against finite differences, at random.

    Two cost evaluations per random unit direction v give the central difference
    D_v = (J(θ + hv) − J(θ − hv)) / 2h, which must equal gᵀv; two per sampled entry give that
    entry's partial derivative, and the worst is named.  Nothing here uses a derivative, so the
    check is independent of backpropagation; it costs ``2·(directions + coordinates)`` forward
    passes whatever the number of parameters.

    The step is h = 1e-5·max(1, max|θ|); a direction passes when
    ``|D_v − gᵀv| ≤ rtol·‖g‖ + 20·ε·|J|/h`` (ε the float64 epsilon: the rounding of two costs
    divided by 2h), and so does an entry.  :meth:`SampledReport.miss_probability` bounds the
    chance that an error of a given size slips past every direction.

    Examples
    --------
    >>> net = Network(W=[[[0.3, -0.2]], [[1.5]]], b=[[0.1], [0.0]], activations=["tanh", "sigmoid"])
    >>> report = sampled_check(net, [[0.5], [1.5]], [[1.0]])
    >>> report.passed, report.directions, report.coordinates   # every one of the 5 entries sampled
    (True, 8, 5)
    """
    directions = whole(directions, "directions")
    coordinates = whole(coordinates, "coordinates")
    rtol = number(rtol, "rtol", minimum=0.0, inclusive=True)
    whole(seed, "seed", minimum=0)
    data = net._data(x, y)
    g = net.gradient(data).by_name() if gradient is None else _yours(net, data, gradient)
    names = list(g)
    sizes = [g[n].size for n in names]
    flat_g = np.concatenate([g[n].ravel() for n in names])
    theta = np.concatenate([p.ravel() for p in net.parameters().values()])
    h = 1e-5 * max(1.0, float(np.max(np.abs(theta))))
    J = net.cost_of(data)
    norm = float(np.linalg.norm(flat_g))
    slack = 20 * np.finfo(np.float64).eps * abs(J) / h
    tolerance = rtol * norm + slack

    def cost_at(flat: Array) -> float:
        pieces = np.split(flat, np.cumsum(sizes)[:-1])
        params = {n: piece.reshape(g[n].shape) for n, piece in zip(names, pieces, strict=True)}
        L = len(net.W)
        moved = net.with_arrays(
            [params[f"W{l}"] for l in range(1, L + 1)], [params[f"b{l}"] for l in range(1, L + 1)]
        )
        return moved.cost_of(data)

    def difference(v: Array) -> float:
        return (cost_at(theta + h * v) - cost_at(theta - h * v)) / (2 * h)

    rng = np.random.default_rng(seed)
    worst_direction = 0.0
    for _ in range(directions):
        v = rng.standard_normal(theta.size)
        v /= np.linalg.norm(v)
        worst_direction = max(worst_direction, abs(difference(v) - float(flat_g @ v)))
    picked = rng.choice(theta.size, size=min(coordinates, theta.size), replace=False)
    worst_entry, worst_at, worst_fd = -1.0, 0, 0.0
    for i in picked:
        e = np.zeros(theta.size)
        e[i] = 1.0
        fd = difference(e)
        if abs(fd - flat_g[i]) > worst_entry:
            worst_entry, worst_at, worst_fd = abs(fd - flat_g[i]), int(i), fd
    where = int(np.searchsorted(np.cumsum(sizes), worst_at, side="right"))
    offset = worst_at - (int(np.cumsum(sizes)[where - 1]) if where else 0)
    index = tuple(int(k) for k in np.unravel_index(offset, g[names[where]].shape))
    scale = max(norm, np.finfo(float).tiny)
    passed = bool(worst_direction <= tolerance and worst_entry <= tolerance)
    return SampledReport(
        passed,
        directions,
        worst_direction / scale,
        len(picked),
        worst_entry / scale,
        (names[where], index),
        float(flat_g[worst_at]),
        worst_fd,
        tolerance / scale,
        norm,
        int(theta.size),
    )
