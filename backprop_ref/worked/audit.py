"""Give every number an article prints a verdict: reproduced, follows, slip or unexplained.

Each printed quantity q is recomputed twice by :meth:`Spec.run <backprop_ref.worked.spec.Spec.run>`:
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

The verdict words are those of :data:`backprop_ref.worked.verdicts.VERDICTS`, used across the site.

Direct inputs (:func:`direct_inputs`) are read off the computation itself: the example is run
once on arrays that record what each quantity is computed from
(:mod:`backprop_ref.worked.dependencies`).  Given parameters, x, y and η count as printed.  Left
out: after more than one step, W_new and b_new depend on later steps, which a spec cannot name,
so they are never a slip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from backprop_ref.worked import trace
from backprop_ref.worked.dependencies import dependencies
from backprop_ref.worked.spec import MAIN, Printed, Spec
from backprop_ref.worked.trace import Address


def decimals(printed: str) -> int:
    """The decimal place of ``printed``'s last digit: its decimals, or their count in scientific notation.

    Examples
    --------
    >>> decimals("0.22661423"), decimals("2"), decimals("1.2345e-05")
    (8, 0, 9)
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
    >>> from backprop_ref.worked.spec import load
    >>> sorted(map(str, direct_inputs(Address("a", 2, (1, 0)), load("afteracademy"))))
    ['z[2][1]']
    """
    return _dependencies(spec).get(q)


def _dependencies(spec: Spec) -> dict[Address, frozenset[Address] | None]:
    return dependencies(spec.network, spec.x, spec.y, spec.run_eta, spec.steps)


@dataclass(frozen=True)
class Finding:
    """The verdict on one printed number, with the exact and carried values it rests on.

    ``printed.run`` is the run the verdict is given under; ``reproduced_under`` names every run of
    the spec (:data:`~backprop_ref.worked.spec.MAIN` and those of ``[runs]``) whose exact value
    the printed number matches.
    """

    printed: Printed
    exact: float
    carried: float
    verdict: str
    reproduced_under: tuple[str, ...] = ()

    @property
    def as_expected(self) -> bool:
        """Whether the verdict is the one the spec records."""
        return self.verdict == self.printed.expected


def audit(spec: Spec, progress: trace.Progress | None = None) -> list[Finding]:
    """A verdict on every printed number of ``spec``, in the order the spec lists them.

    Every run's steps are taken once: the exact run of each run the spec declares (its first step
    alone when no number after it is printed), and, for the numbers known only after the run, one
    run from the article's printed first-step values.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> [(f.printed.name, f.verdict) for f in audit(load("afteracademy"))][4:6]
    [('net(o1)', 'slip'), ('net(o2)', 'follows')]
    """
    names = [MAIN, *spec.runs]
    specs = {name: spec.under(name) for name in names}
    # The steps after the first matter only to numbers printed after them.
    steps = None if any(trace.after_the_run(p.address) for p in spec.printed) else 1
    exact = {name: specs[name].run(steps=steps, progress=progress) for name in names}
    inputs_of = {name: _dependencies(specs[name]) for name in {p.run for p in spec.printed}}
    late: dict[str, trace.Run] = {}
    findings = []
    for p in spec.printed:
        under = specs[p.run]
        # The article's printed values, its values for this run first, save those of the number judged.
        ordered = sorted(spec.printed, key=lambda q: q.run == p.run)
        printed = {q.address: q.number for q in ordered if q.address != p.address}
        if trace.after_the_run(p.address):  # the same steps from the printed first-step values
            if p.run not in late:
                first = {
                    a: v
                    for a, v in printed.items()
                    if a.kind in trace.OVERRIDABLE and not trace.after_the_run(a)
                }
                # with nothing put into the first step, the steps are the exact run's
                late[p.run] = under.run(first, progress=progress) if first else exact[p.run]
            carried = late[p.run].refinished(printed).value(p.address)
        else:  # only the first step: it does not depend on later ones
            carried = under.run(printed, steps=1).value(p.address)
        inputs = inputs_of[p.run].get(p.address)
        located = inputs is not None and all(given(a) or a in printed for a in inputs)
        value = exact[p.run].value(p.address)
        reproduced = tuple(name for name in names if _matches_in(p, exact[name]))
        findings.append(Finding(p, value, carried, verdict(p.value, value, carried, located), reproduced))
    return findings


def _matches_in(p: Printed, run: trace.Run) -> bool:
    """Whether ``p`` matches its quantity's exact value in ``run`` (False where the run has no such step)."""
    try:
        return matches(p.value, run.value(p.address))
    except (KeyError, IndexError):  # a run with fewer steps than p's "@k" names
        return False
