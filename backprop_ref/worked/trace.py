"""Every quantity of a worked example's run, by address, with chosen ones replaced on the way.

A run takes ``steps`` gradient-descent steps (:func:`backprop_ref.training.step`), all of them
once, and keeps what the first step computed, the parameters after the last (and after any step
asked for) and the cost before and after each step.  Given ``overrides`` (an address and a value
each), it puts those values in place of the computed ones as the computation reaches them, so
everything downstream is computed from them: this is how ``audit`` recomputes a number "from the
article's printed values".

Addresses use math layer numbers (layer 0 is the input, 1..L the others) and the 0-based index of
the array the package holds, where examples are columns (``network.py``):

=====================================  ====================================================
``z[l][j]``, ``a[l][j]``               weighted input zˡⱼ and activation aˡⱼ (``a[0]`` is x)
``fprime[l][j]``                       f′(zˡⱼ), the slope of layer l's activation at zˡⱼ
``cost_term[j]``                       output j's share of the cost, Cⱼ (such as ½(yⱼ − aᴸⱼ)²),
                                       per example, before the reduction and the L2 term
``delta[l][j]``                        δˡⱼ = ∂C/∂zˡⱼ
``dC_da[l][j]``                        ∂C/∂aˡⱼ (layers 0..L; ``dC_da[0]`` is ∂C/∂x)
``dC_da_from[l][j,i]``                 unit i of layer l+1's term of ∂C/∂aˡⱼ, W^(l+1)ᵢⱼ·δ^(l+1)ᵢ,
                                       the term BP2 adds up (layers 0..L-1)
``W[l][j,k]``, ``b[l][j]``             the given parameters (a shared bias is ``b[l][0]``)
``dW[l][j,k]``, ``db[l][j]``           ∂J/∂Wˡⱼₖ and ∂J/∂bˡⱼ of the first step, reduced over
                                       examples
``W_new[l][j,k]``, ``b_new[l][j]``     the parameters after ``steps`` steps
``cost``, ``cost_after``               J before the first step and after the last
``...@k``                              after step k: ``W[1][0,0]@5``, ``a[2][0]@100``,
                                       ``cost@3`` (W, b, z, a, fprime, cost_term, cost)
=====================================  ====================================================

For several examples, ``z[l][j,e]`` (likewise ``a``, ``fprime``, ``delta``, ``dC_da``,
``cost_term[j,e]`` and ``dC_da_from[l][j,i,e]``) names example e; ``z[l][j]`` is ``z[l][j,0]``.
``X@0`` is X, and ``cost@k`` for the last step is ``cost_after``.  Under the
``hidden_delta_weights = "after"`` convention ``dC_da_from`` uses W^(l+1) after its update, as BP2
then does.  Overrides apply to the first step only (and ``W_new``, ``b_new`` to the final
parameters).  Left out: overriding ``W``, ``b`` (a run's parameters are the given ones),
``dC_da`` (a δ is recomputed from what BP1 and BP2 name -- the W and δ of the layer above, z and
a -- not from ∂C/∂a), what is computed from the run but not used by it (``fprime``,
``cost_term``, ``dC_da_from``, ``dC_da[0]``, ``cost``, ``cost_after``) and anything after step k
(``...@k``) -- such overrides have no effect (:data:`OVERRIDABLE` lists the kinds that take
effect).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from backprop_ref import kernels, training
from backprop_ref.core import Array, Hook
from backprop_ref.errors import InputError, diverged
from backprop_ref.network import Batch, Network
from backprop_ref.training import Step, step

#: Kinds indexed by [unit, example]; by [row, column] of a weight matrix; by [unit] of a bias.
PER_EXAMPLE = ("z", "a", "fprime", "delta", "dC_da", "cost_term")
MATRICES = ("W", "dW", "W_new")
BIASES = ("b", "db", "b_new")
#: Indexed by [unit j of layer l, unit i of layer l+1, example].
PARTS = ("dC_da_from",)
SCALARS = ("cost", "cost_after")
#: Kinds written without a layer: ``cost_term[j]`` is of the output layer.
LAYERLESS = ("cost_term",)
#: The kinds that are known only once every step has been taken (all others: after the first).
AFTER_THE_RUN = ("W_new", "b_new", "cost_after")
#: The kinds that may be asked for after step k (``W[1][0,0]@5``): parameters and what the forward pass gives.
STEPPED = ("W", "b", "z", "a", "fprime", "cost_term", "cost")
#: The kinds whose overrides take effect (everything computed from them is computed from the override).
OVERRIDABLE = ("z", "a", "delta", "dW", "db", "W_new", "b_new")

# ASCII digits only: str.isdigit and \d would take other scripts' digits (such as "١") as well.
_ADDRESS = re.compile(
    r"(?P<kind>[A-Za-z_]+?)(?:\[(?P<layer>[0-9]+)\])?"
    r"\[(?P<index>[0-9]+(?:, *[0-9]+)*)\](?:@(?P<step>[0-9]+))?"
)
_SCALAR = re.compile(r"(?P<kind>[A-Za-z_]+)(?:@(?P<step>[0-9]+))?")


@dataclass(frozen=True, order=True)
class Address:
    """A quantity of a run: ``kind``, math ``layer``, ``index`` into its array, and the ``step`` after which.

    ``index`` has one entry per axis of the array (the example last); ``step`` 0 is the first
    step's own quantity (or the given parameters).

    Examples
    --------
    >>> str(Address("W", 1, (0, 1))), str(Address("z", 2, (0, 0))), str(Address("cost"))
    ('W[1][0,1]', 'z[2][0]', 'cost')
    >>> str(Address("cost_term", 2, (1, 0))), str(Address("a", 2, (0, 0), step=100))
    ('cost_term[1]', 'a[2][0]@100')
    """

    kind: str
    layer: int = 0
    index: tuple[int, ...] = (0, 0)
    step: int = 0

    def __str__(self) -> str:
        after = f"@{self.step}" if self.step else ""
        if self.kind in SCALARS:
            return self.kind + after
        index = self.index
        if self.kind in BIASES or (self.kind in (*PER_EXAMPLE, *PARTS) and index[-1] == 0):
            index = index[:-1]  # a bias's one column, or example 0
        layer = "" if self.kind in LAYERLESS else f"[{self.layer}]"
        return f"{self.kind}{layer}[{','.join(map(str, index))}]{after}"


def after_the_run(address: Address) -> bool:
    """Whether ``address`` is known only after steps past the first (``W_new``, ``cost_after``, ``...@k``).

    Examples
    --------
    >>> after_the_run(Address("W_new", 1, (0, 0))), after_the_run(Address("z", 1, (0, 0), step=2))
    (True, True)
    >>> after_the_run(Address("dW", 1, (0, 0)))
    False
    """
    return address.kind in AFTER_THE_RUN or address.step > 0


def shape(net: Network, examples: int, kind: str, layer: int) -> tuple[int, ...] | None:
    """The shape of quantity ``kind`` of ``layer``, or None when the network has no such layer.

    Examples
    --------
    >>> net = Network(W=[[[1.0, 2.0]]], b=[[0.0]], activations=["identity"])
    >>> shape(net, 3, "a", 0), shape(net, 3, "W", 1), shape(net, 3, "b", 2)
    ((2, 3), (1, 2), None)
    >>> shape(net, 3, "dC_da_from", 0), shape(net, 3, "cost_term", 0)
    ((2, 1, 3), (1, 3))
    """
    L = len(net.sizes) - 1
    if kind in LAYERLESS:
        return net.sizes[L], examples
    first, last = _layers(kind, L)
    if not first <= layer <= last:
        return None
    if kind in PARTS:
        return net.sizes[layer], net.sizes[layer + 1], examples
    if kind in PER_EXAMPLE:
        return net.sizes[layer], examples
    if kind in MATRICES:
        return net.sizes[layer], net.sizes[layer - 1]
    return net.b[layer - 1].shape[0], 1


def _layers(kind: str, L: int) -> tuple[int, int]:
    """The first and last layer that has quantity ``kind``."""
    if kind in PARTS:
        return 0, L - 1
    return (0 if kind in ("a", "dC_da") else 1), L


def parse(text: str, net: Network, examples: int, field: str, steps: int = 1) -> Address:
    """The address ``text`` names in a run of ``net`` on ``examples`` examples and ``steps`` steps, or raise.

    Examples
    --------
    >>> net = Network(W=[[[1.0, 2.0]]], b=[[0.0]], activations=["identity"])
    >>> parse("W[1][0, 1]", net, 1, "names.w2")
    Address(kind='W', layer=1, index=(0, 1), step=0)
    >>> str(parse("a[1][0]@3", net, 1, "names.out", steps=5))
    'a[1][0]@3'
    >>> parse("W[1][0]", net, 1, "names.w2")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: names.w2: expected an index [j,k] into W[1] (1 x 2), got 'W[1][0]'
    """
    scalar = _SCALAR.fullmatch(text)
    if scalar is not None and scalar["kind"] in SCALARS:
        return _after(Address(scalar["kind"]), scalar["step"], steps, field, text)
    found = _ADDRESS.fullmatch(text)
    kinds = (*PER_EXAMPLE, *PARTS, *MATRICES, *BIASES)
    if found is None or found["kind"] not in kinds:
        expected = (
            "an address such as 'z[2][0]', 'W[1][0,1]', 'cost_term[0]', 'cost' or 'a[2][0]@10' "
            f"(kinds: {', '.join((*kinds, *SCALARS))})"
        )
        raise InputError(field, expected, text)
    kind, L = found["kind"], len(net.sizes) - 1
    if (found["layer"] is None) != (kind in LAYERLESS):
        written = f"{kind}[j]" if kind in LAYERLESS else f"{kind}[l][j]"
        raise InputError(field, f"an address written {written}", text)
    layer = L if kind in LAYERLESS else int(found["layer"])
    if kind == "fprime" and 1 <= layer <= L and net.activations[layer - 1] in kernels.OUTPUT_ONLY:
        expected = f"a layer with an elementwise f′ (layer {layer} is {net.activations[layer - 1]}, whose "
        raise InputError(field, expected + "derivative is a Jacobian: name its δ or ∂C/∂a instead)", text)
    size = shape(net, examples, kind, layer)
    if size is None:
        first, last = _layers(kind, L)
        raise InputError(field, f"a layer from {first} to {last} for {kind}", text)
    name = kind if kind in LAYERLESS else f"{kind}[{layer}]"
    array = f"{name} ({' x '.join(map(str, size))})"
    given = tuple(int(i) for i in found["index"].split(","))
    want, lengths = _INDEX[next(k for k in _INDEX if kind in k)]
    if len(given) not in lengths:
        raise InputError(field, f"an index {want} into {array}", text)
    index = given + (0,) * (len(size) - len(given))  # example 0, or a bias's one column
    if any(i >= n for i, n in zip(index, size, strict=True)):
        raise InputError(field, f"an index within {array}", text)
    return _after(Address(kind, layer, index), found["step"], steps, field, text)


#: How the index of each group of kinds is written, and the numbers of entries it may have.
_INDEX = {
    PER_EXAMPLE: ("[j] or [j,e]", (1, 2)),
    PARTS: ("[j,i] or [j,i,e]", (2, 3)),
    MATRICES: ("[j,k]", (2,)),
    BIASES: ("[j]", (1,)),
}


def _after(address: Address, step: str | None, steps: int, field: str, text: str) -> Address:
    """``address`` after step ``step`` (a string of digits, or None for the first step's own)."""
    if step is None or int(step) == 0:
        return address
    if address.kind not in STEPPED:
        raise InputError(field, f"'@k' only after {', '.join(STEPPED)}", text)
    if int(step) > steps:
        raise InputError(field, f"a step from 0 to {steps} after '@' (the run takes {steps})", text)
    return Address(address.kind, address.layer, address.index, int(step))


def substitute(overrides: Mapping[Address, float]) -> Hook:
    """A hook that returns each array with the overridden entries of its kind and layer replaced.

    Examples
    --------
    >>> hook = substitute({Address("z", 1, (1, 0)): 9.0})
    >>> hook("z", 1, np.zeros((2, 1))).ravel().tolist(), hook("a", 1, np.zeros((1, 1))).tolist()
    ([0.0, 9.0], [[0.0]])
    """
    by_array: dict[tuple[str, int], list[tuple[tuple[int, ...], float]]] = {}
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


def forward_extras(
    net: Network, z: list[Array], a: list[Array], y: Array
) -> Iterator[tuple[str, int, Array]]:
    """f′(zˡ) of every layer and the per-output cost terms, from a forward pass of ``net``.

    Both come from the generated kernels (:func:`backprop_ref.kernels.activation` gives f′ as a
    function of z alone; :func:`backprop_ref.kernels.cost` the per-unit term); layer L's
    ``cost_term`` is yielded after its f′.  An output-only activation (softmax) has no f′ of its
    own (its derivative is a Jacobian, applied in δᴸ): there is no ``fprime`` for its layer.
    """
    L = len(z)
    for l in range(1, L + 1):
        if net.activations[l - 1] not in kernels.OUTPUT_ONLY:
            yield "fprime", l, kernels.activation(net.activations[l - 1]).fprime(z[l - 1])
    term = kernels.cost(net.cost, net.activations[-1], net.sizes[-1]).term
    yield "cost_term", L, term(z[-1], a[-1], y)


@dataclass(frozen=True)
class Run:
    """The first step, the parameters after the last one and the cost before and after each step.

    ``costs[0]`` is J at the given parameters; ``costs[s]`` is J after s steps (the last at the
    ``final`` parameters, overrides of ``W_new``, ``b_new`` included).  ``last`` is the network
    after the last step before those overrides, ``kept[k]`` the one after step k for each k the run
    was asked to keep.
    """

    first: Step
    final: Network
    costs: list[float]
    data: Batch
    last: Network
    kept: Mapping[int, Network] = field(default_factory=dict)

    def arrays(self) -> Iterator[tuple[str, int, Array]]:
        """``(kind, layer, array)`` of every array quantity of the first step and the final parameters.

        In the order the run computes them; ``fprime``, ``cost_term``, ``dC_da_from`` and
        ``dC_da[0]`` are read off the step's own arrays, in the places they would be computed.
        """
        before, fw, back, grads = (
            self.first.before,
            self.first.forward,
            self.first.backward,
            self.first.gradients,
        )
        L = len(before.W)
        # BP2 carries δˡ⁺¹ down through the Wˡ⁺¹ it was given, or the updated one (layer by layer)
        W_bp2 = self.first.after.W if before.conventions.hidden_delta_weights == "after" else before.W
        yield "a", 0, fw.a[0]
        for l in range(1, L + 1):
            yield "W", l, before.W[l - 1]
            yield "b", l, before.b[l - 1]
        extras = {(kind, l): value for kind, l, value in forward_extras(before, fw.z, fw.a, self.data.y)}
        for l in range(1, L + 1):
            yield "z", l, fw.z[l - 1]
            yield "a", l, fw.a[l]
            if ("fprime", l) in extras:  # not for softmax, which has none
                yield "fprime", l, extras["fprime", l]
        yield "cost_term", L, extras["cost_term", L]
        for l in range(L, -1, -1):
            if l < L:  # the terms of ∂C/∂aˡ, one per unit i of layer l+1: W^(l+1)ᵢⱼ·δ^(l+1)ᵢ
                parts = W_bp2[l].T[:, :, None] * back.delta[l][None, :, :]
                yield "dC_da_from", l, parts
            dC_da = back.dC_da[l] if l else parts.sum(axis=1)
            if dC_da is not None:
                yield "dC_da", l, dC_da
            if l:
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
            return self.costs[address.step or (0 if address.kind == "cost" else -1)]
        table = self._tables.get(address.step)
        if table is None:  # each step's arrays computed once, however many values are read off them
            arrays = self._after(self._network_after(address.step)) if address.step else self.arrays()
            table = self._tables[address.step] = {(kind, layer): array for kind, layer, array in arrays}
        if (address.kind, address.layer) not in table:
            raise KeyError(str(address))
        return float(table[address.kind, address.layer][address.index])

    @cached_property
    def _tables(self) -> dict[int, dict[tuple[str, int], Array]]:
        """The arrays of each step read so far (0: the first step's), by kind and layer."""
        return {}

    def _network_after(self, k: int) -> Network:
        """The network after step k: kept, or the last (before the final overrides)."""
        if k in self.kept:
            return self.kept[k]
        if k == len(self.costs) - 1:
            return self.last
        raise KeyError(f"the parameters after step {k} (not kept: pass keep={{{k}}} to run)")

    def _after(self, net: Network) -> Iterator[tuple[str, int, Array]]:
        """The parameters of ``net`` and what its forward pass gives: the quantities ``@k`` names."""
        fw = net.forward(self.data)
        for l in range(1, len(net.W) + 1):
            yield "W", l, net.W[l - 1]
            yield "b", l, net.b[l - 1]
            yield "z", l, fw.z[l - 1]
            yield "a", l, fw.a[l]
        yield from forward_extras(net, fw.z, fw.a, self.data.y)

    def refinished(self, overrides: Mapping[Address, float]) -> Run:
        """This run with only its final overrides (of ``W_new``, ``b_new``) replaced by ``overrides``.

        Cheaper than a new run: the steps are not taken again.

        Examples
        --------
        >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
        >>> r = run(net, [1.0], [2.0], eta=0.1, steps=2)
        >>> r.refinished({Address("W_new", 1, (0, 0)): 2.0}).value(Address("W_new", 1, (0, 0)))
        2.0
        """
        hook = substitute({a: v for a, v in overrides.items() if a.kind in ("W_new", "b_new") and not a.step})
        with np.errstate(over="ignore", invalid="ignore"):
            final, cost_after = _finish(self.last, self.data, hook)
        return Run(self.first, final, [*self.costs[:-1], float(cost_after)], self.data, self.last, self.kept)


#: Told ``(steps taken, steps in all)`` as a long run goes on.
Progress = Callable[[int, int], None]


def _finish(last: Network, data: Batch, hook: Hook) -> tuple[Network, Array]:
    """The final network (``W_new``, ``b_new`` through ``hook``) and its cost (through ``hook``)."""
    L = len(last.W)
    final = last.with_arrays(
        [hook("W_new", l, last.W[l - 1]) for l in range(1, L + 1)],
        [hook("b_new", l, last.b[l - 1]) for l in range(1, L + 1)],
    )
    fw = final.forward(data)
    return final, hook("cost_after", 0, final.stacked_cost(fw.z[-1], fw.a[-1], data.y, final.W))


def _steps(
    net: Network,
    data: Batch,
    eta: float,
    steps: int,
    hook: Hook,
    keep: Collection[int],
    progress: Progress | None,
) -> tuple[Step, Network, list[Array], Network, dict[int, Network]]:
    """The first step (with ``hook``), the later ones (unhooked, each once) and the final network.

    Returns the first step, the final network, the cost before and after each step, the network
    after the last step (before the final overrides) and the networks after the steps in ``keep``.
    """
    first = step(net, data, None, eta, hook=hook)  # checks eta and the data, once
    costs = [hook("cost", 0, net.stacked_cost(first.forward.z[-1], first.forward.a[-1], data.y, net.W))]
    current, kept, frozen = first.after, {}, training._frozen(net, ())
    for taken in range(1, steps):  # full-batch gradient descent; a step's forward pass gives J before it
        if taken in keep:
            kept[taken] = current
        later = training._step(current, data, eta, frozen)  # checked above: no check per step
        costs.append(current.stacked_cost(later.forward.z[-1], later.forward.a[-1], data.y, current.W))
        current = later.after
        if progress is not None:
            progress(taken + 1, steps)
    if steps in keep:
        kept[steps] = current
    final, cost_after = _finish(current, data, hook)
    return first, final, [*costs, cost_after], current, kept


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
    keep: Collection[int] = (),
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
        Number of full-batch gradient-descent steps, ≥ 1, each taken once.
    overrides
        Values to use in place of computed ones (see the module docstring for which take effect).
    progress
        Called as ``progress(taken, steps)`` after each step past the first.
    keep
        The steps k after which the parameters are kept, for the addresses ``...@k``.
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
        taking = {a: v for a, v in (overrides or {}).items() if a.kind in OVERRIDABLE and not a.step}
        hook = substitute(taking)
    elif overrides:
        raise InputError("overrides", "no overrides beside a hook (the hook replaces values)", overrides)
    data = net.batch(x, y)
    with np.errstate(over="ignore", invalid="ignore"):  # a run that overflows is reported below
        first, final, costs, last, kept = _steps(net, data, eta, steps, hook, keep, progress)
    values = [float(c) for c in costs]
    if not math.isfinite(values[0]):
        shown = f"a cost of {values[0]} for the given parameters and data"
        raise InputError("network", "parameters whose cost is a finite float64", values[0], shown=shown)
    late = next((s for s, c in enumerate(values) if not math.isfinite(c)), None)
    if late is not None:
        raise diverged(eta, f"the cost to {values[late]} at step {late}")
    return Run(first, final, values, data, last, kept)
