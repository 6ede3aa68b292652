"""backprop_ref new: a starting spec that check passes; bad options are one line and exit 2."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from backprop_ref import InputError
from backprop_ref.worked.cli import main
from backprop_ref.worked.scaffold import scaffold
from backprop_ref.worked.spec import build, load, parse_toml


def new(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What ``new`` writes, sigmoid layers unless ``argv`` names other activations (the last one counts)."""
    assert main(["new", "--activations", "sigmoid", *argv]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["check", str(path)])
    return status, capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--sizes", "2,2,2"],
        ["--sizes", "3,4,2", "--activations", "tanh,sigmoid", "--cost", "cross_entropy", "--seed", "7"],
        ["--sizes", "1,1", "--activations", "identity", "--cost", "linear", "--eta", "0.1", "--steps", "5"],
        ["--sizes", "2,3,3,1", "--activations", "relu,softplus,identity", "--cost", "mse"],
    ],
)
def test_new_then_check_exits_0_with_the_placeholder_reproduced(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(new(capsys, *argv), encoding="utf-8")
    status, out = check(path, capsys)
    assert status == 0, out
    assert out.endswith("1 printed numbers: 1 reproduced; every verdict as the spec records.\n")
    assert "written by backprop_ref new" in out


def test_with_values_records_every_computed_quantity_and_check_reproduces_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "key.toml"
    path.write_text(new(capsys, "--sizes", "2,2,2", "--with-values"), encoding="utf-8")
    spec = load(str(path))
    kinds = {p.address.kind for p in spec.printed}
    assert kinds == {
        *("z", "a", "fprime", "cost_term", "dC_da", "dC_da_from", "delta"),
        *("dW", "db", "W_new", "b_new", "cost", "cost_after"),
    }
    # per layer 2 z, 2 a, 2 f′; 2 cost terms; ∂C/∂a of layers 2, 1 and 0 (the input): 6; its 2·2
    # terms in layers 1 and 0: 8; 4 δ, 8 dW, 4 db, 8 W_new, 4 b_new; cost and cost_after
    assert len(spec.printed) == 12 + 2 + 6 + 8 + 4 + 8 + 4 + 8 + 4 + 2
    status, out = check(path, capsys)
    assert status == 0, out
    assert out.endswith("58 printed numbers: 58 reproduced; every verdict as the spec records.\n")


def test_given_values_are_written_as_given_and_the_rest_drawn(capsys: pytest.CaptureFixture[str]) -> None:
    text = new(
        capsys,
        "--sizes",
        "2,2,2",
        "--weights",
        "[[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]]",
        "--biases",
        "[[0.35, 0.35], [0.6, 0.6]]",
        "--x",
        "[0.05, 0.1]",
        "--y",
        "[0.01, 0.99]",
    )
    spec = build(parse_toml(text))
    assert spec.network.W[1].tolist() == [[0.4, 0.45], [0.5, 0.55]]
    assert spec.x.ravel().tolist() == [0.05, 0.1]
    assert text.startswith("# A starting spec written by `backprop_ref new`; numbers all given.")
    # The one recorded number is the cost of Mazur's well-known example, computed here by hand.
    h = [1 / (1 + math.exp(-(w1 * 0.05 + w2 * 0.1 + 0.35))) for w1, w2 in ((0.15, 0.2), (0.25, 0.3))]
    o = [1 / (1 + math.exp(-(w1 * h[0] + w2 * h[1] + 0.6))) for w1, w2 in ((0.4, 0.45), (0.5, 0.55))]
    cost = 0.5 * ((0.01 - o[0]) ** 2 + (0.99 - o[1]) ** 2) / 1  # one example: the mean is the sum
    assert spec.printed[0].value == f"{cost:.6g}"


def test_the_seed_decides_the_drawn_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    first = new(capsys, "--sizes", "2,2", "--seed", "1")
    assert new(capsys, "--sizes", "2,2", "--seed", "1") == first
    assert new(capsys, "--sizes", "2,2", "--seed", "2") != first
    spec = build(parse_toml(first))
    assert all(abs(v) <= 1 and round(v, 2) == v for v in spec.network.W[0].ravel())
    assert sorted(spec.y.ravel().tolist()) == [0.0, 1.0]  # one-hot


def test_every_convention_is_written_out_at_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    doc = parse_toml(new(capsys, "--sizes", "2,1"))
    assert doc["network"]["conventions"] == {
        "reduction": "mean",
        "lmbda": 0.0,
        "bias": "per_unit",
        "update_biases": True,
        "hidden_delta_weights": "before",
    }


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["--sizes", "2"], "backprop-ref: --sizes: expected at least two whole numbers"),
        (
            ["--sizes", "2,x"],
            "backprop-ref: --sizes: expected at least two whole numbers ≥ 1 separated by commas, "
            "such as 2,2,2, got '2,x'\n",
        ),
        (["--sizes", "2,2", "--cost", "nope"], "backprop-ref: --cost: expected one of"),
        (["--sizes", "2,2", "--weights", "[[1"], "backprop-ref: --weights: expected JSON such as"),
        (
            ["--sizes", "2,2", "--weights", "[[[1, 2]]]"],
            "backprop-ref: --weights[1]: expected a 2 x 2 array of numbers, got shape (1, 2)\n",
        ),
        (["--sizes", "2,2", "--biases", "[[1, 2, 3]]"], "backprop-ref: --biases[1]: expected 2 biases"),
        (["--sizes", "2,2", "--seed", "-1"], "backprop-ref: --seed: expected a whole number ≥ 0"),
        (["--sizes", "2,2", "--seed", "x"], "backprop-ref new: argument --seed: invalid int value"),
        (["--sizes", "2,2", "--eta", "0"], "backprop-ref: --eta: expected a number > 0"),
        (["--sizes", "2,2", "--steps", "0"], "backprop-ref: --steps: expected a whole number of steps"),
        (
            ["--sizes", "2,2", "--activations", "sigmoid,tanh"],
            "backprop-ref: --activations: expected 1 entry, one per layer 1..1 as sizes says, got 2\n",
        ),
        (
            ["--sizes", "2,2", "--activations", "relu", "--cost", "cross_entropy"],
            "backprop-ref: --activations[-1]",
        ),
        (["--sizes", "2,2", "--x", "[1, 2, 3]"], "backprop-ref: --x: expected a 2 x m array"),
        (["--sizes", "1000,1000"], "backprop-ref: --sizes: expected a network of at most 20,000"),
        (
            ["--sizes", "100,180,10", "--with-values"],  # 19,990 parameters, every value recorded
            "backprop-ref: --sizes: expected a network whose spec fits in 1 MiB (fewer units, or no "
            "--with-values), got a spec of ",
        ),
        (["--activations", "sigmoid"], "backprop-ref new: the following arguments are required: --sizes"),
        (
            ["--sizes", "2,2", "--activations"],
            "backprop-ref new: argument --activations: expected one argument",
        ),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(
    argv: list[str], start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "--activations", "sigmoid", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith(start), captured.err


def test_the_header_says_which_numbers_were_drawn(capsys: pytest.CaptureFixture[str]) -> None:
    first = new(capsys, "--sizes", "2,2").splitlines()[0]
    assert first.endswith("numbers drawn from seed 0: weights, biases, x, y.")
    first = new(capsys, "--sizes", "2,2", "--x", "[1, 2]", "--seed", "3").splitlines()[0]
    assert first.endswith("numbers drawn from seed 3: weights, biases, y.")


def test_new_takes_one_step_unless_told(capsys: pytest.CaptureFixture[str]) -> None:
    # ``new --steps`` says "(default 1)"
    assert parse_toml(new(capsys, "--sizes", "2,1"))["training"]["steps"] == 1
    assert parse_toml(new(capsys, "--sizes", "2,1", "--steps", "3"))["training"]["steps"] == 3


def test_the_default_learning_rate_is_the_one_the_command_line_states() -> None:
    # ``new --eta`` says "(default 0.5)"; the function called without it writes the same
    spec = build(parse_toml(scaffold([2, 1], ["sigmoid"], "half_sse")))
    assert spec.run_eta == 0.5


def test_targets_that_are_not_json_get_an_example_of_what_is() -> None:
    with pytest.raises(InputError, match=r"^--y: expected JSON such as \[0\.01, 0\.99\], got 'nope'$"):
        scaffold([2, 1], ["sigmoid"], "half_sse", y="nope")


def test_new_without_activations_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "--sizes", "2,2"]) == 2
    assert capsys.readouterr().err.startswith(
        "backprop-ref new: the following arguments are required: --activations"
    )


def test_the_commands_the_new_file_suggests_run_on_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The header's "Then:" lines are commands a user copies: each one, run on the file, exits 0."""
    text = new(capsys, "--sizes", "2,2")
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    prefix = "#     python -m backprop_ref "
    commands = [
        line[len(prefix) :].split("  ")[0].split() for line in text.splitlines() if line.startswith(prefix)
    ]
    assert [c[0] for c in commands] == ["check", "trace"]
    for command in commands:
        assert main([str(path) if word == "FILE" else word for word in command]) == 0, command
        capsys.readouterr()
