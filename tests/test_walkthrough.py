"""The walkthrough (trace --format markdown|latex): every quantity, in reading order, its arithmetic right."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backprop_ref import InputError
from backprop_ref.worked.cli import main, quantities
from backprop_ref.worked.spec import Spec, build, load
from backprop_ref.worked.trace import Address, parse
from backprop_ref.worked.walkthrough import (
    SECTIONS,
    Line,
    Sum,
    evaluate,
    latex,
    lines,
    markdown,
    nielsen,
    number,
)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def spec_of(
    sizes: list[int],
    activations: list[str],
    cost: str,
    m: int,
    conventions: dict[str, Any],
    training: dict[str, Any] | None,
    seed: int,
    names: dict[str, str] | None = None,
) -> Spec:
    """A spec with weights, biases and data drawn from ``seed`` (targets in [0, 1]), and ``names``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shared = conventions.get("bias") == "shared"
    doc: dict[str, Any] = {
        "title": "random",
        "source": "tests",
        "network": {
            "sizes": sizes,
            "activations": activations,
            "cost": cost,
            "W": [rng.uniform(-1, 1, (sizes[l], sizes[l - 1])).tolist() for l in range(1, len(sizes))],
            "b": [rng.uniform(-1, 1, 1 if shared else sizes[l]).tolist() for l in range(1, len(sizes))],
            "conventions": conventions,
        },
        "data": {
            "x": rng.uniform(-1, 1, (sizes[0], m)).tolist(),
            "y": (
                rng.dirichlet(np.ones(sizes[-1]), m).T  # a distribution per example, as this cost needs
                if cost == "categorical_cross_entropy"
                else rng.uniform(0, 1, (sizes[-1], m))
            ).tolist(),
        },
        "printed": [{"name": "cost", "value": "0", "where": "-", "expected": "slip", "note": "-"}],
    }
    if training is not None:
        doc["training"] = training
    if names is not None:
        doc["names"] = names
    return build(doc)


def assert_arithmetic_holds(all_lines: list[Line]) -> None:
    """Each formula, its numbers multiplied and added, gives the value its line shows."""
    for line in all_lines:
        if line.formula is not None:
            assert math.isclose(evaluate(line.formula), line.value, rel_tol=1e-9, abs_tol=1e-15), line


def assert_every_quantity_shown(spec: Spec, all_lines: list[Line]) -> None:
    """Every quantity ``trace`` lists for the run is a line of the walkthrough with its value, except
    what the walkthrough shows inside a formula or leaves out: each term of BP2's sum (a product in
    the line of ∂C/∂aˡⱼ, checked there) and ∂C/∂x (the walkthrough stops at layer 1's δ)."""
    shown = {str(line.address): line for line in all_lines if line.address is not None}
    for row in quantities(spec):
        if row["section"] == "cost after" and row["quantity"] != "cost_after":
            continue
        address = parse(row["quantity"], spec.network, spec.x.shape[1], "quantity", spec.steps or 1)
        if address.layer == 0 and address.kind in ("dC_da", "dC_da_from"):
            continue
        if address.kind == "dC_da_from":  # a term wᵢⱼ·δᵢ of the sum in ∂C/∂aˡⱼ's line
            j, i, *e = address.index  # term i: unit i of the layer above
            line = shown[str(Address("dC_da", address.layer, (j, *(e or [0]))))]
            assert isinstance(line.formula, Sum)
            assert evaluate(line.formula.terms[i]) == row["value"], row["quantity"]
            continue
        assert shown[row["quantity"]].value == row["value"], row["quantity"]


def test_afteracademy_numbers_are_the_hand_computed_ones() -> None:
    by_name = {line.names[0]: line for line in lines(load("afteracademy")) if line.names}
    net_h1, net_h2 = 0.25 * 0.1 + 0.15 * 0.2 + 0.45, 0.35 * 0.1 + 0.28 * 0.2 + 0.45
    out_h1, out_h2 = sigmoid(net_h1), sigmoid(net_h2)
    out_o1 = sigmoid(0.35 * out_h1 + 0.20 * out_h2 + 0.5)
    out_o2 = sigmoid(0.45 * out_h1 + 0.40 * out_h2 + 0.5)
    d_o1 = (out_o1 - 0.05) * out_o1 * (1 - out_o1)
    d_o2 = (out_o2 - 0.95) * out_o2 * (1 - out_o2)
    d_h1 = (0.35 * d_o1 + 0.45 * d_o2) * out_h1 * (1 - out_h1)
    expected = {
        "net(h1)": net_h1,
        "out(h2)": out_h2,
        "out(o1)": out_o1,
        "E(total)": 0.5 * (0.05 - out_o1) ** 2 + 0.5 * (0.95 - out_o2) ** 2,
        "∂E/∂out(o2)": out_o2 - 0.95,
        "∂E/∂w5": d_o1 * out_h1,
        "∂E/∂w1": d_h1 * 0.1,
        "new w5": 0.35 - 0.5 * d_o1 * out_h1,
        "new w1": 0.25 - 0.5 * d_h1 * 0.1,
    }
    for name, value in expected.items():
        assert math.isclose(by_name[name].value, value, rel_tol=1e-12), name


def test_afteracademy_reads_in_order_and_every_formula_adds_up() -> None:
    all_lines = lines(load("afteracademy"))
    order = list(dict.fromkeys(line.section for line in all_lines))
    assert order == list(SECTIONS)
    assert_arithmetic_holds(all_lines)


def test_every_quantity_the_trace_lists_is_in_the_walkthrough_with_its_value() -> None:
    spec = load("afteracademy")
    assert_every_quantity_shown(spec, lines(spec))


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    ends=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "identity", "softplus"]),
    cost=st.sampled_from(["half_sse", "sse", "mse", "linear", "cross_entropy"]),
    m=st.integers(1, 3),
    reduction=st.sampled_from(["mean", "sum"]),
    lmbda=st.sampled_from([0.0, 0.3]),
    bias=st.sampled_from(["per_unit", "shared"]),
    update_biases=st.booleans(),
    hidden_delta_weights=st.sampled_from(["before", "after"]),
    steps=st.sampled_from([None, 1, 3]),
    seed=st.integers(0, 2**16),
)
def test_on_any_network_every_formula_adds_up_and_every_quantity_is_there(
    hidden: list[int],
    ends: tuple[int, int],
    activation: str,
    cost: str,
    m: int,
    reduction: str,
    lmbda: float,
    bias: str,
    update_biases: bool,
    hidden_delta_weights: str,
    steps: int | None,
    seed: int,
) -> None:
    sizes = [ends[0], *hidden, ends[1]]
    out = "sigmoid" if cost == "cross_entropy" else activation
    activations = [activation] * (len(sizes) - 2) + [out]
    if steps is None:
        hidden_delta_weights = "before"  # "after" needs a [training] table
    conventions = {
        "reduction": reduction,
        "lmbda": lmbda,
        "bias": bias,
        "update_biases": update_biases,
        "hidden_delta_weights": hidden_delta_weights,
    }
    training = None if steps is None else {"eta": 0.4, "steps": steps}
    try:
        spec = spec_of(sizes, activations, cost, m, conventions, training, seed)
    except InputError as err:  # η = 0.4 can take a linear stack to ∞ in 3 steps, which is refused
        assume("(the run diverged)" not in str(err))  # as tests/test_bad_input.py checks
        raise
    all_lines = lines(spec)
    assert_arithmetic_holds(all_lines)
    deltas = [line for line in all_lines if line.address is not None and line.address.kind == "delta"]
    assert all(line.formula is not None for line in deltas)  # every activation here is elementwise
    assert_every_quantity_shown(spec, all_lines)


@settings(max_examples=20, deadline=None)
@given(
    cost=st.sampled_from(["categorical_cross_entropy", "half_sse", "linear"]),
    hidden=st.sampled_from(["leaky_relu", "tanh"]),
    m=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_a_softmax_output_shows_its_delta_alone_and_every_quantity(
    cost: str, hidden: str, m: int, seed: int
) -> None:
    """Softmax has no f′ per unit: δᴸ is shown without a product, and everything still adds up."""
    spec = spec_of([2, 2, 3], [hidden, "softmax"], cost, m, {}, {"eta": 0.5, "steps": 1}, seed)
    all_lines = lines(spec)
    assert_arithmetic_holds(all_lines)
    output = [line for line in all_lines if line.address is not None and line.address.kind == "delta"]
    output = [line for line in output if line.address is not None and line.address.layer == 2]
    assert len(output) == 3 * m
    assert all(line.formula is None for line in output)
    assert_every_quantity_shown(spec, all_lines)
    assert "δᴸ" in markdown(spec)


def test_markdown_shows_each_line_with_its_names_formula_and_rounded_value() -> None:
    spec = load("afteracademy")
    text = markdown(spec)
    assert text.startswith("# AfterAcademy: Mastering Backpropagation in Neural Network\n")
    # the title, the source, the setting, the notation and the rules' heading: paragraphs apart
    opening = text.split("\n\n")[:5]
    assert [p.split(" ")[0] for p in opening] == ["#", "Team", "Network:", "Each", "Rules,"]
    assert all("\n" not in p for p in opening[:4])
    # BP1 of ½Σ(y − a)²: ∂C/∂a = a − y, here 0.69945 − 0.05 = 0.64945
    assert "- **∂E/∂out(o1)** (∂C/∂a²₁) = ∂C/∂a(out(o1), y₁) = ∂C/∂a(0.69945, 0.05) = **0.64945**" in text
    assert "- **∂E/∂out(h1)** (∂C/∂a¹₁) = w5·δ²₁ + w7·δ²₂ = 0.35·0.136527 + 0.45·(−0.0411137) = " in text
    assert "- **new w5** (new w²₁₁) = w5 − η·∂E/∂w5 = 0.35 − 0.5·0.0851429 = **0.307429**" in text
    # one bias shared by a layer's units: b² with no unit index, its gradient summed over the units
    assert "- **b2** (b²) = **0.5**" in text
    assert "- **∂J/∂b²** = δ²₁ + δ²₂ = 0.136527 + (−0.0411137) = **0.0954135**" in text
    for line in lines(spec):
        assert f"**{number(line.value)}**" in text
    headings = [t[3:] for t in text.splitlines() if t.startswith("## ")]
    assert headings == list(SECTIONS)
    assert markdown(spec, level=3).startswith("### AfterAcademy")


def test_several_examples_are_labelled_and_a_mean_shows_its_one_over_m() -> None:
    spec = spec_of([2, 2], ["sigmoid"], "half_sse", 3, {"reduction": "mean"}, {"eta": 0.1, "steps": 1}, 1)
    text = markdown(spec)
    assert "- **z¹₂** (example 3) = " in text
    assert "- **∂J/∂w¹₁₂** = 1/m·(δ¹₁[1]·x₂[1] + δ¹₁[2]·x₂[2] + δ¹₁[3]·x₂[3]) = 0.333333·(" in text


def test_the_latex_handout_shows_the_mean_and_keeps_its_opening_paragraphs_apart() -> None:
    spec = spec_of([2, 2], ["sigmoid"], "half_sse", 3, {"reduction": "mean"}, {"eta": 0.1, "steps": 1}, 1)
    lines = latex(spec).splitlines()
    assert any(line.startswith(r"\item $\partial J/\partial w^{1}_{11} = 1/m \cdot (") for line in lines)
    # the source, the setting and the notation: three paragraphs, each closed before the next
    start = lines.index(r"\section*{random}") + 1
    assert lines[start] == r"tests\par"
    assert [lines[start + i][-4:] for i in (0, 2, 4)] == [r"\par"] * 3
    assert lines[start + 1] == lines[start + 3] == lines[start + 5] == r"\medskip"
    assert lines[start + 6] == "Rules, as generated from their proven closed forms:"


def _balanced_environments(text: str) -> bool:
    stack: list[str] = []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", text):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _balanced_braces(text: str) -> bool:
    depth = 0
    for c in re.sub(r"\\[{}$]", "", text):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


def test_latex_is_a_balanced_ascii_document() -> None:
    text = latex(load("afteracademy"))
    assert text.startswith("\\documentclass{article}\n")
    assert text.endswith("\\end{document}\n")
    assert _balanced_environments(text)
    assert _balanced_braces(text)
    assert text.isascii()  # every Unicode symbol of the spec's names turned into LaTeX
    for row in text.splitlines():
        assert row.count("$") - row.count("\\$") in (0, 2), row
    assert "\\item $\\text{new w5}\\ (\\text{new } w^{2}_{11}) = \\text{w5} - \\eta \\cdot " in text
    assert "\\item $\\operatorname{sigmoid}'(z^{2}_{1}) = " in text  # σ′ at net(o1), layer 2's first unit
    # ∂E/∂out(o1) in the math's symbols, and its rule applied to out(o1) and its target
    assert "(\\partial C/\\partial a^{2}_{1}) = \\partial C/\\partial a(\\text{out(o1)}, y_{1}) = " in text
    # the whole equation, name = formula = numbers = value: w5 = 0.35 and η = 0.5 as the spec gives
    # them, and 0.35 − 0.5·0.0851429 = 0.307429 (to the printed digits)
    assert re.search(
        r"\\partial\}E/\\ensuremath\{\\partial\}w5\} = 0\.35 - 0\.5 \\cdot 0\.0851429 = 0\.307429\$$",
        text,
        re.M,
    )
    assert _balanced_environments("\\begin{a}\\end{b}") is False  # the checks themselves can fail
    assert _balanced_braces("{}}") is False


ENGINES = [e for e in ("lualatex", "pdflatex", "xelatex") if shutil.which(e)]


@pytest.mark.parametrize(
    "engine",
    ENGINES or [pytest.param("none", marks=pytest.mark.skip(reason="no TeX engine on this machine"))],
)
def test_latex_compiles(engine: str, tmp_path: Path) -> None:
    (tmp_path / "walkthrough.tex").write_text(latex(load("afteracademy")), encoding="utf-8")
    done = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "walkthrough.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]


def test_cli_writes_the_walkthrough_and_refuses_two_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "afteracademy", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == markdown(load("afteracademy"))
    assert main(["trace", "afteracademy", "--format", "latex"]) == 0
    assert capsys.readouterr().out == latex(load("afteracademy"))
    for argv in (["--format", "html"], ["--format", "latex", "--json"]):
        assert main(["trace", "afteracademy", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith("backprop-ref trace: "), err


def test_a_spec_without_training_has_no_update_section() -> None:
    spec = spec_of([1, 1], ["identity"], "half_sse", 1, {}, None, 0)
    sections = {line.section for line in lines(spec)}
    assert "Update" not in sections
    assert "Hidden error (BP2)" not in sections
    assert Address("cost") in {line.address for line in lines(spec)}


def test_a_layer_by_layer_update_carries_delta_through_the_updated_weights_and_says_so() -> None:
    conventions = {"reduction": "sum", "hidden_delta_weights": "after"}
    spec = spec_of([1, 1, 1], ["sigmoid", "sigmoid"], "half_sse", 1, conventions, {"eta": 0.5, "steps": 1}, 3)
    (line,) = [t for t in lines(spec) if t.address == Address("dC_da", 1, (0, 0))]
    assert line.note == "with the weights above already updated: hidden_delta_weights after"
    assert "- **∂C/∂a¹₁** = new w²₁₁·δ²₁ = " in markdown(spec)
    w_new = spec.network.W[1][0, 0] - 0.5 * spec.run().first.gradients.dW[1][0, 0]
    assert line.formula is not None
    assert math.isclose(evaluate(line.formula), w_new * spec.run().first.backward.delta[1][0, 0])


def test_each_example_is_named_by_its_own_number_in_both_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["new", "--sizes", "2,2", "--activations", "sigmoid", "--x", "[[0.1, 0.2], [0.3, 0.4]]"]
    assert main([*argv, "--y", "[[1, 0], [0, 1]]"]) == 0
    path = tmp_path / "two.toml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    two = load(str(path))
    for text in (markdown(two), latex(two)):
        second = [row for row in text.splitlines() if "(example 2)" in row]
        assert second
        for row in second:  # the inputs of example 2 are x[2], never another example's
            assert set(re.findall(r"\]?\[(\d+)\]", row)) <= {"2"}, row
    one = load("afteracademy")  # one example: no example numbers at all
    assert "(example" not in markdown(one)
    assert "(example" not in latex(one)


def test_the_handout_states_each_rule_as_the_rules_define_it() -> None:
    text = latex(load("afteracademy"))
    assert "\\item sigmoid: \\texttt{a = 1/(1 + exp(-z))}" in text  # rules.py: 1/(1 + e^-z)
    assert "- sigmoid: `a = 1/(1 + exp(-z))`" in markdown(load("afteracademy"))


def test_a_run_of_several_steps_says_how_many_the_new_values_are_after() -> None:
    two = spec_of([2, 2], ["sigmoid"], "half_sse", 1, {}, {"eta": 0.1, "steps": 2}, 1)
    one = spec_of([2, 2], ["sigmoid"], "half_sse", 1, {}, {"eta": 0.1, "steps": 1}, 1)
    assert "after 2 steps" in markdown(two)
    assert "after 2 steps" not in markdown(one)
    assert "after the update" in markdown(one)


def test_a_shared_bias_is_one_symbol_in_every_units_formula() -> None:
    """With one bias per layer, zⱼ = Σₖ wⱼₖxₖ + b¹ for every unit j: no unit index on b."""
    spec = spec_of([2, 2], ["sigmoid"], "half_sse", 1, {"bias": "shared"}, {"eta": 0.1, "steps": 1}, 1)
    text = markdown(spec)
    assert "- **z¹₁** = w¹₁₁·x₁ + w¹₁₂·x₂ + b¹ = " in text
    assert "- **z¹₂** = w¹₂₁·x₁ + w¹₂₂·x₂ + b¹ = " in text
    assert "b¹₂" not in text


def test_the_setting_names_every_convention_and_the_steps_taken() -> None:
    spec = spec_of([2, 2], ["sigmoid"], "half_sse", 2, {"reduction": "mean"}, {"eta": 0.1, "steps": 3}, 1)
    assert (
        "conventions: reduction mean, lmbda 0.0, bias per_unit, update_biases True, "
        "hidden_delta_weights before; training: η = 0.1, 3 steps."
    ) in markdown(spec)
    one = spec_of([2, 2], ["sigmoid"], "half_sse", 2, {}, {"eta": 0.1, "steps": 1}, 1)
    assert "training: η = 0.1, 1 step." in markdown(one)


def test_the_cost_lines_mark_each_target_with_its_example_and_total_as_j() -> None:
    spec = spec_of([2, 2], ["sigmoid"], "half_sse", 2, {"reduction": "mean"}, {"eta": 0.1, "steps": 1}, 1)
    text = markdown(spec)
    assert "- **C₁[2]** (example 2) = C(a¹₁[2], y₁[2]) = " in text
    assert "- **J** = 1/m·(C₁[1] + C₂[1] + C₁[2] + C₂[2]) = " in text
    assert r"\item $\eta = 0.1$ (the learning rate)" in latex(spec)


def test_weight_indices_past_9_are_separated_by_a_comma() -> None:
    from backprop_ref.worked.walkthrough import nielsen

    # w¹₁₀,₁ (into unit 10 from unit 1): w¹₁₀₁ would not say whether it is w¹₁₀,₁ or w¹₁,₀₁
    assert nielsen("W", 1, 9, 0) == ("w¹₁₀,₁", "w^{1}_{10,1}")
    assert nielsen("W", 1, 8, 0) == ("w¹₉₁", "w^{1}_{91}")


def test_markdown_markup_characters_in_names_are_escaped() -> None:
    from backprop_ref.worked.walkthrough import markdown_text

    assert markdown_text("a*b_c[1]<2>|#`\\") == "a\\*b\\_c\\[1\\]\\<2\\>\\|\\#\\`\\\\"
    assert markdown_text("net(h1) = 0.5") == "net(h1) = 0.5"


def test_the_latex_preamble_holds_only_commands() -> None:
    # any text before \begin{document} is a LaTeX error ("Missing \begin{document}")
    preamble = latex(load("afteracademy")).split("\\begin{document}")[0]
    assert preamble.splitlines()[0] == "\\documentclass{article}"
    assert all(re.fullmatch(r"\\usepackage(\[[^]]*\])?\{[^}]+\}", line) for line in preamble.splitlines()[1:])


def test_a_bias_per_unit_has_the_unit_s_index_and_a_shared_one_none() -> None:
    assert nielsen("b", 2, 1) == ("b²₂", "b^{2}_{2}")
    assert nielsen("b", 2, 1, shared=True) == ("b²", "b^{2}")


def test_the_total_says_whether_it_is_a_mean_or_a_sum() -> None:
    mean = spec_of([2, 2], ["sigmoid"], "half_sse", 2, {"reduction": "mean"}, {"eta": 0.1, "steps": 1}, 1)
    total = spec_of([2, 2], ["sigmoid"], "half_sse", 2, {"reduction": "sum"}, {"eta": 0.1, "steps": 1}, 1)
    assert re.search(r"^- \*\*J\*\* = .* \(the mean over examples\)$", markdown(mean), re.M)
    assert re.search(r"^- \*\*J\*\* = .* \(the sum of the terms\)$", markdown(total), re.M)


def test_bp2_through_updated_weights_names_each_unit_s_own_new_weight() -> None:
    # "new w" names w²₁₁ after the last step: after one step it is the weight BP2 reads, after two
    # not (Nielsen's symbol instead); δ¹₂ is carried back through w²₁₂, from hidden unit 2
    conventions = {"reduction": "sum", "hidden_delta_weights": "after"}
    names = {"new w": "W_new[2][0,0]"}
    for steps, first in ((1, "new w·δ²₁"), (2, "new w²₁₁·δ²₁")):
        training = {"eta": 0.5, "steps": steps}
        text = markdown(
            spec_of([1, 2, 1], ["sigmoid", "sigmoid"], "half_sse", 1, conventions, training, 3, names)
        )
        assert f"- **∂C/∂a¹₁** = {first} = " in text, steps
        assert "- **∂C/∂a¹₂** = new w²₁₂·δ²₁ = " in text, steps
