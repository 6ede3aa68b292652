"""check_gradients judges a user's gradient against the oracle; finite differences agree with it."""

import numpy as np
import pytest

from backprop_ref import InputError, Network
from backprop_ref.gradcheck import check_gradients, finite_differences, oracle_gradients


def _net() -> Network:
    rng = np.random.default_rng(4)
    return Network(
        W=[rng.normal(size=(3, 2)), rng.normal(size=(2, 3))],
        b=[rng.normal(size=3), rng.normal(size=2)],
        activations=["tanh", "sigmoid"],
        cost="cross_entropy",
    )


X = np.array([[0.2, -0.4, 0.9], [1.1, 0.3, -0.5]])
Y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])


def handwritten(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """A learner's own backprop for tanh → sigmoid with mean cross-entropy (written from the math)."""
    m = x.shape[1]
    z1 = p["W1"] @ x + p["b1"]
    a1 = np.tanh(z1)
    a2 = 1 / (1 + np.exp(-(p["W2"] @ a1 + p["b2"])))
    d2 = a2 - y
    d1 = (p["W2"].T @ d2) * (1 - a1**2)
    return {
        "W1": d1 @ x.T / m,
        "b1": d1.sum(axis=1, keepdims=True) / m,
        "W2": d2 @ a1.T / m,
        "b2": d2.sum(axis=1, keepdims=True) / m,
    }


def test_a_correct_handwritten_gradient_passes() -> None:
    report = check_gradients(_net(), X, Y, handwritten)
    assert report.passed
    assert report.max_rel_error < 1e-12


def test_a_missing_derivative_factor_fails_and_names_the_worst_parameter() -> None:
    def buggy(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        g = handwritten(p, x, y)
        g["W2"] = g["W2"].copy()
        g["W2"][1, 2] *= 1.5
        return g

    report = check_gradients(_net(), X, Y, buggy)
    assert not report.passed
    assert report.worst == ("W2", (1, 2))
    assert report.max_rel_error == pytest.approx(0.5)
    assert str(report).startswith("FAIL")
    assert "worst W2[1, 2]" in str(report)


def test_arrays_are_accepted_instead_of_a_function() -> None:
    net = _net()
    assert check_gradients(net, X, Y, handwritten(net.parameters(), X, Y)).passed


def test_finite_differences_agree_with_backpropagation() -> None:
    net = _net()
    fd = finite_differences(net, X, Y)
    bp = oracle_gradients(net, X, Y)
    for name in bp:
        np.testing.assert_allclose(fd[name], bp[name], rtol=1e-6, atol=1e-9)


def test_a_gradient_missing_a_parameter_is_rejected() -> None:
    g = handwritten(_net().parameters(), X, Y)
    del g["b2"]
    with pytest.raises(
        InputError,
        match=r"^gradient: expected a dict with exactly the keys \['W1', 'W2', 'b1', 'b2'\], "
        r"got \['W1', 'W2', 'b1'\]$",
    ):
        check_gradients(_net(), X, Y, g)


def test_a_gradient_of_the_wrong_shape_is_rejected() -> None:
    g = handwritten(_net().parameters(), X, Y)
    g["W1"] = g["W1"].T
    with pytest.raises(
        InputError,
        match=r"^gradient\['W1'\]: expected a 3 x 2 array of numbers, got shape \(2, 3\)$",
    ):
        check_gradients(_net(), X, Y, g)
