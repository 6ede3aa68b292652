"""Gradient descent: one step by hand, and what the training loop visits and reports."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backprop_ref import Batch, Conventions, Network, step, train, training


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_one_weight_identity_network_steps_as_computed_by_hand(reduction: str) -> None:
    # a = θ·x + b with ½(a − y)² per example: ∂C/∂θ = (θ·x + b − y)·x and ∂C/∂b = θ·x + b − y.
    theta, b, eta = 0.5, 0.25, 0.1
    x, y = np.array([1.0, 2.0, -3.0]), np.array([2.0, 0.5, 1.0])
    net = Network(W=[[[theta]]], b=[[b]], activations=["identity"], cost="half_sse",
                  conventions=Conventions(reduction=reduction))  # fmt: skip
    reduce = np.mean if reduction == "mean" else np.sum
    after = step(net, [x], [y], eta).after
    assert after.W[0][0, 0] == pytest.approx(theta - eta * reduce((theta * x + b - y) * x), abs=1e-15)
    assert after.b[0][0, 0] == pytest.approx(b - eta * reduce(theta * x + b - y), abs=1e-15)


def test_train_lowers_the_cost(net: Network, batch: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = batch
    run = train(net, x, y, eta=0.5, epochs=50)
    assert len(run.costs) == 51
    assert run.costs[0] == net.cost_of(x, y)
    assert run.costs[-1] == run.network.cost_of(x, y)
    assert run.costs[-1] < 0.5 * run.costs[0]


def batches_seen(
    monkeypatch: pytest.MonkeyPatch, net: Network, x: np.ndarray, y: np.ndarray, **options: Any
) -> list[list[float]]:
    """Row 0 of each mini-batch ``train(net, x, y, eta=0.1, **options)`` steps on, in order."""
    seen: list[list[float]] = []
    one_step = training._step

    def spy(net: Network, data: Batch, *args: Any, **kwargs: Any) -> training.Step:
        seen.append(list(data.x[0]))
        return one_step(net, data, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(training, "_step", spy)
        train(net, x, y, eta=0.1, **options)
    return seen


def test_mini_batches_visit_every_example_once_per_epoch(
    net: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    m, batch_size, epochs = 5, 2, 3
    x = np.vstack([np.arange(m, dtype=float), np.ones(m)])  # row 0 names each example
    y = np.full((1, m), 0.5)
    seen = batches_seen(monkeypatch, net, x, y, epochs=epochs, batch_size=batch_size)
    assert [len(batch) for batch in seen] == [2, 2, 1] * epochs  # the last batch is smaller
    for epoch in range(epochs):
        batches = seen[3 * epoch : 3 * epoch + 3]
        assert sorted(name for batch in batches for name in batch) == list(range(m))


def test_the_seed_decides_the_shuffle_of_mini_batches(net: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.vstack([np.arange(8, dtype=float), np.ones(8)])[: net.sizes[0]]  # row 0 names each example
    y = np.full((net.sizes[-1], 8), 0.5)

    def order(**seed: int) -> list[list[float]]:
        return batches_seen(monkeypatch, net, x, y, epochs=2, batch_size=3, **seed)

    assert order(seed=4) == order(seed=4)  # a seed is a shuffle
    assert order() == order(seed=0)  # the documented default seed
    assert order(seed=4) != order(seed=5)  # 8!² orders: two seeds agree by chance about once in 1.6e9


@pytest.mark.parametrize("batch_size", [3, 10])
def test_one_batch_holding_every_example_is_full_batch_training(
    net: Network, batch: tuple[np.ndarray, np.ndarray], batch_size: int
) -> None:
    # Shuffled, the one batch sums the same examples in another order: equal up to rounding.
    full = train(net, *batch, eta=0.5, epochs=4)
    shuffled = train(net, *batch, eta=0.5, epochs=4, batch_size=batch_size)
    np.testing.assert_allclose(shuffled.costs, full.costs, rtol=1e-13)
    for W, W_full in zip(shuffled.network.W, full.network.W, strict=True):
        np.testing.assert_allclose(W, W_full, rtol=1e-13)


def test_progress_is_called_once_per_epoch_with_the_reported_cost(
    net: Network, batch: tuple[np.ndarray, np.ndarray]
) -> None:
    calls: list[tuple[int, float]] = []
    run = train(net, *batch, eta=0.5, epochs=4, progress=lambda epoch, J: calls.append((epoch, J)))
    assert calls == list(enumerate(run.costs[1:], start=1))
