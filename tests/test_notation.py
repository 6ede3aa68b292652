"""The θ (bias column) and AfterAcademy (w1…w8) notations map onto W, b unchanged."""

import math

import numpy as np
import pytest

from backprop_ref import InputError, Network
from backprop_ref.notation import afteracademy_network, afteracademy_values, from_theta, to_theta

AFTERACADEMY = {
    "w1": 0.25,
    "w2": 0.28,
    "w3": 0.35,
    "w4": 0.15,
    "w5": 0.35,
    "w6": 0.20,
    "w7": 0.45,
    "w8": 0.40,
    "b1": 0.45,
    "b2": 0.5,
}


def test_theta_round_trips() -> None:
    theta = [np.arange(12.0).reshape(3, 4), np.arange(4.0).reshape(1, 4)]
    W, b = from_theta(theta)
    assert [w.shape for w in W] == [(3, 3), (1, 3)]
    for t, back in zip(theta, to_theta(W, b), strict=True):
        np.testing.assert_array_equal(t, back)


def test_theta_network_equals_the_bias_node_computation() -> None:
    """Seed 000's forward pass: prepend a₀ = 1 and multiply by θ (written here independently)."""
    rng = np.random.default_rng(0)
    theta = [rng.normal(size=(3, 4)), rng.normal(size=(1, 4))]
    x = np.array([0.3, -1.2, 0.8])
    a = x
    for t in theta:
        a = 1 / (1 + np.exp(-(t @ np.concatenate([[1.0], a]))))
    W, b = from_theta(theta)
    net = Network(W=W, b=b, activations=["sigmoid", "sigmoid"], cost="cross_entropy")
    assert net.forward(x).a[-1][0, 0] == pytest.approx(a[0], rel=1e-14)


def test_afteracademy_wiring_matches_the_article_equations() -> None:
    net = afteracademy_network(AFTERACADEMY)
    z = net.forward([0.1, 0.2]).z
    v = AFTERACADEMY
    h1 = v["w1"] * 0.1 + v["w4"] * 0.2 + v["b1"]
    h2 = v["w3"] * 0.1 + v["w2"] * 0.2 + v["b1"]
    s1, s2 = (1 / (1 + math.exp(-h)) for h in (h1, h2))
    assert z[0].ravel().tolist() == pytest.approx([h1, h2], rel=1e-15)
    assert z[1].ravel().tolist() == pytest.approx(
        [v["w5"] * s1 + v["w6"] * s2 + v["b2"], v["w7"] * s1 + v["w8"] * s2 + v["b2"]], rel=1e-15
    )
    assert afteracademy_values(net) == AFTERACADEMY


def test_afteracademy_rejects_missing_names() -> None:
    values = dict(AFTERACADEMY)
    del values["w8"]
    with pytest.raises(InputError, match=r"^values: expected exactly the names \[.*'w8'\], got \[.*\]$"):
        afteracademy_network(values)


def test_theta_without_weights_is_rejected() -> None:
    with pytest.raises(InputError, match=r"^theta\[1\]: expected shape b × \(a\+1\) .*, got shape \(2, 1\)$"):
        from_theta([[[1.0], [2.0]]])
