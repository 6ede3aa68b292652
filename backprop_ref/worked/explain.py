"""Find the smallest sets of departures under which a worked example's numbers reproduce: ``explain``.

Given a spec and numbers (the spec's printed ones, or the user's own: :func:`read_mine`), the
search runs the spec's example under every compatible set of up to ``max_departures`` departures
(:mod:`backprop_ref.worked.departures`: the catalogue entries that apply to the spec's network,
the roundings, and "this printed number is itself a slip" for each given number) and records, for
each set, which numbers reproduce at their printed digits (:func:`backprop_ref.worked.audit.matches`,
the audit's own test).  It reports

* the **explanations**: the sets that explain the most numbers, smallest first, each with the
  numbers it explains and those it leaves, and the sets tied with it (same size, same numbers
  explained: no given number separates them); a set none of whose subsets explains as much;
* per number, the smallest sets that reproduce it other than calling it a slip, and how many sets
  of the search would match it **by chance** (:func:`backprop_ref.worked.chance.chance_matches`:
  the density of the search's distinct outcomes within ±1000 units of the last printed digit);
* plainly, when no set within the bound explains every number.

:func:`nearest` ranks a search's distinct outcomes by their distance from chosen numbers, for a
forensic page that asks how near the search comes to a number nothing reproduces.

Departures that change none of the given numbers are run once and left out of larger sets (a set
with one adds nothing a smaller set lacks).  Runs use the spec's run (:meth:`Spec.run`'s
``trace.run``) with the departures' network and hook; the first step only when no number depends
on the later ones, as in ``audit``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property

import numpy as np

from backprop_ref.errors import InputError
from backprop_ref.worked import trace
from backprop_ref.worked.audit import decimals, matches
from backprop_ref.worked.chance import DIGITS, chance_matches, residual
from backprop_ref.worked.departures import (
    Departure,
    compatible,
    default,
    printed_values_carried,
    procedure,
    reference_slip,
    slip_repeated,
)
from backprop_ref.worked.spec import MAIN, Spec, parse_toml, read
from backprop_ref.worked.trace import Address

#: The default bound on the size of a departure set.
MAX_DEPARTURES = 3
#: The most departure sets one search runs (about half a minute on a 2-2-2 example).
MAX_SETS = 50_000
#: Units of the last printed digit either side of a printed number, for the chance estimate.
WINDOW = 1000.0
#: The kinds of a forward pass a hand calculation may carry as printed.
FORWARD = ("z", "a")


@dataclass(frozen=True)
class Given:
    """One number to explain: the name it was given by, the quantity, and its printed digits."""

    label: str
    address: Address
    digits: str
    run: str = MAIN  # the spec's run the number is printed under

    @cached_property
    def number(self) -> float:
        """The digits as a float."""
        return float(Decimal(self.digits))

    @cached_property
    def unit(self) -> float:
        """One unit in the last printed place, 10⁻ᵈ."""
        return 10.0 ** -decimals(self.digits)


def printed(spec: Spec) -> list[Given]:
    """The spec's printed numbers, to explain.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> g = printed(load("afteracademy"))[4]
    >>> g.label, str(g.address), g.digits, g.run
    ('net(o1)', 'z[2][0]', '0.794609', 'main')
    """
    return [Given(p.name, p.address, p.value, p.run) for p in spec.printed]


def read_mine(path: str, spec: Spec) -> list[Given]:
    """The user's numbers in the TOML file ``path``: ``"<name or address>" = "<digits>"`` per line.

    A name is one of the spec's ``[names]``; an address is as in :mod:`backprop_ref.worked.trace`.
    Digits are a string, so that the precision written survives (``"0.2499"``).  The numbers are
    judged under the spec's own run (not its ``[runs]``).
    """
    doc = parse_toml(read(path))
    if not doc:
        raise InputError("--mine", 'at least one line "<name or address>" = "<digits>"', path)
    m = spec.x.shape[1]
    out = []
    for key, digits in doc.items():
        if key in spec.names:
            address = spec.names[key]
        elif "[" in key or key in trace.SCALARS:
            address = trace.parse(key, spec.network, m, f"mine.{key}")
        else:
            raise InputError(
                f"mine.{key}", "a name from the spec's [names] or an address such as 'z[2][0]'", key
            )
        try:
            ok = isinstance(digits, str) and Decimal(digits).is_finite()
        except InvalidOperation:
            ok = False
        if not ok:
            raise InputError(f"mine.{key}", 'the printed digits as a string, such as "0.2499"', digits)
        out.append(Given(key, address, digits))
    return out


def run_values(spec: Spec, departures: Sequence[Departure], numbers: Sequence[Given]) -> list[float] | None:
    """The value of each number in its run of the spec with ``departures`` taken, or None if a run diverges.

    Each run the numbers are printed under is run once, with the departures that act in it (a
    reading of a number printed under one run acts in that run only).

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> from backprop_ref.worked.departures import by_name
    >>> spec = load("afteracademy")
    >>> cost = [Given("E", Address("cost"), "0")]
    >>> run_values(spec, [by_name("half_factor")], cost)[0] / run_values(spec, [], cost)[0]
    2.0
    """
    values: dict[int, float] = {}
    for run in dict.fromkeys(g.run for g in numbers):
        under = spec.under(run)
        which = [i for i, g in enumerate(numbers) if g.run == run]
        steps = under.steps if any(numbers[i].address.kind in trace.AFTER_THE_RUN for i in which) else 1
        net, hook, eta = procedure(
            [d for d in departures if d.run in (None, run)],
            under.network,
            under.network.batch(under.x, under.y),
            under.run_eta,
            steps,
        )
        try:
            result = trace.run(net, under.x, under.y, eta, steps, hook=hook)
        except InputError:  # a departure that makes the run diverge explains nothing
            return None
        with np.errstate(all="ignore"):
            values |= {i: result.value(numbers[i].address) for i in which}
    return [values[i] for i in range(len(numbers))]


@dataclass(frozen=True)
class Outcome:
    """One departure set: the value of each number and whether each is explained.

    A number is explained when its value reproduces its printed digits, or when the set calls the
    number itself a slip.
    """

    departures: tuple[Departure, ...]
    values: tuple[float, ...]
    explained: tuple[bool, ...]

    @property
    def count(self) -> int:
        """How many numbers the set explains."""
        return sum(self.explained)


@dataclass(frozen=True)
class Explanation:
    """A smallest set explaining some numbers, with the sets tied with it (same size, same numbers)."""

    outcome: Outcome
    ties: tuple[tuple[Departure, ...], ...]

    @property
    def departures(self) -> tuple[Departure, ...]:
        """The departures of the set."""
        return self.outcome.departures


@dataclass(frozen=True)
class NumberReport:
    """One number: its exact value, the smallest sets reproducing it (not as its own slip), and,
    among the sets searched that do not call it a slip, how many distinct outcomes match it and
    how many would by chance (every hypothesis tried on it counts)."""

    given: Given
    exact: float
    best: tuple[tuple[Departure, ...], ...]
    matched_by: int
    by_chance: float


@dataclass(frozen=True)
class Report:
    """What ``explain`` found (see the module docstring)."""

    numbers: tuple[Given, ...]
    explanations: tuple[Explanation, ...]
    per_number: tuple[NumberReport, ...]
    searched: int
    max_departures: int
    no_effect: tuple[Departure, ...]

    @property
    def complete(self) -> bool:
        """Whether some set explains every number."""
        return bool(self.explanations) and all(self.explanations[0].outcome.explained)


def _key(values: Sequence[float]) -> tuple[float, ...]:
    """Values rounded to :data:`~backprop_ref.worked.chance.DIGITS` significant digits."""
    return tuple(float(f"{v:.{DIGITS}g}") if math.isfinite(v) else v for v in values)


def reproduces(g: Given, value: float) -> bool:
    """Whether ``value`` reproduces the printed ``g`` (:func:`~backprop_ref.worked.audit.matches`,
    asked only where a float comparison can't say).

    Examples
    --------
    >>> g = Given("new w1", Address("W_new", 1), "0.249921")
    >>> reproduces(g, 0.24992), reproduces(g, 0.2499199)
    (True, False)
    """
    gap = abs(g.number - value)
    if gap < 0.5 * g.unit:
        return True
    return gap <= 1.5 * g.unit and matches(g.digits, value)


def _calls_slip(departures: Sequence[Departure], g: Given) -> bool:
    """Whether the set reads the number ``g`` as a slip (a reading acts in its own run only)."""
    return any(g.address in d.slips and d.run in (None, g.run) for d in departures)


def _judged(
    numbers: Sequence[Given], sets: Sequence[tuple[Departure, ...]], values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each set (row) and number (column): whether the set calls the number a slip, and whether
    the number is explained (its value reproduces it, or it is that slip)."""
    slipped = np.zeros(values.shape, dtype=bool)
    for i, ds in enumerate(sets):
        if any(d.slips for d in ds):  # only a reading calls a number a slip
            slipped[i] = [_calls_slip(ds, g) for g in numbers]
    printed = np.array([g.number for g in numbers])
    unit = np.array([g.unit for g in numbers])
    with np.errstate(invalid="ignore"):
        gap = np.abs(values - printed)
        reproduced = gap < 0.5 * unit  # NaN: False
        near = ~reproduced & (gap <= 1.5 * unit)  # the digits decide (:func:`reproduces`)
    for i, j in zip(*np.nonzero(near), strict=True):
        reproduced[i, j] = reproduces(numbers[j], float(values[i, j]))
    return slipped, slipped | reproduced


@dataclass(frozen=True)
class Search:
    """Every departure set tried and the values of the numbers under it.

    ``alias`` maps the name of each single to the singles that give the same values (its ties;
    the first of them stands for all in larger sets); ``no_effect`` lists the singles that change
    none of the numbers.
    """

    values: dict[tuple[Departure, ...], tuple[float, ...]]
    alias: dict[str, list[Departure]]
    no_effect: tuple[Departure, ...]


def search(
    spec: Spec,
    numbers: Sequence[Given],
    options: Sequence[Departure],
    max_departures: int,
    progress: Callable[[int, int], None] | None = None,
) -> Search:
    """Run the spec with no departure and with every compatible set of up to ``max_departures`` ``options``.

    A single that gives the base values changes nothing here and is left out of larger sets; singles
    that give the same values stand for each other (one of them enters larger sets).  A set whose
    run diverges is left out.
    """
    base = run_values(spec, (), numbers)
    if base is None:  # the spec's own run diverges: spec.run says why, in its words
        spec.run()
        raise AssertionError("unreachable: the spec's own run diverged")
    values: dict[tuple[Departure, ...], tuple[float, ...]] = {(): tuple(base)}
    groups: dict[tuple[object, ...], list[Departure]] = {}
    no_effect = []
    for d in options:
        v = run_values(spec, (d,), numbers)
        if v is None:
            continue
        slip = d.slips or None
        if _key(v) == _key(base) and slip is None:
            no_effect.append(d)
            continue
        values[(d,)] = tuple(v)
        groups.setdefault((*_key(v), slip), []).append(d)
    effective = [ds[0] for ds in groups.values()]
    total = sum(math.comb(len(effective), k) for k in range(2, max_departures + 1))
    if total > MAX_SETS:
        largest = max(
            k
            for k in range(1, max_departures + 1)
            if sum(math.comb(len(effective), j) for j in range(2, k + 1)) <= MAX_SETS
        )
        n = len(effective)
        expected = f"at most {largest} here ({n} departures change the numbers; {MAX_SETS:,} sets at most)"
        raise InputError(
            "--max-departures", expected, max_departures, shown=f"{max_departures} ({total:,} sets)"
        )
    done = 0
    for size in range(2, max_departures + 1):
        for combo in itertools.combinations(effective, size):
            if compatible(combo):
                v = run_values(spec, combo, numbers)
                if v is not None:
                    values[combo] = tuple(v)
        done += math.comb(len(effective), size)
        if progress is not None:
            progress(done, total)
    return Search(values, {d.name: ds for ds in groups.values() for d in ds}, tuple(no_effect))


def explain(
    spec: Spec,
    numbers: Sequence[Given] | None = None,
    *,
    max_departures: int = MAX_DEPARTURES,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The smallest departure sets that explain ``numbers`` (default: the spec's printed ones).

    Parameters
    ----------
    spec
        The worked example.
    numbers
        What to explain; :func:`printed` or :func:`read_mine`.
    max_departures
        The largest set tried.
    progress
        Called as ``progress(done, total)`` after each size of set.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> report = explain(load("afteracademy"), max_departures=2)
    >>> report.complete, [d.name for d in report.explanations[0].departures]
    (False, ['output_delta_extra_fprime', 'printed_values_carried:all'])
    """
    numbers = list(printed(spec) if numbers is None else numbers)
    if not numbers:
        raise InputError("numbers", "at least one number to explain", numbers)
    if isinstance(max_departures, bool) or not isinstance(max_departures, int) or max_departures < 0:
        raise InputError("--max-departures", "a whole number ≥ 0", max_departures)
    return judge(
        search(spec, numbers, options(spec, numbers), max_departures, progress), numbers, max_departures
    )


def options(spec: Spec, numbers: Sequence[Given]) -> list[Departure]:
    """The departures a search for ``numbers`` tries: the catalogue's that apply (a learning rate
    other than the stated one), and the readings.

    The readings: each number a slip (:func:`~backprop_ref.worked.departures.reference_slip`); the
    forward values carried as printed, with none, each one, or all of the printed slips among them
    recomputed (:func:`~backprop_ref.worked.departures.printed_values_carried`); each printed slip
    made again after the step (:func:`~backprop_ref.worked.departures.slip_repeated`).  A *printed
    slip* here is a forward value that does not follow from the other printed values.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> spec = load("afteracademy")
    >>> names = [d.name for d in options(spec, printed(spec))]
    >>> [n for n in names if n.startswith(("printed_values", "slip_"))]  # doctest: +NORMALIZE_WHITESPACE
    ['printed_values_carried:all', 'printed_values_carried:net(o1) recomputed',
     'printed_values_carried:out(o2) recomputed', 'printed_values_carried:net(o1), out(o2) recomputed',
     'slip_repeated:net(o1)', 'slip_repeated:out(o2)']
    """
    slips = forward_slips(spec, numbers)
    carried = {g.address: g.digits for g in _forward(numbers)}
    recomputed = dict.fromkeys([(), *((g,) for g in slips), tuple(slips)])
    readings = [  # each acts in the run its numbers are printed under
        *(
            replace(
                printed_values_carried(
                    carried,
                    [g.address for g in slips if g not in r],
                    ", ".join(g.label for g in r) + " recomputed" if r else "all",
                ),
                run=MAIN,
            )
            for r in recomputed
        ),
        *(replace(slip_repeated(g.label, g.address, g.number), run=MAIN) for g in slips),
        *(replace(reference_slip(g.label, g.address, g.number), run=g.run) for g in numbers),
    ]
    catalogue = [d for d in default(spec.network) if d.rate != spec.run_eta]  # the stated η is no departure
    return [*catalogue, *readings]


def _forward(numbers: Sequence[Given]) -> list[Given]:
    """The given forward values (z, a) of the first step of the spec's own run."""
    return [g for g in numbers if g.address.kind in FORWARD and not g.address.step and g.run == MAIN]


def forward_slips(spec: Spec, numbers: Sequence[Given]) -> list[Given]:
    """The given forward values (z, a of the first step) that do not follow from the others as printed.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> [g.label for g in forward_slips(load("afteracademy"), printed(load("afteracademy")))]
    ['net(o1)', 'out(o2)']
    """
    forward = _forward(numbers)
    out = []
    for g in forward:
        others = {h.address: h.number for h in forward if h.address != g.address}
        value = trace.run(spec.network, spec.x, spec.y, spec.run_eta, 1, others).value(g.address)
        if not reproduces(g, value):
            out.append(g)
    return out


def judge(found: Search, numbers: Sequence[Given], max_departures: int) -> Report:
    """The report on ``numbers`` from a :func:`search` made for them."""
    sets = list(found.values)
    values = np.array([found.values[ds] for ds in sets], dtype=float).reshape(len(sets), len(numbers))
    slipped, explained = _judged(numbers, sets, values)
    rows = zip(sets, explained.tolist(), strict=True)
    outcomes = {ds: Outcome(ds, found.values[ds], tuple(row)) for ds, row in rows}
    ranked = _explanations(outcomes, found.alias)
    sizes = np.array([len(ds) for ds in sets])
    per_number = tuple(
        _per_number(numbers[j], sets, values[:, j], sizes, ~slipped[:, j], explained[:, j])
        for j in range(len(numbers))
    )
    return Report(tuple(numbers), ranked, per_number, len(outcomes), max_departures, found.no_effect)


def _explanations(
    outcomes: Mapping[tuple[Departure, ...], Outcome], alias: Mapping[str, list[Departure]]
) -> tuple[Explanation, ...]:
    """Minimal sets ranked by how many numbers they explain, then size; ties grouped."""
    by_pattern: dict[tuple[bool, ...], list[Outcome]] = {}
    for o in outcomes.values():
        by_pattern.setdefault(o.explained, []).append(o)
    found = []
    for pattern, group in by_pattern.items():
        if not any(pattern):
            continue
        dominated = any(
            p != pattern
            and all(a or not b for a, b in zip(p, pattern, strict=True))
            and min(len(x.departures) for x in g) <= min(len(x.departures) for x in group)
            for p, g in by_pattern.items()
        )
        if dominated:
            continue
        smallest = min(len(o.departures) for o in group)
        best = sorted(
            (o for o in group if len(o.departures) == smallest), key=lambda o: [d.name for d in o.departures]
        )
        ties = [o.departures for o in best[1:]]
        if smallest == 1:  # singles that give the same values as the representative
            ties += [
                (d,)
                for d in alias[best[0].departures[0].name]
                if (d,) not in ties and (d,) != best[0].departures
            ]
        found.append(Explanation(best[0], tuple(ties)))
    found.sort(
        key=lambda e: (
            -e.outcome.count,
            len(e.departures),
            sum(bool(d.slips) for d in e.departures),
        )
    )
    return tuple(found)


def _per_number(
    g: Given,
    sets: Sequence[tuple[Departure, ...]],
    values: np.ndarray,
    sizes: np.ndarray,
    fair: np.ndarray,
    explained: np.ndarray,
) -> NumberReport:
    """One number's report from every set's value of it, size, fairness (the set does not call
    this number a slip) and whether the set explains it."""
    hits = fair & explained
    best: tuple[tuple[Departure, ...], ...] = ()
    if hits.any():
        smallest = sizes[hits].min()
        best = tuple(ds for ds, hit, n in zip(sets, hits, sizes, strict=True) if hit and n == smallest)
    tried = fair & (sizes > 0)
    searched = values[tried]
    exact = float(values[sizes == 0][0])
    if not searched.size:
        return NumberReport(g, exact, best, 0, 0.0)
    # a fair set explains this number only by reproducing it (it does not call it a slip)
    matched = len({_key([v]) for v in values[tried & explained].tolist()})
    return NumberReport(g, exact, best, matched, chance_matches(g.digits, searched.tolist(), WINDOW)[1])


@dataclass(frozen=True)
class Near:
    """One distinct outcome of a search near some printed numbers.

    ``departures`` is the smallest set giving it (then the first by name), ``sets`` how many sets of
    the search give it; ``residuals`` are in units of each number's last printed digit.
    """

    departures: tuple[Departure, ...]
    values: tuple[float, ...]
    residuals: tuple[float, ...]
    sets: int

    @property
    def worst(self) -> float:
        """The largest absolute residual (at most 1: every number reproduced)."""
        return max(abs(r) for r in self.residuals)


def nearest(
    found: Search, numbers: Sequence[Given], which: Sequence[str], count: int = 5, most: int | None = None
) -> list[Near]:
    """The ``count`` distinct outcomes of ``found`` nearest the numbers labelled ``which``, jointly.

    Ranked by the largest absolute residual over those numbers, then by the size of the set.  Sets
    that call one of them a slip are left out, and with ``most``, sets of more than ``most``
    departures.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> spec = load("afteracademy")
    >>> numbers = printed(spec)
    >>> found = search(spec, numbers, options(spec, numbers), 1)
    >>> best = nearest(found, numbers, ["new w1"], count=1)[0]
    >>> [d.name for d in best.departures], round(best.residuals[0], 2)
    (['hidden_delta_fprime_twice'], -1.66)
    """
    index = [next(i for i, g in enumerate(numbers) if g.label == label) for label in which]
    groups: dict[tuple[float, ...], list[tuple[Departure, ...]]] = {}
    for ds, values in found.values.items():
        if (most is None or len(ds) <= most) and not any(_calls_slip(ds, numbers[i]) for i in index):
            groups.setdefault(_key([values[i] for i in index]), []).append(ds)
    out = []
    for sets in groups.values():
        smallest = min(sets, key=lambda ds: (len(ds), [d.name for d in ds]))
        values = tuple(found.values[smallest][i] for i in index)
        res = tuple(float(residual(numbers[i].digits, v)) for i, v in zip(index, values, strict=True))
        out.append(Near(smallest, values, res, len(sets)))
    out.sort(key=lambda n: (n.worst, len(n.departures)))
    return out[:count]
