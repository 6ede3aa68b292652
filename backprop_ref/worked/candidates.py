"""Search a bounded, named set of candidate procedures for one that gives an article's printed number.

When an article prints a number that neither the correct computation nor its own earlier printed
values give (``audit`` calls it *unexplained*), the next question is whether some plausible wrong
procedure gives it.  This module answers that by brute force over a set stated in advance:

* each way the procedure might vary is a :class:`Factor`: a name and its options, the standard
  (correct) option first;
* a :class:`Grid` is the Cartesian product of the factors.  Candidate ``i`` takes one option of
  each factor, in C order (the last factor varies fastest), and the caller evaluates every
  candidate at once from per-candidate arrays (:meth:`Grid.pick`);
* :func:`residual` measures a value against a printed one in units of the printed value's last
  digit, so ``abs(residual) <= 1`` is the tolerance of ``backprop_ref.worked.audit.matches``;
* :func:`nearest` ranks the distinct outcomes by residual, against one printed number or several
  jointly, and names the simplest candidate behind each (the fewest non-standard options);
* :func:`chance_matches` estimates how many distinct outcomes would fall within tolerance by chance,
  from how densely they lie around the printed value.

:func:`stacked_cost` evaluates a network's cost at many parameter sets at once, by the network's
own forward pass and :meth:`backprop_ref.Network.stacked_cost`, the one function that totals a cost.

Notation: every per-candidate array has the candidate first, shape ``(size, ...)``; parameters
follow ``network.py`` (``W[l-1]`` is Wˡ, examples are columns), with the candidate axis in front.

Left out: anything adaptive -- the grid is fixed before the search runs, so its size is the number
of hypotheses tried, which is what a chance-match estimate needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np

from backprop_ref import core
from backprop_ref.core import Array, Hook
from backprop_ref.errors import InputError
from backprop_ref.network import Network
from backprop_ref.worked.audit import decimals

#: Outcomes equal to this many significant digits count as one (float noise aside).
DIGITS = 12


@dataclass(frozen=True)
class Factor:
    """One way a procedure may vary: a ``name`` and its ``options``, the standard one first.

    Examples
    --------
    >>> Factor("learning rate", ("0.5", "0.1")).options[0]
    '0.5'
    >>> Factor("sign", ("subtract", "subtract"))
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: sign: expected distinct option names, got ('subtract', 'subtract')
    """

    name: str
    options: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.options or len(set(self.options)) != len(self.options):
            raise InputError(self.name, "distinct option names", self.options)


@dataclass(frozen=True)
class Grid:
    """The Cartesian product of ``factors``: candidate ``i`` takes one option of each, in C order.

    Examples
    --------
    >>> grid = Grid((Factor("eta", ("0.5", "1")), Factor("sign", ("-", "+", "0"))))
    >>> grid.size, grid.labels(4)
    (6, {'eta': '1', 'sign': '+'})
    >>> grid.pick("eta", {"0.5": 0.5, "1": 1.0}).tolist()
    [0.5, 0.5, 0.5, 1.0, 1.0, 1.0]
    >>> grid.deviations().tolist()
    [0, 1, 1, 1, 2, 2]
    """

    factors: tuple[Factor, ...]

    def __post_init__(self) -> None:
        names = [f.name for f in self.factors]
        if not names or len(set(names)) != len(names):
            raise InputError("factors", "at least one factor, each with its own name", names)

    @property
    def shape(self) -> tuple[int, ...]:
        """The number of options of each factor."""
        return tuple(len(f.options) for f in self.factors)

    @property
    def size(self) -> int:
        """How many candidates there are, the product of :attr:`shape`."""
        return math.prod(self.shape)

    def factor(self, name: str) -> Factor:
        """The factor called ``name``."""
        for f in self.factors:
            if f.name == name:
                return f
        raise InputError("name", f"a factor of the grid ({', '.join(f.name for f in self.factors)})", name)

    @cached_property
    def _choices(self) -> Array:
        """Option index of every factor (rows) for every candidate (columns)."""
        return np.array(np.unravel_index(np.arange(self.size), self.shape), dtype=np.int64)

    def choice(self, name: str) -> Array:
        """The index of the option factor ``name`` takes, per candidate: shape ``(size,)``."""
        return self._choices[self.factors.index(self.factor(name))]  # type: ignore[no-any-return]

    def pick(self, name: str, values: Mapping[str, Any]) -> Array:
        """Each candidate's value for factor ``name``: ``values[option]``, shape ``(size, *value.shape)``.

        ``values`` must give exactly the factor's options, so that every option's meaning is stated.
        """
        factor = self.factor(name)
        if set(values) != set(factor.options):
            raise InputError(f"values of {name}", f"exactly the options {list(factor.options)}", list(values))
        table = np.asarray([values[option] for option in factor.options])
        return table[self.choice(name)]

    def labels(self, i: int) -> dict[str, str]:
        """The options candidate ``i`` takes, by factor."""
        return {f.name: f.options[int(c)] for f, c in zip(self.factors, self._choices[:, i], strict=True)}

    @cached_property
    def _deviations(self) -> Array:
        return (self._choices != 0).sum(axis=0)  # type: ignore[no-any-return]

    def deviations(self) -> Array:
        """How many non-standard options (any but a factor's first) each candidate takes."""
        return self._deviations


def residual(printed: str, values: object) -> Array:
    """``values − printed`` in units of the printed value's last digit (signed).

    ``abs(residual) <= 1`` is the tolerance of ``backprop_ref.worked.audit.matches`` (up to float
    rounding exactly at the boundary).

    Examples
    --------
    >>> residual("0.249921", [0.2499215, 0.24965634]).round(2).tolist()
    [0.5, -264.66]
    """
    unit = float(Decimal(1).scaleb(-decimals(printed)))
    return (np.asarray(values, dtype=np.float64) - float(Decimal(printed))) / unit


@dataclass(frozen=True)
class Outcome:
    """One distinct outcome of a search: its value and residual per target, and who gives it.

    ``candidates`` counts the candidates that give these values; ``example`` is the simplest of
    them (fewest non-standard options, then lowest index).
    """

    values: dict[str, float]
    residuals: dict[str, float]
    candidates: int
    example: int

    @property
    def worst(self) -> float:
        """The largest absolute residual over the targets (at most 1 means every target matches)."""
        return max(abs(r) for r in self.residuals.values())


def _distinct(values: Array) -> Array:
    """``values`` rounded to :data:`DIGITS` significant digits, so float noise does not split them."""
    with np.errstate(divide="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
    scale = 10.0 ** (DIGITS - 1 - np.where(np.isfinite(magnitude), magnitude, 0))
    return np.round(values * scale) / scale


def nearest(
    grid: Grid,
    targets: Mapping[str, tuple[str, Array]],
    count: int = 5,
    among: Array | None = None,
) -> list[Outcome]:
    """The ``count`` distinct outcomes nearest the printed values, jointly over ``targets``.

    Parameters
    ----------
    grid
        The candidates searched.
    targets
        Name -> (printed digits, value of every candidate, shape ``(grid.size,)``).
    count
        How many outcomes to return.
    among
        Optionally, a boolean mask of shape ``(grid.size,)``: rank only these candidates.

    Returns
    -------
    list of Outcome
        Sorted by the largest absolute residual over the targets, then by simplicity.  Candidates
        whose values agree to :data:`DIGITS` significant digits form one outcome.

    Examples
    --------
    >>> grid = Grid((Factor("eta", ("0.5", "1")), Factor("sign", ("-", "+"))))
    >>> eta, sign = grid.pick("eta", {"0.5": 0.5, "1": 1.0}), grid.pick("sign", {"-": -1, "+": 1})
    >>> best = nearest(grid, {"w": ("0.6", 0.25 + sign * eta * 0.7)}, count=2)
    >>> [(grid.labels(o.example), round(o.values["w"], 2), round(o.residuals["w"], 2)) for o in best]
    [({'eta': '0.5', 'sign': '+'}, 0.6, 0.0), ({'eta': '1', 'sign': '+'}, 0.95, 3.5)]
    """
    chosen = np.arange(grid.size)
    if among is not None:
        mask = np.asarray(among)
        if mask.shape != (grid.size,) or mask.dtype != np.bool_:
            raise InputError("among", f"a boolean mask of shape ({grid.size},)", among, shown=f"{mask.shape}")
        chosen = np.flatnonzero(mask)
    columns, group = [], np.zeros(len(chosen), dtype=np.int64)
    for name, (_printed, values) in targets.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (grid.size,) or not np.isfinite(values).all():
            raise InputError(f"targets[{name!r}]", f"{grid.size} finite values, one per candidate", values)
        columns.append(values[chosen])
        distinct, inverse = np.unique(_distinct(values[chosen]), return_inverse=True)
        group = np.unique(group * len(distinct) + inverse, return_inverse=True)[1]
    deviations = grid.deviations()[chosen]
    # the simplest candidate of each outcome: sort by (outcome, deviations, index), take the first
    order = np.lexsort((chosen, deviations, group))
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    sizes = np.bincount(group)
    printed = [p for p, _ in targets.values()]
    res = np.column_stack([residual(p, column[first]) for p, column in zip(printed, columns, strict=True)])
    ranked = np.lexsort((deviations[first], np.abs(res).max(axis=1)))[:count]
    return [
        Outcome(
            values={name: float(column[first[g]]) for name, column in zip(targets, columns, strict=True)},
            residuals={name: float(res[g, t]) for t, name in enumerate(targets)},
            candidates=int(sizes[g]),
            example=int(chosen[first[g]]),
        )
        for g in ranked
    ]


def chance_matches(printed: str, values: object, window: float = 1000.0) -> tuple[int, float]:
    """How many distinct outcomes lie within ``window`` units of ``printed``, and the chance count.

    The second number is the expected count within one unit (the match tolerance) if those
    outcomes were spread evenly over the window: ``near / window``.  Read it as the number of
    matches a search this size would make by coincidence.

    Examples
    --------
    >>> near, expected = chance_matches("0.5", np.linspace(0, 1, 1001), window=2.0)
    >>> near, expected
    (401, 200.5)
    """
    distinct = np.unique(_distinct(np.asarray(values, dtype=np.float64).ravel()))
    near = int((np.abs(residual(printed, distinct)) <= window).sum())
    return near, near / window


def stacked_cost(
    net: Network,
    W: Sequence[Array],
    b: Sequence[Array],
    x: object,
    y: object,
    hook: Hook | None = None,
) -> Array:
    """The cost J of ``net``'s architecture at N parameter sets at once, shape ``(N,)``.

    Parameters
    ----------
    net
        Gives the activations, the cost and the conventions (its own parameters are not used).
    W, b
        ``W[l-1]`` of shape ``(N, n_l, n_{l-1})`` and ``b[l-1]`` of shape ``(N, n_b, 1)`` (n_b is
        n_l, or 1 for a shared bias): parameter set i is ``W[l-1][i]``, ``b[l-1][i]``.
    x, y
        Inputs ``(n_0, m)`` and targets ``(n_L, m)``, the same for every parameter set.
    hook
        Passed to :func:`backprop_ref.core.forward`; it sees arrays of shape ``(N, n_l, m)``.

    Examples
    --------
    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> stacked_cost(net, [np.array([[[0.5]], [[1.0]]])], [np.zeros((2, 1, 1))], [1.0], [2.0]).tolist()
    [1.125, 0.5]
    """
    data = net.batch(x, y)
    L = len(net.W)
    if len(W) != L or len(b) != L:
        raise InputError(
            "W, b", f"{L} arrays each, one per layer", (len(W), len(b)), shown=f"{len(W)}, {len(b)}"
        )
    N = len(W[0])
    for l, (W_l, b_l, single_W, single_b) in enumerate(zip(W, b, net.W, net.b, strict=True), start=1):
        for name, value, single in ((f"W[{l}]", W_l, single_W), (f"b[{l}]", b_l, single_b)):
            if np.shape(value) != (N, *single.shape):
                raise InputError(
                    name, f"an array of shape {(N, *single.shape)}", value, shown=f"{np.shape(value)}"
                )
    fw = net.forward_at(W, b, data.x, hook if hook is not None else core.unchanged)
    return net.stacked_cost(fw.z[-1], fw.a[-1], data.y, W)
