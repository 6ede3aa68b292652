"""The command line: seed 004 end to end, and unusable input as one line with exit status 2."""

import io
import json
import math
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from backprop_ref.worked.cli import main, shown_steps

SHIPPED = (files("backprop_ref.worked") / "specs" / "afteracademy.toml").read_text(encoding="utf-8")
PRINTED_NAMES = [
    "net(h1)",
    "net(h2)",
    "out(h1)",
    "out(h2)",
    "net(o1)",
    "net(o2)",
    "out(o1)",
    "out(o2)",
    "E(total)",
    "new w1",
    "E(total) after",
]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backprop_ref", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def row(output: str, first: str) -> list[str]:
    """The cells of the table row that starts with ``first`` (cells are two or more spaces apart)."""
    (line,) = (line for line in output.splitlines() if line.startswith(first + "  "))
    return [cell.strip() for cell in line.split("  ") if cell.strip()]


def test_check_afteracademy_exits_0_and_judges_every_printed_number() -> None:
    done = cli("check", "afteracademy")
    assert (done.returncode, done.stderr) == (0, "")
    for name in PRINTED_NAMES:
        assert row(done.stdout, name)[-1] == "✓", name
    assert "✗" not in done.stdout
    assert row(done.stdout, "net(o1)") == [
        "net(o1)",
        "z[2][0]",
        "Forward Propagation, o1's worked line",
        "0.794609",
        f"{0.35 * sigmoid(0.505) + 0.20 * sigmoid(0.541) + 0.5:.10g}",
        f"{0.35 * 0.623633 + 0.20 * 0.632045 + 0.5:.10g}",
        "slip",
        "slip",
        "✓",
    ]
    assert row(done.stdout, "out(o2)")[4:7] == [
        f"{sigmoid(0.45 * sigmoid(0.505) + 0.40 * sigmoid(0.541) + 0.5):.10g}",
        f"{sigmoid(1.0334528):.10g}",
        "slip",
    ]


def test_check_json_parses_and_carries_every_verdict() -> None:
    done = cli("check", "afteracademy", "--json")
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert report["as_expected"] is True
    verdicts = {f["name"]: f["verdict"] for f in report["findings"]}
    assert list(verdicts) == PRINTED_NAMES
    assert verdicts["E(total)"] == "follows"
    total = next(f for f in report["findings"] if f["name"] == "E(total)")
    t1 = sigmoid(0.35 * sigmoid(0.505) + 0.20 * sigmoid(0.541) + 0.5)
    t2 = sigmoid(0.45 * sigmoid(0.505) + 0.40 * sigmoid(0.541) + 0.5)
    assert total["exact"] == pytest.approx(((0.05 - t1) ** 2 + (0.95 - t2) ** 2) / 2, rel=1e-12)
    assert total["from_printed"] == pytest.approx(((0.05 - 0.6888201) ** 2 + (0.95 - 0.7375445) ** 2) / 2)


def test_trace_afteracademy_shows_the_forward_values_by_the_articles_names() -> None:
    done = cli("trace", "afteracademy")
    assert (done.returncode, done.stderr) == (0, "")
    h1, h2 = sigmoid(0.505), sigmoid(0.541)
    o1, o2 = 0.35 * h1 + 0.20 * h2 + 0.5, 0.45 * h1 + 0.40 * h2 + 0.5
    for quantity, name, value in [
        ("z[1][0]", "net(h1)", 0.25 * 0.1 + 0.15 * 0.2 + 0.45),
        ("a[1][0]", "out(h1)", h1),
        ("a[1][1]", "out(h2)", h2),
        ("z[2][0]", "net(o1)", o1),
        ("z[2][1]", "net(o2)", o2),
        ("a[2][0]", "out(o1)", sigmoid(o1)),
        ("a[2][1]", "out(o2)", sigmoid(o2)),
    ]:
        assert row(done.stdout, quantity) == [quantity, name, f"{value:.10g}"]
    for heading in ("given", "forward", "cost", "backward", "gradients", "update", "cost after"):
        assert heading in done.stdout.splitlines()


def test_trace_json_parses() -> None:
    done = cli("trace", "afteracademy", "--json")
    assert done.returncode == 0
    quantities = {q["quantity"]: q for q in json.loads(done.stdout)["quantities"]}
    assert quantities["a[1][0]"]["names"] == ["out(h1)"]
    assert quantities["a[1][0]"]["value"] == pytest.approx(sigmoid(0.505), rel=1e-15)
    assert quantities["W_new[1][0,0]"]["names"] == ["new w1"]


def test_specs_lists_the_shipped_specs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs"]) == 0
    assert row(capsys.readouterr().out, "afteracademy")[1].startswith("AfterAcademy")


def test_a_verdict_that_differs_from_the_spec_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wrong.toml"
    path.write_text(SHIPPED.replace('expected = "slip"', 'expected = "follows"', 1), encoding="utf-8")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert row(out, "net(o1)")[-3:] == ["slip", "follows", "✗"]
    assert out.rstrip().endswith("1 verdict(s) differ from the spec.")


BAD = [
    ("eta = 0.5", "eta = 0.5 0.6", "column 11: expected valid TOML, got a syntax error"),
    ("steps = 1", "steps = 1\nepochs = 3", "training.epochs: expected one of 'eta', 'steps'"),
    ("y = [0.05, 0.95]", "", "data.y: expected a value for this required key, got none"),
    ("eta = 0.5", 'eta = "half"', "training.eta: expected a number, got 'half'"),
    (
        "sizes = [2, 2, 2]",
        "sizes = [2, 3, 2]",
        "network.W[1]: expected a 3 x 2 array of numbers, got shape (2, 2); also network.W[2]",
    ),
    (
        '"sigmoid"]',
        '"gelu"]',
        "network.activations[2]: expected one of 'sigmoid', 'tanh', 'relu', 'identity', 'softplus', "
        "'leaky_relu', 'softmax'",
    ),
    (
        'cost = "half_sse"',
        'cost = "hinge"',
        "network.cost: expected one of 'half_sse', 'sse', 'mse', 'linear', 'cross_entropy', "
        "'categorical_cross_entropy'",
    ),
    ("lmbda = 0.0", "lmbda = -1.0", "network.conventions.lmbda: expected a number ≥ 0, got -1.0"),
    ("eta = 0.5", "eta = 0", "training.eta: expected a number > 0, got 0"),
    ("eta = 0.5", "eta = inf", "training.eta: expected a finite number > 0, got inf"),
    ("x = [0.1, 0.2]", "x = [nan, 0.2]", "data.x: expected finite numbers, got nan at index (0, 0)"),
    (
        "x = [0.1, 0.2]",
        "x = [[0.1, 0.3], [0.2]]",
        "data.x: expected a 2 x m array of numbers, got a ragged nested list",
    ),
    ("x = [0.1, 0.2]", "x = [[], []]", "data.x: expected at least one example (an empty batch has no cost)"),
    ('value = "0.505"', 'value = "0.50.5"', "printed[0].value: expected the number as printed"),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD)
def test_a_bad_spec_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    assert old in SHIPPED
    path = tmp_path / "bad.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("backprop-ref: ")
    assert expected in err
    assert err.count("\n") == 1


def test_cross_entropy_targets_outside_0_1_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ce.toml"
    text = SHIPPED.replace('cost = "half_sse"', 'cost = "cross_entropy"').replace(
        "y = [0.05, 0.95]", "y = [0.05, 1.5]"
    )
    path.write_text(text, encoding="utf-8")
    assert main(["trace", str(path)]) == 2
    assert (
        capsys.readouterr().err
        == "backprop-ref: data.y: expected values in [0, 1] for cross-entropy, got 1.5\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("check", "no-such-spec"),
        ("trace", "no/such/path.toml"),
        ("check",),
        ("frobnicate", "afteracademy"),
        ("check", "afteracademy", "--xml"),
    ],
)
def test_unusable_command_lines_exit_2_with_one_line_and_no_traceback(args: tuple[str, ...]) -> None:
    done = cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_a_syntax_error_through_the_command_line_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    text = SHIPPED.replace("eta = 0.5", "eta = 0.5 0.6")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("eta = 0.5 0.6") + 1
    done = cli("check", str(path))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"backprop-ref: line {line}, column 11: expected valid TOML, "
        "got a syntax error (expected newline or end of document after a statement)\n"
    )


def test_a_missing_spec_names_the_shipped_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "no-such-spec"]) == 2
    assert capsys.readouterr().err == (
        "backprop-ref: SPEC: expected the path of a spec file or the name of a shipped spec "
        "(one of 'afteracademy'), got 'no-such-spec'\n"
    )


def test_importing_the_package_or_the_command_line_loads_neither_sympy_nor_jsonschema() -> None:
    code = (
        "import sys, backprop_ref, backprop_ref.worked.cli;"
        "print(sorted(m for m in ('sympy', 'jsonschema') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_check_json_exits_1_when_a_verdict_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wrong.toml"
    path.write_text(SHIPPED.replace('expected = "slip"', 'expected = "follows"', 1), encoding="utf-8")
    assert main(["check", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_expected"] is False
    assert [f["name"] for f in doc["findings"] if not f["as_expected"]] == ["net(o1)"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_runs_show_their_steps_on_a_terminal_only() -> None:
    from backprop_ref.worked.cli import _Progress

    shown, piped = Terminal(), io.StringIO()
    for stream in (shown, piped):
        progress = _Progress(stream, after=0.0)
        for taken in range(2, 251):
            progress(taken, 250)
    assert shown.getvalue().split("\r")[1:] == [
        "  step 100 of 250 (Ctrl-C stops)",
        "  step 200 of 250 (Ctrl-C stops)",
        "  step 250 of 250 (Ctrl-C stops)",
        "\033[K",
    ]
    assert piped.getvalue() == ""
    quiet = Terminal()
    _Progress(quiet, after=3600.0)(100, 250)  # not yet two seconds (here: an hour) into the run
    assert quiet.getvalue() == ""


def test_trace_lists_the_cost_after_every_step_of_a_run_of_at_most_20() -> None:
    assert shown_steps(20) == list(range(1, 20))  # 20 steps: each of the 19 before the last
    assert shown_steps(21) == [1, 2, 3, 4, 5, 16, 17, 18, 19, 20]  # longer: the first and last 5
