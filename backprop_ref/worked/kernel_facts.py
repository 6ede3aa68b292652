"""Facts about the generated rules, read off the kernels by evaluating them, not by their names.

The departures of :mod:`backprop_ref.worked.departures` depend on what a rule *is*, not on what it
is called: which activation's derivative learners write through its output (σ′ = a(1 − a)), which
has a kink at 0 (ReLU), which output layer pairs with its cost so that δᴸ = a − y, which cost is
another's with the ½ dropped or averaged over the K outputs.  Each is settled here by evaluating
the generated kernels (``kernels``) at fixed sample points, so that names of activations and
costs stay where they are written once (``symbolic/rules.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from backprop_ref import kernels
from backprop_ref.core import Array

#: Sample weighted inputs (0 left out: a kink there is asked about on its own) and targets in (0, 1),
#: as one example's column of six units (so that a softmax output is evaluated as it runs).
Z = np.array([[-2.0], [-0.7], [-0.1], [0.3], [0.9], [2.5]])
Y = np.array([[0.2], [0.9], [0.5], [0.05], [0.6], [0.35]])
#: Derivatives written through the output, f′(z) = g(f(z)), as learners write them: a(1 − a),
#: 1 − a², 1 − e^(−a), [a > 0].  The mistake ``fprime_shortcut_on_z`` applies g to z.
SHORTCUT_FORMS: tuple[Callable[[Array], Array], ...] = (
    lambda u: u * (1 - u),
    lambda u: 1 - u**2,
    lambda u: 1 - np.exp(-u),
    lambda u: (u > 0).astype(np.float64),
)


@cache
def shortcut(activation: str) -> Callable[[Array], Array] | None:
    """The form g with f′(z) = g(f(z)) for ``activation``, or None.

    Examples
    --------
    >>> g = shortcut(kernels.ACTIVATIONS[0])   # the sigmoid: a(1 − a)
    >>> float(g(np.array(0.5)))
    0.25
    """
    if activation in kernels.OUTPUT_ONLY:  # softmax: no f′ of its own to write through a
        return None
    act = kernels.activation(activation)
    for g in SHORTCUT_FORMS:
        if np.allclose(g(act.f(Z)), act.fprime(Z), rtol=1e-12, atol=1e-15):
            return g
    return None


@cache
def shortcut_on_z_shows(activation: str) -> bool:
    """Whether writing ``activation``'s shortcut through z, g(z), gives other than f′(z).

    Only then can the mistake show: ReLU's shortcut [a > 0] is [z > 0], its f′ itself.

    Examples
    --------
    >>> [shortcut_on_z_shows(name) for name in kernels.ACTIVATIONS]
    [True, True, False, False, True, False, False]
    """
    g = shortcut(activation)
    return g is not None and not np.allclose(g(Z), kernels.activation(activation).fprime(Z))


@cache
def jump_at_zero(activation: str) -> float:
    """f′(0⁺) − f′(0): what taking the derivative from the right at 0 adds (1 for ReLU, else 0).

    Examples
    --------
    >>> [jump_at_zero(name) for name in kernels.ACTIVATIONS]
    [0.0, 0.0, 1.0, 0.0, 0.0, 0.99, 0.0]
    """
    if activation in kernels.OUTPUT_ONLY:  # softmax: smooth, and no f′ of its own
        return 0.0
    fprime = kernels.activation(activation).fprime
    jump = float(fprime(np.array(1e-300)) - fprime(np.array(0.0)))
    return jump if abs(jump) > 1e-9 else 0.0


@cache
def paired(cost: str, activation: str, outputs: int) -> bool:
    """Whether δᴸ = a − y for ``cost`` on ``activation``: code then writes δᴸ with no f′ in it.

    Examples
    --------
    >>> paired(kernels.DEFAULT_COST, kernels.ACTIVATIONS[0], 2)   # ½Σ(y − a)² on a sigmoid
    False
    """
    a = kernels.activation(activation).f(Z)
    delta = kernels.cost(cost, activation, outputs).delta(Z, a, Y)
    return bool(np.allclose(delta, a - Y, rtol=1e-12, atol=1e-15))


@cache
def scaled(cost: str, activation: str, by: tuple[float, float]) -> str | None:
    """The cost whose per-unit term is ``by[0]`` times ``cost``'s for K = 2 outputs and ``by[1]`` for K = 3.

    Examples
    --------
    >>> scaled(kernels.DEFAULT_COST, kernels.ACTIVATIONS[0], (2.0, 2.0)) in kernels.COST_OUTPUTS
    True
    """
    a = kernels.activation(activation).f(Z)
    for other, outputs in kernels.COST_OUTPUTS.items():
        if other == cost or activation not in outputs:
            continue
        ratios = []
        for K in (2, 3):
            mine = kernels.cost(cost, activation, K).term(Z, a, Y)
            theirs = kernels.cost(other, activation, K).term(Z, a, Y)
            ratios.append(theirs / mine)
        if all(np.allclose(r, s, rtol=1e-12) for r, s in zip(ratios, by, strict=True)):
            return other
    return None
