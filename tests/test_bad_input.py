"""The bad inputs a new user tried, each answered by one sentence naming the field (and, from the
command line, by exit status 2 with one line and no traceback)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_ref import InputError, Network, step, train
from backprop_ref.gradcheck import check_gradients, finite_differences
from backprop_ref.worked import spec
from backprop_ref.worked.cli import main

SHIPPED = (files("backprop_ref.worked") / "specs" / "afteracademy.toml").read_text(encoding="utf-8")


def says(call: Callable[[], object], field: str, *parts: str) -> str:
    """``call()`` raises one InputError on ``field`` whose one-line message holds every part."""
    with pytest.raises(InputError) as caught:
        call()
    message = str(caught.value)
    assert caught.value.field == field, message
    assert "\n" not in message
    for part in parts:
        assert part in message, message
    return message


def oracle_gradient(net: Network) -> Callable[..., dict[str, np.ndarray]]:
    return lambda p, x, y: net.gradient(x, y).by_name()


# --- the Python API ----------------------------------------------------------------------------


def test_a_cost_that_is_not_a_name(network_args: dict[str, Any]) -> None:
    says(lambda: Network(**{**network_args, "cost": ["sse"]}), "cost", "got ['sse']")


@pytest.mark.parametrize("frozen", [None, 5])
def test_frozen_that_is_not_a_collection(net: Network, batch: Any, frozen: object) -> None:
    says(lambda: step(net, *batch, eta=0.1, frozen=frozen), "frozen", f"got {frozen!r}")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, True])
def test_a_seed_that_is_not_a_whole_number_from_0(net: Network, batch: Any, seed: object) -> None:
    says(lambda: train(net, *batch, eta=0.1, epochs=1, seed=seed), "seed", "a whole number ≥ 0")  # type: ignore[arg-type]


def test_progress_that_is_not_a_function(net: Network, batch: Any) -> None:
    says(lambda: train(net, *batch, eta=0.1, epochs=1, progress=42), "progress", "got 42")  # type: ignore[arg-type]


def test_a_gradient_that_is_neither_a_function_nor_a_dict(net: Network, batch: Any) -> None:
    says(
        lambda: check_gradients(net, *batch, "W1"),  # type: ignore[arg-type]
        "gradient",
        "expected a function gradient(params, x, y) or the dict it returned, got 'W1'",
    )


def test_backward_with_targets_of_the_wrong_shape(net: Network, batch: Any) -> None:
    fw = net.forward(batch[0])
    says(lambda: net.backward(fw, np.ones((2, 3))), "y", "a 1 x 3 array", "shape (2, 3)")
    says(lambda: net.total_cost(fw, [[1.0, 0.0]]), "y", "a 1 x 3 array", "shape (1, 2)")


def test_backward_of_something_not_a_forward_pass(net: Network, batch: Any) -> None:
    says(
        lambda: net.backward("fw", batch[1]),
        "fw",
        f"a Forward of this network ({len(net.W)} layers), got 'fw'",
    )


def test_a_batch_made_for_another_network(net: Network) -> None:
    other = Network(W=[np.ones((1, 3))], b=[np.zeros((1, 1))], activations=["sigmoid"])
    data = other.batch(np.zeros((3, 5)), np.zeros((1, 5)))  # 3 inputs, 1 target, 5 examples
    says(
        lambda: net.cost_and_gradient(data),
        "x",
        f"a batch of {net.sizes[0]} inputs",
        "a batch of 3 inputs and 1 targets",
    )


def test_backward_with_a_flat_list_of_targets_is_one_example() -> None:
    net = Network(W=[np.ones((2, 2))], b=[np.zeros((2, 1))], activations=["identity"], cost="half_sse")
    fw = net.forward([1.0, 2.0])
    back = net.backward(fw, [0.5, 0.5])  # two outputs of one example, as a plain list
    assert back.delta[0].shape == (2, 1)
    np.testing.assert_allclose(back.delta[0].ravel(), [3.0 - 0.5, 3.0 - 0.5])


@pytest.mark.parametrize("l", [0, 9, -1, 1.0, True])
def test_layer_gradient_of_a_layer_that_does_not_exist(net: Network, batch: Any, l: object) -> None:
    fw = net.forward(batch[0])
    back = net.backward(fw, batch[1])
    says(lambda: net.layer_gradient(l, back.delta[0], fw.a[0]), "l", "a layer from 1 to 2")  # type: ignore[arg-type]


def test_a_spec_path_too_long_for_the_file_system() -> None:
    says(lambda: spec.load("a" * 300), "SPEC", "the path of a spec file or the name of a shipped spec")


@pytest.mark.parametrize(
    ("W1", "shown"),
    [
        ([[True, False], [0.1, 0.2], [0.3, 0.4]], "got [[True, False]"),
        ([["1e3", 0.1], [0.1, 0.2], [0.3, 0.4]], "got [['1e3', 0.1]"),
        (None, "got None"),
        ([[None, 0.1], [0.1, 0.2], [0.3, 0.4]], "got [[None, 0.1]"),
        (np.array([[True, False]] * 3), "got array([[ True, False]"),
        ([0.3, -0.2], "got shape (2,)"),
        (np.zeros((3, 2, 2)), "got shape (3, 2, 2)"),
    ],
)
def test_weights_that_are_not_a_matrix_of_numbers(
    network_args: dict[str, Any], W1: object, shown: str
) -> None:
    W = [W1, network_args["W"][1]]
    says(lambda: Network(**{**network_args, "W": W}), "W[1]", "expected a m x m array of numbers", shown)


def test_a_layer_with_no_units(network_args: dict[str, Any]) -> None:
    W = [np.zeros((0, 2)), np.zeros((1, 0))]
    b = [np.zeros((0, 1)), [0.2]]
    says(lambda: Network(**{**network_args, "W": W, "b": b}), "W[1]", "at least one unit in every layer")


def test_with_parameters_refuses_an_unknown_name(net: Network) -> None:
    says(lambda: net.with_parameters({"W9": np.zeros((1, 3))}), "params", "got 'W9'")


def test_a_finite_difference_step_too_small_to_move_the_parameters(net: Network, batch: Any) -> None:
    says(lambda: finite_differences(net, *batch, h=1e-300), "h", "a step that moves every entry")


def test_spec_validate_of_something_that_is_not_a_table() -> None:
    says(lambda: spec.validate(5), "SPEC", "a table of the spec's keys", "got 5")  # type: ignore[arg-type]


def test_a_zero_oracle_entry_with_atol_0_gives_a_defined_relative_error() -> None:
    # One identity unit whose bias gradient is exactly 0: y = W·x + b at the target.
    net = Network(W=[[[2.0]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    x, y = np.array([[1.0]]), np.array([[2.0]])
    exact = check_gradients(net, x, y, oracle_gradient(net), atol=0.0)
    assert exact.passed
    assert exact.max_rel_error == 0.0
    wrong = check_gradients(net, x, y, {"W1": np.zeros((1, 1)), "b1": np.full((1, 1), 1e-3)}, atol=0.0)
    assert not wrong.passed
    assert wrong.max_rel_error == np.inf
    assert wrong.worst == ("b1", (0, 0))


def test_lmbda_0_adds_nothing_even_for_a_huge_weight() -> None:
    net = Network(W=[[[1e155]]], b=[[0.0]], activations=["sigmoid"])
    assert net.cost_of([0.0], [0.5]) == 0.0


def test_a_learning_rate_that_overflows_the_parameters_is_named() -> None:
    # One identity unit: ∂J/∂W = (W·x − y)·x = (10 + 10)·10 = 200, and 1e307 · 200 overflows.
    net = Network(W=[[[1.0]]], b=[[0.0]], activations=["identity"])
    says(lambda: step(net, [10.0], [-10.0], eta=1e307), "eta", "took W1 to inf or NaN", "diverged")


def test_training_whose_cost_overflows_is_named() -> None:
    # W → 1 − 0.5·200 = −99, then (−99·10 + 10)² ... grows by about 100 a step until it overflows.
    net = Network(W=[[[1.0]]], b=[[0.0]], activations=["identity"])
    says(lambda: train(net, [10.0], [-10.0], eta=0.5, epochs=400), "eta", "diverged")


# --- the command line ----------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backprop_ref", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def one_line_exit_2(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in result.stderr


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_spec_file_over_1_mib(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2**20 + 1))
    says(
        lambda: spec.load(str(big)),
        "SPEC",
        "expected a spec file of at most 1,048,576 bytes (1 MiB), got a file of 1,048,577 bytes",
    )


def test_cli_a_spec_path_of_300_characters() -> None:
    one_line_exit_2(run_cli("check", "b" * 300), "SPEC: expected the path of a spec file")


def test_cli_toml_nested_600_deep(tmp_path: Path) -> None:
    deep = write(tmp_path, "x = " + "[" * 600 + "]" * 600 + "\n")
    one_line_exit_2(
        run_cli("check", deep), "SPEC: expected TOML nested a few levels deep, got nesting too deep to read\n"
    )


def test_cli_trace_into_a_reader_that_stops_early() -> None:
    result = subprocess.run(
        f"{sys.executable} -m backprop_ref trace afteracademy | head -n 2",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.count("\n") == 2
    assert result.stderr == ""


def test_cli_on_a_terminal_without_unicode_falls_back_to_ascii() -> None:
    checked = run_cli("check", "afteracademy", env={"PYTHONIOENCODING": "cp1252"})
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines()[3].endswith("  ok")  # the mark ✓, in ASCII
    traced = run_cli("trace", "afteracademy", env={"PYTHONIOENCODING": "cp1252"})
    assert traced.returncode == 0, traced.stderr
    assert "\\u2202E/\\u2202out(o1)" in traced.stdout  # ∂ has no cp1252 byte: an escape, no error


def test_the_marks_fall_back_to_ascii_in_process_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same fallback where the test can see the code run (the test above runs a new process)."""
    for encoding, mark in (("cp1252", "ok"), ("utf-8", "✓")):
        out = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        monkeypatch.setattr(sys, "stdout", out)
        assert main(["check", "afteracademy"]) == 0
        out.flush()
        text = out.buffer.getvalue().decode(encoding)  # type: ignore[attr-defined]
        assert text.splitlines()[3].endswith(f"  {mark}"), encoding


def test_cli_too_many_steps_are_refused_with_the_bound(tmp_path: Path) -> None:
    many = write(tmp_path, SHIPPED.replace("steps = 1", "steps = 10000000"))
    one_line_exit_2(
        run_cli("check", many), "training.steps: expected a whole number of steps from 1 to 10,000"
    )


def test_cli_a_diverging_learning_rate_is_reported(tmp_path: Path) -> None:
    # Identity units: nothing saturates, so η = 1e300 takes the weights and the cost past float64.
    doc = SHIPPED.replace("eta = 0.5", "eta = 1e300").replace(
        'activations = ["sigmoid", "sigmoid"]', 'activations = ["identity", "identity"]'
    )
    huge = write(tmp_path, doc)
    for command in ("check", "trace"):
        one_line_exit_2(
            run_cli(command, huge), "training.eta: expected a learning rate small enough", "diverged"
        )


def test_cli_a_huge_learning_rate_on_saturating_units_is_computed_not_refused(tmp_path: Path) -> None:
    # Sigmoid units saturate: the weights grow to about 1e298, but every cost stays a finite number.
    result = run_cli("trace", write(tmp_path, SHIPPED.replace("eta = 0.5", "eta = 1e300")), "--json")
    assert result.returncode == 0, result.stderr
    costs = [q["value"] for q in json.loads(result.stdout)["quantities"] if q["section"].startswith("cost")]
    assert all(isinstance(c, float) and 0 < c < 1 for c in costs)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"new w1" = "W_new[1][0,0]"', '"new w1" = "W_new[1][٠,٠]"', "names.new w1"),
        ('value = "0.505"', 'value = "0.505\\n"', "printed[0].value"),
    ],
)
def test_cli_non_ascii_digits_and_a_trailing_newline_are_refused(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    assert old in SHIPPED
    one_line_exit_2(run_cli("check", write(tmp_path, SHIPPED.replace(old, new, 1))), f"{field}: expected")


def test_cli_a_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SHIPPED.encode("utf-8"))
    assert run_cli("check", str(path)).returncode == 0


def test_cli_a_spec_over_the_size_bound_is_refused_quickly(tmp_path: Path) -> None:
    row = ", ".join(["0.1"] * 1000)
    big = write(tmp_path, SHIPPED + "\n# padding\n" + "\n".join(f"# {row}" for _ in range(250)))
    one_line_exit_2(run_cli("check", big), "SPEC: expected a spec file of at most 1,048,576 bytes")


def test_cli_json_is_strict_even_for_a_saturated_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A cross-entropy output driven far into saturation: ∂C/∂a overflows, δ stays exact.
    doc = SHIPPED.replace('cost = "half_sse"', 'cost = "cross_entropy"').replace(
        "[0.35, 0.20], [0.45, 0.40]", "[3500.0, 2000.0], [0.45, 0.40]"
    )
    path = write(tmp_path, doc)
    status = main(["trace", path, "--json"])
    out = capsys.readouterr().out
    assert status == 0
    json.loads(out, parse_constant=lambda token: pytest.fail(f"non-strict JSON token {token}"))


def test_inf_and_minus_inf_together_are_named_without_a_warning() -> None:
    # their sum is NaN (an "invalid" operation): the check reports the first, and warns of nothing
    from backprop_ref.validation import as_array

    with pytest.raises(InputError) as caught:
        as_array([[1.0, np.inf, -np.inf]], "x", (1, None))
    assert str(caught.value) == "x: expected finite numbers, got inf at index (0, 1)"


def test_softmax_in_a_hidden_layer_is_named_with_what_a_hidden_layer_takes() -> None:
    says(
        lambda: Network(W=[[[1.0]], [[1.0]]], b=[[0.0], [0.0]], activations=["softmax", "sigmoid"]),
        "activations[1]",
        "expected a hidden-layer activation (sigmoid, tanh, relu, identity, softplus, leaky_relu); "
        "softmax serves only the output layer, got 'softmax'",
    )


def test_a_saturated_cross_entropy_output_gives_an_infinite_dC_da_without_a_warning() -> None:
    # z = 800, y = 0: ∂C/∂a = (1 − y)(1 + e^z) overflows to +inf (as documented), δ = a − y = 1 exactly
    net = Network(W=[[[800.0]]], b=[[0.0]], activations=["sigmoid"], cost="cross_entropy")
    back = net.backward(net.forward([1.0]), [0.0])  # warnings are errors in this suite
    assert back.dC_da[-1].tolist() == [[np.inf]]
    assert back.delta[-1].tolist() == [[1.0]]
