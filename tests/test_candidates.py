"""The candidate search: the product it enumerates, the residual rule, ranking, chance, stacked costs."""

from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_ref import Conventions, InputError, Network
from backprop_ref.worked.audit import matches
from backprop_ref.worked.candidates import Factor, Grid, chance_matches, nearest, residual, stacked_cost

FACTORS = (
    Factor("updated", ("all", "output", "w1")),
    Factor("eta", ("0.5", "0.1")),
    Factor("sign", ("subtract", "add", "none", "twice")),
)


def test_grid_enumerates_the_cartesian_product_in_c_order() -> None:
    grid = Grid(FACTORS)
    product = list(itertools.product(*(f.options for f in FACTORS)))
    assert grid.size == len(product) == 24
    assert [tuple(grid.labels(i).values()) for i in range(grid.size)] == product
    for f in FACTORS:
        assert [f.options[c] for c in grid.choice(f.name)] == [p[FACTORS.index(f)] for p in product]


def test_pick_gives_each_candidate_the_value_of_its_option_with_the_value_shape() -> None:
    grid = Grid(FACTORS)
    masks = grid.pick("updated", {"all": np.ones((2, 2)), "output": np.zeros((2, 2)), "w1": np.eye(2)})
    assert masks.shape == (24, 2, 2)
    assert all((masks[i] == np.eye(2)).all() == (grid.labels(i)["updated"] == "w1") for i in range(24))


def test_deviations_count_the_options_that_are_not_a_factors_first() -> None:
    grid = Grid(FACTORS)
    expected = [sum(label != f.options[0] for f, label in zip(FACTORS, p, strict=True))
                for p in itertools.product(*(f.options for f in FACTORS))]  # fmt: skip
    assert grid.deviations().tolist() == expected


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Factor("eta", ()), "eta: expected distinct option names, got ()"),
        (lambda: Grid((Factor("a", ("x",)), Factor("a", ("y",)))), "factors: expected at least one factor"),
        (lambda: Grid(FACTORS).pick("eta", {"0.5": 0.5}), "values of eta: expected exactly the options"),
        (lambda: Grid(FACTORS).choice("η"), "name: expected a factor of the grid (updated, eta, sign)"),
    ],
)
def test_bad_factors_and_picks_are_named(call: object, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()  # type: ignore[operator]


@given(
    st.decimals(min_value=-10, max_value=10, places=6, allow_nan=False),
    st.floats(min_value=-3, max_value=3, allow_nan=False),
)
def test_residual_within_one_is_the_audit_tolerance(printed: Decimal, offset: float) -> None:
    text = f"{printed:.6f}"
    value = float(text) + offset * 1e-6
    r = float(residual(text, value))
    if abs(abs(r) - 1) > 1e-6:  # away from the boundary, where float rounding may go either way
        assert (abs(r) <= 1) == matches(text, value)


def test_nearest_groups_equal_outcomes_and_names_the_simplest_candidate() -> None:
    grid = Grid(FACTORS)
    eta = grid.pick("eta", {"0.5": 0.5, "0.1": 0.1})
    sign = grid.pick("sign", {"subtract": -1.0, "add": 1.0, "none": 0.0, "twice": -2.0})
    # "updated" does not enter the value, so each outcome is given by 3 candidates
    w = 0.25 + sign * eta * 0.1
    best = nearest(grid, {"w": ("0.20", w)}, count=3)
    assert [o.candidates for o in best] == [3, 3, 3]
    assert grid.labels(best[0].example) == {"updated": "all", "eta": "0.5", "sign": "subtract"}
    assert best[0].values["w"] == pytest.approx(0.2)
    assert best[0].worst == pytest.approx(0.0, abs=1e-9)
    assert [round(o.residuals["w"], 6) for o in best] == [0.0, 3.0, 4.0]  # 0.2, 0.23, 0.24


def test_nearest_ranks_jointly_by_the_worst_target_and_can_be_restricted() -> None:
    grid = Grid(FACTORS)
    eta = grid.pick("eta", {"0.5": 0.5, "0.1": 0.1})
    sign = grid.pick("sign", {"subtract": -1.0, "add": 1.0, "none": 0.0, "twice": -2.0})
    first, second = 1 + sign * eta, 1 + sign * eta * eta
    best = nearest(grid, {"a": ("0.5", first), "b": ("0.9", second)}, count=1)[0]
    # a = 0.5 needs (0.5, subtract); there b = 0.75, 1.5 units off; (0.1, twice) gives 0.8, 0.98
    assert grid.labels(best.example) == {"updated": "all", "eta": "0.5", "sign": "subtract"}
    assert best.worst == pytest.approx(1.5)
    only_add = grid.choice("sign") == 1
    restricted = nearest(grid, {"a": ("0.5", first)}, count=1, among=only_add)[0]
    assert grid.labels(restricted.example)["sign"] == "add"


def test_chance_matches_is_the_density_near_the_printed_value() -> None:
    values = np.linspace(0.0, 1.0, 100_001)  # spacing 1e-5: one value per unit of "0.50000"
    near, expected = chance_matches("0.50000", values, window=100.5)  # not on a value: no rounding doubt
    assert near == 201
    assert expected == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("activations", "cost", "conventions"),
    [
        (["sigmoid", "sigmoid"], "half_sse", Conventions(reduction="sum", bias="shared")),
        (["tanh", "sigmoid"], "cross_entropy", Conventions(lmbda=0.3)),
        (["relu", "identity"], "mse", Conventions(reduction="mean", bias="per_unit")),
    ],
)
def test_stacked_cost_is_the_cost_of_each_parameter_set(
    activations: list[str], cost: str, conventions: Conventions
) -> None:
    rng = np.random.default_rng(0)
    n_b = 1 if conventions.bias == "shared" else None
    N, sizes = 7, (2, 3, 2)
    W = [rng.normal(size=(N, sizes[l], sizes[l - 1])) for l in (1, 2)]
    b = [rng.normal(size=(N, n_b or sizes[l], 1)) for l in (1, 2)]
    x, y = rng.normal(size=(2, 4)), rng.uniform(size=(2, 4))

    def net(i: int) -> Network:
        return Network(W=[W_l[i] for W_l in W], b=[b_l[i] for b_l in b], activations=activations,
                       cost=cost, conventions=conventions)  # fmt: skip

    stacked = stacked_cost(net(0), W, b, x, y)
    assert stacked.shape == (N,)
    np.testing.assert_allclose(stacked, [net(i).cost_of(x, y) for i in range(N)], rtol=1e-13)


def test_stacked_cost_passes_its_hook_to_the_forward_pass() -> None:
    net = Network(W=[np.array([[0.5]])], b=[np.zeros((1, 1))], activations=["identity"], cost="half_sse")
    W, b = [np.array([[[0.5]], [[1.0]]])], [np.zeros((2, 1, 1))]
    shifted = stacked_cost(net, W, b, [1.0], [2.0], hook=lambda kind, layer, v: v + 1.0 if kind == "z" else v)
    assert shifted.tolist() == [0.125, 0.0]  # a = 1.5 and 2.0


def test_stacked_cost_names_a_parameter_of_the_wrong_shape() -> None:
    net = Network(W=[np.array([[0.5, 1.0]])], b=[np.zeros((1, 1))], activations=["identity"])
    with pytest.raises(InputError, match=r"W\[1\]: expected an array of shape \(3, 1, 2\), got \(3, 2, 1\)"):
        stacked_cost(net, [np.zeros((3, 2, 1))], [np.zeros((3, 1, 1))], [1.0, 2.0], [0.0])
