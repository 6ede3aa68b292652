"""Verdicts on printed numbers, on small examples whose every value is computed by hand here."""

import math
from decimal import Decimal
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_ref.kernels import ACTIVATIONS, COST_OUTPUTS, DISTRIBUTION_TARGETS, OUTPUT_ONLY
from backprop_ref.worked.audit import audit, direct_inputs, matches, verdict
from backprop_ref.worked.spec import Spec, build, load
from backprop_ref.worked.trace import Address

# Two identity layers, one example, ½(a² − y)² with y = 0, η = 0.1, biases per unit and updated:
# z¹ = 2·1 + 0 = 2, a¹ = 2, z² = 3·2 + 1 = 7, a² = 7, cost = ½·7² = 24.5;
# δ² = 7, ∂C/∂a¹ = 3·7 = 21, δ¹ = 21; ∂J/∂W² = 7·2 = 14, ∂J/∂b² = 7, ∂J/∂W¹ = 21·1 = 21, ∂J/∂b¹ = 21;
# W¹ → 2 − 2.1 = −0.1, b¹ → −2.1, W² → 3 − 1.4 = 1.6, b² → 1 − 0.7 = 0.3;
# after: z¹ = −0.1 − 2.1 = −2.2, z² = 1.6·(−2.2) + 0.3 = −3.22, cost = ½·3.22² = 5.1842.
BY_HAND = {
    "z[1][0]": "2",
    "a[1][0]": "2",
    "z[2][0]": "7",
    "a[2][0]": "7",
    "cost": "24.5",
    "dC_da[2][0]": "7",
    "delta[2][0]": "7",
    "dC_da[1][0]": "21",
    "delta[1][0]": "21",
    "dW[2][0,0]": "14",
    "db[2][0]": "7",
    "dW[1][0,0]": "21",
    "db[1][0]": "21",
    "W_new[1][0,0]": "-0.1",
    "b_new[1][0]": "-2.1",
    "W_new[2][0,0]": "1.6",
    "b_new[2][0]": "0.3",
    "cost_after": "5.1842",
}


def one_unit(
    title: str, activation: str, *, y: float, update_biases: bool, steps: int, printed: dict[str, str]
) -> dict[str, Any]:
    """A spec document for one unit a = f(0.5·x) with x = 1, ½ squared error, η = 0.1."""
    return {
        "title": title,
        "source": "worked by hand in this file",
        "network": {
            "sizes": [1, 1],
            "activations": [activation],
            "cost": "half_sse",
            "W": [[[0.5]]],
            "b": [[0.0]],
            "conventions": {
                "reduction": "sum",
                "lmbda": 0.0,
                "bias": "per_unit",
                "update_biases": update_biases,
                "hidden_delta_weights": "before",
            },
        },
        "data": {"x": [1.0], "y": [y]},
        "training": {"eta": 0.1, "steps": steps},
        "printed": [
            {"name": name, "value": value, "where": "here", "expected": "reproduced", "note": "a test"}
            for name, value in printed.items()
        ],
    }


def chain(printed: dict[str, str], **conventions: Any) -> Spec:
    """The two-layer identity example with ``printed`` values (address -> digits)."""
    return build(
        {
            "title": "two identity layers",
            "source": "worked by hand in this file",
            "network": {
                "sizes": [1, 1, 1],
                "activations": ["identity", "identity"],
                "cost": "half_sse",
                "W": [[[2.0]], [[3.0]]],
                "b": [[0.0], [1.0]],
                "conventions": {
                    "reduction": "sum",
                    "lmbda": 0.0,
                    "bias": "per_unit",
                    "update_biases": True,
                    "hidden_delta_weights": "before",
                    **conventions,
                },
            },
            "data": {"x": [1.0], "y": [0.0]},
            "training": {"eta": 0.1, "steps": 1},
            "printed": [
                {"name": name, "value": value, "where": "here", "expected": "reproduced", "note": "a test"}
                for name, value in printed.items()
            ],
        }
    )


def verdicts(spec: Spec) -> dict[str, str]:
    return {f.printed.name: f.verdict for f in audit(spec)}


def carried(spec: Spec) -> dict[str, float]:
    return {f.printed.name: f.carried for f in audit(spec)}


def test_matches_allows_one_unit_in_the_last_printed_place() -> None:
    assert matches("0.505", 0.5059)
    assert not matches("0.505", 0.5061)
    assert matches("0.623633", 1 / (1 + math.exp(-0.505)))  # σ(0.505) = 0.62363363, truncated
    assert matches("2", 2.9)
    assert not matches("2", 3.1)
    assert matches("-0.04111", -0.0411137)
    assert not matches("0.5", math.nan)


def test_verdict_prefers_reproduced_then_follows_then_locates_the_error() -> None:
    assert verdict("1.0", exact=1.0, carried=1.0, located=False) == "reproduced"
    assert verdict("1.5", exact=1.0, carried=1.5, located=True) == "follows"
    assert verdict("2.0", exact=1.0, carried=1.5, located=True) == "slip"
    assert verdict("2.0", exact=1.0, carried=1.5, located=False) == "unexplained"


def test_every_hand_computed_value_is_reproduced() -> None:
    findings = audit(chain(BY_HAND))
    assert {f.printed.name: f.verdict for f in findings} == dict.fromkeys(BY_HAND, "reproduced")
    for f in findings:
        assert f.exact == pytest.approx(float(BY_HAND[f.printed.name]), abs=1e-12)


def test_a_wrong_value_right_after_printed_inputs_is_a_slip_and_gets_its_correct_value() -> None:
    spec = chain({"a[1][0]": "2", "z[2][0]": "8.0"})
    assert verdicts(spec)["z[2][0]"] == "slip"
    assert carried(spec)["z[2][0]"] == 7.0  # 3·2 + 1 from the printed a¹


def test_a_value_computed_from_a_printed_slip_follows() -> None:
    spec = chain({"a[1][0]": "2", "z[2][0]": "8.0", "a[2][0]": "8.0", "cost": "32.0"})
    assert verdicts(spec) == {
        "a[1][0]": "reproduced",
        "z[2][0]": "slip",
        "a[2][0]": "follows",
        "cost": "follows",
    }


def test_a_slip_carried_through_several_steps_follows_at_each() -> None:
    spec = chain({"z[1][0]": "2.04", "a[1][0]": "2.04", "z[2][0]": "7.12"})  # 3·2.04 + 1 = 7.12
    assert verdicts(spec) == {"z[1][0]": "slip", "a[1][0]": "follows", "z[2][0]": "follows"}


def test_a_wrong_value_whose_inputs_are_not_printed_is_unexplained() -> None:
    assert verdicts(chain({"z[2][0]": "8.0"})) == {"z[2][0]": "unexplained"}
    assert verdicts(chain({"a[2][0]": "8.0", "cost": "30.0"})) == {"a[2][0]": "unexplained", "cost": "slip"}


def test_rounding_carried_forward_follows() -> None:
    # One sigmoid unit: z = 0.5, a = σ(0.5) = 0.62245933, cost = ½a² = 0.19372781.
    # An author who rounds a to 0.62 and goes on prints ½·0.62² = 0.1922.
    doc = one_unit(
        "one sigmoid",
        "sigmoid",
        y=0.0,
        update_biases=True,
        steps=1,
        printed={"a[1][0]": "0.62", "cost": "0.1922"},
    )
    findings = audit(build(doc))
    assert [f.verdict for f in findings] == ["reproduced", "follows"]
    assert findings[1].exact == pytest.approx(0.5 / (1 + math.exp(-0.5)) ** 2, rel=1e-12)


def test_gradients_and_updates_are_judged_from_the_printed_values_they_use() -> None:
    spec = chain({"delta[2][0]": "7", "a[1][0]": "2", "dW[2][0,0]": "15.0", "W_new[2][0,0]": "1.50"})
    assert verdicts(spec) == {
        "delta[2][0]": "reproduced",
        "a[1][0]": "reproduced",
        "dW[2][0,0]": "slip",  # δ²·a¹ = 14, both printed
        "W_new[2][0,0]": "follows",  # 3 − 0.1·15
    }
    assert verdicts(chain({"W_new[2][0,0]": "1.50"})) == {"W_new[2][0,0]": "unexplained"}


def test_the_cost_after_the_step_follows_from_the_printed_new_parameters() -> None:
    new = {"W_new[1][0,0]": "-0.1", "b_new[1][0]": "-2.1", "W_new[2][0,0]": "1.50", "b_new[2][0]": "0.3"}
    # From the printed values: z² = 1.5·(−2.2) + 0.3 = −3, cost = 4.5.
    assert verdicts(chain({**new, "cost_after": "4.50"}))["cost_after"] == "follows"
    assert verdicts(chain({**new, "cost_after": "4.40"}))["cost_after"] == "slip"
    assert verdicts(chain({"cost_after": "4.40"}))["cost_after"] == "unexplained"


def test_with_updated_weights_first_the_hidden_delta_reads_the_printed_gradient() -> None:
    # hidden_delta_weights = "after": δ¹ = (W² − η ∂J/∂W²)·δ² = (3 − 1.4)·7 = 11.2;
    # with the printed ∂J/∂W² = 15 it is (3 − 1.5)·7 = 10.5.
    assert chain({"delta[1][0]": "11.2"}, hidden_delta_weights="after").run().value(Address("delta", 1)) == (
        pytest.approx(11.2)
    )
    spec = chain({"dW[2][0,0]": "15.0", "delta[1][0]": "10.50"}, hidden_delta_weights="after")
    assert verdicts(spec)["delta[1][0]"] == "follows"
    inputs = direct_inputs(Address("delta", 1), spec)
    assert inputs is not None
    assert Address("dW", 2) in inputs


def test_examples_are_addressed_by_a_second_index() -> None:
    doc: dict[str, Any] = {
        "title": "one identity layer, two examples",
        "source": "worked by hand in this file",
        "network": {
            "sizes": [1, 1],
            "activations": ["identity"],
            "cost": "half_sse",
            "W": [[[2.0]]],
            "b": [[0.0]],
            "conventions": {
                "reduction": "mean",
                "lmbda": 0.0,
                "bias": "per_unit",
                "update_biases": True,
                "hidden_delta_weights": "before",
            },
        },
        "data": {"x": [[1.0, 3.0]], "y": [[0.0, 0.0]]},
        "training": {"eta": 0.1, "steps": 1},
        # z = (2, 6); δ = (2, 6); ∂J/∂W = mean(2·1, 6·3) = 10.
        "printed": [
            {"name": name, "value": value, "where": "here", "expected": "reproduced", "note": "a test"}
            for name, value in {"z[1][0,1]": "6", "dW[1][0,0]": "10"}.items()
        ],
    }
    spec = build(doc)
    assert verdicts(spec) == {"z[1][0,1]": "reproduced", "dW[1][0,0]": "reproduced"}
    assert direct_inputs(Address("dW", 1), spec) == {
        Address("delta", 1, (0, 0)),
        Address("delta", 1, (0, 1)),
        Address("a", 0, (0, 0)),
        Address("a", 0, (0, 1)),
    }


def test_after_several_steps_the_new_parameters_are_never_a_slip() -> None:
    # One identity unit a = w·x + b, x = 1, y = 2, η = 0.1, w = 0.5, b = 0, biases frozen:
    # step 1: δ = 0.5 − 2 = −1.5, w → 0.65; step 2: δ = 0.65 − 2 = −1.35, w → 0.785.
    w = 0.5
    for _ in range(2):
        w -= 0.1 * (w * 1.0 - 2.0)
    assert w == pytest.approx(0.785)
    doc = one_unit(
        "two steps",
        "identity",
        y=2.0,
        update_biases=False,
        steps=2,
        printed={
            "dW[1][0,0]": "-1.5",
            "W_new[1][0,0]": "0.80",
            "b_new[1][0]": "0",
            "cost_after": "0.70",
        },
    )
    spec = build(doc)
    run = spec.run()
    assert run.value(Address("W_new", 1)) == pytest.approx(w)
    assert run.costs == pytest.approx([0.5 * 1.5**2, 0.5 * 1.35**2, 0.5 * (2 - w) ** 2])
    # From the printed parameters the cost is ½(2 − 0.8)² = 0.72, so 0.70 is a slip there, while
    # the wrong 0.80 cannot be placed: the second step's gradient is not a quantity a spec can name.
    assert verdicts(spec) == {
        "dW[1][0,0]": "reproduced",
        "W_new[1][0,0]": "unexplained",
        "b_new[1][0]": "reproduced",
        "cost_after": "slip",
    }


def test_direct_inputs_follow_the_structure_of_the_computation() -> None:
    spec = load("afteracademy")

    def inputs(kind: str, layer: int = 0, index: tuple[int, int] = (0, 0)) -> set[str]:
        found = direct_inputs(Address(kind, layer, index), spec)
        assert found is not None
        return {str(a) for a in found}

    assert inputs("z", 2, (1, 0)) == {"a[1][0]", "a[1][1]", "W[2][1,0]", "W[2][1,1]", "b[2][0]"}
    assert inputs("a", 2, (1, 0)) == {"z[2][1]"}
    assert inputs("cost") == {"a[2][0]", "a[2][1]"}
    # ½-squared error on a sigmoid: δ² = (a² − y)·σ'(z²), with σ' evaluated from z (accurately).
    assert inputs("delta", 2, (1, 0)) == {"a[2][1]", "z[2][1]"}
    assert inputs("dC_da", 2, (1, 0)) == {"a[2][1]"}  # a − y
    assert inputs("delta", 1, (0, 0)) == {
        "W[2][0,0]",
        "W[2][1,0]",
        "delta[2][0]",
        "delta[2][1]",
        "z[1][0]",
    }
    assert inputs("dC_da", 1, (0, 0)) == {"W[2][0,0]", "W[2][1,0]", "delta[2][0]", "delta[2][1]"}
    assert inputs("dW", 1, (0, 1)) == {"delta[1][0]", "a[0][1]"}
    assert inputs("db", 1) == {"delta[1][0]", "delta[1][1]"}  # one bias shared by both units
    assert inputs("W_new", 1, (0, 0)) == {"W[1][0,0]", "dW[1][0,0]"}
    assert inputs("b_new", 1) == {"b[1][0]"}  # the spec keeps the biases fixed, as the article does
    assert len(inputs("cost_after")) == 10  # eight new weights and two biases
    assert inputs("W", 1, (0, 0)) == inputs("a") == set()


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_afteracademy_verdicts_rest_on_values_computed_here() -> None:
    """Seed 004: each exact and carried value recomputed with math.exp from the article's numbers."""
    x1, x2, y1, y2 = 0.1, 0.2, 0.05, 0.95
    w1, w2, w3, w4, w5, w6, w7, w8, b1, b2 = 0.25, 0.28, 0.35, 0.15, 0.35, 0.20, 0.45, 0.40, 0.45, 0.5
    h1, h2 = w1 * x1 + w4 * x2 + b1, w3 * x1 + w2 * x2 + b1
    s1, s2 = sigmoid(h1), sigmoid(h2)
    o1, o2 = w5 * s1 + w6 * s2 + b2, w7 * s1 + w8 * s2 + b2
    t1, t2 = sigmoid(o1), sigmoid(o2)
    d1, d2 = (t1 - y1) * t1 * (1 - t1), (t2 - y2) * t2 * (1 - t2)
    new_w1 = w1 - 0.5 * (w5 * d1 + w7 * d2) * s1 * (1 - s1) * x1
    # the same chain from the article's printed numbers
    p1, p2 = 0.6888201, 0.7375445
    q1, q2 = (p1 - y1) * p1 * (1 - p1), (p2 - y2) * p2 * (1 - p2)
    carried_w1 = w1 - 0.5 * (w5 * q1 + w7 * q2) * 0.623633 * (1 - 0.623633) * x1
    expected = {
        "net(h1)": ("reproduced", h1, h1),
        "net(h2)": ("reproduced", h2, h2),
        "out(h1)": ("reproduced", s1, s1),
        "out(h2)": ("reproduced", s2, s2),
        "net(o1)": ("slip", o1, w5 * 0.623633 + w6 * 0.632045 + b2),
        "net(o2)": ("follows", o2, w7 * 0.623633 + w8 * 0.632045 + b2),
        "out(o1)": ("follows", t1, sigmoid(0.794609)),
        "out(o2)": ("slip", t2, sigmoid(1.0334528)),
        "E(total)": ("follows", ((y1 - t1) ** 2 + (y2 - t2) ** 2) / 2, ((y1 - p1) ** 2 + (y2 - p2) ** 2) / 2),
        "new w1": ("unexplained", new_w1, carried_w1),
    }
    findings = {f.printed.name: f for f in audit(load("afteracademy"))}
    for name, (judged, exact, from_printed) in expected.items():
        f = findings[name]
        assert (f.verdict, f.exact, f.carried) == (
            judged,
            pytest.approx(exact),
            pytest.approx(from_printed),
        ), name
    assert findings["E(total) after"].verdict == "unexplained"
    assert all(f.as_expected for f in findings.values())
    assert f"{findings['net(o1)'].exact:.6f}" == "0.844681"


PROPERTY = settings(max_examples=30, deadline=None, derandomize=True)
FINITE = st.floats(-1e6, 1e6, allow_nan=False)


@PROPERTY
@given(FINITE, st.integers(0, 8))
def test_a_value_rounded_or_cut_to_its_printed_digits_matches_and_two_units_off_does_not(
    x: float, d: int
) -> None:
    unit = Decimal(1).scaleb(-d)
    rounded = f"{x:.{d}f}"
    cut = str(Decimal(x).quantize(unit, rounding="ROUND_DOWN"))
    assert matches(rounded, x)
    assert matches(cut, x)
    assert not matches(str(Decimal(rounded) + 2 * unit), x)


@st.composite
def examples(draw: st.DrawFn) -> dict[str, Any]:
    """A random small spec document (depth 1-3, widths 1-3, 1-3 examples) with one printed number."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    cost, output = draw(st.sampled_from([(c, o) for c, outputs in COST_OUTPUTS.items() for o in outputs]))
    hidden_kinds = [f for f in ACTIVATIONS if f not in OUTPUT_ONLY]
    hidden = draw(st.lists(st.sampled_from(hidden_kinds), min_size=len(sizes) - 2, max_size=len(sizes) - 2))
    bias = draw(st.sampled_from(["per_unit", "shared"]))
    m = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return {
        "title": "random",
        "source": "hypothesis",
        "network": {
            "sizes": sizes,
            "activations": [*hidden, output],
            "cost": cost,
            "W": [rng.uniform(-1, 1, (n, n_prev)).tolist() for n_prev, n in pairwise(sizes)],
            "b": [rng.uniform(-0.5, 0.5, 1 if bias == "shared" else n).tolist() for n in sizes[1:]],
            "conventions": {
                "reduction": draw(st.sampled_from(["mean", "sum"])),
                "lmbda": draw(st.sampled_from([0.0, 0.3])),
                "bias": bias,
                "update_biases": draw(st.booleans()),
                "hidden_delta_weights": draw(st.sampled_from(["before", "after"])),
            },
        },
        "data": {
            "x": rng.uniform(-1, 1, (sizes[0], m)).tolist(),
            "y": (
                rng.dirichlet(np.ones(sizes[-1]), m).T
                if cost in DISTRIBUTION_TARGETS
                else rng.uniform(0, 1, (sizes[-1], m))
            ).tolist(),
        },
        "training": {"eta": 0.5, "steps": draw(st.integers(1, 2))},
        "printed": [{"name": "cost", "value": "0", "where": "-", "expected": "reproduced", "note": "-"}],
    }


@PROPERTY
@given(examples())
def test_every_quantity_printed_to_twelve_decimals_is_reproduced(doc: dict[str, Any]) -> None:
    run = build(doc).run()
    everything = [
        Address(kind, layer, tuple(int(i) for i in index))
        for kind, layer, array in run.arrays()
        for index in np.ndindex(array.shape)
    ] + [Address("cost"), Address("cost_after")]
    doc["printed"] = [
        {"name": str(a), "value": f"{run.value(a):.12f}", "where": "-", "expected": "reproduced", "note": "-"}
        for a in everything
    ]
    assert {f.verdict for f in audit(build(doc))} == {"reproduced"}


def test_a_value_exactly_one_unit_in_the_last_place_away_still_matches() -> None:
    # The bound is inclusive: printed "1" (no decimals) matches 2.0 and 0.0 (|1 − x| = 1 = 10⁰),
    # and a hair further does not.
    assert matches("1", 2.0)
    assert matches("1", 0.0)
    assert not matches("1", 2.0000000001)
    assert matches("0.5", 0.75) is False  # 0.25 > 0.1


def test_cost_after_several_steps_is_the_cost_after_the_last() -> None:
    # One identity unit a = w·x, x = 1, y = 2, η = 0.1, w = 0.5, biases frozen: after k steps
    # w_k = 2 − 1.5·0.9^k, so the cost ½(2 − w_k)² = ½(1.5·0.9^k)².
    doc = one_unit(
        "three steps", "identity", y=2.0, update_biases=False, steps=3, printed={"cost_after": "0.65"}
    )
    run = build(doc).run()
    assert run.value(Address("cost_after")) == pytest.approx(0.5 * (1.5 * 0.9**3) ** 2, rel=1e-12)
    assert run.costs == pytest.approx([0.5 * (1.5 * 0.9**k) ** 2 for k in range(4)], rel=1e-12)
