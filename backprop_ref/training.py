"""Gradient descent: one step under the network's conventions, and a training loop that reports.

The update is θ ← θ − η·∂J/∂θ for every parameter not frozen.  With
``hidden_delta_weights="after"`` the step walks down the layers, updating Wˡ as soon as δˡ is known
and carrying δ to layer l-1 through the updated weights; otherwise every gradient is taken at the
weights from before the step (standard backpropagation).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from backprop_ref.core import Array, Backward, Gradients, Hook, _keep
from backprop_ref.errors import InputError
from backprop_ref.network import Forward, Network
from backprop_ref.validation import number


@dataclass(frozen=True)
class Step:
    """One gradient-descent step: the passes it took and the network it produced."""

    before: Network
    forward: Forward
    backward: Backward
    gradients: Gradients
    after: Network


def _frozen(net: Network, frozen: Collection[str]) -> set[str]:
    names = set(net.parameters())
    if isinstance(frozen, str):  # a lone name would be taken apart into its characters
        raise InputError("frozen", "a collection of parameter names, such as {'W1'}", frozen)
    unknown = sorted(set(frozen) - names)
    if unknown:
        raise InputError("frozen", f"parameter names among {sorted(names)}", unknown[0])
    biases = {n for n in names if n.startswith("b")} if not net.conventions.update_biases else set()
    return set(frozen) | biases


def step(
    net: Network,
    x: object,
    y: object,
    eta: float,
    frozen: Collection[str] = (),
    hook: Hook = _keep,
) -> Step:
    """Take one gradient-descent step with learning rate ``eta`` on inputs ``x``, targets ``y``.

    Parameters
    ----------
    net
        The network before the step.
    x, y
        Inputs ``(n_0, m)`` and targets ``(n_L, m)``; examples are columns.
    eta
        Learning rate η > 0.
    frozen
        Parameter names (``"W1"``, ``"b2"``, ...) left unchanged; every bias is frozen as well
        when the network's conventions say ``update_biases=False``.
    hook
        ``hook(kind, layer, value)`` sees every z, a and δ (see :func:`backprop_ref.core.forward`)
        and every gradient ``"dW"``, ``"db"`` of layer l before the update uses it, and may return
        a replacement; ``Step`` records the replaced values.  With ``hidden_delta_weights="after"``
        it sees ``"dW"`` twice (once for the carry), so it must answer the same both times.

    Examples
    --------
    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> float(step(net, [1.0], [2.0], eta=0.1).after.W[0][0, 0])   # 0.5 - 0.1·(0.5 - 2)·1
    0.65
    """
    eta = number(eta, "eta", minimum=0.0, inclusive=False)
    keep = _frozen(net, frozen)
    fw = net.forward(x, hook)
    target = net.targets(y, fw.a[0].shape[1])

    def updated(l: int, delta: Array) -> Array:
        W_l = net.W[l - 1]
        dW = hook("dW", l, net.layer_gradient(l, delta, fw.a[l - 1])[0])
        return W_l if f"W{l}" in keep else W_l - eta * dW

    carry = updated if net.conventions.hidden_delta_weights == "after" else None
    back = net.backward(fw, target, carry=carry, hook=hook)
    plain = net.gradients(fw, back)
    grads = Gradients(
        [hook("dW", l, dW) for l, dW in enumerate(plain.dW, start=1)],
        [hook("db", l, db) for l, db in enumerate(plain.db, start=1)],
    )
    new = {
        name: value if name in keep else value - eta * grad
        for (name, value), grad in zip(net.parameters().items(), _interleave(grads), strict=True)
    }
    return Step(net, fw, back, grads, net.with_parameters(new))


def _interleave(grads: Gradients) -> list[Array]:
    """Gradients in the order of :meth:`Network.parameters`: dW1, db1, dW2, db2, ..."""
    return [g for pair in zip(grads.dW, grads.db, strict=True) for g in pair]


@dataclass(frozen=True)
class Training:
    """The trained network and the cost J before the first epoch and after each one."""

    network: Network
    costs: list[float]


def train(
    net: Network,
    x: object,
    y: object,
    eta: float,
    epochs: int,
    *,
    batch_size: int | None = None,
    seed: int = 0,
    frozen: Collection[str] = (),
    progress: Callable[[int, float], None] | None = None,
) -> Training:
    """Gradient descent for ``epochs`` passes over the data, reporting the cost after each.

    With ``batch_size`` the examples are shuffled (by ``seed``) each epoch and one step is taken
    per mini-batch (the last batch may be smaller); without it, one full-batch step per epoch.
    ``progress(epoch, cost)`` is called after every epoch.

    Examples
    --------
    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> run = train(net, [1.0], [2.0], eta=0.5, epochs=20)
    >>> run.costs[0] > run.costs[-1]
    True
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise InputError("epochs", "a whole number ≥ 1", epochs)
    xs = net.inputs(x)
    ys = net.targets(y, xs.shape[1])
    m = xs.shape[1]
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise InputError("batch_size", "a whole number ≥ 1 or None", batch_size)
    rng = np.random.default_rng(seed)
    costs = [net.cost_of(xs, ys)]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(m) if batch_size else np.arange(m)
        for start in range(0, m, batch_size or m):
            batch = order[start : start + (batch_size or m)]
            net = step(net, xs[:, batch], ys[:, batch], eta, frozen).after
        costs.append(net.cost_of(xs, ys))
        if progress is not None:
            progress(epoch, costs[-1])
    return Training(net, costs)
