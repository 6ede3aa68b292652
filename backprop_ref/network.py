"""A dense feed-forward network: parameters, conventions and the generated kernels, run by ``core``.

Notation follows Nielsen: ``W[l-1]`` is ``Wˡ`` of shape ``(n_l, n_{l-1})``, ``b[l-1]`` is ``bˡ``;
examples are **columns** (``x`` has shape ``(n_0, m)``), as in the math where aˡ is a column.
This module adds to ``core`` only what is numeric: the choice of kernels, the cost total (of one
parameter set or of many stacked ones), the reduction over examples and the L2 term.  Gradient
descent lives in ``training.py``.

Inputs are checked once, here, at the public boundary: constructing a :class:`Network` checks its
parameters and names, and each public method checks its data -- unless it is given a
:class:`Batch`, which :meth:`Network.batch` checked when it was made.  The methods whose names
start with an underscore, and :meth:`Network.with_arrays`, take checked arrays and check nothing.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from backprop_ref import core, kernels
from backprop_ref.conventions import Conventions
from backprop_ref.core import Array, Backward, Gradients, Hook
from backprop_ref.errors import InputError, entries
from backprop_ref.validation import as_array, distributions, in_unit_interval


@dataclass(frozen=True)
class Forward:
    """``z[l-1] = zˡ`` for layers 1..L and ``a[l] = aˡ`` for layers 0..L (``a[0]`` is the input)."""

    z: list[Array]
    a: list[Array]


@dataclass(frozen=True)
class Batch:
    """Inputs ``x`` ``(n_0, m)`` and targets ``y`` ``(n_L, m)``, checked once by :meth:`Network.batch`.

    Pass a batch where a method takes ``x`` (and leave out ``y``) to skip the checks of the data on
    every call, as a training loop or an optimiser calling the same data many times would.
    ``in_unit_interval`` records whether every target lies in [0, 1] (cross-entropy needs it).
    """

    x: Array
    y: Array
    in_unit_interval: bool

    @property
    def examples(self) -> int:
        """The number of examples m (columns)."""
        return int(self.x.shape[1])


def _with_slope(
    f_and_fprime: Callable[..., tuple[Array, Array]], l: int, space: core.Space
) -> Callable[..., Array]:
    """Layer l's f for the forward pass, computing f′(zˡ) with it into the space's array for δˡ.

    BP2 then finds f′(zˡ) there (:func:`_slope_kept`) and multiplies ∂C/∂aˡ into it, giving δˡ.
    """

    def f(z: Array, out: Array | None = None) -> Array:
        a, _ = f_and_fprime(z, out=out, out_prime=space["delta", l])
        return a

    return f


def _with_terms(
    output_and_term: Callable[..., tuple[Array, Array]], y: Array, space: core.Space
) -> Callable[..., Array]:
    """The output layer's f for the forward pass, computing the cost's per-unit terms with it
    into the space's array for them (kind "C"), where the cost total then finds them."""

    def f(z: Array, out: Array | None = None) -> Array:
        a, _ = output_and_term(z, y, out=out, out_term=space["C", 0])
        return a

    return f


def _slope_kept(z: Array, out: Array | None = None) -> Array:
    """f′(zˡ) as :func:`_with_slope` left it: already in ``out``, the space's array for δˡ."""
    assert out is not None
    return out


#: The most bytes :meth:`Network.cost_and_gradient` keeps between calls for its per-example arrays;
#: a larger batch gets new arrays on every call.
SPACE_LIMIT = 256 * 2**20


class _Space(threading.local):
    """Arrays written over by every call of the same batch size, one set per thread."""

    def __init__(self) -> None:
        self.arrays: dict[tuple[str, int], Array] = {}
        self.examples = -1

    def of(self, sizes: Sequence[int], examples: int, over_z: Container[int]) -> core.Space:
        """Arrays for z, a, δ of every layer, ∂C/∂a of every hidden layer and the cost's terms
        ("C", 0), for a batch of ``examples``; made anew only when the batch size changes.

        For the layers in ``over_z``, whose f′(zˡ) is computed with f(zˡ), ∂C/∂aˡ is written
        over zˡ (BP2 reads zˡ no more): one array the size of the layer less to touch.
        """
        if examples != self.examples:
            self.arrays.clear()  # the old arrays go before the new ones are made
            L = len(sizes) - 1
            for l, n in enumerate(sizes[1:], start=1):
                for kind in ("z", "a", "delta"):
                    self.arrays[kind, l] = np.empty((n, examples))
                if l < L:
                    self.arrays["dC_da", l] = self.arrays["z", l] if l in over_z else np.empty((n, examples))
            self.arrays["C", 0] = np.empty((sizes[-1], examples))
            self.examples = examples
        return self.arrays


@dataclass(frozen=True)
class Network:
    """A feed-forward network with per-layer activations, a cost and explicit conventions.

    Parameters
    ----------
    W
        Weights, ``W[l-1]`` of shape ``(n_l, n_{l-1})`` for layers l = 1..L.
    b
        Biases, ``b[l-1]`` with ``n_l`` entries (``bias="per_unit"``) or one (``"shared"``);
        stored as a column ``(n_l, 1)`` or ``(1, 1)``.
    activations
        One name per layer 1..L, from :data:`backprop_ref.kernels.ACTIVATIONS`.
    cost
        A name from :data:`backprop_ref.kernels.COST_OUTPUTS`: ``"half_sse"`` is ½Σ(y−a)²,
        ``"sse"`` Σ(y−a)², ``"mse"`` (1/K)Σ(y−a)², ``"linear"`` Σ y·a (so ∂C/∂a = y, an upstream
        gradient given as the target); cross-entropy needs a sigmoid output layer.
    conventions
        See :class:`~backprop_ref.conventions.Conventions`.

    Examples
    --------
    The 2-2-2 network of AfterAcademy's worked example (seed 004), in W, b form:

    >>> net = Network(W=[[[0.25, 0.15], [0.35, 0.28]], [[0.35, 0.20], [0.45, 0.40]]],
    ...               b=[[0.45], [0.5]], activations=["sigmoid", "sigmoid"], cost="half_sse",
    ...               conventions=Conventions(reduction="sum", bias="shared"))
    >>> net.sizes
    (2, 2, 2)
    >>> round(net.cost_of([0.1, 0.2], [0.05, 0.95]), 7)
    0.2334528
    """

    W: Sequence[Array]
    b: Sequence[Array]
    activations: Sequence[str]
    cost: str = kernels.DEFAULT_COST
    conventions: Conventions = field(default_factory=Conventions)

    def __post_init__(self) -> None:
        if not isinstance(self.conventions, Conventions):
            raise InputError("conventions", "a Conventions instance", self.conventions)
        if isinstance(self.activations, str) or not isinstance(self.activations, Sequence):
            raise InputError("activations", "a list of activation names, one per layer", self.activations)
        if not isinstance(self.W, Sequence) or len(self.W) == 0:
            raise InputError("W", "a non-empty list of weight matrices, one per layer", self.W)
        L = len(self.W)
        for name, seq in (("b", self.b), ("activations", self.activations)):
            if not isinstance(seq, Sequence) or len(seq) != L:
                raise InputError(
                    name,
                    f"{entries(L)}, one per layer (as many as W)",
                    seq,
                    shown=entries(len(seq)) if isinstance(seq, Sequence) else None,
                )
        W = [as_array(self.W[0], "W[1]", (None, None), column=False, units=True)]
        for l in range(2, L + 1):
            W.append(as_array(self.W[l - 1], f"W[{l}]", (None, W[-1].shape[0]), column=False, units=True))
        shared = self.conventions.bias == "shared"
        b = [
            as_array(b_l, f"b[{l}]", (1 if shared else W_l.shape[0], 1), units=True)
            for l, (W_l, b_l) in enumerate(zip(W, self.b, strict=True), start=1)
        ]
        activations = [
            kernels.check_activation(n, f"activations[{l}]") for l, n in enumerate(self.activations, 1)
        ]
        for l, name in enumerate(activations[:-1], 1):
            kernels.check_hidden(name, f"activations[{l}]")
        kernels.check_cost(self.cost, activations[-1])
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "activations", activations)

    # --- shape and parameters ------------------------------------------------------------------

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, input first."""
        return (self.W[0].shape[1], *(W_l.shape[0] for W_l in self.W))

    def parameters(self) -> dict[str, Array]:
        """Every parameter by name: ``"W1"``, ``"b1"``, ``"W2"``, ... (math layer numbers)."""
        return Gradients(list(self.W), list(self.b)).by_name()

    def with_parameters(self, params: Mapping[str, object]) -> Network:
        """A copy with the named parameters replaced (the others kept), each checked."""
        names = self.parameters()
        if not isinstance(params, Mapping):
            raise InputError("params", f"a dict from parameter names ({', '.join(names)}) to arrays", params)
        unknown = sorted(set(params) - set(names), key=str)
        if unknown:
            raise InputError("params", f"parameter names among {list(names)}", unknown[0])
        merged = names | dict(params)
        L = len(self.W)
        return Network(
            W=[merged[f"W{l}"] for l in range(1, L + 1)],  # type: ignore[misc]
            b=[merged[f"b{l}"] for l in range(1, L + 1)],  # type: ignore[misc]
            activations=self.activations,
            cost=self.cost,
            conventions=self.conventions,
        )

    def with_arrays(self, W: Sequence[Array], b: Sequence[Array]) -> Network:
        """A copy whose parameters are ``W``, ``b`` as they are, with no check at all.

        For arrays already checked (a training step's updated parameters) or arrays that carry
        more than numbers (the audit's dependency tracing, :mod:`backprop_ref.worked.dependencies`).
        Anything else should go through :meth:`with_parameters`, which checks.
        """
        new = copy.copy(self)
        object.__setattr__(new, "W", list(W))
        object.__setattr__(new, "b", list(b))
        return new

    # --- data ------------------------------------------------------------------------------------

    def batch(self, x: object, y: object = None) -> Batch:
        """``x`` and ``y`` checked once for this network, to pass to the methods in place of ``x``.

        Given a :class:`Batch` (and no ``y``), checks only that it fits this network.

        Examples
        --------
        >>> net = Network(W=[[[2.0]]], b=[[0.0]], activations=["identity"], cost="sse")
        >>> data = net.batch([[1.0, 2.0]], [[3.0, 4.0]])
        >>> data.examples, net.cost_of(data)
        (2, 0.5)
        """
        return self._data(x, y)

    def _data(self, x: object, y: object = None) -> Batch:
        """:meth:`batch`, for the methods that take x and y (or a Batch) themselves."""
        unit_interval = self.cost in kernels.UNIT_INTERVAL_TARGETS
        if isinstance(x, Batch):
            if y is not None:
                raise InputError("y", "no targets beside a Batch (the batch holds its own)", y)
            sizes = self.sizes
            if x.x.shape[0] != sizes[0] or x.y.shape[0] != sizes[-1]:
                expected = f"a batch of {sizes[0]} inputs and {sizes[-1]} targets"
                shown = f"a batch of {x.x.shape[0]} inputs and {x.y.shape[0]} targets"
                raise InputError("x", expected, x, shown=shown)
            if unit_interval and not x.in_unit_interval:
                in_unit_interval(x.y, "y")
            if self.cost in kernels.DISTRIBUTION_TARGETS:  # a sum per example: cheap next to a pass
                distributions(x.y, "y")
            return x
        xs = self.inputs(x)
        ys = self.targets(y, xs.shape[1])
        return Batch(xs, ys, unit_interval or bool(((ys >= 0) & (ys <= 1)).all()))

    def inputs(self, x: object) -> Array:
        """``x`` as a checked ``(n_0, m)`` array (a 1-D ``x`` is one example)."""
        return as_array(x, "x", (self.sizes[0], None))

    def targets(self, y: object, examples: int) -> Array:
        """``y`` as a checked ``(n_L, m)`` array matching ``examples`` (in [0, 1] where the cost needs it).

        The array is row-major, as every zᴸ and aᴸ is: a one-hot ``y`` made by fancy indexing
        (column-major) would otherwise slow every elementwise pass that reads it about threefold.
        """
        arr = np.ascontiguousarray(as_array(y, "y", (self.sizes[-1], examples)))
        if self.cost in kernels.DISTRIBUTION_TARGETS:
            return distributions(arr, "y")
        return in_unit_interval(arr, "y") if self.cost in kernels.UNIT_INTERVAL_TARGETS else arr

    # --- forward, cost, backward -------------------------------------------------------------------

    @cached_property
    def _kernels(self) -> tuple[list[kernels.ActivationKernels], kernels.CostKernels]:
        """The generated kernels of every layer and of the cost (looked up once per network)."""
        layers = [kernels.activation(n) for n in self.activations]
        return layers, kernels.cost(self.cost, self.activations[-1], self.sizes[-1])

    def forward(self, x: object, hook: Hook = core.unchanged) -> Forward:
        """Every layer's z and a for inputs ``x`` (shape ``(n_0, m)``, or a :class:`Batch`)."""
        xs = x.x if isinstance(x, Batch) and x.x.shape[0] == self.sizes[0] else self.inputs(x)
        return self.forward_at(self.W, self.b, xs, hook)

    def forward_at(
        self, W: Sequence[Array], b: Sequence[Array], x: Array, hook: Hook = core.unchanged
    ) -> Forward:
        """The forward pass with parameters ``W``, ``b`` in place of the network's own, on checked inputs.

        ``W[l-1]`` has the shape of Wˡ, or ``(N, *Wˡ.shape)`` for N parameter sets at once (likewise
        ``b``); then every z and a has shape ``(N, n_l, m)``.  Nothing is checked.
        """
        z, a = core.forward(W, b, x, [k.f for k in self._kernels[0]], hook)
        return Forward(z, a)

    def _scale(self, examples: int) -> float:
        return 1.0 / examples if self.conventions.reduction == "mean" else 1.0

    def stacked_cost(
        self, z_L: Array, a_L: Array, y: Array, W: Sequence[Array], space: core.Space | None = None
    ) -> Array:
        """J from the output layer's zᴸ, aᴸ and every Wˡ, for one parameter set or N stacked ones.

        ``z_L``, ``a_L`` are ``(n_L, m)`` or ``(N, n_L, m)`` and ``W[l-1]`` is ``Wˡ`` or ``(N, *Wˡ.shape)``;
        the result is a 0-d array or one of shape ``(N,)``: the per-example costs reduced by the
        network's convention, plus the L2 penalty over the weights (none at all when λ = 0).
        :meth:`total_cost` is it for one set; ``_total`` totals the terms, for every caller.
        """
        terms = self._kernels[1].term(z_L, a_L, y, **({} if space is None else {"out": space["C", 0]}))
        return self._total(terms, W, y.shape[-1])

    def _total(self, terms: Array, W: Sequence[Array], m: int) -> Array:
        """The per-unit cost terms reduced by the network's convention, plus the L2 penalty."""
        total = self._scale(m) * terms.sum(axis=(-2, -1))
        lmbda = self.conventions.lmbda
        if lmbda:
            for W_l in W:
                total = total + kernels.l2_penalty(W_l, lmbda, m).sum(axis=(-2, -1))
        return total  # type: ignore[no-any-return]

    def _targets_of(self, fw: object, y: object) -> tuple[Forward, Array]:
        """``fw`` checked to be a forward pass of this network, and ``y`` (or a Batch's y) to fit it."""
        if not isinstance(fw, Forward) or len(fw.a) != len(self.W) + 1:
            raise InputError("fw", f"a Forward of this network ({len(self.W)} layers)", fw)
        shape = (self.sizes[-1], fw.a[0].shape[-1])
        if isinstance(y, Batch):
            if y.y.shape != shape:
                shown = f"shape {y.y.shape}"
                raise InputError("y", f"a batch with targets of shape {shape}", y, shown=shown)
            return fw, y.y
        return fw, self.targets(y, shape[1])

    def total_cost(self, fw: Forward, y: object) -> float:
        """The cost of a computed forward pass: reduced per-example costs plus the L2 penalty.

        ``y`` holds the targets, shape ``(n_L, m)`` (or pass the :class:`Batch` of the forward pass).
        """
        fw, ys = self._targets_of(fw, y)
        return float(self.stacked_cost(fw.z[-1], fw.a[-1], ys, self.W))

    def cost_of(self, x: object, y: object = None) -> float:
        """The cost ``J`` on inputs ``x`` and targets ``y`` (examples are columns), or on a :class:`Batch`."""
        data = self._data(x, y)
        return self.total_cost(self.forward(data), data)

    def backward(
        self, fw: Forward, y: object, *, wrt_input: bool = False, hook: Hook = core.unchanged
    ) -> Backward:
        """δ of every layer and ∂C/∂a of every layer (the input's too when ``wrt_input``).

        ``y`` holds the targets, shape ``(n_L, m)`` (or pass the :class:`Batch` of the forward
        pass, checked already).  The results are per example, before the reduction over examples
        and without the L2 term.  ``hook`` is passed to :func:`backprop_ref.core.backward`.
        """
        fw, ys = self._targets_of(fw, y)
        layers, cost = self._kernels
        fprimes = [k.fprime for k in layers]
        return core.backward(
            self.W, fw.z, fw.a, ys, fprimes, cost.delta, cost.gradient, wrt_input=wrt_input, hook=hook
        )

    def output_error(self, fw: Forward, y: object, hook: Hook = core.unchanged) -> tuple[Array, Array | None]:
        """BP1: ``(δᴸ, ∂C/∂aᴸ)`` of a forward pass, per example (``y`` as in :meth:`backward`)."""
        fw, ys = self._targets_of(fw, y)
        cost = self._kernels[1]
        return core.output_error(fw.z[-1], fw.a[-1], ys, cost.delta, cost.gradient, hook, len(self.W))

    def hidden_error(
        self, l: int, W_next: Array, delta_next: Array, fw: Forward, hook: Hook = core.unchanged
    ) -> tuple[Array, Array]:
        """BP2: ``(δˡ, ∂C/∂aˡ)`` of hidden layer l, carried down from δˡ⁺¹ through ``W_next``.

        ``W_next`` is Wˡ⁺¹ itself in standard backpropagation; a layer-by-layer update
        (:func:`backprop_ref.training.step`) passes the already updated Wˡ⁺¹.
        """
        fprime = self._kernels[0][l - 1].fprime
        return core.hidden_error(W_next, delta_next, fprime, fw.z[l - 1], hook, l)

    def layer_gradient(self, l: int, delta: Array, a_prev: Array) -> tuple[Array, Array]:
        """``(∂J/∂Wˡ, ∂J/∂bˡ)`` from δˡ and aˡ⁻¹: reduced over examples, with the L2 term on W."""
        L = len(self.W)
        if isinstance(l, bool) or not isinstance(l, int | np.integer) or not 1 <= l <= L:
            raise InputError("l", f"a layer from 1 to {L}", l)
        m = a_prev.shape[-1]
        if delta.shape != (self.sizes[l], m) or a_prev.shape != (self.sizes[l - 1], m):
            expected = f"δ of shape ({self.sizes[l]}, m) and aˡ⁻¹ of shape ({self.sizes[l - 1]}, m)"
            shown = f"shapes {delta.shape}, {a_prev.shape}"
            raise InputError("delta, a_prev", expected, None, shown=shown)
        dW, db = core.layer_gradients(delta, a_prev, self.b[l - 1].shape, self._scale(m))
        if self.conventions.lmbda:
            dW = dW + kernels.l2_gradient(self.W[l - 1], self.conventions.lmbda, m)
        return dW, db

    def gradients(self, fw: Forward, back: Backward) -> Gradients:
        """∂J/∂W and ∂J/∂b of every layer from a forward and a backward pass."""
        pairs = [self.layer_gradient(l, d, fw.a[l - 1]) for l, d in enumerate(back.delta, start=1)]
        return Gradients([dW for dW, _ in pairs], [db for _, db in pairs])

    @cached_property
    def _space(self) -> _Space:
        """This network's arrays for the per-example quantities of :meth:`cost_and_gradient`."""
        return _Space()

    def _cost_and_gradient(self, data: Batch) -> tuple[float, Gradients]:
        """J and its gradient, computing nothing else (not ∂C/∂aᴸ, which the gradient does not use).

        The per-example arrays (every z, a, δ, ∂C/∂a and the cost terms) are returned to nobody, so
        they are written into arrays kept from the last call of the same batch size (per thread,
        up to :data:`SPACE_LIMIT` bytes); only J and the gradients are new.
        """
        layers, cost = self._kernels
        m = data.examples
        f = [k.f for k in layers]
        fprimes = [k.fprime for k in layers]
        space = None
        sizes = self.sizes
        if 8 * m * (4 * sum(sizes[1:]) + 1) <= SPACE_LIMIT:
            # each hidden layer's f′ computed with its f, where δˡ is written later
            paired = {l: k.f_and_fprime for l, k in enumerate(layers[:-1], start=1) if k.f_and_fprime}
            space = self._space.of(sizes, m, paired)
            for l, f_and_fprime in paired.items():
                f[l - 1], fprimes[l - 1] = _with_slope(f_and_fprime, l, space), _slope_kept
        together = None if space is None else cost.output_and_term
        if space is not None and together is not None:  # the cost's terms computed with aᴸ
            f[-1] = _with_terms(together, data.y, space)
        z, a = core.forward(self.W, self.b, data.x, f, space=space)
        if space is not None and together is not None:  # totalled while the terms are in the cache
            J = float(self._total(space["C", 0], self.W, m))
        else:
            J = float(self.stacked_cost(z[-1], a[-1], data.y, self.W, space))
        scale, lmbda = self._scale(m), self.conventions.lmbda
        dW: list[Array] = [None] * len(self.W)  # type: ignore[list-item]  # each set by its layer's δ
        db = list(dW)

        def gradient_of_layer(kind: str, l: int, value: Array) -> Array:
            """BP3 and BP4 of layer l as soon as δˡ is known, while it and aˡ⁻¹ are in the cache
            (layer 1's product, which reads all of x, comes last)."""
            if kind == "delta":
                dW[l - 1], db[l - 1] = core.layer_gradients(value, a[l - 1], self.b[l - 1].shape, scale)
                if lmbda:
                    dW[l - 1] += kernels.l2_gradient(self.W[l - 1], lmbda, m)
            return value

        core.backward(self.W, z, a, data.y, fprimes, cost.delta, None, hook=gradient_of_layer, space=space)
        return J, Gradients(dW, db)

    def cost_and_gradient(self, x: object, y: object = None) -> tuple[float, Gradients]:
        """``J`` and its gradient from one forward and one backward pass (for optimisers).

        ``x`` and ``y`` are checked on every call; pass a :class:`Batch` instead (``y`` left out)
        to check them once.

        Examples
        --------
        >>> net = Network(W=[[[2.0]]], b=[[0.0]], activations=["identity"], cost="sse")
        >>> J, g = net.cost_and_gradient([1.0], [3.0])     # J = (3 - 2)², dJ/dW = 2(2 - 3)·1
        >>> J, float(g.dW[0][0, 0])
        (1.0, -2.0)
        """
        return self._cost_and_gradient(self._data(x, y))

    def gradient(self, x: object, y: object = None) -> Gradients:
        """∂J/∂W and ∂J/∂b on ``x`` and ``y`` (or a :class:`Batch`), each the shape of its parameter."""
        return self._cost_and_gradient(self._data(x, y))[1]
