"""Name the convention or mistake behind a user's gradient function: ``backprop_ref diagnose``.

``diagnose`` **runs the user's code**: it calls the gradient function on a few random parameter
sets and data of the spec's network family (its sizes, activations, cost, conventions and λ), and
compares what comes back with the oracle's gradient under every set of up to two departures of the
catalogue (:mod:`backprop_ref.worked.departures`) that change a gradient.  The report is one of

* **agrees** -- the oracle's own gradient (no departure) matches;
* **departure** -- the smallest departure sets that match, every one of them (several are a tie:
  nothing in this family tells them apart);
* **unexplained** -- no set matches; the entry where the function is furthest from the oracle.

It also lists which departures this family cannot tell apart (each other, or from no departure at
all: λ = 0 hides every L2 mistake, square layers hide a transposed matrix) and what a network
would need to separate them.

The function is called as ``grad(W, b, x, y)``, with ``W[l-1]`` of shape ``(n_l, n_{l-1})``,
``b[l-1]`` of shape ``(n_l, 1)`` (``(1, 1)`` for a shared bias), inputs ``x`` ``(n_0, m)`` and
targets ``y`` ``(n_L, m)`` (examples are columns, as in ``network.py``), and returns ``(dW, db)``,
two lists in that layout, or a dict ``{"W1": ..., "b1": ..., ...}``: the gradient of the spec's
cost J (with its reduction and L2 term).  It gets copies of the arrays.

Draws: weights normal with standard deviation 1/√n_(l-1) + 0.5, biases uniform in (−1, 1), x
normal, y uniform in (0.05, 0.95) (scaled to sum to 1 per example where the cost needs a
distribution); each trial its own number of examples (:data:`EXAMPLES`), so a
missing or extra 1/m shows; where f′ jumps at 0 (ReLU), one z of the layer is made exactly 0.
Every trial has the family's layer widths, unless asked (``vary_sizes``): then trial t has
:data:`WIDER` [t] more units in each hidden layer (inputs and outputs as the family's), so that a
function written for any width shows what square layers hide (a missing transpose), and only the
departures that apply at every width are tried.
"""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backprop_ref import kernels
from backprop_ref.core import Array
from backprop_ref.errors import InputError
from backprop_ref.network import Batch, Network
from backprop_ref.training import step
from backprop_ref.validation import as_array
from backprop_ref.worked import kernel_facts
from backprop_ref.worked.departures import CATALOGUE, Departure, compatible, procedure

GradientFunction = Callable[..., Any]
#: The number of examples of each trial: three parameter sets and data.
EXAMPLES = (3, 1, 4)
#: With ``vary_sizes``: the units added to each hidden layer of each trial.
WIDER = (0, 1, 2)
#: A gradient entry matches when within this relative (and absolute) tolerance.
RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Trial:
    """One random parameter set with its data: the network of the family and a checked batch."""

    net: Network
    data: Batch


def _draw(family: Network, sizes: tuple[int, ...], examples: int, rng: np.random.Generator) -> Trial:
    shared = family.conventions.bias == "shared"
    W = [rng.normal(0.0, 1 / np.sqrt(n_prev) + 0.5, (n, n_prev)) for n_prev, n in itertools.pairwise(sizes)]
    b = [rng.uniform(-1.0, 1.0, (1 if shared else n, 1)) for n in sizes[1:]]
    x = rng.normal(0.0, 1.0, (sizes[0], examples))
    y = rng.uniform(0.05, 0.95, (sizes[-1], examples))
    if family.cost in kernels.DISTRIBUTION_TARGETS:  # each example's targets a distribution
        y /= y.sum(axis=0)
    for l, name in enumerate(family.activations, start=1):
        if kernel_facts.jump_at_zero(name):  # one weighted input exactly 0, where f′ (ReLU′) jumps
            a_prev = family.forward_at(W, b, x).a[l - 1]
            b[l - 1][0, 0] = -(W[l - 1] @ a_prev)[0, 0]
    net = Network(W=W, b=b, activations=family.activations, cost=family.cost, conventions=family.conventions)
    return Trial(net, net.batch(x, y))


def trials(family: Network, seed: int = 0, vary_sizes: bool = False) -> list[Trial]:
    """The random parameter sets and data ``diagnose`` runs, one per entry of :data:`EXAMPLES`.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> [t.data.examples for t in trials(load("afteracademy").network)]
    [3, 1, 4]
    >>> [t.net.sizes for t in trials(load("afteracademy").network, vary_sizes=True)]
    [(2, 2, 2), (2, 3, 2), (2, 4, 2)]
    """
    rng = np.random.default_rng(seed)
    n = family.sizes
    wider = WIDER if vary_sizes else (0,) * len(EXAMPLES)
    return [
        _draw(family, (n[0], *(n_l + k for n_l in n[1:-1]), n[-1]), m, rng)
        for m, k in zip(EXAMPLES, wider, strict=True)
    ]


def candidates(*nets: Network) -> list[Departure]:
    """The catalogue's departures that change a gradient and apply to every one of ``nets``."""
    return [d for d in CATALOGUE if d.in_gradient and all(d.applies(net) for net in nets)]


def oracle_gradient(departures: Sequence[Departure], trial: Trial, eta: float) -> dict[str, Array]:
    """The oracle's gradient on ``trial`` with ``departures`` taken, by parameter name."""
    net, hook, rate = procedure(departures, trial.net, trial.data, eta)
    return step(net, trial.data, None, rate, hook=hook).gradients.by_name()


def _agree(a: Mapping[str, Array], b: Mapping[str, Array]) -> bool:
    return all(a[k].shape == b[k].shape and np.allclose(a[k], b[k], rtol=RTOL, atol=ATOL) for k in a)


def load_function(target: str) -> GradientFunction:
    """The function ``FUNC`` of the Python file in ``FILE.py:FUNC``, imported (this runs the file).

    Examples
    --------
    >>> load_function("no-such-file.py:grad")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: FILE.py:FUNC: expected a readable Python file, got 'no-such-file.py'
    """
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name.isidentifier():
        raise InputError(
            "FILE.py:FUNC", "a Python file and a function name, such as grads.py:gradient", target
        )
    if not Path(path).is_file():
        raise InputError("FILE.py:FUNC", "a readable Python file", path)
    module_spec = importlib.util.spec_from_file_location(f"_backprop_ref_user_{Path(path).stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise InputError("FILE.py:FUNC", "a Python file (.py)", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as err:  # the user's file: any error it raises is theirs to see
        raise InputError(
            "FILE.py:FUNC", "a file that imports", path, shown=f"{type(err).__name__}: {err}"
        ) from None
    func = getattr(module, name, None)
    if not callable(func):
        raise InputError("FILE.py:FUNC", f"a function {name} defined in {path}", name)
    return func  # type: ignore[no-any-return]


def _outline(value: object) -> str | None:
    """A returned sequence by its length and what it holds ("a tuple of 3 arrays"); None for the rest."""
    if not isinstance(value, list | tuple):
        return None
    kinds = {"ndarray": "arrays", "list": "lists", "tuple": "tuples"}
    held = {kinds.get(type(item).__name__, "items") for item in value}
    return f"a {type(value).__name__} of {len(value)} {held.pop() if len(held) == 1 else 'items'}"


def _call(func: GradientFunction, trial: Trial) -> dict[str, Array]:
    """The user's gradient on ``trial``, by parameter name, each checked to be its parameter's shape."""
    net = trial.net
    args = ([W.copy() for W in net.W], [b.copy() for b in net.b], trial.data.x.copy(), trial.data.y.copy())
    try:
        given = func(*args)
    except Exception as err:  # the user's code: report what it raised, in one line
        raise InputError(
            "FUNC", "a function that returns a gradient", func, shown=f"{type(err).__name__}: {err}"
        ) from None
    L = len(net.W)
    if isinstance(given, Mapping):
        named = dict(given)
    elif isinstance(given, Sequence) and len(given) == 2 and all(len(part) == L for part in given):
        named = {f"{k}{l}": given[i][l - 1] for i, k in enumerate("Wb") for l in range(1, L + 1)}
    else:
        raise InputError(
            "FUNC", f"(dW, db): two lists of {L} arrays, or a dict W1, b1, ...", given, shown=_outline(given)
        )
    out = {}
    for name, value in net.parameters().items():
        if name not in named:
            raise InputError("FUNC", f"a gradient for {name}", sorted(named))
        out[name] = as_array(named[name], f"FUNC's {name}", value.shape, column=False)
    return out


@dataclass(frozen=True)
class Worst:
    """The gradient entry furthest from the oracle's: parameter, index, yours and the oracle's."""

    name: str
    index: tuple[int, ...]
    yours: float
    oracle: float


@dataclass(frozen=True)
class Diagnosis:
    """What ``diagnose`` found (see the module docstring).

    ``matches`` holds the smallest matching departure sets (``[()]`` when the function agrees);
    ``indistinguishable`` the groups of single departures this family gives the same gradient
    (a group holding ``()`` has no effect here), each with what would separate them.
    """

    verdict: str
    matches: list[tuple[Departure, ...]]
    worst: Worst | None
    indistinguishable: list[tuple[list[tuple[Departure, ...]], str]]
    examples: tuple[int, ...]
    sizes: tuple[tuple[int, ...], ...]


def _worst(yours: Sequence[Mapping[str, Array]], oracle: Sequence[Mapping[str, Array]]) -> Worst:
    best = (-1.0, Worst("", (), 0.0, 0.0))
    for mine, theirs in zip(yours, oracle, strict=True):
        for name, value in mine.items():
            gap = np.abs(value - theirs[name]) / (ATOL + RTOL * np.abs(theirs[name]))
            index = np.unravel_index(int(np.argmax(gap)), gap.shape)
            if gap[index] > best[0]:
                best = (
                    float(gap[index]),
                    Worst(
                        name, tuple(int(i) for i in index), float(value[index]), float(theirs[name][index])
                    ),
                )
    return best[1]


def _separated_by(group: Sequence[tuple[Departure, ...]]) -> str:
    needs = dict.fromkeys(d.shows_with for ds in group for d in ds)
    return "; ".join(needs) if needs else "any network"


def diagnose(
    func: GradientFunction, family: Network, eta: float = 1.0, *, seed: int = 0, vary_sizes: bool = False
) -> Diagnosis:
    """Diagnose the gradient function ``func`` of the network family ``family``.

    Parameters
    ----------
    func
        ``grad(W, b, x, y) -> (dW, db)`` (see the module docstring); it is called, so it runs.
    family
        A network of the family: its sizes, activations, cost and conventions (not its values).
    eta
        The learning rate the departures that involve η use.
    seed
        Seeds the random parameter sets and data.
    vary_sizes
        Give the trials wider hidden layers (:data:`WIDER`); ``func`` must work at any width.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> def flipped(W, b, x, y):     # half squared error on sigmoid layers, sum over examples
    ...     sig = lambda z: 1 / (1 + np.exp(-z))
    ...     h = sig(W[0] @ x + b[0]); o = sig(W[1] @ h + b[1])
    ...     d2 = (o - y) * o * (1 - o); d1 = W[1].T @ d2 * h * (1 - h)
    ...     return [-(d1 @ x.T), -(d2 @ h.T)], [-d1.sum(keepdims=True), -d2.sum(keepdims=True)]
    >>> found = diagnose(flipped, load("afteracademy").network)
    >>> found.verdict, [[d.id for d in ds] for ds in found.matches]
    ('departure', [['update_sign_flipped']])
    """
    runs = trials(family, seed, vary_sizes)
    yours = [_call(func, t) for t in runs]
    singles = candidates(*(t.net for t in runs))
    sets: list[tuple[Departure, ...]] = [(), *((d,) for d in singles)]
    gradients = {s: [oracle_gradient(s, t, eta) for t in runs] for s in sets}
    groups: list[list[tuple[Departure, ...]]] = []
    for s in sets:
        for group in groups:
            if all(_agree(a, b) for a, b in zip(gradients[group[0]], gradients[s], strict=True)):
                group.append(s)
                break
        else:
            groups.append([s])
    # pairs only of singles that change something, one per group of equal singles
    effective = [g[0][0] for g in groups if g[0] != ()]
    for pair in itertools.combinations(effective, 2):
        if compatible(pair):
            gradients[pair] = [oracle_gradient(pair, t, eta) for t in runs]

    def matches(s: tuple[Departure, ...]) -> bool:
        return all(_agree(mine, theirs) for mine, theirs in zip(yours, gradients[s], strict=True))

    found: list[tuple[Departure, ...]] = []
    for size in (0, 1, 2):
        found = [s for s in gradients if len(s) == size and matches(s)]
        if found:
            break
    same = {s[0].name: g for g in groups for s in g if s}
    if found and found[0] and len(found[0]) == 1:  # a single that stands for a group: the whole tie
        found = list(dict.fromkeys(t for s in found for t in same[s[0].name]))
    verdict = "agrees" if found == [()] else "departure" if found else "unexplained"
    worst = None if found else _worst(yours, gradients[()])
    ties = [(g, _separated_by(g)) for g in groups if len(g) > 1]
    examples, sizes = tuple(t.data.examples for t in runs), tuple(t.net.sizes for t in runs)
    return Diagnosis(verdict, found, worst, ties, examples, sizes)
