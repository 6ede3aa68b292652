"""``diagnose`` names each catalogued mistake from an independently written gradient (tests/buggy.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backprop_ref.errors import InputError
from backprop_ref.worked.departures import CATALOGUE
from backprop_ref.worked.diagnose import candidates, diagnose, load_function, trials
from tests.buggy import FAMILIES, Family, buggy, confusion, network

#: Pairs no gradient can tell apart: the ½ dropped from the cost doubles ∂C/∂a exactly as the
#: doubled gradient does (only a printed cost separates them).
TIES = {"half_factor": {"squared_error_gradient_doubled"}, "squared_error_gradient_doubled": {"half_factor"}}
GRADIENT_DEPARTURES = sorted({d.name for d in CATALOGUE if d.in_gradient})
MIXED = FAMILIES["3-4-3 tanh/σ, ½Σ, sum, λ=0.3"]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_correct_gradient_agrees(family: str) -> None:
    assert diagnose(buggy(FAMILIES[family], None), network(FAMILIES[family]), 0.5).verdict == "agrees"


def test_each_mistake_is_named_from_an_independent_implementation() -> None:
    table = confusion()  # the page's confusion table: each mistake in the first family it shows in
    assert sorted(p.mistake for p in table) == GRADIENT_DEPARTURES
    for planted in table:
        assert planted.diagnosis.verdict == "departure", planted.mistake
        assert set(planted.named) == {planted.mistake} | TIES.get(planted.mistake, set()), planted.mistake


def test_two_mistakes_at_once_are_named_together() -> None:
    fam = MIXED

    def both(W, b, x, y):  # the sign flipped on top of f′ evaluated at a
        dW, db = buggy(fam, "fprime_of_activation")(W, b, x, y)
        return [-g for g in dW], [-g for g in db]

    found = diagnose(both, network(fam), 0.5)
    assert [sorted(d.name for d in ds) for ds in found.matches] == [
        ["fprime_of_activation", "update_sign_flipped"]
    ]


def test_a_random_wrong_gradient_is_not_explained() -> None:
    fam = MIXED
    rng = np.random.default_rng(7)

    def noise(W, b, x, y):
        return [rng.normal(size=w.shape) for w in W], [rng.normal(size=c.shape) for c in b]

    found = diagnose(noise, network(fam), 0.5)
    assert found.verdict == "unexplained"
    assert found.matches == []
    assert found.worst is not None
    assert found.worst.yours != found.worst.oracle


def test_the_family_reports_what_it_cannot_tell_apart() -> None:
    square_family = FAMILIES["2-2-2 σ/σ, ½Σ, sum, λ=0.3"]
    square = diagnose(buggy(square_family, None), network(square_family), 0.5)
    hidden = {ds[0].name for group, _ in square.indistinguishable if () in group for ds in group if ds}
    assert "fprime_wrong_layer" in hidden  # one activation everywhere: no signature
    no_l2 = Family((3, 4, 3), ("tanh", "sigmoid"))
    found = diagnose(buggy(no_l2, None), network(no_l2), 0.5)
    group, needs = next((g, n) for g, n in found.indistinguishable if () in g)
    assert {"l2_on_bias", "l2_bias_mask_ones"} <= {ds[0].name for ds in group if ds}
    assert "λ > 0" in needs


def test_a_function_that_raises_or_returns_the_wrong_shape_is_unusable_input() -> None:
    fam = MIXED

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


def test_layer_widths_are_the_familys_unless_asked() -> None:
    fam = FAMILIES["2-2-2 σ/σ, ½Σ, sum, λ=0.3"]
    fixed = diagnose(buggy(fam, None), network(fam), 0.5)
    assert set(fixed.sizes) == {(2, 2, 2)}
    varied = diagnose(buggy(fam, None), network(fam), 0.5, vary_sizes=True)
    assert varied.verdict == "agrees"
    assert len(set(varied.sizes)) == len(varied.sizes)  # each trial its own hidden width
    assert all(n[0] == 2 and n[-1] == 2 for n in varied.sizes)  # inputs and outputs are the family's


def test_varied_widths_show_a_mistake_square_layers_let_through() -> None:
    """Code that takes W for Wᵀ, or builds ∂J/∂W transposed, runs on square layers and fails on others."""
    fam = FAMILIES["2-2-2 σ/σ, ½Σ, sum, λ=0.3"]
    for mistake in ("weights_not_transposed", "outer_product_reversed"):
        assert diagnose(buggy(fam, mistake), network(fam), 0.5).verdict == "departure"
        with pytest.raises(InputError, match="got ValueError: "):
            diagnose(buggy(fam, mistake), network(fam), 0.5, vary_sizes=True)


def test_with_varied_widths_only_departures_that_apply_at_every_width_are_tried() -> None:
    fam = FAMILIES["2-2-2 σ/σ, ½Σ, sum, λ=0.3"]
    found = diagnose(buggy(fam, "update_sign_flipped"), network(fam), 0.5, vary_sizes=True)
    nets = [t.net for t in trials(network(fam), vary_sizes=True)]
    assert [[d.name for d in ds] for ds in found.matches] == [["update_sign_flipped"]]
    square = {d.name for d in candidates(network(fam))} - {d.name for d in candidates(*nets)}
    assert square == {"weights_not_transposed", "outer_product_reversed"}


def test_each_way_a_gradient_function_can_be_unusable_has_its_own_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exact sentences: which part of ``FILE.py:FUNC`` or of its return value is wrong, and how."""
    fam = MIXED  # two layers
    right = buggy(fam, None)

    def says(call, expected: str) -> None:
        with pytest.raises(InputError) as caught:
            call()
        assert str(caught.value) == expected

    def raising(W, b, x, y):
        raise ValueError("shapes (4,3) and (4,3) not aligned")

    says(
        lambda: diagnose(raising, network(fam)),
        "FUNC: expected a function that returns a gradient, "
        "got ValueError: shapes (4,3) and (4,3) not aligned",
    )
    says(
        lambda: diagnose(lambda W, b, x, y: right(W, b, x, y)[0], network(fam)),
        "FUNC: expected (dW, db): two lists of 2 arrays, or a dict W1, b1, ..., got a list of 2 arrays",
    )
    says(
        lambda: diagnose(lambda W, b, x, y: (*right(W, b, x, y), None), network(fam)),
        "FUNC: expected (dW, db): two lists of 2 arrays, or a dict W1, b1, ..., got a tuple of 3 items",
    )
    says(
        lambda: diagnose(lambda W, b, x, y: (W, b[:1]), network(fam)),
        "FUNC: expected (dW, db): two lists of 2 arrays, or a dict W1, b1, ..., got a tuple of 2 lists",
    )
    says(  # the gradients of the three layers of another network, each a (dW, db) pair
        lambda: diagnose(lambda W, b, x, y: ((W[0], b[0]),) * 3, network(fam)),
        "FUNC: expected (dW, db): two lists of 2 arrays, or a dict W1, b1, ..., got a tuple of 3 tuples",
    )
    says(
        lambda: diagnose(lambda W, b, x, y: None, network(fam)),
        "FUNC: expected (dW, db): two lists of 2 arrays, or a dict W1, b1, ..., got None",
    )
    says(
        lambda: diagnose(
            lambda W, b, x, y: {f"W{l}": g for l, g in enumerate(right(W, b, x, y)[0], 1)}, network(fam)
        ),
        "FUNC: expected a gradient for b1, got ['W1', 'W2']",
    )
    monkeypatch.chdir(tmp_path)  # short relative paths: a value shown is cut at 80 characters
    broken = Path("broken.py")
    broken.write_text("import no_such_module_here\n", encoding="utf-8")
    plain = Path("grads.txt")
    plain.write_text("", encoding="utf-8")
    nothing = Path("nothing.py")
    nothing.write_text("x = 1\n", encoding="utf-8")
    for target, expected in [
        ("grads.py", "expected a Python file and a function name, such as grads.py:gradient, got 'grads.py'"),
        (
            "grads.py:2nd",
            "expected a Python file and a function name, such as grads.py:gradient, got 'grads.py:2nd'",
        ),
        (":grad", "expected a Python file and a function name, such as grads.py:gradient, got ':grad'"),
        ("no-such-dir/:grad", "expected a readable Python file, got 'no-such-dir/'"),
        (
            f"{broken}:grad",
            "expected a file that imports, got ModuleNotFoundError: No module named 'no_such_module_here'",
        ),
        (f"{plain}:grad", f"expected a Python file (.py), got '{plain}'"),
        (f"{nothing}:grad", f"expected a function grad defined in {nothing}, got 'grad'"),
        (f"{nothing}:x", f"expected a function x defined in {nothing}, got 'x'"),
    ]:
        says(lambda target=target: load_function(target), f"FILE.py:FUNC: {expected}")


def test_an_unexplained_gradient_names_its_furthest_entry() -> None:
    """One entry off by 5 in every trial: that entry is the furthest, by name, index and values."""
    fam = MIXED
    right = buggy(fam, None)

    def one_entry_off(W, b, x, y):
        dW, db = right(W, b, x, y)
        db[1][1, 0] += 5.0
        return dW, db

    found = diagnose(one_entry_off, network(fam), 0.5)
    assert found.verdict == "unexplained"
    assert found.worst is not None
    assert (found.worst.name, found.worst.index) == ("b2", (1, 0))
    assert found.worst.yours - found.worst.oracle == pytest.approx(5.0)


def test_an_output_paired_with_its_cost_takes_no_fprime_mistake_in_a_deeper_network() -> None:
    # cross-entropy on a sigmoid output: δᴸ = a − y has no f′, so a mistake in f′ is made in the
    # hidden layers only, as in the learner's code; the middle layer's tanh has nothing to do with it
    fam = Family((3, 4, 4, 2), ("tanh", "tanh", "sigmoid"), cost="cross_entropy")
    for mistake in ("fprime_of_activation", "fprime_shortcut_on_z"):
        found = diagnose(buggy(fam, mistake), network(fam), 0.5)
        assert found.verdict == "departure", mistake
        assert [[d.name for d in ds] for ds in found.matches] == [[mistake], [f"{mistake}:hidden"]]
