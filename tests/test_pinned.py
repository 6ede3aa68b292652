"""Behaviour the mutation run found unpinned: defaults, argument checks and the layout of outputs.

Each expected value comes from the statement of the behaviour (a documented default, a hand
count of rows, a formula written out here), not from running the code and copying its answer.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from backprop_ref import InputError, Network
from backprop_ref.gradcheck import Report, SampledReport, check_gradients, oracle_gradients, sampled_check
from backprop_ref.worked.cli import main, quantities
from backprop_ref.worked.spec import build, load
from backprop_ref.worked.trace import Address, run
from tests.random_network import random_network


def small_net() -> tuple[Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    net = random_network(rng, (3, 5, 2), ["tanh", "sigmoid"], "half_sse")
    return net, rng.normal(size=(3, 4)), rng.uniform(size=(2, 4))


# --- sampled_check -------------------------------------------------------------------------------


def test_sampled_check_defaults_to_8_directions_and_16_entries() -> None:
    net, x, y = small_net()  # 5·3 + 5 + 2·5 + 2 = 32 parameters, more than 16
    report = sampled_check(net, x, y)
    assert (report.directions, report.coordinates, report.parameters) == (8, 16, 32)
    assert report.passed
    norm = float(np.linalg.norm(np.concatenate([g.ravel() for g in oracle_gradients(net, x, y).values()])))
    assert report.gradient_norm == pytest.approx(norm, rel=1e-12)


def test_sampled_check_tolerance_is_rtol_plus_the_rounding_of_two_costs() -> None:
    net, x, y = small_net()
    J = net.cost_of(x, y)
    h = 1e-5 * max(1.0, max(float(np.max(np.abs(p))) for p in net.parameters().values()))
    for rtol in (1e-6, 1e-3):
        report = sampled_check(net, x, y, rtol=rtol)
        slack = 20 * np.finfo(np.float64).eps * abs(J) / h
        assert report.tolerance == pytest.approx(rtol + slack / report.gradient_norm, rel=1e-9)


def test_sampled_check_is_reproducible_by_seed_and_differs_between_seeds() -> None:
    net, x, y = small_net()
    one, again, other = (
        sampled_check(net, x, y, seed=1),
        sampled_check(net, x, y, seed=1),
        sampled_check(net, x, y, seed=2),
    )
    assert one == again
    assert (one.worst, one.direction_error) != (other.worst, other.direction_error)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"directions": 0}, "directions"),
        ({"directions": 2.5}, "directions"),
        ({"coordinates": 0}, "coordinates"),
        ({"coordinates": "16"}, "coordinates"),
        ({"rtol": -1e-6}, "rtol"),
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
    ],
)
def test_sampled_check_refuses_bad_arguments_naming_them(kwargs: dict[str, Any], field: str) -> None:
    net, x, y = small_net()
    with pytest.raises(InputError) as caught:
        sampled_check(net, x, y, **kwargs)
    assert caught.value.field == field


def test_a_sampled_check_of_a_gradient_off_by_a_factor_fails_along_every_direction() -> None:
    net, x, y = small_net()
    doubled = {name: 2 * g for name, g in oracle_gradients(net, x, y).items()}
    report = sampled_check(net, x, y, doubled)
    assert not report.passed
    assert report.direction_error > 1e-2  # |2g·v − g·v| = |g·v|, a fair share of ‖g‖
    assert report.coordinate_error > 1e-3
    assert "FAIL" in str(report)
    assert "8 random directions" in str(report)


def test_miss_probability_falls_with_the_size_of_the_error_and_the_number_of_directions() -> None:
    base = SampledReport(True, 8, 0.0, 16, 0.0, ("W1", (0, 0)), 0.0, 0.0, 1e-6, 2.0, 10_000)
    small, large = base.miss_probability(1e-6), base.miss_probability(1e-2)
    assert small == 1.0  # an error below the tolerance is not promised to be seen
    # one direction: 2·t·√P/(‖e‖√(2π)) with t = 1e-6·2, P = 10,000, ‖e‖ = 1e-2
    one = 2 * (1e-6 * 2.0) * 100 / (1e-2 * np.sqrt(2 * np.pi))
    assert large == pytest.approx(one**8, rel=1e-12)
    fewer = SampledReport(True, 2, 0.0, 16, 0.0, ("W1", (0, 0)), 0.0, 0.0, 1e-6, 2.0, 10_000)
    assert fewer.miss_probability(1e-2) == pytest.approx(one**2, rel=1e-12)


# --- check_gradients -------------------------------------------------------------------------------


def test_check_gradients_reports_the_largest_errors_and_the_worst_entry() -> None:
    net, x, y = small_net()
    oracle = oracle_gradients(net, x, y)
    mine = {name: g.copy() for name, g in oracle.items()}
    mine["W2"][1, 3] += 1e-3  # absolute error 1e-3 at W2[1, 3]
    report = check_gradients(net, x, y, mine)
    assert isinstance(report, Report)
    assert not report.passed
    assert report.worst == ("W2", (1, 3))
    assert report.max_abs_error == pytest.approx(1e-3, rel=1e-9)
    ref = float(oracle["W2"][1, 3])
    assert report.max_rel_error == pytest.approx(1e-3 / max(abs(ref), 1e-9), rel=1e-9)
    assert (report.yours, report.oracle) == (pytest.approx(ref + 1e-3), pytest.approx(ref))
    assert (report.rtol, report.atol) == (1e-6, 1e-9)
    assert str(report).startswith("FAIL: max abs error 0.001")


def test_check_gradients_passes_exact_copies_and_names_its_method() -> None:
    net, x, y = small_net()
    exact = oracle_gradients(net, x, y)
    assert check_gradients(net, x, y, exact).passed
    sampled = check_gradients(net, x, y, exact, against="finite_differences")
    assert isinstance(sampled, SampledReport)
    assert sampled.passed
    with pytest.raises(InputError) as caught:
        check_gradients(net, x, y, exact, against="jax")
    assert caught.value.field == "against"
    for bad in ({"rtol": -1.0}, {"atol": float("nan")}):
        with pytest.raises(InputError):
            check_gradients(net, x, y, exact, **bad)


def test_your_gradient_function_gets_copies_of_the_parameters_and_the_data() -> None:
    net, x, y = small_net()
    seen: dict[str, Any] = {}

    def mine(p: dict[str, np.ndarray], xs: np.ndarray, ys: np.ndarray) -> dict[str, np.ndarray]:
        seen.update(p=p, x=xs, y=ys)
        for value in (*p.values(), xs, ys):
            value[...] = 0.0  # scribbling on them must not reach the oracle
        return oracle_gradients(net, x, y)

    assert check_gradients(net, x, y, mine).passed
    assert set(seen["p"]) == {"W1", "b1", "W2", "b2"}
    assert not np.shares_memory(seen["x"], x)
    assert float(np.abs(net.W[0]).sum()) > 0


# --- trace.run and the command line's quantities -------------------------------------------------


def test_run_refuses_overrides_and_a_hook_together() -> None:
    net, x, y = small_net()
    with pytest.raises(InputError) as caught:
        run(net, x, y, 0.1, 1, {Address("z", 1): 0.0}, hook=lambda kind, layer, value: value)
    assert caught.value.field == "overrides"


def test_run_refuses_a_network_whose_cost_is_not_finite() -> None:
    net = Network(W=[[[1e200]]], b=[[0.0]], activations=["identity"])
    with pytest.raises(InputError) as caught:
        run(net, [1.0], [0.0], 0.1, 1)  # z = 1e200: its square, the cost, overflows
    assert caught.value.field == "network"


def test_run_keeps_the_cost_before_and_after_each_step() -> None:
    # One identity unit a = w·x, x = 1, y = 2, η = 0.1: w_k = 2 − 1.5·0.9^k (biases step too).
    net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"])
    r = run(net, [1.0], [2.0], 0.1, 3)
    assert len(r.costs) == 4
    # with the bias also learning, the error e = 2 − (w + b) shrinks by 1 − 2η = 0.8 a step
    assert r.costs == pytest.approx([0.5 * (1.5 * 0.8**k) ** 2 for k in range(4)], rel=1e-12)
    assert r.value(Address("cost")) == r.costs[0]
    assert r.value(Address("cost_after")) == r.costs[-1]


def test_quantities_list_every_array_entry_once_in_the_order_a_step_computes_them() -> None:
    spec = load("afteracademy")
    rows = quantities(spec)
    # 2-2-2: x (2), W (4 + 4), b (1 + 1), z, a and f′ (2 + 2 each), cost and its 2 terms,
    # ∂C/∂a (2 + 2 + 2 for x) and δ (2 + 2), BP2's terms (4 + 4), dW (4 + 4), db (1 + 1),
    # new W and b (8 + 2), cost after: 2+10+12+3+10+8+10+10+1 = 66.
    assert len(rows) == 66
    sections = list(dict.fromkeys(row["section"] for row in rows))
    assert sections == ["given", "forward", "cost", "backward", "gradients", "update", "cost after"]
    assert len({row["quantity"] for row in rows}) == 66
    named = {row["quantity"]: row["names"] for row in rows}
    assert named["z[2][0]"] == ["net(o1)"]
    assert named["cost"] == ["E(total)"]
    assert rows[-1] == {
        "section": "cost after",
        "quantity": "cost_after",
        "names": ["E(total) after"],
        "value": spec.run().costs[-1],
    }


def test_quantities_of_several_steps_list_the_cost_after_each() -> None:
    three = build({**_doc(), "training": {"eta": 0.5, "steps": 3}})
    rows = [row for row in quantities(three) if row["section"] == "cost after"]
    assert [row["quantity"] for row in rows] == ["cost@1", "cost@2", "cost_after"]


def test_trace_json_and_table_carry_the_same_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "afteracademy", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"title", "source", "quantities"}
    assert doc["title"] == load("afteracademy").title
    assert main(["trace", "afteracademy"]) == 0
    table = capsys.readouterr().out
    for row in doc["quantities"]:
        assert f"{row['value']:.10g}" in table


def test_check_json_carries_each_finding_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "afteracademy", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_expected"] is True
    first = doc["findings"][0]
    keys = "name quantity where printed exact from_printed verdict expected as_expected note"
    keys += " run reproduced_under"
    assert set(first) == set(keys.split())
    assert (first["name"], first["quantity"], first["printed"]) == ("net(h1)", "z[1][0]", "0.505")
    assert first["exact"] == pytest.approx(0.25 * 0.1 + 0.15 * 0.2 + 0.45, rel=1e-15)  # w1·x1 + w4·x2 + b1


def test_a_spec_document_may_be_built_directly() -> None:
    spec = load("afteracademy")
    assert build({**_doc(), "title": "renamed"}).title == "renamed"
    assert spec.source.startswith("Team AfterAcademy")


def _doc() -> dict[str, Any]:
    import tomllib
    from importlib.resources import files

    return tomllib.loads(
        (files("backprop_ref.worked") / "specs" / "afteracademy.toml").read_text(encoding="utf-8")
    )
