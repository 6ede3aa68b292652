"""``diagnose`` names each catalogued mistake from an independently written gradient (tests/buggy.py)."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_ref import Conventions, Network
from backprop_ref.errors import InputError
from backprop_ref.worked.departures import CATALOGUE
from backprop_ref.worked.diagnose import candidates, diagnose, load_function
from tests.buggy import Family, buggy

#: Families a learner's code might be written for, chosen so that each mistake shows in one.
FAMILIES = {
    "mixed": Family((3, 4, 3), ("tanh", "sigmoid"), lmbda=0.3),
    "square": Family((2, 2, 2), ("sigmoid", "sigmoid"), lmbda=0.3),
    "relu": Family((3, 4, 3), ("relu", "sigmoid"), lmbda=0.3),
    "mean": Family((3, 4, 3), ("tanh", "sigmoid"), reduction="mean", lmbda=0.3),
    "cross_entropy": Family(
        (3, 4, 3), ("tanh", "sigmoid"), cost="cross_entropy", reduction="mean", lmbda=0.3
    ),
}
#: Where each mistake is looked for (the mixed family unless it needs another).
WHERE = {
    "sum_over_examples": "mean",
    "weights_not_transposed": "square",
    "outer_product_reversed": "square",
    "relu_fprime_at_zero_one": "relu",
    "output_delta_extra_fprime": "cross_entropy",
}
#: Pairs no gradient can tell apart: the ½ dropped from the cost doubles ∂C/∂a exactly as the
#: doubled gradient does (only a printed cost separates them).
TIES = {"half_factor": {"squared_error_gradient_doubled"}, "squared_error_gradient_doubled": {"half_factor"}}
GRADIENT_DEPARTURES = sorted({d.name for d in CATALOGUE if d.in_gradient})


def network(fam: Family) -> Network:
    W = [np.zeros((n, n_prev)) for n_prev, n in zip(fam.sizes, fam.sizes[1:], strict=False)]
    b = [np.zeros((1 if fam.bias == "shared" else n, 1)) for n in fam.sizes[1:]]
    conventions = Conventions(reduction=fam.reduction, lmbda=fam.lmbda, bias=fam.bias)  # type: ignore[arg-type]
    return Network(W=W, b=b, activations=list(fam.activations), cost=fam.cost, conventions=conventions)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_correct_gradient_agrees(family: str) -> None:
    assert diagnose(buggy(FAMILIES[family], None), network(FAMILIES[family]), 0.5).verdict == "agrees"


@pytest.mark.parametrize("mistake", GRADIENT_DEPARTURES)
def test_each_mistake_is_named_from_an_independent_implementation(mistake: str) -> None:
    fam = FAMILIES[WHERE.get(mistake, "mixed")]
    found = diagnose(buggy(fam, mistake), network(fam), 0.5)
    assert found.verdict == "departure"
    named = {ds[0].name for ds in found.matches}
    assert all(len(ds) == 1 for ds in found.matches)
    assert named == {mistake} | TIES.get(mistake, set())


def test_every_gradient_departure_is_tested() -> None:
    tried = {d.name for fam in FAMILIES.values() for d in candidates(network(fam))}
    assert tried == set(GRADIENT_DEPARTURES)


def test_two_mistakes_at_once_are_named_together() -> None:
    fam = FAMILIES["mixed"]

    def both(W, b, x, y):  # the sign flipped on top of f′ evaluated at a
        dW, db = buggy(fam, "fprime_of_activation")(W, b, x, y)
        return [-g for g in dW], [-g for g in db]

    found = diagnose(both, network(fam), 0.5)
    assert [sorted(d.name for d in ds) for ds in found.matches] == [
        ["fprime_of_activation", "update_sign_flipped"]
    ]


def test_a_random_wrong_gradient_is_not_explained() -> None:
    fam = FAMILIES["mixed"]
    rng = np.random.default_rng(7)

    def noise(W, b, x, y):
        return [rng.normal(size=w.shape) for w in W], [rng.normal(size=c.shape) for c in b]

    found = diagnose(noise, network(fam), 0.5)
    assert found.verdict == "unexplained"
    assert found.matches == []
    assert found.worst is not None
    assert found.worst.yours != found.worst.oracle


def test_the_family_reports_what_it_cannot_tell_apart() -> None:
    square = diagnose(buggy(FAMILIES["square"], None), network(FAMILIES["square"]), 0.5)
    hidden = {ds[0].name for group, _ in square.indistinguishable if () in group for ds in group if ds}
    assert "fprime_wrong_layer" in hidden  # one activation everywhere: no signature
    no_l2 = Family((3, 4, 3), ("tanh", "sigmoid"))
    found = diagnose(buggy(no_l2, None), network(no_l2), 0.5)
    group, needs = next((g, n) for g, n in found.indistinguishable if () in g)
    assert {"l2_on_bias", "l2_bias_mask_ones"} <= {ds[0].name for ds in group if ds}
    assert "λ > 0" in needs


def test_a_function_that_raises_or_returns_the_wrong_shape_is_unusable_input() -> None:
    fam = FAMILIES["mixed"]

    def raises(W, b, x, y):
        raise ValueError("shapes (4,3) and (4,3) not aligned")

    def transposed(W, b, x, y):
        dW, db = buggy(fam, None)(W, b, x, y)
        return [g.T for g in dW], db

    with pytest.raises(InputError, match="ValueError: shapes"):
        diagnose(raises, network(fam))
    with pytest.raises(InputError, match="FUNC's W1"):
        diagnose(transposed, network(fam))
    with pytest.raises(InputError, match=r"FILE\.py:FUNC"):
        load_function("nofunction")
