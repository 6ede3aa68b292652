"""Gradient functions written by hand in plain NumPy, each with one mistake a learner makes.

Written independently of ``backprop_ref.worked.departures`` (from the descriptions of the
mistakes learners report), for the tests of ``diagnose`` and ``explain`` and the confusion table
of the page "When your numbers don't match": a diagnosis is right only if the catalogue's variant
of the oracle gives what this separate code gives.
``gradient(W, b, x, y, spec, bug)`` is the textbook backpropagation, loops over layers, with the
branch ``bug`` names taken.  Activations, costs and the L2 term are written out here again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]
Gradient = tuple[list[Array], list[Array]]


@dataclass(frozen=True)
class Family:
    """What a learner's code is written for: sizes, activations, cost, reduction, λ, bias form."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    cost: str = "half_sse"
    reduction: str = "sum"
    lmbda: float = 0.0
    bias: str = "per_unit"


def f(name: str, z: Array) -> Array:
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "softmax":  # over the units of each example (a column)
        e: Array = np.exp(z - z.max(axis=0))
        return e / e.sum(axis=0)  # type: ignore[no-any-return]
    return z


def fprime(name: str, z: Array, bug: str | None = None) -> Array:
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z >= 0).astype(float) if bug == "relu_fprime_at_zero_one" else (z > 0).astype(float)
    return np.ones_like(z)


def from_output(name: str, u: Array) -> Array:
    """f′ written through the output a = f(z): a(1 − a) for σ, 1 − a² for tanh."""
    return u * (1 - u) if name == "sigmoid" else 1 - u**2


def gradient(
    W: list[Array], b: list[Array], x: Array, y: Array, fam: Family, bug: str | None = None
) -> Gradient:
    """(dW, db) of the family's cost at W, b on x, y, with the mistake ``bug``."""
    L = len(W)
    m = x.shape[1]
    K = y.shape[0]
    acts = fam.activations
    zs, As = [], [x]
    for l in range(L):
        zs.append(W[l] @ As[-1] + b[l])
        As.append(f(acts[l], zs[-1]))
    a, z = As[-1], zs[-1]
    # ∂C/∂a of one example's cost
    if fam.cost == "half_sse":
        dCda = a - y
    elif fam.cost == "sse":
        dCda = 2 * (a - y)
    elif fam.cost == "mse":
        dCda = 2 * (a - y) / K
    elif fam.cost == "categorical_cross_entropy":
        dCda = -y / a
    else:  # cross-entropy
        dCda = (a - y) / (a * (1 - a))
    if bug == "squared_error_gradient_doubled":
        dCda = 2 * dCda
    if bug == "squared_error_gradient_halved":
        dCda = dCda / 2
    if bug == "half_factor":  # the learner's cost is Σ(y − a)² where the family's is ½Σ
        dCda = 2 * (a - y)
    if bug == "mean_over_outputs":
        dCda = 2 * (a - y) / K

    def local(l: int, zl: Array, al: Array) -> Array:
        """f′ of layer l as this code writes it."""
        if bug == "fprime_of_activation" or (bug == "fprime_of_activation:hidden" and l < L - 1):
            return fprime(acts[l], al)
        shortcut = bug == "fprime_shortcut_on_z" or (bug == "fprime_shortcut_on_z:hidden" and l < L - 1)
        if shortcut and acts[l] in ("sigmoid", "tanh"):
            return from_output(acts[l], zl)
        return fprime(acts[l], zl, bug)

    if fam.cost == "categorical_cross_entropy":  # softmax's Jacobian applied to -y/a, with Σy = 1
        delta = a - y
        if bug == "softmax_jacobian_diagonal":  # as if softmax were elementwise: a(1 − a)
            delta = dCda * a * (1 - a)
    elif fam.cost == "cross_entropy":
        delta = a - y
        if bug == "output_delta_extra_fprime":
            delta = delta * fprime(acts[-1], z)
    elif bug == "output_delta_missing_fprime":
        delta = dCda
    else:
        delta = dCda * local(L - 1, z, a)
    deltas = [delta]
    for l in range(L - 2, -1, -1):
        Wn, dn = W[l + 1], deltas[0]
        if bug == "weights_not_transposed":
            g = Wn @ dn
        elif bug in ("single_downstream_path", "single_downstream_path:first"):
            g = np.zeros((Wn.shape[1], m))
            units = range(Wn.shape[0])
            for k in reversed(units) if bug.endswith(":first") else units:
                for j in range(Wn.shape[1]):
                    g[j] = Wn[k, j] * dn[k]  # overwritten: the unit visited last wins
        elif bug == "hidden_delta_from_raw_error" and l == L - 2:
            g = Wn.T @ dCda
        else:
            g = Wn.T @ dn
        if bug == "hidden_delta_missing_fprime":
            d = g
        elif bug == "fprime_wrong_layer":
            d = g * fprime(acts[l + 1], zs[l])
        elif bug == "hidden_delta_fprime_twice":
            d = g * local(l, zs[l], As[l + 1]) * local(l, zs[l], As[l + 1])
        else:
            d = g * local(l, zs[l], As[l + 1])
        deltas.insert(0, d)
    scale = 1 / m if fam.reduction == "mean" else 1.0
    if bug == "sum_over_examples":
        scale = 1.0
    if bug == "mean_over_examples":
        scale = 1 / m
    dW, db = [], []
    for l in range(L):
        d, a_prev = deltas[l], As[l]
        if bug == "inputs_crosswise" and l == 0:  # x2 where x1 belongs, and so on
            a_prev = a_prev[::-1]
        gW = scale * (a_prev @ d.T if bug == "outer_product_reversed" else d @ a_prev.T)
        if bug == "bias_gradient_over_units":
            gb = np.full(b[l].shape, scale * d.sum())
        elif fam.bias == "shared":
            gb = np.array([[scale * d.sum()]])
        else:
            gb = scale * d.sum(axis=1, keepdims=True)
        if bug == "bias_gradient_mean":
            gb = gb / m
        if fam.lmbda:
            if bug == "l2_gradient_scale:no_m":
                gW = gW + fam.lmbda * W[l]
            elif bug == "l2_gradient_scale:doubled":
                gW = gW + 2 * fam.lmbda * W[l] / m
            else:
                gW = gW + fam.lmbda * W[l] / m
            if bug == "l2_on_bias":
                gb = gb + fam.lmbda * b[l] / m
            if bug == "l2_bias_mask_ones":
                gb = gb + fam.lmbda / m
        if bug == "bias_update_times_value":
            gb = gb * b[l]
        uphill = {"update_sign_flipped": True, "update_sign_flipped:output": l == L - 1}
        uphill["update_sign_flipped:hidden"] = l < L - 1
        if uphill.get(bug or "", False):
            gW, gb = -gW, -gb
        dW.append(gW)
        db.append(gb)
    return dW, db


def buggy(fam: Family, bug: str | None) -> Callable[[list[Array], list[Array], Array, Array], Gradient]:
    """The gradient function ``grad(W, b, x, y)`` of ``fam`` with ``bug``."""

    def grad(W: list[Array], b: list[Array], x: Array, y: Array) -> Gradient:
        return gradient(W, b, x, y, fam, bug)

    return grad
