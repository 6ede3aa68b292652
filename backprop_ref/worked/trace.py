"""Every quantity of a worked example's run, by address, with chosen ones replaced on the way.

A run takes ``steps`` gradient-descent steps (:func:`backprop_ref.training.step`) and keeps what
the first step computed, the parameters after the last and the cost before and after each step.
Given ``overrides`` (an address and a value each), it puts those values in place of the computed
ones as the computation reaches them, so everything downstream is computed from them: this is how
``audit`` recomputes a number "from the article's printed values".

Addresses use math layer numbers (layer 0 is the input, 1..L the others) and the 0-based index of
the array the package holds, where examples are columns (``network.py``):

=====================================  ====================================================
``z[l][j]``, ``a[l][j]``               weighted input zˡⱼ and activation aˡⱼ (``a[0]`` is x)
``delta[l][j]``                        δˡⱼ = ∂C/∂zˡⱼ
``dC_da[l][j]``                        ∂C/∂aˡⱼ (layers 1..L)
``W[l][j,k]``, ``b[l][j]``             the given parameters (a shared bias is ``b[l][0]``)
``dW[l][j,k]``, ``db[l][j]``           ∂J/∂Wˡⱼₖ and ∂J/∂bˡⱼ of the first step, reduced over
                                       examples
``W_new[l][j,k]``, ``b_new[l][j]``     the parameters after ``steps`` steps
``cost``, ``cost_after``               J before the first step and after the last
=====================================  ====================================================

For several examples, ``z[l][j,e]`` (likewise ``a``, ``delta``, ``dC_da``) names example e;
``z[l][j]`` is ``z[l][j,0]``.  Overrides apply to the first step only (and ``W_new``, ``b_new``
to the final parameters).  Left out: overriding ``W``, ``b`` (a run's parameters are the given
ones), ``dC_da`` (a δ is recomputed from what BP1 and BP2 name -- the W and δ of the layer
above, z and a -- not from ∂C/∂a), ``cost`` and ``cost_after`` (nothing is computed from them) --
such overrides have no effect (:data:`OVERRIDABLE` lists the kinds that take effect).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from backprop_ref.core import Array, Hook
from backprop_ref.errors import InputError, diverged
from backprop_ref.network import Batch, Network
from backprop_ref.training import Step, step, train

#: Kinds indexed by [unit, example]; by [row, column] of a weight matrix; by [unit] of a bias.
PER_EXAMPLE = ("z", "a", "delta", "dC_da")
MATRICES = ("W", "dW", "W_new")
BIASES = ("b", "db", "b_new")
SCALARS = ("cost", "cost_after")
#: The kinds that are known only once every step has been taken (all others: after the first).
AFTER_THE_RUN = ("W_new", "b_new", "cost_after")
#: The kinds whose overrides take effect (everything computed from them is computed from the override).
OVERRIDABLE = ("z", "a", "delta", "dW", "db", "W_new", "b_new")

# ASCII digits only: str.isdigit and \d would take other scripts' digits (such as "١") as well.
_ADDRESS = re.compile(r"(?P<kind>[A-Za-z_]+?)\[(?P<layer>[0-9]+)\]\[(?P<i>[0-9]+)(?:, *(?P<k>[0-9]+))?\]")


@dataclass(frozen=True, order=True)
class Address:
    """A quantity of a run: ``kind``, math ``layer`` and ``index`` into its 2-D array.

    Examples
    --------
    >>> str(Address("W", 1, (0, 1))), str(Address("z", 2, (0, 0))), str(Address("cost"))
    ('W[1][0,1]', 'z[2][0]', 'cost')
    """

    kind: str
    layer: int = 0
    index: tuple[int, int] = (0, 0)

    def __str__(self) -> str:
        if self.kind in SCALARS:
            return self.kind
        j, k = self.index
        one = self.kind in BIASES or (self.kind in PER_EXAMPLE and k == 0)
        return f"{self.kind}[{self.layer}][{j if one else f'{j},{k}'}]"


def shape(net: Network, examples: int, kind: str, layer: int) -> tuple[int, int] | None:
    """The shape of quantity ``kind`` of ``layer``, or None when the network has no such layer.

    Examples
    --------
    >>> net = Network(W=[[[1.0, 2.0]]], b=[[0.0]], activations=["identity"])
    >>> shape(net, 3, "a", 0), shape(net, 3, "W", 1), shape(net, 3, "b", 2)
    ((2, 3), (1, 2), None)
    """
    first = 0 if kind == "a" else 1
    if not first <= layer < len(net.sizes):
        return None
    if kind in PER_EXAMPLE:
        return net.sizes[layer], examples
    if kind in MATRICES:
        return net.sizes[layer], net.sizes[layer - 1]
    return net.b[layer - 1].shape[0], 1


def parse(text: str, net: Network, examples: int, field: str) -> Address:
    """The address ``text`` names in a run of ``net`` on ``examples`` examples, else raise.

    Examples
    --------
    >>> net = Network(W=[[[1.0, 2.0]]], b=[[0.0]], activations=["identity"])
    >>> parse("W[1][0, 1]", net, 1, "names.w2")
    Address(kind='W', layer=1, index=(0, 1))
    >>> parse("W[1][0]", net, 1, "names.w2")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: names.w2: expected an index [j,k] into W[1] (1 x 2), got 'W[1][0]'
    """
    if text in SCALARS:
        return Address(text)
    found = _ADDRESS.fullmatch(text)
    kinds = (*PER_EXAMPLE, *MATRICES, *BIASES)
    if found is None or found["kind"] not in kinds:
        expected = f"an address such as 'z[2][0]', 'W[1][0,1]' or 'cost' (kinds: {', '.join(kinds)})"
        raise InputError(field, expected, text)
    kind, layer = found["kind"], int(found["layer"])
    size = shape(net, examples, kind, layer)
    if size is None:
        first, last = 0 if kind == "a" else 1, len(net.sizes) - 1
        raise InputError(field, f"a layer from {first} to {last} for {kind}", text)
    array = f"{kind}[{layer}] ({size[0]} x {size[1]})"
    has_k = found["k"] is not None
    if (kind in MATRICES and not has_k) or (kind in BIASES and has_k):
        want = "[j]" if kind in BIASES else "[j,k]"
        raise InputError(field, f"an index {want} into {array}", text)
    index = (int(found["i"]), int(found["k"] or 0))
    if index[0] >= size[0] or index[1] >= size[1]:
        raise InputError(field, f"an index within {array}", text)
    return Address(kind, layer, index)


def substitute(overrides: Mapping[Address, float]) -> Hook:
    """A hook that returns each array with the overridden entries of its kind and layer replaced.

    Examples
    --------
    >>> hook = substitute({Address("z", 1, (1, 0)): 9.0})
    >>> hook("z", 1, np.zeros((2, 1))).ravel().tolist(), hook("a", 1, np.zeros((1, 1))).tolist()
    ([0.0, 9.0], [[0.0]])
    """
    by_array: dict[tuple[str, int], list[tuple[tuple[int, int], float]]] = {}
    for address, value in overrides.items():
        by_array.setdefault((address.kind, address.layer), []).append((address.index, value))

    def hook(kind: str, layer: int, value: Array) -> Array:
        entries = by_array.get((kind, layer))
        if not entries:
            return value
        value = np.array(value, dtype=np.float64)
        for index, v in entries:
            value[index] = v
        return value

    return hook


@dataclass(frozen=True)
class Run:
    """The first step, the parameters after the last one and the cost before and after each step.

    ``costs[0]`` is J at the given parameters; ``costs[s]`` is J after s steps.
    """

    first: Step
    final: Network
    costs: list[float]

    def arrays(self) -> Iterator[tuple[str, int, Array]]:
        """``(kind, layer, array)`` of every array quantity, in the order the run computes them."""
        before, fw, back, grads = (
            self.first.before,
            self.first.forward,
            self.first.backward,
            self.first.gradients,
        )
        L = len(before.W)
        yield "a", 0, fw.a[0]
        for l in range(1, L + 1):
            yield "W", l, before.W[l - 1]
            yield "b", l, before.b[l - 1]
        for l in range(1, L + 1):
            yield "z", l, fw.z[l - 1]
            yield "a", l, fw.a[l]
        for l in range(L, 0, -1):
            dC_da = back.dC_da[l]
            if dC_da is not None:
                yield "dC_da", l, dC_da
            yield "delta", l, back.delta[l - 1]
        for l in range(1, L + 1):
            yield "dW", l, grads.dW[l - 1]
            yield "db", l, grads.db[l - 1]
        for l in range(1, L + 1):
            yield "W_new", l, self.final.W[l - 1]
            yield "b_new", l, self.final.b[l - 1]

    def value(self, address: Address) -> float:
        """The value at ``address``.

        Examples
        --------
        >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
        >>> r = run(net, [1.0], [2.0], eta=0.1, steps=1)
        >>> r.value(Address("dW", 1, (0, 0))), r.value(Address("cost"))
        (-1.5, 1.125)
        """
        if address.kind in SCALARS:
            return self.costs[0 if address.kind == "cost" else -1]
        for kind, layer, array in self.arrays():
            if (kind, layer) == (address.kind, address.layer):
                return float(array[address.index])
        raise KeyError(str(address))


#: Told ``(steps taken, steps in all)`` as a long run goes on.
Progress = Callable[[int, int], None]


def _steps(
    net: Network, data: Batch, eta: float, steps: int, hook: Hook, progress: Progress | None = None
) -> tuple[Step, Network, list[Array]]:
    """The first step (with ``hook``), the final network and the cost before and after each step."""
    first = step(net, data, None, eta, hook=hook)
    costs = [hook("cost", 0, net.stacked_cost(first.forward.z[-1], first.forward.a[-1], data.y, net.W))]
    final = first.after
    if steps > 1:  # the later steps, unhooked: full-batch gradient descent, checked once
        report = None if progress is None else (lambda epoch, _cost: progress(epoch + 1, steps))
        later = train(final, data, None, eta, steps - 1, progress=report)
        costs += [np.asarray(c) for c in later.costs[:-1]]
        final = later.network
    L = len(final.W)
    final = final.with_arrays(
        [hook("W_new", l, final.W[l - 1]) for l in range(1, L + 1)],
        [hook("b_new", l, final.b[l - 1]) for l in range(1, L + 1)],
    )
    fw = final.forward(data)
    costs.append(hook("cost_after", 0, final.stacked_cost(fw.z[-1], fw.a[-1], data.y, final.W)))
    return first, final, costs


def run(
    net: Network,
    x: object,
    y: object,
    eta: float,
    steps: int,
    overrides: Mapping[Address, float] | None = None,
    *,
    hook: Hook | None = None,
    progress: Progress | None = None,
) -> Run:
    """Take ``steps`` steps from ``net`` on ``x``, ``y``, with ``overrides`` put in on the way.

    Parameters
    ----------
    net
        The network with the given parameters.
    x, y
        Inputs ``(n_0, m)`` and targets ``(n_L, m)``; examples are columns.
    eta
        Learning rate η > 0.
    steps
        Number of full-batch gradient-descent steps, ≥ 1.
    overrides
        Values to use in place of computed ones (see the module docstring for which take effect).
    progress
        Called as ``progress(taken, steps)`` after each step past the first.
    hook
        Instead of ``overrides``: a hook that sees every quantity of the first step (as in
        :func:`backprop_ref.training.step`), then ``"cost"``, ``"W_new"``, ``"b_new"`` and
        ``"cost_after"`` (layer 0 for the costs), and may replace each.

    Examples
    --------
    With z¹ = 0.5·1 = 0.5 replaced by 0.75, the cost is computed from 0.75:

    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> run(net, [1.0], [2.0], eta=0.1, steps=1, overrides={Address("z", 1): 0.75}).costs[0]
    0.78125
    """
    if hook is None:
        hook = substitute({a: v for a, v in (overrides or {}).items() if a.kind in OVERRIDABLE})
    elif overrides:
        raise InputError("overrides", "no overrides beside a hook (the hook replaces values)", overrides)
    data = net.batch(x, y)
    with np.errstate(over="ignore", invalid="ignore"):  # a run that overflows is reported below
        first, final, costs = _steps(net, data, eta, steps, hook, progress)
    values = [float(c) for c in costs]
    if not math.isfinite(values[0]):
        shown = f"a cost of {values[0]} for the given parameters and data"
        raise InputError("network", "parameters whose cost is a finite float64", values[0], shown=shown)
    late = next((s for s, c in enumerate(values) if not math.isfinite(c)), None)
    if late is not None:
        raise diverged(eta, f"the cost to {values[late]} at step {late}")
    return Run(first, final, values)
