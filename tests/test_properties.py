"""Laws that hold for every network: backpropagation agrees with two independent checks.

Random networks of depth 1-5 and widths 1-8 with every hidden activation, every (cost, output
activation) pair the package accepts, with and without L2, both reductions and both bias
conventions, on 1-4 examples (columns).  Their gradients are checked against central finite
differences of the cost and against ``jax.grad`` of an independent JAX implementation
(``reference_jax.py``); gradient-descent steps against θ − η·(JAX gradient).

Hypothesis draws each network's structure and a seed; the numbers come from that seed, uniform
and moderate (no saturation, where the textbook cross-entropy formula in JAX loses accuracy), and
away from the special values hypothesis favours, which would put most ReLU units on their kink.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backprop_ref import Conventions, Network, step
from backprop_ref.conventions import BIASES, REDUCTIONS
from backprop_ref.kernels import ACTIVATIONS, COST_OUTPUTS, DISTRIBUTION_TARGETS, OUTPUT_ONLY
from tests import reference_jax

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True)
PAIRS = [(cost, output) for cost, outputs in COST_OUTPUTS.items() for output in outputs]
HIDDEN = [f for f in ACTIVATIONS if f not in OUTPUT_ONLY]
DEPTHS = st.integers(1, 5)


class Problem(NamedTuple):
    net: Network
    x: np.ndarray  # (n_0, m)
    y: np.ndarray  # (n_L, m)


@st.composite
def problems(
    draw: st.DrawFn,
    depths: st.SearchStrategy[int] = DEPTHS,
    pairs: list[tuple[str, str]] = PAIRS,
    hidden_kinds: list[str] = HIDDEN,
    **conventions: object,
) -> Problem:
    """A random network and a batch for it; ``conventions`` fixes some of its conventions, ``pairs``
    the (cost, output activation) pairs and ``hidden_kinds`` the hidden activations drawn from."""
    L = draw(depths)
    sizes = draw(st.lists(st.integers(1, 8), min_size=L + 1, max_size=L + 1))
    hidden = draw(st.lists(st.sampled_from(hidden_kinds), min_size=L - 1, max_size=L - 1))
    cost, output = draw(st.sampled_from(pairs))
    drawn = Conventions(
        reduction=draw(st.sampled_from(REDUCTIONS)),
        lmbda=draw(st.just(0.0) | st.floats(0.01, 2.0)),
        bias=draw(st.sampled_from(BIASES)),
    )
    m = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shared = drawn.bias == "shared"
    net = Network(
        W=[rng.uniform(-1.5, 1.5, (n, n_prev)) / np.sqrt(n_prev) for n_prev, n in pairwise(sizes)],
        b=[rng.uniform(-0.5, 0.5, 1 if shared else n) for n in sizes[1:]],
        activations=[*hidden, output],
        cost=cost,
        conventions=replace(drawn, **conventions),
    )
    x = rng.uniform(-1.0, 1.0, (sizes[0], m))
    y = rng.uniform(0.0 if cost == "cross_entropy" else -1.0, 1.0, (sizes[-1], m))
    if cost in DISTRIBUTION_TARGETS:  # each example's targets a distribution over the units
        y = rng.dirichlet(np.ones(sizes[-1]), m).T
    return Problem(net, x, y)


def clear_of_kinks(net: Network, x: np.ndarray, margin: float = 1e-3) -> bool:
    """No ReLU unit's z within ``margin`` of 0, where ReLU has no derivative (and the package
    takes 0, JAX ½).  A finite-difference step of 1e-6 moves z by far less than 1e-3."""
    z = net.forward(x).z
    kinked = ("relu", "leaky_relu")
    return all(np.abs(z_l).min() > margin for z_l, f in zip(z, net.activations, strict=True) if f in kinked)


def relative_error(actual: np.ndarray, expected: np.ndarray, J: float) -> float:
    """max |actual − expected| / max(|expected|, 1e-3·max(1, J)), entry by entry.

    An entry far smaller than the numbers it is computed from (a gradient that nearly cancels)
    carries their rounding error, not its own, and those numbers scale with the cost J: the floor
    compares such entries absolutely, at a thousandth of J's scale.
    """
    actual, expected = np.ravel(actual), np.ravel(expected)
    floor = 1e-3 * max(1.0, J)
    return float(np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), floor)))


def spec(net: Network) -> reference_jax.Spec:
    c = net.conventions
    return reference_jax.Spec(tuple(net.activations), net.cost, c.reduction, c.lmbda, c.bias)


def reference(net: Network, x: np.ndarray, y: np.ndarray) -> reference_jax.Reference:
    """J and ``jax.grad`` of J from the independent JAX implementation of ``net``'s cost."""
    return reference_jax.gradient(spec(net), list(net.W), list(net.b), x, y)


def flat(dW: list[np.ndarray], db: list[np.ndarray]) -> list[np.ndarray]:
    """Per-layer gradients in the order of ``Network.parameters``: W1, b1, W2, b2, ..."""
    return [g for pair in zip(dW, db, strict=True) for g in pair]


def central_differences(net: Network, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """(J(θ + h) − J(θ − h)) / 2h for every entry θ of every parameter, J from ``cost_of``."""
    out = []
    for name, theta in net.parameters().items():
        grad = np.empty_like(theta)
        for i in np.ndindex(theta.shape):
            up, down = theta.copy(), theta.copy()
            h = 1e-6 * max(1.0, abs(theta[i]))
            up[i] += h
            down[i] -= h
            J_up = net.with_parameters({name: up}).cost_of(x, y)
            J_down = net.with_parameters({name: down}).cost_of(x, y)
            grad[i] = (J_up - J_down) / (up[i] - down[i])  # the step as floats represent it
        out.append(grad)
    return out


@PROPERTY
@given(problem=problems())
def test_gradient_equals_central_differences_of_the_cost(problem: Problem) -> None:
    net, x, y = problem
    assume(clear_of_kinks(net, x))
    backprop = net.gradient(x, y)
    # Central differences with h = 1e-6 carry rounding noise of about ε·J/h ≈ 1e-10·J (measured
    # up to 3e-10·max(1, J) over 10,000 entries); truncation, h²·J''' ≈ 1e-12, is smaller.  So
    # only entries above 1e-3·max(1, J) can be held to 1e-6 relative; the floor holds smaller
    # ones to 1e-9·max(1, J), three times the noise.
    J = net.cost_of(x, y)
    for g, fd in zip(flat(backprop.dW, backprop.db), central_differences(net, x, y), strict=True):
        assert relative_error(g, fd, J) <= 1e-6


@PROPERTY
@given(problem=problems())
def test_gradient_equals_jax_grad_of_an_independent_implementation(problem: Problem) -> None:
    net, x, y = problem
    assume(clear_of_kinks(net, x))
    ref = reference(net, x, y)
    backprop = net.gradient(x, y)
    # Two float64 computations of one quantity differ by rounding, ~1e-16 times the numbers
    # combined (measured up to 7e-16·max(1, J)); the floor holds entries that nearly cancel to
    # 1e-13·max(1, J), still a hundred times that noise.
    assert relative_error(np.array(net.cost_of(x, y)), np.array(ref.J), ref.J) <= 1e-10
    for g, g_ref in zip(flat(backprop.dW, backprop.db), flat(ref.dW, ref.db), strict=True):
        assert relative_error(g, g_ref, ref.J) <= 1e-10


#: The rules added last, each drawn in every example of its own run of the two checks above:
#: softmax outputs (under every cost that takes them), categorical cross-entropy, leaky ReLU and
#: softplus in hidden layers (any output).
NEWER = {
    "softmax": problems(pairs=[p for p in PAIRS if p[1] == "softmax"]),
    "categorical_cross_entropy": problems(pairs=[p for p in PAIRS if p[0] == "categorical_cross_entropy"]),
    "leaky_relu": problems(depths=st.integers(2, 5), hidden_kinds=["leaky_relu"]),
    "softplus": problems(depths=st.integers(2, 5), hidden_kinds=["softplus"]),
}


@pytest.mark.parametrize("rule", NEWER)
@PROPERTY
@given(data=st.data())
def test_each_newer_rule_agrees_with_central_differences_and_jax(rule: str, data: st.DataObject) -> None:
    net, x, y = data.draw(NEWER[rule])
    assume(clear_of_kinks(net, x))
    ref = reference(net, x, y)
    J, backprop = net.cost_and_gradient(x, y)
    assert relative_error(np.array(J), np.array(ref.J), ref.J) <= 1e-10
    gradients = flat(backprop.dW, backprop.db)
    for g, g_ref in zip(gradients, flat(ref.dW, ref.db), strict=True):
        assert relative_error(g, g_ref, ref.J) <= 1e-10  # as in the JAX test above
    for g, fd in zip(gradients, central_differences(net, x, y), strict=True):
        assert relative_error(g, fd, J) <= 1e-6  # as in the finite-difference test above


@PROPERTY
@given(problem=problems(reduction="sum", lmbda=0.0))
def test_input_gradient_equals_jax_grad_with_respect_to_x(problem: Problem) -> None:
    # With a sum over examples and no L2, ∂J/∂x is the per-example ∂C/∂a⁰ that backward returns.
    net, x, y = problem
    assume(clear_of_kinks(net, x))
    ref = reference(net, x, y)
    dC_da0 = net.backward(net.forward(x), y, wrt_input=True).dC_da[0]
    assert dC_da0 is not None
    assert relative_error(dC_da0, ref.dx, ref.J) <= 1e-10


@PROPERTY
@given(
    problem=problems(),
    eta=st.floats(0.01, 2.0),
    update_biases=st.booleans(),
    frozen=st.sampled_from([set(), {"W1"}]),
)
def test_step_moves_each_free_parameter_by_minus_eta_times_the_jax_gradient(
    problem: Problem, eta: float, update_biases: bool, frozen: set[str]
) -> None:
    net, x, y = problem
    net = replace(net, conventions=replace(net.conventions, update_biases=update_biases))
    assume(clear_of_kinks(net, x))
    ref = reference(net, x, y)
    after = step(net, x, y, eta, frozen).after.parameters()
    for (name, theta), g in zip(net.parameters().items(), flat(ref.dW, ref.db), strict=True):
        if name in frozen or (name.startswith("b") and not update_biases):
            np.testing.assert_array_equal(after[name], theta)
        else:
            expected = theta - eta * np.reshape(g, theta.shape)
            assert relative_error(after[name], expected, ref.J) <= 1e-10


@PROPERTY
@given(
    problem=problems(depths=st.integers(2, 5), hidden_delta_weights="after"),
    eta=st.floats(0.01, 2.0),
)
def test_after_update_carries_delta_through_the_updated_weights(problem: Problem, eta: float) -> None:
    # Independently in JAX: W_newˡ⁺¹ = Wˡ⁺¹ − η·∂J/∂Wˡ⁺¹, then δˡ = vjp of
    # zˡ⁺¹ = W_newˡ⁺¹ f(zˡ) + bˡ⁺¹ with respect to zˡ, applied to δˡ⁺¹ (reference_jax.step_after).
    net, x, y = problem
    assume(clear_of_kinks(net, x))
    delta_ref, W_ref = reference_jax.step_after(spec(net), list(net.W), list(net.b), x, y, eta)
    taken = step(net, x, y, eta)
    J = net.cost_of(x, y)
    for delta, d_ref in zip(taken.backward.delta, delta_ref, strict=True):
        assert relative_error(delta, d_ref, J) <= 1e-10
    for W_new, W_new_ref in zip(taken.after.W, W_ref, strict=True):
        assert relative_error(W_new, W_new_ref, J) <= 1e-10


@PROPERTY
@given(problem=problems(depths=st.integers(2, 4)), eta=st.floats(0.01, 2.0))
def test_after_matches_before_on_the_top_layer_and_wherever_the_weights_above_are_frozen(
    problem: Problem, eta: float
) -> None:
    # δᴸ and the top update never depend on the convention.  With every Wˡ⁺¹ (l ≥ 1) frozen, δ is
    # carried through unchanged weights under "after" too, so the two steps are the same
    # arithmetic: equal to the last bit.  (A carry that updated a frozen W would change δ¹.)
    net, x, y = problem
    after_net = replace(net, conventions=replace(net.conventions, hidden_delta_weights="after"))
    before, after = step(net, x, y, eta), step(after_net, x, y, eta)
    np.testing.assert_array_equal(after.backward.delta[-1], before.backward.delta[-1])
    np.testing.assert_array_equal(after.after.W[-1], before.after.W[-1])
    frozen = {f"W{l}" for l in range(2, len(net.W) + 1)}
    before, after = step(net, x, y, eta, frozen=frozen), step(after_net, x, y, eta, frozen=frozen)
    for ours, theirs in zip(after.backward.delta, before.backward.delta, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    for name, value in before.after.parameters().items():
        np.testing.assert_array_equal(after.after.parameters()[name], value)
