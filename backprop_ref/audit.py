"""Give every number an article prints a verdict: reproduced, follows, slip or unexplained.

Each printed quantity q is recomputed twice by :meth:`Spec.run <backprop_ref.spec.Spec.run>`:
*exact*, from the given parameters and data alone, and *carried*, with every other printed
quantity put in place of its computed value -- what the article's own earlier numbers give.
A printed value with d decimals matches a recomputed x when abs(printed − x) ≤ 10⁻ᵈ, one unit
in its last place (:func:`matches`): that allows for rounding or truncation by the author.

=============== ==============================================================================
reproduced      matches the exact value
follows         matches the carried value only: an earlier printed slip or rounding carried on
slip            matches neither, and every direct input of q is printed (or given): the error
                is made in this very step; the carried value is what the step should give
unexplained     matches neither, and some direct input is not printed: the error can't be placed
=============== ==============================================================================

The verdict words are those of :data:`backprop_ref.claims.VERDICTS`, used across the site.

Direct inputs (:func:`direct_inputs`) follow the structure of the computation, in the
addresses of :mod:`backprop_ref.trace` (j, k units, e an example):
zˡⱼₑ ← aˡ⁻¹ₖₑ (all k), Wˡⱼₖ (all k), bˡⱼ;  aˡⱼₑ ← zˡⱼₑ;  cost ← all of aᴸ (of zᴸ for
cross-entropy, whose stable form reads z);  δᴸⱼₑ, ∂C/∂aᴸⱼₑ ← zᴸⱼₑ, aᴸⱼₑ;
δˡⱼₑ ← Wˡ⁺¹ᵢⱼ, δˡ⁺¹ᵢₑ (all i), zˡⱼₑ, aˡⱼₑ (f' reads both) and ∂C/∂aˡⱼₑ ← the same but
zˡ, aˡ;  ∂J/∂Wˡⱼₖ ← δˡⱼₑ, aˡ⁻¹ₖₑ (all e);  ∂J/∂bˡⱼ ← δˡⱼₑ (all e; all units for a shared
bias);  W_newˡⱼₖ ← Wˡⱼₖ, ∂J/∂Wˡⱼₖ (and alike for b, unless biases are frozen);
cost_after ← every W_new and b_new.  Given parameters, x, y and η count as printed.  With
``hidden_delta_weights="after"``, δˡ and ∂C/∂aˡ also read ∂J/∂Wˡ⁺¹ᵢⱼ (all i), since δ is carried
through Wˡ⁺¹ − η ∂J/∂Wˡ⁺¹.  Left out: after more than one step, W_new and b_new depend on later
steps, which a spec cannot name, so they are never a slip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from backprop_ref.claims import Claim
from backprop_ref.spec import Printed, Spec
from backprop_ref.trace import Address, shape


def decimals(printed: str) -> int:
    """How many decimals ``printed`` has (a spec's printed values are plain decimals).

    Examples
    --------
    >>> decimals("0.22661423"), decimals("2")
    (8, 0)
    """
    return -int(Decimal(printed).as_tuple().exponent)


def matches(printed: str, value: float) -> bool:
    """Whether ``printed`` (d decimals) is within 10⁻ᵈ, one unit in its last place, of ``value``.

    Examples
    --------
    >>> matches("0.623633", 0.6236336283), matches("0.7375445", 0.7375848)
    (True, False)
    """
    if not math.isfinite(value):
        return False
    return abs(Decimal(printed) - Decimal(value)) <= Decimal(1).scaleb(-decimals(printed))


def verdict(printed: str, exact: float, carried: float, located: bool) -> str:
    """The verdict on ``printed`` given the exact and carried values (see the module docstring).

    ``located`` says whether every direct input of the quantity is printed or given.

    Examples
    --------
    >>> verdict("0.794609", 0.8446808, 0.84468055, located=True)
    'slip'
    >>> verdict("0.6888201", 0.6994501, 0.68882011, located=True)
    'follows'
    """
    if matches(printed, exact):
        return "reproduced"
    if matches(printed, carried):
        return "follows"
    return "slip" if located else "unexplained"


def given(address: Address) -> bool:
    """Whether ``address`` is part of what a spec gives: a parameter W, b or the input x.

    Examples
    --------
    >>> given(Address("W", 2, (0, 1))), given(Address("a", 0, (1, 0))), given(Address("a", 1))
    (True, True, False)
    """
    return address.kind in ("W", "b") or (address.kind, address.layer) == ("a", 0)


def direct_inputs(q: Address, spec: Spec) -> frozenset[Address] | None:
    """The quantities step q is computed from, or None when some are of steps a spec can't name.

    Examples
    --------
    >>> from backprop_ref.spec import load
    >>> sorted(map(str, direct_inputs(Address("a", 2, (1, 0)), load("afteracademy"))))
    ['z[2][1]']
    """
    net = spec.network
    L, m = len(net.W), spec.x.shape[1]
    conventions = net.conventions
    l, (j, k) = q.layer, q.index

    def every(kind: str, layer: int, row: int | None = None, col: int | None = None) -> set[Address]:
        rows, cols = shape(net, m, kind, layer) or (0, 0)
        return {
            Address(kind, layer, (r, c))
            for r in range(rows)
            for c in range(cols)
            if row in (None, r) and col in (None, c)
        }

    shared = conventions.bias == "shared"
    if q.kind in ("W", "b") or (q.kind == "a" and l == 0):
        found: set[Address] = set()
    elif q.kind == "z":
        found = every("a", l - 1, col=k) | every("W", l, row=j) | every("b", l, row=0 if shared else j)
    elif q.kind == "a":
        found = {Address("z", l, q.index)}
    elif q.kind == "cost":
        found = every("z" if net.cost == "cross_entropy" else "a", L)
    elif q.kind in ("delta", "dC_da") and l == L:
        found = {Address("z", l, q.index), Address("a", l, q.index)}
    elif q.kind in ("delta", "dC_da"):
        found = every("W", l + 1, col=j) | every("delta", l + 1, col=k)
        if conventions.hidden_delta_weights == "after":  # carried through Wˡ⁺¹ − η ∂J/∂Wˡ⁺¹
            found |= every("dW", l + 1, col=j)
        if q.kind == "delta":
            found |= {Address("z", l, q.index), Address("a", l, q.index)}
    elif q.kind == "dW":
        found = every("delta", l, row=j) | every("a", l - 1, row=k)
    elif q.kind == "db":
        found = every("delta", l, row=None if shared else j)
    elif q.kind in ("W_new", "b_new"):
        if spec.steps > 1:
            return None
        found = {Address(q.kind.removesuffix("_new"), l, q.index)}
        if q.kind == "W_new" or conventions.update_biases:
            found.add(Address("d" + q.kind.removesuffix("_new"), l, q.index))
    else:  # cost_after
        found = set().union(*(every(kind, layer) for kind in ("W_new", "b_new") for layer in range(1, L + 1)))
    return frozenset(found)


@dataclass(frozen=True)
class Finding:
    """The verdict on one printed number, with the exact and carried values it rests on."""

    printed: Printed
    exact: float
    carried: float
    verdict: str

    @property
    def as_expected(self) -> bool:
        """Whether the verdict is the one the spec records."""
        return self.verdict == self.printed.expected

    def claim(self) -> Claim:
        """This finding as a :class:`~backprop_ref.claims.Claim`, the exact value to the printed digits.

        Examples
        --------
        >>> from backprop_ref.spec import load
        >>> c = audit(load("afteracademy"))[4].claim()
        >>> c.name, c.article, c.ours, c.verdict
        ('net(o1)', '0.794609', '0.844681', 'slip')
        """
        p = self.printed
        ours = f"{self.exact:.{decimals(p.value)}f}"
        return Claim(p.name, p.where, p.value, ours, self.verdict, p.note)


def audit(spec: Spec) -> list[Finding]:
    """A verdict on every printed number of ``spec``, in the order the spec lists them.

    Examples
    --------
    >>> from backprop_ref.spec import load
    >>> [(f.printed.name, f.verdict) for f in audit(load("afteracademy"))][4:6]
    [('net(o1)', 'slip'), ('net(o2)', 'follows')]
    """
    exact = spec.run()
    printed = {p.address: p.number for p in spec.printed}
    findings = []
    for p in spec.printed:
        carried = spec.run({a: v for a, v in printed.items() if a != p.address}).value(p.address)
        inputs = direct_inputs(p.address, spec)
        located = inputs is not None and all(given(a) or a in printed for a in inputs)
        value = exact.value(p.address)
        findings.append(Finding(p, value, carried, verdict(p.value, value, carried, located)))
    return findings
