"""The command line of ``explain`` and ``diagnose``: exit status, JSON, unusable input in one line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_ref.worked.cli import main
from backprop_ref.worked.diagnose import diagnose, load_function
from backprop_ref.worked.spec import load

#: A gradient function for the AfterAcademy family (2-2-2 sigmoid, ½ squared error, one bias per
#: layer, a sum over examples), written out; ``SIGN`` -1 takes the step uphill.
GRADIENT = """
import numpy as np

SIGN = {sign}


def grad(W, b, x, y):
    sig = lambda z: 1 / (1 + np.exp(-z))
    h = sig(W[0] @ x + b[0])
    o = sig(W[1] @ h + b[1])
    d2 = (o - y) * o * (1 - o)
    d1 = (W[1].T @ d2) * h * (1 - h)
    return [SIGN * d1 @ x.T, SIGN * d2 @ h.T], [SIGN * d1.sum(keepdims=True), SIGN * d2.sum(keepdims=True)]
"""


def gradient_file(tmp_path: Path, sign: int) -> str:
    path = tmp_path / f"grad{sign + 1}.py"
    path.write_text(GRADIENT.format(sign=sign), encoding="utf-8")
    return f"{path}:grad"


def test_explain_afteracademy_exits_1_and_lists_its_explanations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "afteracademy", "--max-departures", "1", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["title"].startswith("AfterAcademy")  # the spec's own title
    assert doc["complete"] is False
    assert [n["name"] for n in doc["numbers"]][:2] == ["net(h1)", "net(h2)"]
    first = doc["explanations"][0]
    assert {"departures", "explains", "leaves", "ties"} <= set(first)
    assert {"id", "name", "kind", "description", "math"} <= set(first["departures"][0])
    # one example and λ = 0: a mean over examples, one example at a time and an L2 slip change nothing
    assert {"mean_over_examples", "online_updates", "l2_on_bias"} <= set(doc["no_effect"])
    assert not {d["name"] for d in first["departures"]} & set(doc["no_effect"])


def test_explain_mine_exits_0_when_every_number_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('"net(h1)" = "0.505"\n"E(total)" = "0.4669057"\n', encoding="utf-8")  # Σ, not ½Σ
    assert main(["explain", "afteracademy", "--mine", str(mine), "--max-departures", "1"]) == 0
    out = capsys.readouterr().out
    assert "half_factor" in out


def test_diagnose_names_the_flipped_sign_and_agrees_with_the_correct_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagnose", gradient_file(tmp_path, 1), "--spec", "afteracademy"]) == 0
    assert "agrees with the oracle" in capsys.readouterr().out
    assert main(["diagnose", gradient_file(tmp_path, -1), "--spec", "afteracademy", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "departure"
    assert [[d["id"] for d in ds] for ds in doc["matches"]] == [["update_sign_flipped"]]


def test_diagnose_varies_the_hidden_width_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = gradient_file(tmp_path, 1)  # written for any hidden width
    assert main(["diagnose", target, "--spec", "afteracademy", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sizes"] == [[2, 2, 2]] * 3
    assert main(["diagnose", target, "--spec", "afteracademy", "--vary-sizes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sizes"] == [[2, 2, 2], [2, 3, 2], [2, 4, 2]]
    assert main(["diagnose", target, "--spec", "afteracademy", "--vary-sizes"]) == 0
    assert "sizes 2-2-2, 2-3-2, 2-4-2" in capsys.readouterr().out


def test_diagnose_takes_the_family_from_flags_as_from_a_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # AfterAcademy's family by flags: 2-2-2 sigmoid, ½Σ, a sum over examples, one bias per layer
    flags = ["--sizes", "2,2,2", "--activations", "sigmoid", "--reduction", "sum", "--bias", "shared"]
    assert main(["diagnose", gradient_file(tmp_path, 1), *flags]) == 0
    assert "agrees with the oracle" in capsys.readouterr().out
    assert main(["diagnose", gradient_file(tmp_path, -1), *flags, "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [[d["id"] for d in ds] for ds in doc["matches"]] == [["update_sign_flipped"]]
    assert main(["diagnose", gradient_file(tmp_path, 1), *flags[:4]]) == 2  # per-unit biases: its db is 1 x 1


@pytest.mark.parametrize(
    "args",
    [
        ("diagnose", "x.py:grad", "--spec", "afteracademy", "--sizes", "2,2,2"),
        ("diagnose", "x.py:grad", "--sizes", "2,2,2"),
        ("diagnose", "x.py:grad", "--sizes", "2,2,2", "--activations", "sigmoid", "--reduction", "avg"),
        ("explain", "afteracademy", "--max-departures", "-1"),
        ("explain", "afteracademy", "--max-departures", "9"),
        ("explain", "afteracademy", "--mine", "no-such-file.toml"),
        ("diagnose", "no-such-file.py:grad", "--spec", "afteracademy"),
        ("diagnose", "grad.py", "--spec", "afteracademy"),
        ("diagnose", "x.py:grad"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "backprop_ref", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_gradient_function_that_raises_is_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def grad(W, b, x, y):\n    raise ValueError('not aligned')\n", encoding="utf-8")
    assert main(["diagnose", f"{path}:grad", "--spec", "afteracademy"]) == 2
    assert "ValueError: not aligned" in capsys.readouterr().err


def test_diagnose_help_says_it_runs_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--help"]) == 0
    assert "runs FUNC" in capsys.readouterr().out


def test_every_option_of_every_command_says_what_it_is_and_every_command_its_exit_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from backprop_ref.worked.cli import _parser

    commands = next(a for a in _parser()._actions if a.choices and "check" in a.choices)
    for name, sub in commands.choices.items():
        if name != "specs":  # specs lists the shipped files and exits 0
            assert sub.epilog.startswith("exit status: 0 "), name
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
    assert main(["explain", "--help"]) == 0
    assert "--max-departures N" in capsys.readouterr().out


def test_diagnose_prints_one_line_per_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", gradient_file(tmp_path, -1), "--spec", "afteracademy"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r".*grad0\.py:grad ran on \d+ random networks of the family of .+ \(m = [\d, ]+\)\.", out[0]
    )
    assert out[1].startswith("It agrees with the oracle under ")
    assert out[1].endswith(":")
    assert out[2].startswith("  ")


def test_check_explain_adds_an_explanation_to_each_number_not_reproduced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "afteracademy", "--explain", "--json"]) == 0
    findings = {f["name"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert findings["net(h1)"]["explanation"] == ""
    assert "reference_slip:net(o1)" in findings["out(o1)"]["explanation"]
    assert "(by chance" in findings["out(o1)"]["explanation"]
    assert "own slip" in findings["net(o1)"]["explanation"]


def test_check_max_departures_needs_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "afteracademy", "--max-departures", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--max-departures: expected to come with --explain" in err


def test_check_explain_goes_as_deep_as_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "afteracademy", "--explain", "--max-departures", "1", "--json"]) == 0
    findings = {f["name"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert findings["E(total) after"]["explanation"].startswith("no set of at most 1 departures")
    # net(o2) has five single departures that explain it equally well: the line names three
    best = findings["net(o2)"]["explanation"].split(" (by chance")[0].split(" or ")
    assert len(best) == 3
    assert all(name.startswith(("printed_values_carried:", "reference_slip:")) for name in best)


def test_diagnose_draws_its_random_networks_from_the_seed_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A gradient off by a factor no departure makes: the furthest entry's values are those of the
    # random networks drawn, so they show which seed drew them.
    path = tmp_path / "scaled.py"
    path.write_text(GRADIENT.format(sign=1.37), encoding="utf-8")
    target = f"{path}:grad"
    worst = {}
    for seed in (0, 5):
        assert main(["diagnose", target, "--spec", "afteracademy", "--seed", str(seed), "--json"]) == 1
        worst[seed] = json.loads(capsys.readouterr().out)["worst"]
    assert worst[0] != worst[5]
    family = load("afteracademy")
    found = diagnose(load_function(target), family.network, family.run_eta, seed=5)
    assert found.worst is not None
    assert (worst[5]["yours"], worst[5]["oracle"]) == (found.worst.yours, found.worst.oracle)


def test_diagnose_names_the_furthest_entry_in_its_text_as_in_its_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scaled.py"
    path.write_text(GRADIENT.format(sign=1.37), encoding="utf-8")
    argv = ["diagnose", f"{path}:grad", "--spec", "afteracademy"]
    assert main([*argv, "--json"]) == 1
    worst = json.loads(capsys.readouterr().out)["worst"]
    assert main(argv) == 1
    line = capsys.readouterr().out.splitlines()[1]
    entry = f"{worst['name']}[{','.join(map(str, worst['index']))}]"  # b2[0,0]: one index per axis
    assert re.fullmatch(r"[Wb]2\[\d,\d\]", entry)
    assert line.startswith(
        "No catalogued departure (nor two together) explains it; furthest from the oracle: "
    )
    assert f"oracle: {entry}, yours " in line


def test_diagnose_json_lists_what_the_family_cannot_tell_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # With ½Σ(y − a)² the factor ½ and a doubled gradient give the same gradient: only a printed
    # cost separates them, and a gradient function prints none.
    assert main(["diagnose", gradient_file(tmp_path, -1), "--spec", "afteracademy", "--json"]) == 1
    groups = json.loads(capsys.readouterr().out)["indistinguishable"]
    pair = next(g for g in groups if ["half_factor"] in g["departures"])
    assert pair["departures"] == [["half_factor"], ["squared_error_gradient_doubled"]]
    assert pair["separated_by"].startswith("a printed cost")
    assert any([] in g["departures"] for g in groups)  # no departure at all is one of a group


def test_the_explain_text_gives_the_best_count_and_joins_each_smallest_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for depth in ("1", "2"):
        assert main(["explain", "afteracademy", "--max-departures", depth, "--json"]) == 1
        doc = json.loads(capsys.readouterr().out)
        assert main(["explain", "afteracademy", "--max-departures", depth]) == 1
        text = capsys.readouterr().out
        counts = [len(e["explains"]) for e in doc["explanations"]]
        assert counts[0] == max(counts)
        assert f"no set of at most {depth} departures explains all " in text
        assert f"; the best explain {counts[0]}. The " in text
    # with two departures, new w1's smallest explanations are pairs, joined by " + " in its row
    pairs = next(n["smallest_explanations"] for n in doc["numbers"] if n["name"] == "new w1")
    row = next(line for line in text.splitlines() if line.startswith("new w1 "))
    assert len(pairs[0]) == 2
    assert f"{pairs[0][0]} + {pairs[0][1]}; {pairs[1][0]} + {pairs[1][1]}" in row


def test_explain_lists_the_sets_tied_with_an_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "afteracademy", "--max-departures", "2", "--json"]) == 1
    ties = [t for e in json.loads(capsys.readouterr().out)["explanations"] for t in e["ties"]]
    assert ties  # the printed values carried ties with a slip in the reference's new w1
    main(["explain", "afteracademy", "--max-departures", "2"])
    out = capsys.readouterr().out
    assert f"tied: {ties[0][0]} + {ties[0][1]}" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["diagnose", "--help"], "--vary-sizes give the random networks wider hidden layers too (FUNC must"),
        (["new", "--help"], "--x JSON"),
        (["specs", "--help"], "list the shipped specs"),
        (["gradcheck", "--help"], "SPEC GRADS"),
    ],
)
def test_help_names_what_each_option_takes(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    assert says in " ".join(capsys.readouterr().out.split())  # as argparse wraps it, lines joined


def test_check_explain_as_a_table_adds_the_explanation_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "afteracademy", "--explain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[-1] == "explanation"
    row = {line.split()[0]: line for line in lines[3:] if line}
    assert row["net(h1)"].endswith("✓")  # reproduced: nothing to explain
    assert row["net(o1)"].endswith("but this number's own slip (by chance: 0)")


def test_the_explain_table_numbers_its_explanations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "afteracademy"]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#  departures"))
    numbered = [line.split()[0] for line in lines[start + 1 :] if line[:1].isdigit()]
    assert numbered[:5] == ["1", "2", "3", "4", "5"]


def test_a_convention_flag_of_diagnose_is_named_in_its_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    family = ["--sizes", "2,2,2", "--activations", "sigmoid,sigmoid", "--lmbda", "-1"]
    assert main(["diagnose", gradient_file(tmp_path, 1), *family]) == 2
    assert capsys.readouterr().err == "backprop-ref: --lmbda: expected a number ≥ 0, got -1.0\n"


def test_no_command_is_one_line_naming_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the following arguments are required: {trace,check,specs,gradcheck,new,explain,diagnose}" in err
