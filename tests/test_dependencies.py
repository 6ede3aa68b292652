"""The audit's direct inputs, read off a traced run, against an independent numerical experiment.

For each named quantity p, the example is run again with every other named quantity pinned to
its exact value and p moved a little; a quantity q whose *computed* value moves then reads p
directly.  Every such p must be among q's direct inputs (nothing left out); on networks of smooth
activations, whose derivatives are not zero at generic values, the converse holds too (nothing
extra).  A negative control shows the comparison catches one removed dependency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from backprop_ref import Network
from backprop_ref.core import Array
from backprop_ref.worked.dependencies import dependencies
from backprop_ref.worked.spec import Spec, build, load
from backprop_ref.worked.trace import OVERRIDABLE, SCALARS, Address, run
from tests import random_spec

Deps = dict[Address, frozenset[Address] | None]
EPS = 1e-3


def spec_document(
    sizes: list[int], activations: list[str], cost: str, examples: int, seed: int, **conventions: Any
) -> dict[str, Any]:
    """A spec with random parameters and data (targets in (0, 1)), one step and one printed number."""
    defaults = {
        "reduction": "mean",
        "lmbda": 0.0,
        "bias": "per_unit",
        "update_biases": True,
        "hidden_delta_weights": "before",
    }
    return random_spec.spec_document(
        sizes, activations, cost, examples, seed, defaults | conventions, eta=0.7, steps=1
    )


SMOOTH = {
    "cross-entropy, L2, two examples": spec_document(
        [3, 4, 2], ["tanh", "sigmoid"], "cross_entropy", 2, seed=1, lmbda=0.3
    ),
    "mse, shared biases, hidden δ after the update": spec_document(
        [2, 3, 3, 2],
        ["identity", "tanh", "sigmoid"],
        "mse",
        2,
        seed=2,
        lmbda=0.1,
        bias="shared",
        hidden_delta_weights="after",
    ),
    "sse, frozen biases, sum over examples": spec_document(
        [2, 2, 1], ["sigmoid", "identity"], "sse", 3, seed=3, update_biases=False, reduction="sum"
    ),
}


def computed(net: Network, x: Array, y: Array, eta: float, pins: dict[tuple[str, int], Array]) -> dict:
    """Every quantity as the run computes it (before any pin replaces it), with ``pins`` put in.

    What the run reads off its step's arrays without a hook (f′, the cost terms, BP2's terms,
    ∂C/∂x) is taken from the run's arrays.
    """
    seen: dict[tuple[str, int], Array] = {}

    def hook(kind: str, layer: int, value: Array) -> Array:
        seen[kind, layer] = np.array(value, dtype=np.float64)
        return pins.get((kind, layer), value)

    for kind, layer, array in run(net, x, y, eta, 1, hook=hook).arrays():
        seen.setdefault((kind, layer), np.array(array, dtype=np.float64))  # read off the step: f′, ...
    return seen


def measured(spec: Spec) -> dict[Address, set[Address]]:
    """For every quantity, the named quantities whose small move moves its computed value."""
    net, x, y = spec.network, spec.x, spec.y
    exact = computed(net, x, y, spec.eta, {})
    pinned = {key: value for key, value in exact.items() if key[0] in ("a", *OVERRIDABLE, *SCALARS)}
    found: dict[Address, set[Address]] = {}

    def entries(kind: str, layer: int, array: Array) -> list[Address]:
        if kind in SCALARS:
            return [Address(kind)]
        return [Address(kind, layer, tuple(int(i) for i in index)) for index in np.ndindex(array.shape)]

    moves: list[tuple[Address, Callable[[], dict]]] = []
    for (kind, layer), array in pinned.items():
        for address, index in zip(entries(kind, layer, array), np.ndindex(array.shape), strict=True):

            def moved(kind: str = kind, layer: int = layer, index: tuple = index) -> dict:
                pins = {k: v.copy() for k, v in pinned.items()}
                pins[kind, layer][index] += EPS
                return computed(net, x, y, spec.eta, pins)

            moves.append((address, moved))
    for name, value in net.parameters().items():
        for index in np.ndindex(value.shape):
            kind, layer = name[0], int(name[1:])

            def moved(name: str = name, index: tuple = index) -> dict:
                changed = net.parameters()[name].copy()
                changed[index] += EPS
                return computed(net.with_parameters({name: changed}), x, y, spec.eta, pinned)

            moves.append((Address(kind, layer, (int(index[0]), int(index[1]))), moved))
    for source, move in moves:
        after = move()
        for (kind, layer), array in exact.items():
            for address, index in zip(entries(kind, layer, array), np.ndindex(array.shape), strict=True):
                if abs(after[kind, layer][index] - array[index]) > 1e-9 * (1 + abs(array[index])):
                    found.setdefault(address, set()).add(source)
    return found


def missing(deps: Deps, moves: dict[Address, set[Address]]) -> dict[Address, set[Address]]:
    """Quantities moved by a named quantity that their direct inputs leave out."""
    out = {}
    for q, sources in moves.items():
        left_out = sources - (deps.get(q) or frozenset()) - {q}
        if left_out:
            out[q] = left_out
    return out


def of(spec: Spec) -> Deps:
    return dependencies(spec.network, spec.x, spec.y, spec.eta, spec.steps)


@pytest.mark.parametrize("name", SMOOTH)
def test_direct_inputs_are_exactly_what_moves_each_quantity(name: str) -> None:
    spec = build(SMOOTH[name])
    deps, moves = of(spec), measured(spec)
    assert missing(deps, moves) == {}
    extra = {q: set(d) - moves.get(q, set()) for q, d in deps.items() if d and set(d) - moves.get(q, set())}
    assert extra == {}


def test_the_afteracademy_direct_inputs_leave_nothing_out() -> None:
    spec = load("afteracademy")
    assert missing(of(spec), measured(spec)) == {}


def test_a_removed_dependency_is_caught() -> None:
    """Negative control: drop one input of one quantity and the comparison names it."""
    spec = build(SMOOTH["cross-entropy, L2, two examples"])
    deps, moves = of(spec), measured(spec)
    dW = Address("dW", 1, (0, 0))
    weight = Address("W", 1, (0, 0))  # λ > 0: the gradient reads the weight itself
    assert weight in (deps[dW] or ())
    crippled = dict(deps) | {dW: (deps[dW] or frozenset()) - {weight}}
    assert missing(crippled, moves) == {dW: {weight}}


def test_a_traced_max_over_units_keeps_its_axis_when_asked_and_depends_on_each_entry() -> None:
    from backprop_ref.worked.dependencies import Traced

    u = Traced(np.array([[1.0, 5.0], [3.0, 2.0]]), np.array([[1, 2], [4, 8]], dtype=object))
    kept = np.max(u, axis=-2, keepdims=True)  # softmax's shift, as the generated code takes it
    assert kept.value.tolist() == [[3.0, 5.0]]
    assert kept.masks.tolist() == [[1 | 4, 2 | 8]]  # the largest entry depends on every entry compared
    flat = np.max(u, axis=-2)
    assert flat.value.tolist() == [3.0, 5.0]
    assert flat.shape == (2,)
