"""Gradient descent: one step under the network's conventions, and a training loop that reports.

The update is θ ← θ − η·∂J/∂θ for every parameter not frozen, by one of two procedures, chosen by
the network's ``hidden_delta_weights`` convention:

* ``"before"`` -- ``_all_at_once``, standard backpropagation: every gradient is taken at the
  weights from before the step, then every parameter is updated;
* ``"after"`` -- ``_layer_by_layer``, the update some hand-worked examples use: walk down the
  layers, update Wˡ as soon as δˡ is known, and carry δ to layer l-1 through the updated Wˡ.

Both check nothing: :func:`step` and :func:`train` check their inputs once and call them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from backprop_ref import core
from backprop_ref.core import Array, Backward, Gradients, Hook
from backprop_ref.errors import InputError, diverged
from backprop_ref.network import Batch, Forward, Network
from backprop_ref.validation import number, whole


@dataclass(frozen=True)
class Step:
    """One gradient-descent step: the passes it took and the network it produced."""

    before: Network
    forward: Forward
    backward: Backward
    gradients: Gradients
    after: Network


def _frozen(net: Network, frozen: object) -> set[str]:
    """The names of the parameters a step leaves unchanged (every bias too, by convention)."""
    names = set(net.parameters())
    expected = "a collection of parameter names, such as {'W1'}"
    if isinstance(frozen, str) or not isinstance(frozen, Collection):  # a lone name is no collection
        raise InputError("frozen", expected, frozen)
    unknown = sorted((n for n in frozen if n not in names), key=str)
    if unknown:
        raise InputError("frozen", f"parameter names among {sorted(names)}", unknown[0])
    biases = {n for n in names if n.startswith("b")} if not net.conventions.update_biases else set()
    return set(frozen) | biases


def _updated(net: Network, grads: Gradients, eta: float, keep: set[str]) -> Network:
    """The network after θ ← θ − η·∂J/∂θ for every parameter not in ``keep``."""
    W: list[Array] = []
    b: list[Array] = []
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        for l, (W_l, b_l, dW, db) in enumerate(zip(net.W, net.b, grads.dW, grads.db, strict=True), start=1):
            for name, value, grad, into in ((f"W{l}", W_l, dW, W), (f"b{l}", b_l, db, b)):
                into.append(value if name in keep else value - eta * grad)
                if not np.isfinite(into[-1].sum()):
                    raise diverged(eta, f"{name} to inf or NaN in one step")
    return net.with_arrays(W, b)


def _all_at_once(net: Network, data: Batch, eta: float, keep: set[str], hook: Hook) -> Step:
    """Standard backpropagation: every gradient at the weights from before the step, then update."""
    fw = net.forward(data, hook)
    back = net.backward(fw, data, hook=hook)
    plain = net.gradients(fw, back)
    grads = Gradients(
        [hook("dW", l, dW) for l, dW in enumerate(plain.dW, start=1)],
        [hook("db", l, db) for l, db in enumerate(plain.db, start=1)],
    )
    return Step(net, fw, back, grads, _updated(net, grads, eta, keep))


def _layer_by_layer(net: Network, data: Batch, eta: float, keep: set[str], hook: Hook) -> Step:
    """From layer L down: δˡ, then ∂J/∂Wˡ and ∂J/∂bˡ, then Wˡ updated, through which δ goes on down."""
    fw = net.forward(data, hook)
    L = len(net.W)
    delta: list[Array] = []
    dC_da: list[Array | None] = []
    dW: list[Array] = []
    db: list[Array] = []
    d, g = net.output_error(fw, data, hook)
    for l in range(L, 0, -1):
        delta.insert(0, d)
        dC_da.insert(0, g)
        gW, gb = net.layer_gradient(l, d, fw.a[l - 1])
        dW.insert(0, hook("dW", l, gW))
        db.insert(0, hook("db", l, gb))
        if l > 1:
            W_l = net.W[l - 1] if f"W{l}" in keep else net.W[l - 1] - eta * dW[0]
            d, g = net.hidden_error(l - 1, W_l, d, fw, hook)
    grads = Gradients(dW, db)
    return Step(net, fw, Backward(delta, [None, *dC_da]), grads, _updated(net, grads, eta, keep))


def _step(net: Network, data: Batch, eta: float, keep: set[str], hook: Hook = core.unchanged) -> Step:
    """One step on checked data by the procedure the network's conventions name."""
    after = net.conventions.hidden_delta_weights == "after"
    return (_layer_by_layer if after else _all_at_once)(net, data, eta, keep, hook)


def step(
    net: Network,
    x: object,
    y: object,
    eta: float,
    frozen: Collection[str] = (),
    hook: Hook = core.unchanged,
) -> Step:
    """Take one gradient-descent step with learning rate ``eta`` on inputs ``x``, targets ``y``.

    Parameters
    ----------
    net
        The network before the step.
    x, y
        Inputs ``(n_0, m)`` and targets ``(n_L, m)``; examples are columns.  ``x`` may be a
        :class:`~backprop_ref.network.Batch` instead, with ``y`` None.
    eta
        Learning rate η > 0.
    frozen
        Parameter names (``"W1"``, ``"b2"``, ...) left unchanged; every bias is frozen as well
        when the network's conventions say ``update_biases=False``.
    hook
        ``hook(kind, layer, value)`` sees every z, a, ∂C/∂a and δ (see
        :func:`backprop_ref.core.forward`) and every gradient ``"dW"``, ``"db"`` of layer l
        before the update uses it, once each, and may return a replacement; ``Step`` records the
        replaced values.

    Examples
    --------
    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> float(step(net, [1.0], [2.0], eta=0.1).after.W[0][0, 0])   # 0.5 - 0.1·(0.5 - 2)·1
    0.65
    """
    eta = number(eta, "eta", minimum=0.0, inclusive=False)
    keep = _frozen(net, frozen)
    if not callable(hook):
        raise InputError("hook", "a function hook(kind, layer, value) returning the value to use", hook)
    return _step(net, net._data(x, y), eta, keep, hook)


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
    ``progress(epoch, cost)`` is called after every epoch.  The data are checked once.

    Examples
    --------
    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> run = train(net, [1.0], [2.0], eta=0.5, epochs=20)
    >>> run.costs[0] > run.costs[-1]
    True
    """
    epochs = whole(epochs, "epochs")
    try:
        size = None if batch_size is None else whole(batch_size, "batch_size")
    except InputError as err:
        raise InputError("batch_size", f"{err.expected} or None", batch_size) from None
    eta = number(eta, "eta", minimum=0.0, inclusive=False)
    keep = _frozen(net, frozen)
    whole(seed, "seed", minimum=0)
    if progress is not None and not callable(progress):
        raise InputError("progress", "a function progress(epoch, cost), or None", progress)
    data = net.batch(x, y)
    m = data.examples
    rng = np.random.default_rng(seed)
    costs = [net.cost_of(data)]
    for epoch in range(1, epochs + 1):
        if size is None:
            net = _step(net, data, eta, keep).after
        else:
            order = rng.permutation(m)
            for start in range(0, m, size):
                idx = order[start : start + size]
                net = _step(
                    net, Batch(data.x[:, idx], data.y[:, idx], data.in_unit_interval), eta, keep
                ).after
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
            costs.append(net.cost_of(data))
        if not np.isfinite(costs[-1]):
            raise diverged(eta, f"the cost to {costs[-1]} at epoch {epoch}")
        if progress is not None:
            progress(epoch, costs[-1])
    return Training(net, costs)
