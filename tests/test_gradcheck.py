"""check_gradients judges a user's gradient against the oracle; finite differences agree with it."""

import numpy as np
import pytest

from backprop_ref import InputError, Network
from backprop_ref.gradcheck import check_gradients, finite_differences, oracle_gradients
from tests.random_network import random_network


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


def test_the_default_tolerance_is_a_relative_1e_6() -> None:
    # A gradient off by a relative 1e-5 everywhere fails by default (rtol 1e-6) and passes at 1e-4.
    net = Network(W=[[[0.3, -0.2]]], b=[[0.1]], activations=["sigmoid"], cost="half_sse")
    x, y = np.array([[0.5], [1.5]]), np.array([[1.0]])
    oracle = oracle_gradients(net, x, y)
    off = {name: value * (1 + 1e-5) for name, value in oracle.items()}
    assert not check_gradients(net, x, y, off).passed
    assert check_gradients(net, x, y, off, rtol=1e-4).passed
    slightly = {name: value * (1 + 1e-7) for name, value in oracle.items()}
    assert check_gradients(net, x, y, slightly).passed


def test_the_sampled_check_passes_the_oracle_and_catches_one_wrong_entry() -> None:
    from backprop_ref.gradcheck import sampled_check

    rng = np.random.default_rng(3)
    net = Network(
        W=[rng.normal(size=(6, 4)), rng.normal(size=(5, 6)), rng.normal(size=(3, 5))],
        b=[rng.normal(size=(6, 1)), rng.normal(size=(5, 1)), rng.normal(size=(3, 1))],
        activations=["tanh", "sigmoid", "sigmoid"],
        cost="cross_entropy",
    )
    x, y = rng.normal(size=(4, 20)), rng.uniform(size=(3, 20))
    good = sampled_check(net, x, y)
    assert good.passed, str(good)
    assert good.direction_error < 1e-8
    oracle = oracle_gradients(net, x, y)
    broken = {**oracle, "W2": oracle["W2"].copy()}
    broken["W2"][3, 1] += 0.05 * good.gradient_norm  # one entry off by 5 % of the whole gradient
    bad = sampled_check(net, x, y, broken)
    assert not bad.passed
    assert bad.direction_error > 1e-4
    assert bad.miss_probability(0.05 * good.gradient_norm) < 1e-12


def test_the_sampled_check_names_the_worst_sampled_entry() -> None:
    from backprop_ref.gradcheck import sampled_check

    net = Network(W=[[[0.3, -0.2]], [[1.5]]], b=[[0.1], [0.0]], activations=["tanh", "sigmoid"])
    x, y = [[0.5], [1.5]], [[1.0]]
    oracle = oracle_gradients(net, x, y)
    wrong = {**oracle, "b2": oracle["b2"] + 1.0}
    report = sampled_check(net, x, y, wrong)  # 5 parameters: every entry is sampled
    assert report.coordinates == 5
    assert report.worst == ("b2", (0, 0))
    assert report.finite_difference == pytest.approx(float(oracle["b2"][0, 0]), abs=1e-8)
    assert not report.passed


def test_the_sampled_check_draws_from_seed_0_unless_told() -> None:
    """The documented default: the same directions and entries on every call, those of seed 0."""
    from backprop_ref.gradcheck import sampled_check

    net, x, y = theta_network()
    assert sampled_check(net, x, y) == sampled_check(net, x, y, seed=0)
    assert sampled_check(net, x, y) != sampled_check(net, x, y, seed=1)


def test_check_gradients_passes_its_seed_to_the_sampled_check() -> None:
    from backprop_ref.gradcheck import sampled_check

    net, x, y = theta_network()
    for seed in (0, 7):
        via_check = check_gradients(net, x, y, None, against="finite_differences", seed=seed)
        assert via_check == sampled_check(net, x, y, seed=seed)
    first = check_gradients(net, x, y, None, against="finite_differences", seed=0)
    other = check_gradients(net, x, y, None, against="finite_differences", seed=7)
    assert first.direction_error != other.direction_error  # other directions, other rounding


def octave_style_gradient(theta: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """nnCostFunction's gradient written as Coursera's exercise does: Θ with a bias column,
    examples as rows, sigmoid layers, cross-entropy, mean; returned as [Theta1(:); Theta2(:)]."""
    T1, T2 = theta["Theta1"], theta["Theta2"]
    X, Y = x.T, y.T  # examples as rows
    m = X.shape[0]
    a1 = np.hstack([np.ones((m, 1)), X])
    a2 = np.hstack([np.ones((m, 1)), 1 / (1 + np.exp(-(a1 @ T1.T)))])
    a3 = 1 / (1 + np.exp(-(a2 @ T2.T)))
    d3 = a3 - Y
    d2 = (d3 @ T2)[:, 1:] * a2[:, 1:] * (1 - a2[:, 1:])
    grad1, grad2 = d2.T @ a1 / m, d3.T @ a2 / m
    return np.concatenate([grad1.ravel(order="F"), grad2.ravel(order="F")])


def theta_network() -> tuple[Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    net = random_network(rng, (3, 4, 2), ["sigmoid", "sigmoid"], "cross_entropy")
    return net, rng.normal(size=(3, 5)), rng.uniform(size=(2, 5))


def test_a_theta_gradient_unrolled_column_major_is_checked_and_named_in_its_own_terms() -> None:
    net, x, y = theta_network()
    assert check_gradients(net, x, y, octave_style_gradient, theta="F").passed
    assert check_gradients(net, x, y, octave_style_gradient, theta="F", against="finite_differences").passed

    def forgets_the_bias_column(theta: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
        g = octave_style_gradient(theta, x, y)
        g[1] = 0.0  # Theta1(2, 1) in Octave's 1-based terms: the second unit's bias
        return g

    report = check_gradients(net, x, y, forgets_the_bias_column, theta="F")
    assert not report.passed
    assert report.worst == ("grad", (1,))
    assert "grad[1]" in str(report)


def test_a_theta_gradient_unrolled_row_major_is_checked_with_theta_c() -> None:
    net, x, y = theta_network()

    def numpy_style_gradient(theta: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The same gradient unrolled as ``ndarray.ravel()`` does, row by row."""
        g = octave_style_gradient(theta, x, y)
        T1, T2 = g[:16].reshape((4, 4), order="F"), g[16:].reshape((2, 5), order="F")
        return np.concatenate([T1.ravel(), T2.ravel()])

    assert check_gradients(net, x, y, numpy_style_gradient, theta="C").passed
    assert not check_gradients(net, x, y, numpy_style_gradient, theta="F").passed


def test_theta_matrices_are_checked_and_named_as_theta() -> None:
    net, x, y = theta_network()
    flat = octave_style_gradient(
        {
            f"Theta{l}": t
            for l, t in enumerate([np.hstack([b, W]) for W, b in zip(net.W, net.b, strict=True)], 1)
        },
        x,
        y,
    )
    T1 = flat[:16].reshape((4, 4), order="F")
    T2 = flat[16:].reshape((2, 5), order="F").copy()
    assert check_gradients(net, x, y, {"Theta1": T1, "Theta2": T2}, theta="matrices").passed
    T2[1, 3] += 1.0
    report = check_gradients(net, x, y, {"Theta1": T1, "Theta2": T2}, theta="matrices")
    assert report.worst == ("Theta2", (1, 3))
    with pytest.raises(InputError, match=r"^gradient: expected a vector of 26 numbers, got shape \(25,\)$"):
        check_gradients(net, x, y, np.zeros(25), theta="F")
    with pytest.raises(InputError, match=r"^theta: expected None, 'matrices', 'F' or 'C'"):
        check_gradients(net, x, y, np.zeros(26), theta="octave")
