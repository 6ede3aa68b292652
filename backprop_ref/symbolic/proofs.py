"""Proofs, by SymPy, that every closed form the code uses equals the derivative it stands for.

Each ``prove_*`` function derives a quantity with ``sympy.diff`` (or states a rewriting), takes the
closed form from ``rules.py`` and returns a :class:`Proof` whose ``holds`` is
``simplify(derived - closed) == 0``.  Where a rule has a kink (ReLU at ``z = 0``) the proof is done
on each side of it and says so in ``domain``.

The matrix rules of ``core.py`` are proven in :func:`prove_network_rules` by running ``core``'s own
forward and backward passes on a network whose weights, biases, inputs and targets are all SymPy
symbols, and comparing every gradient with ``sympy.diff`` of the whole cost.  So the proof is of the
code that runs, not of a retyped copy of it.

SymPy is imported only in this folder (``backprop_ref/symbolic``): importing ``backprop_ref`` itself
never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import sympy as sp

from backprop_ref import core
from backprop_ref.symbolic.rules import (
    ACTIVATIONS,
    COSTS,
    L2_GRADIENT,
    L2_PENALTY,
    UnitMax,
    UnitSum,
    a,
    theta,
    y,
    z,
)

#: The numbers of output units on which the softmax rules (a sum over units) are proven.
SOFTMAX_UNITS = (2, 3, 4)


@dataclass(frozen=True)
class Proof:
    """``derived == closed`` over ``domain``, established when ``holds`` is True."""

    name: str
    derived: sp.Expr
    closed: sp.Expr
    holds: bool
    domain: str = "all real z"

    def equation(self, lhs: sp.Expr) -> sp.Eq:
        """The proven rule as ``Eq(lhs, closed)``, for rendering with ``sympy.latex``."""
        return sp.Eq(lhs, self.closed, evaluate=False)


def _vanishes(expr: sp.Expr) -> bool:
    """True when SymPy simplifies ``expr`` to zero (trying the exponential form as well)."""
    expr = expr.rewrite(sp.log)  # log1p(u) -> log(1 + u)
    in_exp = expr.rewrite(sp.exp)
    if sp.cancel(sp.powsimp(sp.expand(in_exp))) == 0:  # a rational function of exponentials: fast
        return True
    return any(sp.simplify(form) == 0 for form in (expr, in_exp))


def _resolved(expr: sp.Expr) -> sp.Expr:
    """``expr`` with each max resolved through its case split: SymPy leaves max(1, e⁻ᶻ) as it is
    for z > 0, but simplifies the condition e⁻ᶻ ≤ 1 of its Piecewise to true."""
    return expr.replace(sp.Max, lambda *args: sp.simplify(sp.Max(*args).rewrite(sp.Piecewise)))


def _on_sides(derived: sp.Expr, closed: sp.Expr) -> tuple[bool, str]:
    """Whether ``derived == closed`` for every real z, and the domain it was shown on.

    Tried at once for all z; failing that, on z > 0 and on z < 0 (where Abs, Max and a
    Piecewise on the sign of z resolve), and at z = 0 itself: a form that holds on both sides
    and at 0 holds everywhere; one that fails only at 0 has a kink there.
    """
    # A form written with |z|, max or a case split resolves only on a side of 0: go there directly.
    if not closed.has(sp.Abs, sp.Max, sp.Piecewise, sp.Heaviside) and _vanishes(derived - closed):
        return True, "all real z"
    sides = (sp.Symbol("z", positive=True), sp.Symbol("z", negative=True))
    if not all(_vanishes(_resolved((derived - closed).subs(z, side))) for side in sides):
        return False, "z > 0 and z < 0"
    at_zero = (derived - closed).subs(z, 0)
    if at_zero.has(sp.nan, sp.zoo) or not _vanishes(at_zero):
        return True, "z > 0 and z < 0 (z = 0 is a kink)"
    return True, "all real z (z > 0, z < 0 and z = 0 shown separately)"


def _prove(name: str, derived: sp.Expr, closed: sp.Expr) -> Proof:
    """Prove ``derived == closed`` for all real z (see :func:`_on_sides`).

    A closed form that is a Piecewise on the target y (``Eq(y, 1)``, ``Eq(y, 0)``, otherwise) is
    proven case by case, with y set to the case's value; any other Piecewise (cases chosen for
    accuracy, such as the sigmoid's far tail) holds when each case alone holds for every z.
    """
    if isinstance(closed, sp.Piecewise) and any(isinstance(c, sp.Eq) for _, c in closed.args):
        results = []
        for expr, cond in closed.args:
            at = dict([cond.args]) if isinstance(cond, sp.Eq) else {}
            results.append(_on_sides(derived.subs(at), expr.subs(at)))
        holds = all(h for h, _ in results)
        return Proof(name, derived, closed, holds, domain=f"{results[-1][1]}, for each case of y")
    if isinstance(closed, sp.Piecewise):  # cases chosen for accuracy: each must hold everywhere
        results = [_on_sides(derived, expr) for expr, _ in closed.args]
        holds = all(h for h, _ in results)
        return Proof(name, derived, closed, holds, domain=f"{results[-1][1]}, in every case")
    holds, domain = _on_sides(derived, closed)
    return Proof(name, derived, closed, holds, domain)


def prove_activation_derivative(name: str, *, stable: bool = False, paired: bool = False) -> Proof:
    """f'(z) from ``sympy.diff`` equals the closed form (in ``z`` and ``a = f(z)``).

    With ``stable``, the form the code evaluates (in z alone) instead of the one articles write;
    with ``paired``, the form evaluated together with f (``ActivationRule.paired_derivative``).
    """
    f = ACTIVATIONS[name]
    closed = f.paired_derivative if paired else f.stable_derivative if stable else f.derivative
    if closed is None:
        raise ValueError(f"{name} has no elementwise derivative (it is an output activation only)")
    label = f"{name}' (with f)" if paired else f"{name}' (stable form)" if stable else f"{name}'"
    return _prove(label, sp.diff(f.definition, z), closed.subs(a, f.definition))


def prove_activation_stable(name: str) -> Proof:
    """The form the code evaluates equals the activation's definition."""
    f = ACTIVATIONS[name]
    if f.output_only:
        return _prove_output_only_stable(name)
    return _prove(f"{name} (stable form)", f.definition, f.stable)


def _on_output(activation: str, expr: sp.Expr) -> sp.Expr:
    """``expr`` with the output activation substituted: a = f(z)."""
    return expr.subs(a, ACTIVATIONS[activation].definition)


def prove_cost_gradient(cost: str) -> Proof:
    """dC/da from ``sympy.diff`` equals the closed form articles write, for any a."""
    c = COSTS[cost]
    proof = _prove(f"d{cost}/da", sp.diff(c.definition, a), c.gradient)
    return replace(proof, domain="all real a (no z in it)" if proof.holds else proof.domain)


def prove_cost_stable_gradient(cost: str, activation: str) -> Proof:
    """dC/da equals the form the code evaluates, at a = f(z) for an output activation f."""
    c = COSTS[cost]
    return _prove(
        f"d{cost}/da on {activation} (stable form)",
        _on_output(activation, sp.diff(c.definition, a)),
        _on_output(activation, c.stable_gradient),
    )


def prove_cost_stable(cost: str, activation: str) -> Proof:
    """The cost the code evaluates (possibly written in z) equals the definition at a = f(z).

    On an output-only activation (softmax) the whole cost is compared, summed over K units.
    """
    c = COSTS[cost]
    if ACTIVATIONS[activation].output_only:
        return _softmax_proof(cost, c.stable, f"{cost} on {activation} (stable form)", of_delta=False)
    return _prove(
        f"{cost} on {activation} (stable form)",
        _on_output(activation, c.definition),
        _on_output(activation, c.stable),
    )


def prove_output_delta(cost: str, activation: str, *, stable: bool = False) -> Proof:
    """The output error δ = dC/dz, from ``sympy.diff`` through a = f(z), equals its closed form.

    With ``stable``, the form the code evaluates instead of the one articles write.
    """
    c = COSTS[cost]
    closed = (c.stable_delta if stable else c.delta)[activation]
    label = f"δ_L for {cost} on {activation}" + (" (stable form)" if stable else "")
    if ACTIVATIONS[activation].output_only:  # softmax: δ_k = Σ_j ∂C/∂a_j ∂a_j/∂z_k, over K units
        return _softmax_proof(cost, closed, label, of_delta=True)
    return _prove(
        label,
        sp.diff(_on_output(activation, c.definition), z),
        _on_output(activation, closed),
    )


#: Softmax proofs are written in u_j = e^(z_j) > 0 (z_j = log u_j, ∂/∂z_j = u_j ∂/∂u_j): every rule is
#: then a rational function of the u's, which SymPy cancels quickly.  The shift s = log t, t > 0,
#: ranges over every real number as t ranges over the positive ones.
_SHIFT = sp.log(sp.Symbol("t", positive=True))


def _units(K: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """The symbols u_1..u_K (u_j = e^(z_j)) and y_1..y_K of an output layer of K units."""
    return sp.symbols(f"u_1:{K + 1}", positive=True), sp.symbols(f"y_1:{K + 1}", real=True)


def _over_units(expr: sp.Expr, k: int, K: int) -> sp.Expr:
    """Unit k's value of a rule for K output units, in u_j = e^(z_j): z, a, y become log u_k, the
    softmax u_k/Σu and y_k, ``UnitSum(e)`` the sum of e over the units and ``UnitMax(z)`` the shift
    log t (softmax and log-sum-exp are the same for every shift, so a proof for a free shift covers
    the max)."""
    us, ys = _units(K)
    total = sp.Add(*us)

    def unit(e: sp.Expr, j: int) -> sp.Expr:
        e = e.replace(UnitMax, lambda _: _SHIFT)
        e = e.replace(UnitSum, lambda inner: sp.Add(*(unit(inner, i) for i in range(K))))
        return e.subs({z: sp.log(us[j]), a: us[j] / total, y: ys[j]}, simultaneous=True)

    return unit(expr, k)


def _softmax_vanishes(expr: sp.Expr) -> bool:
    """True when SymPy simplifies a difference of softmax expressions (in the u's) to zero."""
    expr = sp.expand_log(sp.powsimp(sp.expand(expr, power_exp=True)), force=True)
    numerator, _ = sp.fraction(sp.together(expr))  # the denominator, a product of sums of u's, is > 0
    if sp.expand(numerator) == 0:  # a rational function of the u's: fast
        return True
    return bool(sp.simplify(expr) == 0)


@cache
def _softmax_holds(cost: str, closed: sp.Expr, of_delta: bool) -> bool:
    """Whether ``closed`` is cost's softmax form (``of_delta`` False) or its δᴸ, for K = 2, 3, 4.

    Cached: for softmax the form articles write and the one the code evaluates are one expression.
    """
    c = COSTS[cost]
    holds = True
    for K in SOFTMAX_UNITS:
        us, ys = _units(K)
        given = {ys[-1]: 1 - sp.Add(*ys[:-1])} if c.distribution_targets else {}
        total = sp.Add(*(_over_units(c.definition, k, K) for k in range(K))).subs(given)
        if not of_delta:
            evaluated = sp.Add(*(_over_units(closed, k, K) for k in range(K))).subs(given)
            holds &= _softmax_vanishes(total - evaluated)
            continue
        for k in range(K):  # ∂C/∂z_k = u_k ∂C/∂u_k
            derived = us[k] * sp.diff(total, us[k])
            holds &= _softmax_vanishes(derived - _over_units(closed, k, K).subs(given))
    return holds


def _softmax_proof(cost: str, closed: sp.Expr, label: str, of_delta: bool) -> Proof:
    """On a softmax output of K = 2, 3, 4 units: the cost's closed form ``closed`` equals its definition
    (``of_delta`` False), or δᴸ_k = ``closed`` equals ``sympy.diff`` of the whole cost in z_k for every
    unit k.  A cost whose targets form a distribution is proven with y_K = 1 − (y_1 + … + y_{K−1})."""
    c = COSTS[cost]
    holds = _softmax_holds(cost, closed, of_delta)
    units = ", ".join(map(str, SOFTMAX_UNITS))
    domain = f"K = {units} output units, all real z" + (
        ", targets summing to 1" if c.distribution_targets else ""
    )
    return Proof(label, sp.Symbol("dC/dz" if of_delta else "C"), closed, holds, domain)


def _prove_output_only_stable(name: str) -> Proof:
    """An output-only activation (softmax) shifted by its largest z equals its definition, unit by
    unit, for K = 2, 3, 4 and any shift."""
    f = ACTIVATIONS[name]
    holds = all(
        _softmax_vanishes(_over_units(f.stable, k, K) - _over_units(f.definition, k, K))
        for K in SOFTMAX_UNITS
        for k in range(K)
    )
    units = ", ".join(map(str, SOFTMAX_UNITS))
    return Proof(f"{name} (stable form)", f.definition, f.stable, holds, f"K = {units} units, any shift")


def prove_output_with_cost(cost: str, activation: str) -> Proof:
    """The output activation as computed together with the cost's terms equals its definition."""
    form = COSTS[cost].with_output[activation]
    return _prove(f"{activation} (with {cost})", ACTIVATIONS[activation].definition, form)


def prove_l2_gradient() -> Proof:
    """d/dθ of λ/(2m)·θ² equals (λ/m)·θ."""
    return _prove("L2 gradient", sp.diff(L2_PENALTY, theta), L2_GRADIENT)


def elementwise_proofs() -> list[Proof]:
    """Every elementwise proof: activations, costs, every (cost, output activation) pair, L2.

    Both the forms the articles write and the forms the code evaluates are proven.
    """
    proofs = [prove_l2_gradient()]
    for name, f in ACTIVATIONS.items():
        proofs.append(prove_activation_stable(name))
        if not f.output_only:  # softmax has no elementwise f': its δᴸ are proven per cost
            proofs += [prove_activation_derivative(name), prove_activation_derivative(name, stable=True)]
        if f.paired_derivative is not None:
            proofs.append(prove_activation_derivative(name, paired=True))
    for cost, c in COSTS.items():
        proofs.append(prove_cost_gradient(cost))
        proofs += [prove_output_with_cost(cost, activation) for activation in c.with_output]
        for activation in c.delta:
            proofs += [
                prove_cost_stable(cost, activation),
                prove_cost_stable_gradient(cost, activation),
                prove_output_delta(cost, activation),
                prove_output_delta(cost, activation, stable=True),
            ]
    return proofs


# --- the matrix rules, proven on a fully symbolic network --------------------------------------


def _elementwise(rule: Callable[..., sp.Expr]) -> Callable[..., np.ndarray]:
    """``rule`` applied entry by entry to object arrays of SymPy expressions."""
    return np.vectorize(rule, otypes=[object])


def _derivative(fn: Callable[..., sp.Expr], at: sp.Expr, *rest: sp.Expr) -> sp.Expr:
    """The derivative of ``fn`` in its first argument, evaluated at ``at``: fn'(at, *rest)."""
    t = sp.Dummy("t")
    return sp.Derivative(fn(t, *rest), t).subs(t, at)


@dataclass(frozen=True)
class NetworkProof:
    """The gradients ``core`` computes on a symbolic network, against ``sympy.diff`` of its cost."""

    sizes: tuple[int, ...]
    examples: int
    checked: int  # how many parameter and input derivatives were compared
    failures: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return self.checked > 0 and not self.failures


def symbolic_network(
    sizes: Sequence[int], examples: int = 1
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """Weights, biases, inputs and targets of a network, each entry its own SymPy symbol.

    ``W[l-1]`` is the math's ``Wˡ`` (shape ``sizes[l] × sizes[l-1]``), ``b[l-1]`` is ``bˡ``
    (one per unit, a column); ``x`` and ``y`` hold one column per example.
    """

    def matrix(name: str, rows: int, cols: int) -> np.ndarray:
        entries = [[sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True) for j in range(cols)] for i in range(rows)]
        return np.array(entries, dtype=object)

    W = [matrix(f"W{l}", sizes[l], sizes[l - 1]) for l in range(1, len(sizes))]
    b = [matrix(f"b{l}", sizes[l], 1) for l in range(1, len(sizes))]
    return W, b, matrix("x", sizes[0], examples), matrix("y", sizes[-1], examples)


def _differences(total: sp.Expr, pairs: Sequence[tuple[np.ndarray, object]]) -> tuple[int, list[str]]:
    """Compare ``sympy.diff(total, s)`` with the code's value for every symbol ``s`` in ``pairs``.

    Returns how many derivatives were compared and the symbols at which they differ.
    """
    failures: list[str] = []
    checked = 0
    for params, grad in pairs:
        for symbol, value in zip(params.ravel(), np.asarray(grad).ravel(), strict=True):
            checked += 1
            if sp.expand((sp.diff(total, symbol) - value).doit()) != 0:
                failures.append(str(symbol))
    return checked, failures


def prove_network_rules(sizes: Sequence[int], examples: int = 1) -> NetworkProof:
    """Prove ``core``'s backward pass on a fully symbolic network of the given sizes.

    Every weight, bias, input and target is a symbol; layer l's activation is an undefined
    function ``f_l`` and the cost an undefined function ``C(a, y)`` summed over output units and
    examples.  ``core.forward`` and ``core.backward`` run on these with BP1 in its general form
    δᴸ = ∂C/∂aᴸ ⊙ f_L'(zᴸ), and each ``∂C/∂W``, ``∂C/∂b`` and input ``∂C/∂a`` they produce is
    compared with ``sympy.diff`` of the whole cost.  Because f and C are arbitrary, this proves
    the hidden recursion ``δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹ ⊙ f'(zˡ)``, ``∂C/∂bˡ = δˡ`` and
    ``∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ`` as the code runs them, for every activation and cost at once; the
    closed forms of f' and δᴸ for each named rule are proven by the elementwise proofs above.
    """
    W, b, x, target = symbolic_network(sizes, examples)
    f = [sp.Function(f"f_{l}") for l in range(1, len(sizes))]
    C = sp.Function("C")
    fs = [_elementwise(f_l) for f_l in f]
    fprimes = [_elementwise(lambda z_, f_l=f_l: _derivative(f_l, z_)) for f_l in f]
    dC_da_out = _elementwise(lambda z_, a_, y_: _derivative(C, a_, y_))
    delta_out = _elementwise(lambda z_, a_, y_: _derivative(C, a_, y_) * _derivative(f[-1], z_))

    zs, acts = core.forward(W, b, x, fs)
    back = core.backward(W, zs, acts, target, fprimes, delta_out, dC_da_out, wrt_input=True)
    total = sp.Add(*(C(a_, y_) for a_, y_ in zip(acts[-1].ravel(), target.ravel(), strict=True)))
    grads = core.parameter_gradients(back.delta, acts, b, scale=1)

    pairs = [*zip(W, grads.dW, strict=True), *zip(b, grads.db, strict=True), (x, back.dC_da[0])]
    checked, failures = _differences(total, pairs)
    return NetworkProof(tuple(sizes), examples, checked, tuple(failures))


# --- one layer's rules, which cover every depth by induction -----------------------------------


def prove_layer_rules(n_in: int, n_out: int, layer: int = 1) -> NetworkProof:
    """Prove one layer's rules for any activation f and any gradient ∂C/∂aˡ arriving from above.

    With ``aˡ⁻¹``, ``Wˡ``, ``bˡ`` and ``g = ∂C/∂aˡ`` all symbols, the chain rule makes
    ``∂C/∂θ = ∂(gᵀ f(Wˡ aˡ⁻¹ + bˡ))/∂θ`` for every parameter θ of the layer and every input.
    ``core`` runs the layer forward and backward with δˡ = g ⊙ f'(zˡ) (BP1 in its general form,
    and BP2's product once ``g = (Wˡ⁺¹)ᵀ δˡ⁺¹``); its ``∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ``, ``∂C/∂bˡ = δˡ``
    and ``∂C/∂aˡ⁻¹ = (Wˡ)ᵀ δˡ`` are compared with ``sympy.diff`` of that sum.  The ``∂C/∂aˡ⁻¹``
    proven here is the g of the layer below, so by induction one such proof per layer covers a
    network of any depth at a cost linear in depth, where :func:`prove_network_rules`
    differentiates the whole composed cost.

    f is an undefined function whose derivative is the undefined function ``f'`` (so SymPy writes
    ``f_1'(z)`` rather than a ``Subs`` of a ``Derivative``, which halves the time); ``layer`` only
    names the symbols (``W3_0_1`` ...: SymPy's ``symarray`` counts entries from 0).

    Examples
    --------
    >>> proof = prove_layer_rules(3, 2)
    >>> proof.holds, proof.checked          # 2·3 weights, 2 biases, 3 inputs
    (True, 11)
    """
    W = sp.symarray(f"W{layer}", (n_out, n_in), real=True)
    b = sp.symarray(f"b{layer}", (n_out, 1), real=True)
    a_prev = sp.symarray(f"a{layer - 1}", (n_in, 1), real=True)
    g = sp.symarray(f"g{layer}", (n_out, 1), real=True)  # ∂C/∂aˡ, whatever the layers above are
    f_prime = sp.Function(f"f_{layer}'")
    f = type(f"f_{layer}", (sp.Function,), {"fdiff": lambda self, argindex=1: f_prime(self.args[0])})

    zs, acts = core.forward([W], [b], a_prev, [_elementwise(f)])
    fprime = _elementwise(f_prime)
    delta = _elementwise(lambda z_, a_, g_: g_ * f_prime(z_))
    upstream = _elementwise(lambda z_, a_, g_: g_)
    back = core.backward([W], zs, acts, g, [fprime], delta, upstream, wrt_input=True)
    grads = core.parameter_gradients(back.delta, acts, [b], scale=1)
    total = sp.Add(*(g_ * a_ for g_, a_ in zip(g.ravel(), acts[-1].ravel(), strict=True)))
    checked, failures = _differences(total, [(W, grads.dW[0]), (b, grads.db[0]), (a_prev, back.dC_da[0])])
    return NetworkProof((n_in, n_out), 1, checked, tuple(failures))
