"""Every kind of address a spec may name, against the Python API computed another way.

Each address is looked up through a spec (parsed from its text, as a user writes it) and compared
with what the oracle's public API gives by another route: the per-output cost terms add up to
``Network.cost_of`` and match the textbook formula; f′ matches central differences of f; BP2's
terms match Wᵢⱼ·δᵢ from ``Network.backward`` and add up to its ∂C/∂a (∂C/∂x with
``wrt_input=True``), and ∂C/∂x matches central differences of the cost in x; the quantities after
step k match ``backprop_ref.train`` run for k epochs, which takes its own steps and computes its
own costs; the first step's own quantities match ``backprop_ref.step``.  A last test checks that
every kind ``trace`` defines is read here.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from backprop_ref import InputError, Network, kernels, step, train
from backprop_ref.worked.audit import audit
from backprop_ref.worked.cli import quantities
from backprop_ref.worked.spec import Spec, build, parse_toml
from backprop_ref.worked.trace import (
    BIASES,
    MATRICES,
    PARTS,
    PER_EXAMPLE,
    SCALARS,
    STEPPED,
    Address,
    Run,
    parse,
    run,
)
from tests.random_spec import spec_document

#: Each cost's term for one output, written from its textbook definition (not from symbolic/rules.py).
TERMS = {
    "half_sse": lambda a, y, K: 0.5 * (y - a) ** 2,
    "sse": lambda a, y, K: (y - a) ** 2,
    "mse": lambda a, y, K: (y - a) ** 2 / K,
    "linear": lambda a, y, K: y * a,
    "cross_entropy": lambda a, y, K: -(y * math.log(a) + (1 - y) * math.log(1 - a)),
}

CASES = {
    "sigmoid, half_sse, one example": ([2, 3, 2], ["tanh", "sigmoid"], "half_sse", 1, {}),
    "cross-entropy, L2, mean over three examples": (
        [3, 2, 2],
        ["softplus", "sigmoid"],
        "cross_entropy",
        3,
        {"lmbda": 0.2, "reduction": "mean"},
    ),
    "mse, shared biases, layer-by-layer update": (
        [2, 3, 3, 2],
        ["identity", "tanh", "sigmoid"],
        "mse",
        2,
        {"bias": "shared", "hidden_delta_weights": "after"},
    ),
    "linear cost, sum over two examples": ([2, 2, 1], ["relu", "sigmoid"], "linear", 2, {"reduction": "sum"}),
}
STEPS = 6


def case(name: str) -> tuple[Spec, Network, np.ndarray, np.ndarray]:
    """The spec of case ``name`` (random parameters and data, ``STEPS`` steps) and its network and data."""
    sizes, activations, cost, m, conventions = CASES[name]
    doc = spec_document(sizes, activations, cost, m, len(name), conventions, eta=0.3, steps=STEPS, title=name)
    spec = build(doc)
    return spec, spec.network, spec.x, spec.y


def value(spec: Spec, address: str) -> float:
    """The value of ``address`` in the spec's run, the address read as a spec reads it."""
    return runs(spec).value(parse(address, spec.network, spec.x.shape[1], "test", spec.steps))


_RUNS: dict[str, Run] = {}


def runs(spec: Spec) -> Run:
    """The spec's run, with every step kept, computed once per case."""
    if spec.title not in _RUNS:
        _RUNS[spec.title] = run(
            spec.network, spec.x, spec.y, spec.run_eta, spec.steps, keep=range(1, STEPS + 1)
        )
    return _RUNS[spec.title]


@pytest.fixture(scope="module", params=list(CASES))
def example(request: pytest.FixtureRequest) -> tuple[Spec, Network, np.ndarray, np.ndarray]:
    return case(request.param)


def test_cost_terms_match_the_formula_and_add_up_to_the_cost(example: Any) -> None:
    spec, net, x, y = example
    (K, m), a_L = y.shape, net.forward(x).a[-1]
    terms = np.array([[value(spec, f"cost_term[{j},{e}]") for e in range(m)] for j in range(K)])
    if net.cost in TERMS:
        expected = [[TERMS[net.cost](a_L[j, e], y[j, e], K) for e in range(m)] for j in range(K)]
        np.testing.assert_allclose(terms, expected, rtol=1e-12, atol=1e-15)
    scale = 1 / m if net.conventions.reduction == "mean" else 1
    penalty = sum(net.conventions.lmbda / (2 * m) * float((W * W).sum()) for W in net.W)
    assert scale * terms.sum() + penalty == pytest.approx(net.cost_of(x, y), rel=1e-12)
    assert value(spec, "cost_term[0]") == terms[0, 0]  # example 0 may be left out


def test_fprime_is_the_slope_of_the_activation_at_z(example: Any) -> None:
    spec, net, x, _ = example
    z, h = net.forward(x).z, 1e-6
    for l, (name, z_l) in enumerate(zip(net.activations, z, strict=True), start=1):
        f = kernels.activation(name).f
        for j, e in np.ndindex(z_l.shape):
            slope = (f(np.array(z_l[j, e] + h)) - f(np.array(z_l[j, e] - h))) / (2 * h)
            assert value(spec, f"fprime[{l}][{j},{e}]") == pytest.approx(float(slope), rel=1e-6, abs=1e-9)
            assert value(spec, f"fprime[{l}][{j},{e}]") == float(kernels.activation(name).fprime(z_l)[j, e])


def test_the_terms_of_dC_da_are_those_bp2_adds_up(example: Any) -> None:
    spec, net, x, y = example
    back, W = net.backward(net.forward(x), y, wrt_input=True), list(net.W)
    if net.conventions.hidden_delta_weights == "after":  # δ goes down through the updated Wˡ⁺¹
        taken = step(net, x, y, spec.run_eta)
        back, W = taken.backward, list(taken.after.W)
    L, m = len(net.W), x.shape[1]
    for l in range(L):
        for j, i, e in itertools.product(range(net.sizes[l]), range(net.sizes[l + 1]), range(m)):
            part = value(spec, f"dC_da_from[{l}][{j},{i},{e}]")
            assert part == pytest.approx(W[l][i, j] * back.delta[l][i, e], rel=1e-12, abs=1e-15)
        # a layer-by-layer step stops at δ¹: its ∂C/∂x goes on through the updated W¹, as BP2 would
        dC_da = back.dC_da[l] if back.dC_da[l] is not None else W[l].T @ back.delta[l]
        for j, e in itertools.product(range(net.sizes[l]), range(m)):
            total = sum(value(spec, f"dC_da_from[{l}][{j},{i},{e}]") for i in range(net.sizes[l + 1]))
            assert value(spec, f"dC_da[{l}][{j},{e}]") == pytest.approx(total, rel=1e-12, abs=1e-15)
            assert total == pytest.approx(dC_da[j, e], rel=1e-12, abs=1e-15)


def test_dC_dx_is_the_slope_of_each_example_s_cost_in_its_input(example: Any) -> None:
    spec, net, x, y = example
    if net.conventions.hidden_delta_weights == "after":
        pytest.skip("under the layer-by-layer update ∂C/∂x is carried through the updated W¹")
    per_example = Network(net.W, net.b, net.activations, net.cost)  # one example: sum = mean, no L2
    h = 1e-6
    for j, e in np.ndindex(x.shape):
        up, down = x[:, [e]].copy(), x[:, [e]].copy()
        up[j] += h
        down[j] -= h
        slope = (per_example.cost_of(up, y[:, [e]]) - per_example.cost_of(down, y[:, [e]])) / (2 * h)
        assert value(spec, f"dC_da[0][{j},{e}]") == pytest.approx(slope, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("k", [1, 3, STEPS])
def test_quantities_after_step_k_are_those_of_train_after_k_epochs(example: Any, k: int) -> None:
    spec, net, x, y = example
    trained = train(net, x, y, spec.run_eta, k)
    after, fw = trained.network, trained.network.forward(x)
    assert value(spec, f"cost@{k}") == pytest.approx(trained.costs[-1], rel=1e-12)
    for l in range(1, len(net.W) + 1):
        for j, i in np.ndindex(after.W[l - 1].shape):
            assert value(spec, f"W[{l}][{j},{i}]@{k}") == pytest.approx(after.W[l - 1][j, i], rel=1e-12)
        assert value(spec, f"b[{l}][0]@{k}") == pytest.approx(after.b[l - 1][0, 0], rel=1e-12)
        for j, e in np.ndindex(fw.z[l - 1].shape):
            assert value(spec, f"z[{l}][{j},{e}]@{k}") == pytest.approx(
                fw.z[l - 1][j, e], rel=1e-12, abs=1e-15
            )
            assert value(spec, f"a[{l}][{j},{e}]@{k}") == pytest.approx(fw.a[l][j, e], rel=1e-12, abs=1e-15)
    K, m = y.shape
    terms = [[value(spec, f"cost_term[{j},{e}]@{k}") for e in range(m)] for j in range(K)]
    scale = 1 / m if net.conventions.reduction == "mean" else 1
    penalty = sum(net.conventions.lmbda / (2 * m) * float((W * W).sum()) for W in after.W)
    assert scale * np.sum(terms) + penalty == pytest.approx(trained.costs[-1], rel=1e-12)
    L = len(net.W)
    slopes = kernels.activation(net.activations[-1]).fprime(fw.z[-1])
    for j, e in np.ndindex(slopes.shape):
        assert value(spec, f"fprime[{L}][{j},{e}]@{k}") == pytest.approx(slopes[j, e], rel=1e-12)
    if k == STEPS:
        assert value(spec, f"cost@{k}") == value(spec, "cost_after")
        assert value(spec, "W[1][0,0]@6") == value(spec, "W_new[1][0,0]")


def test_an_address_reads_the_same_in_every_spelling() -> None:
    spec, net, *_ = case("sigmoid, half_sse, one example")
    assert value(spec, "z[1][0]@0") == value(spec, "z[1][0]") == value(spec, "z[1][0,0]")
    assert value(spec, "cost@0") == value(spec, "cost")
    assert str(Address("dC_da_from", 1, (0, 1, 0))) == "dC_da_from[1][0,1]"
    assert str(Address("cost_term", net.sizes[-1], (1, 2))) == "cost_term[1,2]"


def test_the_first_step_s_quantities_are_those_of_step_and_train(example: Any) -> None:
    spec, net, x, y = example
    taken = step(net, x, y, spec.run_eta)
    fw, back, grads = taken.forward, taken.backward, taken.gradients
    L = len(net.W)
    arrays = {("a", 0): fw.a[0]}
    for l in range(1, L + 1):
        arrays |= {("z", l): fw.z[l - 1], ("a", l): fw.a[l], ("delta", l): back.delta[l - 1]}
        arrays |= {("W", l): net.W[l - 1], ("b", l): net.b[l - 1]}
        arrays |= {("dW", l): grads.dW[l - 1], ("db", l): grads.db[l - 1]}
        if back.dC_da[l] is not None:
            arrays[("dC_da", l)] = back.dC_da[l]
    for (kind, l), array in arrays.items():
        for index in np.ndindex(array.shape):
            address = str(Address(kind, l, tuple(int(i) for i in index)))
            assert value(spec, address) == pytest.approx(float(array[index]), rel=1e-12, abs=1e-15), address
    trained = train(net, x, y, spec.run_eta, STEPS)
    for l in range(1, L + 1):
        for j, k in np.ndindex(net.W[l - 1].shape):
            assert value(spec, f"W_new[{l}][{j},{k}]") == pytest.approx(
                trained.network.W[l - 1][j, k], rel=1e-12
            )
        assert value(spec, f"b_new[{l}][0]") == pytest.approx(trained.network.b[l - 1][0, 0], rel=1e-12)
    assert value(spec, "cost") == pytest.approx(net.cost_of(x, y), rel=1e-12)
    assert value(spec, "cost_after") == pytest.approx(trained.costs[-1], rel=1e-12)


def test_every_kind_of_address_is_checked_here() -> None:
    """The kinds the tests above read, against the kinds ``trace`` defines: none is left out."""
    read = {"cost_term", "fprime", "dC_da_from", "dC_da", "z", "a", "delta", "W", "b", "dW", "db"}
    read |= {"W_new", "b_new", "cost", "cost_after"}
    assert read == {*PER_EXAMPLE, *PARTS, *MATRICES, *BIASES, *SCALARS}
    assert set(STEPPED) <= {"W", "b", "z", "a", "fprime", "cost_term", "cost"}  # each read with @k above


def test_a_softmax_layer_has_no_fprime_address() -> None:
    """Softmax's derivative is a Jacobian, not an f′ per unit: naming one is a clear error."""
    net = Network(W=[[[0.1, 0.2], [0.3, 0.4]]], b=[[0.0, 0.0]], activations=["softmax"],
                  cost="categorical_cross_entropy")  # fmt: skip
    with pytest.raises(InputError, match=r"names\.f: expected a layer with an elementwise f′ \(layer 1 is "):
        parse("fprime[1][0]", net, 1, "names.f")


def test_an_address_without_a_layer_is_named_without_one_in_its_error() -> None:
    net = Network(W=[[[1.0, 2.0]], [[0.5], [0.25]]], b=[[0.0], [0.0, 0.0]], activations=["identity"] * 2)
    with pytest.raises(InputError, match=r"^names\.c: expected an index within cost_term \(2 x 1\), got "):
        parse("cost_term[5]", net, 1, "names.c")


def test_a_step_after_a_quantity_that_has_none_is_named_with_the_text_given() -> None:
    net = Network(W=[[[1.0, 2.0]]], b=[[0.0]], activations=["identity"])
    expected = (
        r"^names\.d: expected '@k' only after W, b, z, a, fprime, cost_term, cost, got 'delta\[1\]\[0\]@1'$"
    )
    with pytest.raises(InputError, match=expected):
        parse("delta[1][0]@1", net, 1, "names.d", steps=2)


def test_values_after_a_step_come_from_the_kept_or_the_last_parameters() -> None:
    """a = w·x + b with ½(y − a)²: each step moves w and b by η(y − a)x and η(y − a), by hand."""
    net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    r = run(net, [1.0], [2.0], eta=0.1, steps=3, keep={1})
    # w, b: (0.5, 0) -> (0.65, 0.15) -> (0.77, 0.27) -> (0.866, 0.366)
    assert r.value(Address("a", 1, (0, 0), step=1)) == pytest.approx(0.8, rel=1e-15)
    assert r.value(Address("W", 1, (0, 0), step=3)) == pytest.approx(0.866, rel=1e-15)
    assert r.value(Address("a", 1, (0, 0), step=3)) == pytest.approx(1.232, rel=1e-15)
    with pytest.raises(KeyError, match=r"the parameters after step 2 \(not kept: pass keep=\{2\} to run\)"):
        r.value(Address("a", 1, (0, 0), step=2))


def test_a_run_whose_cost_overflows_names_the_step() -> None:
    """a = w + b on x = 1, y = 2 with η = 3: each step multiplies the error a − y by 1 − 2η = −5.

    From −1.5 it reaches 1.5·5²²⁰ ≈ 8.9e153 after 220 steps, whose square still fits in float64,
    and 1.5·5²²¹ ≈ 4.4e154 after 221, whose square does not: the cost overflows at step 221 while
    the parameters (about as large as the error) stay finite.
    """
    net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    with pytest.raises(InputError) as caught:
        run(net, [1.0], [2.0], eta=3.0, steps=300)
    assert str(caught.value) == (
        "eta: expected a learning rate small enough for the run to stay finite, "
        "got 3, which took the cost to inf at step 221 (the run diverged)"
    )


#: The unit of ``test_values_after_a_step_come_from_the_kept_or_the_last_parameters`` as a spec, with
#: its steps worked there by hand: a after step 1 is 0.8, the cost after step 2 is ½(2 − 1.04)².
ONE_UNIT = """
title = "one identity unit, three steps"
source = "tests"
[network]
sizes = [1, 1]
activations = ["identity"]
cost = "half_sse"
W = [[[0.5]]]
b = [[0.0]]
[data]
x = [[1.0]]
y = [[2.0]]
[training]
eta = 0.1
steps = 3
[names]
"w after 3" = "W[1][0,0]@3"
"a after 1" = "a[1][0]@1"
[[printed]]
name = "cost@2"
value = "0.4608"
where = "-"
expected = "reproduced"
note = "-"
"""


def test_a_scalar_after_a_step_is_read_from_its_printed_name() -> None:
    spec = build(parse_toml(ONE_UNIT))
    assert spec.printed[0].address == Address("cost", step=2)
    assert [f.verdict for f in audit(spec)] == ["reproduced"]


def test_quantities_after_the_steps_are_listed_step_by_step() -> None:
    later = [q for q in quantities(build(parse_toml(ONE_UNIT))) if q["section"].startswith("after step")]
    assert [(q["section"], q["quantity"]) for q in later] == [
        ("after step 1", "a[1][0]@1"),
        ("after step 2", "cost@2"),
        ("after step 3", "W[1][0,0]@3"),
    ]
    assert [q["value"] for q in later] == pytest.approx([0.8, 0.4608, 0.866], rel=1e-14)


def test_a_network_whose_cost_is_not_finite_at_the_start_is_refused_with_that_cost() -> None:
    # a = 1e155: ½a² = 5e309 overflows, while the step (w -= 0.1·a·1) stays finite
    net = Network(W=[[[1e155]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    with pytest.raises(InputError) as caught:
        run(net, [1.0], [0.0], eta=0.1, steps=1)
    assert str(caught.value) == (
        "network: expected parameters whose cost is a finite float64, "
        "got a cost of inf for the given parameters and data"
    )
