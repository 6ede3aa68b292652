"""An independent reference: a network's cost written in JAX from the articles' definitions.

The tests differentiate it with ``jax.grad`` (and ``jax.vjp``) and compare the results with
``backprop_ref``.  Nothing here comes from ``backprop_ref``, not its kernels, rules or code: the
activations are JAX's own (``jax.nn.sigmoid``, ``jnp.tanh``, ``jnp.maximum``,
``jax.nn.softplus``) and each cost is its textbook formula, cross-entropy's
``-Σ[y log a + (1 - y) log(1 - a)]`` included, which is accurate only away from saturation: keep
inputs moderate.

Notation as in the articles: examples are columns (``x`` is ``(n_0, m)``), ``W[l-1]`` is ``Wˡ`` of
shape ``(n_l, n_{l-1})`` and ``zˡ = Wˡ aˡ⁻¹ + bˡ``, where a per-unit bias has ``n_l`` entries and a
shared bias is one scalar broadcast over its layer.  The cost J is the mean or the sum over
examples of the per-example cost, plus ``λ/(2m)·ΣW²`` over weights only.

Speed: XLA compiles a program per shape (about a second each here) and random networks rarely
repeat a shape.  So every network is embedded, exactly, in one ``DEPTH`` layers deep and ``WIDTH``
units wide, with ``EXAMPLES`` examples.  Padded weights, biases and inputs are zero, so a padded
unit never reaches a real one; 0/1 masks keep padded output units and padded examples out of the
cost (the mean over output units divides by the real number of units) and padded weights out of
the L2 term; padded layers come after the output layer and pass it through unchanged
(``W = I``, ``b = 0``, ``f(z) = z``).  Activations and costs are picked at run time by index
(``lax.switch``), and every layer carries both kinds of bias, the one not in use held at zero, so
each function compiles once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

Array = Any
DEPTH, WIDTH, EXAMPLES = 5, 8, 4  # the deepest and widest network and largest batch drawn


def _softmax(z: Array, units: Array) -> Array:
    """e^z_k / Σ_j e^z_j over the real output units (padded units get 0), as textbooks write it."""
    e = jnp.exp(z) * units
    return e / jnp.sum(e, axis=0)


# Each activation of z; ``units`` (1 on the real output units) matters only to softmax, whose
# units are coupled, and which is used only on the output layer.
ACTIVATIONS = {
    "sigmoid": lambda z, units: jax.nn.sigmoid(z),
    "tanh": lambda z, units: jnp.tanh(z),
    "relu": lambda z, units: jnp.maximum(z, 0.0),
    "identity": lambda z, units: z,
    "softplus": lambda z, units: jax.nn.softplus(z),
    "leaky_relu": lambda z, units: jax.nn.leaky_relu(z, negative_slope=0.01),
    "softmax": _softmax,
}

# Each cost per example (a vector over the batch), from its textbook definition; ``units`` is 1 on
# the real output units and 0 on padded ones.
COSTS = {
    "half_sse": lambda a, y, units: 0.5 * jnp.sum(units * (y - a) ** 2, axis=0),
    "sse": lambda a, y, units: jnp.sum(units * (y - a) ** 2, axis=0),
    "mse": lambda a, y, units: jnp.sum(units * (y - a) ** 2, axis=0) / jnp.sum(units),
    "linear": lambda a, y, units: jnp.sum(units * y * a, axis=0),
    "cross_entropy": lambda a, y, units: (
        -jnp.sum(units * (y * jnp.log(a) + (1 - y) * jnp.log(1 - a)), axis=0)
    ),
    # -Σ y log a over the real units (a padded unit's a is 0: its log is taken of 1 instead).
    "categorical_cross_entropy": lambda a, y, units: (
        -jnp.sum(units * y * jnp.log(jnp.where(units > 0, a, 1.0)), axis=0)
    ),
}


@dataclass(frozen=True)
class Spec:
    """What defines a network's cost besides its numbers."""

    activations: tuple[str, ...]  # one per layer 1..L
    cost: str
    reduction: str  # "mean" or "sum" over examples
    lmbda: float
    bias: str  # "per_unit" or "shared"


def _activate(kind: Array, z: Array, units: Array) -> Array:
    return jax.lax.switch(kind, list(ACTIVATIONS.values()), z, units)


def _column(b: tuple[Array, Array]) -> Array:
    """A layer's bias ``(per_unit, shared)`` as a column: one entry per unit plus one scalar.

    Only one of the two is in use; the other is held at zero and its gradient ignored.
    """
    per_unit, shared = b
    return per_unit[:, None] + shared


def _per_example_cost(cost: Array, a: Array, y: Array, units: Array) -> Array:
    return jax.lax.switch(cost, list(COSTS.values()), a, y, units)


def _J(W: Array, b: Array, x: Array, data: _Data) -> Array:
    """J: the per-example costs summed (divisor 1) or averaged (divisor m), plus L2 on weights."""
    a = x
    for W_l, b_l, kind in zip(W, b, data.kinds, strict=True):
        a = _activate(kind, W_l @ a + _column(b_l), data.units)
    per_example = _per_example_cost(data.cost, a, data.y, data.units)
    weights = sum(jnp.sum((real * W_l) ** 2) for real, W_l in zip(data.real, W, strict=True))
    return jnp.sum(data.examples * per_example) / data.divisor + data.lmbda / (2 * data.m) * weights


_value_and_gradient = jax.jit(jax.value_and_grad(_J, argnums=(0, 1, 2)))


def _pad(arr: Array, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.float64)
    return np.pad(arr, [(0, n - s) for n, s in zip(shape, arr.shape, strict=True)])


def _bias(b: Array, shared: bool) -> tuple[np.ndarray, np.float64]:
    """A layer's ``(per_unit, shared)`` bias: the one in use, and zero for the other."""
    if shared:
        return np.zeros(WIDTH), np.float64(np.ravel(b)[0])
    return _pad(np.ravel(b), (WIDTH,)), np.float64(0.0)


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class _Data:
    """Everything J depends on besides W, b and x, padded; passed to JAX as one pytree."""

    y: Array
    real: list[Array]  # per layer, 1 where W holds a real weight and 0 on padding
    units: Array  # (WIDTH, 1): 1 on real output units
    examples: Array  # (EXAMPLES,): 1 on real examples
    kinds: Array  # activation index of each layer
    cost: Array  # cost index
    divisor: Array  # m for a mean over examples, 1 for a sum
    lmbda: Array
    m: Array


@dataclass(frozen=True)
class _Embedded:
    """A network and its data embedded in one ``WIDTH`` wide with ``EXAMPLES`` examples."""

    sizes: tuple[int, ...]
    shared: bool
    W: list[np.ndarray]
    b: list[Array]
    x: np.ndarray
    data: _Data

    @classmethod
    def of(cls, spec: Spec, W: list[Array], b: list[Array], x: Array, y: Array) -> _Embedded:
        sizes = (np.shape(W[0])[1], *(np.shape(W_l)[0] for W_l in W))
        m, extra = np.shape(x)[1], DEPTH - len(W)
        square = (WIDTH, WIDTH)
        shared = spec.bias == "shared"
        data = _Data(
            y=_pad(y, (WIDTH, EXAMPLES)),
            real=[_pad(np.ones(np.shape(W_l)), square) for W_l in W] + [np.zeros(square)] * extra,
            units=_pad(np.ones((sizes[-1], 1)), (WIDTH, 1)),
            examples=_pad(np.ones(m), (EXAMPLES,)),
            kinds=np.array([list(ACTIVATIONS).index(f) for f in (*spec.activations, *["identity"] * extra)]),
            cost=np.array(list(COSTS).index(spec.cost)),
            divisor=np.array(float(m) if spec.reduction == "mean" else 1.0),
            lmbda=np.array(spec.lmbda),
            m=np.array(float(m)),
        )
        return cls(
            sizes,
            shared,
            [_pad(W_l, square) for W_l in W] + [np.eye(WIDTH)] * extra,
            [_bias(b_l, shared) for b_l in b] + [(np.zeros(WIDTH), np.float64(0.0))] * extra,
            _pad(x, (WIDTH, EXAMPLES)),
            data,
        )

    def real_W(self, l: int, value: Array) -> np.ndarray:
        """Layer l's (1-based) weight-shaped ``value`` cut back to ``(n_l, n_{l-1})``."""
        return np.asarray(value)[: self.sizes[l], : self.sizes[l - 1]]

    def real_b(self, l: int, value: tuple[Array, Array]) -> np.ndarray:
        """Of a bias-shaped ``value``, the ``n_l`` per-unit entries or the one shared entry."""
        per_unit, shared = value
        return np.reshape(shared, 1) if self.shared else np.asarray(per_unit)[: self.sizes[l]]

    def real_units(self, l: int, value: Array) -> np.ndarray:
        """A ``(WIDTH, EXAMPLES)`` value of layer l cut back to ``(n_l, m)``."""
        return np.asarray(value)[: self.sizes[l], : int(self.data.m)]


@dataclass(frozen=True)
class Reference:
    """The cost J and ``jax.grad`` of J, each gradient the shape of what it is taken against.

    ``db[l-1]`` has ``n_l`` entries for per-unit biases and one for a shared bias.
    """

    J: float
    dW: list[np.ndarray]
    db: list[np.ndarray]
    dx: np.ndarray


def gradient(spec: Spec, W: list[Array], b: list[Array], x: Array, y: Array) -> Reference:
    """J and its gradient with respect to every weight, every bias and the inputs."""
    net = _Embedded.of(spec, W, b, x, y)
    J, (dW, db, dx) = _value_and_gradient(net.W, net.b, net.x, net.data)
    layers = range(1, len(W) + 1)
    return Reference(
        float(J),
        [net.real_W(l, dW[l - 1]) for l in layers],
        [net.real_b(l, db[l - 1]) for l in layers],
        net.real_units(0, dx),
    )


# --- one gradient-descent step that updates the weights layer by layer ("after") ---------------


@jax.jit
def _layer(W: Array, b: Array, a_prev: Array, kind: Array, units: Array) -> tuple[Array, Array]:
    """``(zˡ, aˡ)`` from ``aˡ⁻¹`` (``units``: the output layer's real units, for softmax)."""
    z = W @ a_prev + _column(b)
    return z, _activate(kind, z, units)


@jax.jit
def _output_delta(z: Array, kind: Array, data: _Data) -> Array:
    """δᴸ = ∂C/∂zᴸ of each example: ``jax.grad`` of the per-example costs, summed."""

    def summed(z_: Array) -> Array:
        a = _activate(kind, z_, data.units)
        return jnp.sum(data.examples * _per_example_cost(data.cost, a, data.y, data.units))

    return jax.grad(summed)(z)


@jax.jit
def _updated(W: Array, real: Array, b: Array, a_prev: Array, delta: Array, eta: Array, data: _Data) -> Array:
    """``W − η·∂J/∂W`` of one layer, given its per-example δ = ∂C/∂z.

    ∂J/∂W is ``jax.vjp`` of ``z = W a_prev + b`` applied to ∂J/∂z = δ / divisor, plus ``jax.grad``
    of the layer's L2 term.  Only the ``real`` weights move: padded ones are not parameters.
    """
    _, pull = jax.vjp(lambda W_: W_ @ a_prev + _column(b), W)
    (dJ_dW,) = pull(delta / data.divisor)
    dJ_dW += jax.grad(lambda W_: data.lmbda / (2 * data.m) * jnp.sum(W_**2))(W)
    return W - eta * real * dJ_dW


@jax.jit
def _carried(W_new: Array, b: Array, z: Array, kind: Array, delta_next: Array) -> Array:
    """δˡ: ``jax.vjp`` of ``zˡ ↦ W_new f(zˡ) + bˡ⁺¹`` (the next weighted input) applied to δˡ⁺¹."""
    _, pull = jax.vjp(lambda z_: W_new @ _activate(kind, z_, jnp.ones_like(z_[:, :1])) + _column(b), z)
    return pull(delta_next)[0]


def step_after(
    spec: Spec, W: list[Array], b: list[Array], x: Array, y: Array, eta: float
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """δ of every layer and the new weights of a step that updates the weights layer by layer.

    Walking down from the output, each layer's weights are updated as soon as its δ is known,
    and δ is carried to the layer below through the updated weights.  Returns ``(δ, W_new)``,
    ``δ[l-1]`` of shape ``(n_l, m)`` and ``W_new[l-1]`` of ``Wˡ``'s shape.
    """
    net = _Embedded.of(spec, W, b, x, y)
    L, kinds = len(W), net.data.kinds  # the real layers only: no padded ones
    z, a = [], [jnp.asarray(net.x)]
    for l in range(1, L + 1):
        z_l, a_l = _layer(net.W[l - 1], net.b[l - 1], a[-1], kinds[l - 1], net.data.units)
        z.append(z_l)
        a.append(a_l)
    delta = [_output_delta(z[-1], kinds[L - 1], net.data)]  # delta[0]: δ of the layer reached
    W_new: list[Array] = []
    for l in range(L, 0, -1):
        real = net.data.real[l - 1]
        args = (net.W[l - 1], real, net.b[l - 1], a[l - 1], delta[0], eta, net.data)
        W_new.insert(0, _updated(*args))
        if l > 1:
            delta.insert(0, _carried(W_new[0], net.b[l - 1], z[l - 2], kinds[l - 2], delta[0]))
    return (
        [net.real_units(l, d) for l, d in enumerate(delta, start=1)],
        [net.real_W(l, W_l) for l, W_l in enumerate(W_new, start=1)],
    )
