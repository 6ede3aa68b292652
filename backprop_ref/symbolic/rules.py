"""The elementwise rules of backpropagation, stated in SymPy: the single source of every formula.

Each activation ``f`` and each cost ``C`` is written three ways:

* ``definition`` -- the formula as the articles write it (``1/(1 + exp(-z))``);
* ``stable`` -- an equal form that floating point evaluates to a few units in the last place,
  without overflow or ``log(0)`` (for the sigmoid, eᶻ/(1 + eᶻ), and 1/(1 + e⁻ᶻ) above z = 708);
  ``proofs.py`` proves ``definition == stable``, on each side of z = 0 and at 0;
* a closed-form derivative as the articles write it (``a*(1 - a)`` for the sigmoid), and an equal
  ``stable`` one in z that the code evaluates; ``proofs.py`` proves both equal to ``sympy.diff``
  of the definition.

``codegen.py`` prints the stable forms and closed-form derivatives into ``backprop_ref/_generated.py``,
the NumPy code that actually runs, together with the lists of names defined here: this module is
the one place where an activation or a cost is named by hand.  Nothing here is evaluated numerically.

Notation (Nielsen's): ``z`` is a unit's weighted input, ``a = f(z)`` its activation, ``y`` the target,
``K`` the number of output units.  Costs are per example, summed over output units; how examples
are combined (sum or mean) and the L2 penalty ``lmbda/(2 m) * sum(W**2)`` over ``m`` examples are
conventions of the network (``backprop_ref/conventions.py``), not of the cost.  Matrix rules (the δ recursion,
``dC/dW = δ aᵀ``) live in ``backprop_ref/core.py`` and are proven on a symbolic network in ``proofs.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.codegen.cfunctions import log1p

z, a, y = sp.symbols("z a y", real=True)
K = sp.Symbol("K", positive=True, integer=True)
theta, lmbda = sp.symbols("theta lambda", real=True)
m = sp.Symbol("m", positive=True, integer=True)


#: e^(-|z|), in (0, 1]: the accurate forms below are written in it, so that no exponential overflows
#: and no two nearly equal numbers are subtracted, on either side of z = 0.
t = sp.exp(-sp.Abs(z))

#: The indicator of z ≥ 0: 1 where it holds, else 0.  ``codegen.py`` computes it as a mask of
#: booleans, which NumPy's arithmetic reads as 1 and 0: choosing between two finite values by
#: arithmetic on the mask (z·(H − y), max(t, H)) is branch-free, where ``numpy.where`` on a mask of
#: mixed signs is several times slower than a multiplication.
H = sp.Piecewise((1, z >= 0), (0, True))

#: The sigmoid written in t: 1/(1 + t) for z ≥ 0 and t/(1 + t) below, finite for every z.  As t ≤ 1,
#: the numerator is max(t, H): one pass over z, where H + [z < 0]·t takes three.  It is softplus'
#: derivative, and the sigmoid's form where a cost written in t computes t once for both.
SIGMOID_IN_T = sp.Max(t, H) / (1 + t)

#: Leaky ReLU's slope for z < 0 (the common default, as in PyTorch and Keras' LeakyReLU(0.01)).
LEAKY_SLOPE = sp.Rational(1, 100)


class UnitSum(sp.Function):  # type: ignore[misc]
    """Σ over the output units of one example, the only reduction a rule may use (softmax's).

    A rule that uses it is elementwise in every other respect; ``proofs.py`` expands it over K
    units (K = 2, 3, 4) and ``codegen.py`` prints it as a sum over the units' axis.
    """

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return rf"\sum_{{j=1}}^{{K}} \left({printer._print(self.args[0])}\right)_j"


class UnitMax(sp.Function):  # type: ignore[misc]
    """The largest of an example's output units: any shift gives the same softmax, this one
    keeps every exponential at most 1 (the log-sum-exp form)."""

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return rf"\max_{{j}} {printer._print(self.args[0])}_j"


#: Log-sum-exp over the units, shifted by the largest z: log Σ e^(z_k) with no overflow.
LOGSUMEXP = UnitMax(z) + sp.log(UnitSum(sp.exp(z - UnitMax(z))))


@dataclass(frozen=True)
class ActivationRule:
    """An activation ``a = f(z)``: as written, as evaluated, and its derivative both ways.

    ``derivative`` is the closed form the articles write (in ``z`` and ``a``, such as a(1 − a));
    ``stable_derivative`` an equal form in ``z`` alone that floating point evaluates to a few
    units in the last place wherever the result is a normal number (a(1 − a) is 0 once a rounds
    to 1, at z ≈ 37, where the derivative is still 1e-16).
    """

    name: str
    definition: sp.Expr
    stable: sp.Expr
    derivative: sp.Expr | None
    stable_derivative: sp.Expr | None
    #: f′ written in the quantities ``stable`` computes (the sigmoid's e⁻ᶻ), for evaluating f and f′
    #: together in one pass; None where ``stable_derivative`` shares them already or there is none.
    paired_derivative: sp.Expr | None = None

    @property
    def output_only(self) -> bool:
        """True for softmax, whose every a depends on every z of its example.

        Its derivative is a Jacobian, not an elementwise f', so it serves only as the output
        layer, where each cost gives δᴸ in closed form.
        """
        return self.derivative is None


@dataclass(frozen=True)
class CostRule:
    """A per-example cost, written as one output unit's term (the cost sums terms over units).

    ``gradient`` is the closed form of ``dC/da`` for one unit and ``delta`` maps each output
    activation the cost accepts to the closed form of the output error ``δ = dC/dz``, both as
    the articles write them; ``stable_gradient`` and ``stable_delta`` are the equal forms the
    code evaluates (in z where a form in a would lose the digits that matter).
    """

    name: str
    definition: sp.Expr
    stable: sp.Expr
    gradient: sp.Expr
    stable_gradient: sp.Expr
    delta: dict[str, sp.Expr]
    stable_delta: dict[str, sp.Expr]
    #: Targets must lie in [0, 1] (a probability), as cross-entropy's logarithms require.
    unit_interval_targets: bool = False
    #: Each example's targets must also sum to 1 (a distribution over the units), which the
    #: categorical cross-entropy's δᴸ = a − y assumes.
    distribution_targets: bool = False
    #: An output activation written in the quantities ``stable`` computes (cross-entropy's t), so
    #: that aᴸ and the cost's terms are computed together, each quantity once.
    with_output: dict[str, sp.Expr] = field(default_factory=dict)


ACTIVATIONS: dict[str, ActivationRule] = {
    act.name: act
    for act in (
        # σ = e^z/(1 + e^z) is accurate to 3 ulp while e^z stays finite (z < 709.78), down through
        # the subnormals (1 + e^z is then 1); above 708 σ is 1/(1 + e^-z), which is 1 there.
        # σ' = σ(z)σ(-z), which is t/(1 + t)² on both sides.
        ActivationRule(
            "sigmoid",
            1 / (1 + sp.exp(-z)),
            sp.Piecewise((1 / (1 + sp.exp(-z)), z > 708), (sp.exp(z) / (1 + sp.exp(z)), True)),
            a * (1 - a),
            t / (1 + t) ** 2,
            # with f: e^z/(1 + e^z)², that is σ divided by 1 + e^z once more (never squared: no
            # overflow), so that f and f' together cost one exponential and two divisions
            sp.Piecewise(
                (sp.exp(-z) / (1 + sp.exp(-z)) ** 2, z > 708), (sp.exp(z) / (1 + sp.exp(z)) ** 2, True)
            ),
        ),
        # tanh' = 1 - tanh² = 1/cosh² = 4e^(-2|z|)/(1 + e^(-2|z|))².
        ActivationRule("tanh", sp.tanh(z), sp.tanh(z), 1 - a**2, 4 * t**2 / (1 + t**2) ** 2),
        # ReLU's derivative is undefined at z = 0; the code takes 0 there (Heaviside(0) = 0).
        ActivationRule("relu", sp.Max(0, z), sp.Max(0, z), sp.Heaviside(z, 0), sp.Heaviside(z, 0)),
        ActivationRule("identity", z, z, sp.Integer(1), sp.Integer(1)),
        # softplus = log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), with no overflow and no log(1 + tiny)
        # lost; its derivative is the sigmoid, split on the sign of z so that neither case overflows.
        ActivationRule(
            "softplus",
            sp.log(1 + sp.exp(z)),
            sp.Max(z, 0) + log1p(t),
            1 / (1 + sp.exp(-z)),
            SIGMOID_IN_T,
        ),
        # Leaky ReLU: z for z > 0, LEAKY_SLOPE·z below; like ReLU, the lower slope is taken at 0.
        ActivationRule(
            "leaky_relu",
            sp.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True)),
            sp.Max(z, LEAKY_SLOPE * z),
            LEAKY_SLOPE + (1 - LEAKY_SLOPE) * sp.Heaviside(z, 0),
            LEAKY_SLOPE + (1 - LEAKY_SLOPE) * sp.Heaviside(z, 0),
        ),
        # softmax a_k = e^(z_k) / Σ_j e^(z_j), evaluated with every z shifted by the largest.
        ActivationRule(
            "softmax",
            sp.exp(z) / UnitSum(sp.exp(z)),
            sp.exp(z - UnitMax(z)) / UnitSum(sp.exp(z - UnitMax(z))),
            None,
            None,
        ),
    )
}

#: The output activations whose δᴸ is not an elementwise product (softmax's Jacobian).
OUTPUT_ONLY = tuple(act.name for act in ACTIVATIONS.values() if act.output_only)


def _through(gradient: sp.Expr, act: ActivationRule, stable: bool) -> sp.Expr:
    """δ = dC/dz from dC/da = ``gradient``: ⊙ f'(z) elementwise, or softmax's Jacobian transposed.

    For softmax, ∂a_j/∂z_k = a_j(1[j = k] − a_k), so δ_k = a_k (g_k − Σ_j a_j g_j).
    """
    if act.output_only:
        return a * (gradient - UnitSum(a * gradient))
    return gradient * (act.stable_derivative if stable else act.derivative)


def _squared(name: str, scale: sp.Expr) -> CostRule:
    """A squared-error cost ``scale * (y - a)**2`` per unit; δ = dC/da · f'(z) for any f."""
    gradient = 2 * scale * (a - y)
    return CostRule(
        name,
        scale * (y - a) ** 2,
        scale * (y - a) ** 2,
        gradient,
        gradient,
        {act.name: _through(gradient, act, False) for act in ACTIVATIONS.values()},
        {act.name: _through(gradient, act, True) for act in ACTIVATIONS.values()},
    )


COSTS: dict[str, CostRule] = {
    cost.name: cost
    for cost in (
        # ½·Σ(y − a)²: AfterAcademy (seed 004), Nielsen, Sharma (seed 002).
        _squared("half_sse", sp.Rational(1, 2)),
        # Σ(y − a)²: mlfromscratch's "sum of the squared differences" (seed 001).
        _squared("sse", sp.Integer(1)),
        # (1/K)·Σ(y − a)²: the mean over output units (the mean over examples is a convention).
        _squared("mse", 1 / K),
        # Σ y·a: its gradient ∂C/∂a is y itself, so a spec can hand a unit the upstream gradient
        # a worked example starts from (lecture notes' "∂C/∂a = 1") as its target.
        CostRule(
            "linear",
            y * a,
            y * a,
            y,
            y,
            {act.name: _through(y, act, False) for act in ACTIVATIONS.values()},
            {act.name: _through(y, act, True) for act in ACTIVATIONS.values()},
        ),
        # Binary cross-entropy on sigmoid outputs (seed 000).  Written in z it needs no log(0):
        # -y·log σ(z) - (1 - y)·log(1 - σ(z)) = y·softplus(-z) + (1 - y)·softplus(z), a sum of
        # two terms ≥ 0 (no cancellation), with softplus(u) = max(u, 0) + log(1 + e^(-|u|)).
        # One of max(±z, 0) is 0, so the terms are z·(1 - y) for z ≥ 0 and -z·y below (both ≥ 0),
        # that is z·(H - y), plus log(1 + t): the same roundings as the two products (H - y is
        # 1 - y or exactly -y), in fewer passes over z and with no choice made per entry.
        # dC/da = -y/a + (1 - y)/(1 - a) = -y(1 + e^-z) + (1 - y)(1 + e^z): a target of exactly
        # 1 or 0 drops the other term, which would otherwise be 0·∞ once e^|z| overflows.
        CostRule(
            "cross_entropy",
            -y * sp.log(a) - (1 - y) * sp.log(1 - a),
            log1p(t) + z * (H - y),
            (a - y) / (a * (1 - a)),
            sp.Piecewise(
                (-(1 + sp.exp(-z)), sp.Eq(y, 1)),
                (1 + sp.exp(z), sp.Eq(y, 0)),
                ((1 - y) * (1 + sp.exp(z)) - y * (1 + sp.exp(-z)), True),
            ),
            {"sigmoid": a - y},
            {"sigmoid": a - y},
            unit_interval_targets=True,
            with_output={"sigmoid": SIGMOID_IN_T},
        ),
        # Categorical cross-entropy on softmax outputs: -Σ y_k log a_k over the units, with each
        # example's targets a distribution (Σ y_k = 1), so that δᴸ = a − y.  In z, -log a_k is
        # logsumexp(z) − z_k, finite for any z; ∂C/∂a = -y/a is 0 where y = 0, even at a = 0.
        CostRule(
            "categorical_cross_entropy",
            -y * sp.log(a),
            y * (LOGSUMEXP - z),
            -y / a,
            sp.Piecewise((0, sp.Eq(y, 0)), (-y / a, True)),
            {"softmax": a - y},
            {"softmax": a - y},
            unit_interval_targets=True,
            distribution_targets=True,
        ),
    )
}

#: The cost a network has unless told otherwise (½Σ(y − a)², Nielsen's quadratic cost).
DEFAULT_COST = "half_sse"

# The L2 penalty on one weight θ (never a bias): λ/(2m)·θ², and its closed-form gradient.
L2_PENALTY = lmbda / (2 * m) * theta**2
L2_GRADIENT = lmbda / m * theta
