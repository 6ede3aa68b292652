"""A dense feed-forward network: parameters, conventions and the generated kernels, run by ``core``.

Notation follows Nielsen: ``W[l-1]`` is ``Wˡ`` of shape ``(n_l, n_{l-1})``, ``b[l-1]`` is ``bˡ``;
examples are **columns** (``x`` has shape ``(n_0, m)``), as in the math where aˡ is a column.
This module adds to ``core`` only what is numeric: the choice of kernels, the cost total, the
reduction over examples and the L2 term.  Gradient descent lives in ``training.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from backprop_ref import _generated, core, kernels
from backprop_ref.conventions import Conventions
from backprop_ref.core import Array, Backward, Carry, Gradients, Hook
from backprop_ref.errors import InputError
from backprop_ref.validation import as_array, in_unit_interval


@dataclass(frozen=True)
class Forward:
    """``z[l-1] = zˡ`` for layers 1..L and ``a[l] = aˡ`` for layers 0..L (``a[0]`` is the input)."""

    z: list[Array]
    a: list[Array]


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
        One name per layer 1..L: ``"sigmoid"``, ``"tanh"``, ``"relu"`` or ``"identity"``.
    cost
        ``"half_sse"`` (½Σ(y−a)²), ``"sse"`` (Σ(y−a)²), ``"mse"`` ((1/K)Σ(y−a)²) or
        ``"cross_entropy"`` (needs a sigmoid output layer).
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
    cost: str = "half_sse"
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
                    f"{L} entries, one per layer (as many as W)",
                    seq,
                    shown=f"{len(seq) if isinstance(seq, Sequence) else repr(seq)} entries",
                )
        W = [as_array(self.W[0], "W[1]", (None, None))]
        for l in range(2, L + 1):
            W.append(as_array(self.W[l - 1], f"W[{l}]", (None, W[-1].shape[0])))
        shared = self.conventions.bias == "shared"
        b = [
            as_array(b_l, f"b[{l}]", (1 if shared else W_l.shape[0], 1))
            for l, (W_l, b_l) in enumerate(zip(W, self.b, strict=True), start=1)
        ]
        activations = [
            kernels.check_activation(n, f"activations[{l}]") for l, n in enumerate(self.activations, 1)
        ]
        kernels.cost(self.cost, activations[-1], W[-1].shape[0])  # validates the pair
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
        out: dict[str, Array] = {}
        for l, (W_l, b_l) in enumerate(zip(self.W, self.b, strict=True), start=1):
            out[f"W{l}"], out[f"b{l}"] = W_l, b_l
        return out

    def with_parameters(self, params: dict[str, Array]) -> Network:
        """A copy with the named parameters replaced (the others kept)."""
        merged = self.parameters() | params
        L = len(self.W)
        return replace(
            self,
            W=[merged[f"W{l}"] for l in range(1, L + 1)],
            b=[merged[f"b{l}"] for l in range(1, L + 1)],
        )

    # --- data ------------------------------------------------------------------------------------

    def inputs(self, x: object) -> Array:
        """``x`` as a checked ``(n_0, m)`` array (a 1-D ``x`` is one example)."""
        return as_array(x, "x", (self.sizes[0], None))

    def targets(self, y: object, examples: int) -> Array:
        """``y`` as a checked ``(n_L, m)`` array matching ``examples`` (in [0, 1] for cross-entropy)."""
        arr = as_array(y, "y", (self.sizes[-1], examples))
        return in_unit_interval(arr, "y") if self.cost == "cross_entropy" else arr

    # --- forward, cost, backward -------------------------------------------------------------------

    def forward(self, x: object, hook: Hook = core._keep) -> Forward:
        """Every layer's z and a for inputs ``x`` (shape ``(n_0, m)``)."""
        fs = [kernels.activation(n).f for n in self.activations]
        z, a = core.forward(self.W, self.b, self.inputs(x), fs, hook)
        return Forward(z, a)

    def _cost_kernels(self) -> kernels.Cost:
        return kernels.cost(self.cost, self.activations[-1], self.sizes[-1])

    def _scale(self, examples: int) -> float:
        return 1.0 / examples if self.conventions.reduction == "mean" else 1.0

    def total_cost(self, fw: Forward, y: Array) -> float:
        """The cost of a computed forward pass: reduced per-example costs plus the L2 penalty."""
        m = y.shape[1]
        data = self._scale(m) * float(np.sum(self._cost_kernels().term(fw.z[-1], fw.a[-1], y)))
        penalty = sum(float(np.sum(_generated.l2_penalty(W_l, self.conventions.lmbda, m))) for W_l in self.W)
        return data + penalty

    def cost_of(self, x: object, y: object) -> float:
        """The cost ``J`` on inputs ``x`` and targets ``y`` (examples are columns)."""
        fw = self.forward(x)
        return self.total_cost(fw, self.targets(y, fw.a[0].shape[1]))

    def backward(
        self,
        fw: Forward,
        y: Array,
        *,
        wrt_input: bool = False,
        hook: Hook = core._keep,
        carry: Carry | None = None,
    ) -> Backward:
        """δ of every layer and ∂C/∂a of every layer (the input's too when ``wrt_input``).

        These are per example, before the reduction over examples and without the L2 term.
        ``hook`` and ``carry`` are passed to :func:`backprop_ref.core.backward`.  With a
        cross-entropy cost, ∂C/∂aᴸ is ±inf where an output saturates to exactly 0 or 1.
        """
        fprimes = [kernels.activation(n).fprime for n in self.activations]
        cost = self._cost_kernels()
        back = core.backward(
            self.W, fw.z, fw.a, y, fprimes, cost.delta, wrt_input=wrt_input, hook=hook, carry=carry
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            back.dC_da[-1] = cost.gradient(fw.z[-1], fw.a[-1], y)
        return back

    def layer_gradient(self, l: int, delta: Array, a_prev: Array) -> tuple[Array, Array]:
        """``(∂J/∂Wˡ, ∂J/∂bˡ)`` from δˡ and aˡ⁻¹: reduced over examples, with the L2 term on W."""
        m = a_prev.shape[1]
        dW, db = core.layer_gradients(delta, a_prev, self.b[l - 1].shape, self._scale(m))
        if self.conventions.lmbda:
            dW = dW + _generated.l2_gradient(self.W[l - 1], self.conventions.lmbda, m)
        return dW, db

    def gradients(self, fw: Forward, back: Backward) -> Gradients:
        """∂J/∂W and ∂J/∂b of every layer from a forward and a backward pass."""
        pairs = [self.layer_gradient(l, d, fw.a[l - 1]) for l, d in enumerate(back.delta, start=1)]
        return Gradients([dW for dW, _ in pairs], [db for _, db in pairs])

    def cost_and_gradient(self, x: object, y: object) -> tuple[float, Gradients]:
        """``J`` and its gradient from one forward and one backward pass (for optimisers).

        Examples
        --------
        >>> net = Network(W=[[[2.0]]], b=[[0.0]], activations=["identity"], cost="sse")
        >>> J, g = net.cost_and_gradient([1.0], [3.0])     # J = (3 - 2)², dJ/dW = 2(2 - 3)·1
        >>> J, float(g.dW[0][0, 0])
        (1.0, -2.0)
        """
        fw = self.forward(x)
        y = self.targets(y, fw.a[0].shape[1])
        return self.total_cost(fw, y), self.gradients(fw, self.backward(fw, y))

    def gradient(self, x: object, y: object) -> Gradients:
        """∂J/∂W and ∂J/∂b on inputs ``x`` and targets ``y``, each the shape of its parameter."""
        return self.cost_and_gradient(x, y)[1]
