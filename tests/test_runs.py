"""Variant runs of one spec, and long runs: each step taken once, ``trace`` summarising the costs.

The variant-run example is a 1-1-1 sigmoid chain worked by hand here: its hidden δ differs
between standard backpropagation and the layer-by-layer update (δ¹ carried down through W²
after its update), so a number printed under one is reproduced under that one only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from backprop_ref import InputError, training
from backprop_ref.worked.audit import audit
from backprop_ref.worked.cli import main, quantities
from backprop_ref.worked.explain import explain
from backprop_ref.worked.spec import build, load

W1, W2, X, Y, ETA = 0.5, 0.8, 1.0, 0.2, 1.0


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# The chain by hand: z¹ = w¹x, a¹ = σ(z¹), z² = w²a¹, a² = σ(z²), ½ squared error, no biases moved.
A1 = sigmoid(W1 * X)
A2 = sigmoid(W2 * A1)
DELTA2 = (A2 - Y) * A2 * (1 - A2)
DELTA1_BEFORE = W2 * DELTA2 * A1 * (1 - A1)
DELTA1_AFTER = (W2 - ETA * DELTA2 * A1) * DELTA2 * A1 * (1 - A1)


def chain(
    printed: list[dict[str, str]], runs: dict[str, Any] | None = None, steps: int = 1
) -> dict[str, Any]:
    """The chain's spec document with ``printed`` numbers (each expected reproduced unless it says)."""
    doc: dict[str, Any] = {
        "title": "a 1-1-1 sigmoid chain",
        "source": "worked by hand in this file",
        "network": {
            "sizes": [1, 1, 1],
            "activations": ["sigmoid", "sigmoid"],
            "cost": "half_sse",
            "W": [[[W1]], [[W2]]],
            "b": [0.0, 0.0],
            "conventions": {"update_biases": False},
        },
        "data": {"x": [X], "y": [Y]},
        "training": {"eta": ETA, "steps": steps},
        "printed": [{"where": "here", "expected": "reproduced", "note": "by hand", **p} for p in printed],
    }
    if runs is not None:
        doc["runs"] = runs
    return doc


LAYER_BY_LAYER = {"layer_by_layer": {"conventions": {"hidden_delta_weights": "after"}}}
BOTH_DELTAS = [
    {"name": "z[1][0]", "value": "0.5"},
    {"name": "delta[1][0]", "value": f"{DELTA1_BEFORE:.10f}"},
    {"name": "delta[1][0]", "value": f"{DELTA1_AFTER:.10f}", "run": "layer_by_layer"},
]


def test_each_number_is_judged_under_its_run_and_reported_with_every_run_it_reproduces_under() -> None:
    assert not math.isclose(DELTA1_BEFORE, DELTA1_AFTER, rel_tol=1e-6)  # the runs tell them apart
    findings = audit(build(chain(BOTH_DELTAS, LAYER_BY_LAYER)))
    assert [f.printed.run for f in findings] == ["main", "main", "layer_by_layer"]
    assert [f.verdict for f in findings] == ["reproduced"] * 3
    assert [f.reproduced_under for f in findings] == [
        ("main", "layer_by_layer"),
        ("main",),
        ("layer_by_layer",),
    ]
    assert findings[2].exact == pytest.approx(DELTA1_AFTER, rel=1e-12)


def test_a_number_printed_under_the_wrong_run_names_the_run_it_follows() -> None:
    printed = [{"name": "delta[1][0]", "value": f"{DELTA1_AFTER:.10f}", "expected": "unexplained"}]
    (finding,) = audit(build(chain(printed, LAYER_BY_LAYER)))  # δ² is not printed: not a slip
    assert (finding.verdict, finding.reproduced_under) == ("unexplained", ("layer_by_layer",))


def test_a_number_after_the_run_follows_from_its_own_runs_printed_values() -> None:
    # δ¹ printed under both runs: right under the main run, 10 % too large under the other, and
    # that run's new w¹ worked from its own (slipped) δ¹ by hand: w¹ − η·δ¹·x.  Carried from the
    # main run's δ¹ instead, the new w¹ would follow from nothing.
    slipped = 1.1 * DELTA1_AFTER
    printed = [
        {"name": "delta[1][0]", "value": f"{DELTA1_BEFORE:.10f}"},
        {
            "name": "delta[1][0]",
            "value": f"{slipped:.10f}",
            "run": "layer_by_layer",
            "expected": "unexplained",
        },
        {
            "name": "W[1][0,0]@1",
            "value": f"{W1 - ETA * slipped * X:.10f}",
            "run": "layer_by_layer",
            "expected": "follows",
        },
    ]
    findings = audit(build(chain(printed, LAYER_BY_LAYER)))
    assert [f.verdict for f in findings] == ["reproduced", "unexplained", "follows"]
    assert findings[2].exact == pytest.approx(W1 - ETA * DELTA1_AFTER * X, rel=1e-12)


def test_a_run_may_change_the_training_and_inherits_what_it_leaves_out() -> None:
    runs = {"longer": {"training": {"steps": 3}}, "slower": {"training": {"eta": 0.1}}}
    spec = build(chain([{"name": "z[1][0]", "value": "0.5"}], runs))
    assert (spec.under("longer").steps, spec.under("longer").eta) == (3, ETA)
    assert (spec.under("slower").steps, spec.under("slower").eta) == (1, 0.1)
    assert spec.under("longer").network.conventions == spec.network.conventions


def test_check_shows_the_run_columns_only_for_a_spec_with_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "afteracademy"]) == 0
    assert "reproduced under" not in capsys.readouterr().out


def test_check_reports_the_run_of_each_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "chain.toml"
    spec.write_text(toml(chain(BOTH_DELTAS, LAYER_BY_LAYER)), encoding="utf-8")
    assert main(["check", str(spec)]) == 0
    table = capsys.readouterr().out
    header, *rows = [line for line in table.splitlines() if "delta[1][0]" in line or line.startswith("name")]
    assert header.split()[:5] == ["name", "run", "reproduced", "under", "quantity"]
    assert rows[1].split()[:4] == ["delta[1][0]", "layer_by_layer", "layer_by_layer", "delta[1][0]"]
    assert main(["check", str(spec), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["run"], f["reproduced_under"]) for f in findings] == [
        ("main", ["main", "layer_by_layer"]),
        ("main", ["main"]),
        ("layer_by_layer", ["layer_by_layer"]),
    ]


def toml(doc: dict[str, Any]) -> str:
    """``doc`` as TOML (the few shapes the chain's document uses)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in doc.items() if k != "printed"]
    for p in doc["printed"]:
        lines += ["[[printed]]", *(f"{k} = {value(v)}" for k, v in p.items())]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"printed": [{"name": "z[1][0]", "value": "0.5", "run": "layer-by-layer"}]},
            "printed[0].run: expected one of 'main', 'layer_by_layer', got 'layer-by-layer'",
        ),
        (
            {"runs": {"main": {"training": {"eta": 0.1}}}},
            "runs.main: expected a name other than 'main' (the spec's own run), got 'main'",
        ),
        (
            {"runs": {"shared": {"conventions": {"bias": "shared"}}}},
            "runs.shared.conventions.bias: expected one of 'reduction', 'lmbda', 'update_biases', "
            "'hidden_delta_weights', got the unknown key 'bias'",
        ),
        (
            {"runs": {"odd": {"conventions": {"reduction": "median"}}}},
            "runs.odd.conventions.reduction: expected one of 'mean', 'sum', got 'median'",
        ),
        (
            {"runs": {"long": {"training": {"steps": 10_001}}}},
            "runs.long.training.steps: expected a whole number of steps from 1 to 10,000 (a worked "
            "example prints a few; a longer run belongs in a script, with backprop_ref.train), got 10001",
        ),
        (
            {
                "printed": [{"name": "a[2][0]@2", "value": "0.5"}],
                "runs": {"long": {"training": {"steps": 2}}},
            },
            "printed[0].name: expected a step from 0 to 1 after '@' (the run takes 1), got 'a[2][0]@2'",
        ),
        (
            {
                "printed": [{"name": "out after 2", "value": "0.5"}],
                "names": {"out after 2": "a[2][0]@2"},
                "runs": {"long": {"training": {"steps": 2}}},
            },
            "printed[0].name: expected a quantity of run 'main', which takes 1 step(s), got 'out after 2' "
            "(a[2][0]@2)",
        ),
    ],
)
def test_a_bad_run_is_one_sentence_naming_the_field(change: dict[str, Any], message: str) -> None:
    doc = chain([{"name": "z[1][0]", "value": "0.5"}], LAYER_BY_LAYER)
    for key, value in change.items():
        doc[key] = value if key != "printed" else chain(value)["printed"]
    with pytest.raises(InputError) as caught:
        build(doc)
    assert str(caught.value) == message


def test_an_unknown_run_is_one_line_and_exit_2_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "typo.toml"
    printed = [{"name": "z[1][0]", "value": "0.5", "run": "layer-by-layer"}]
    spec.write_text(toml(chain(printed, LAYER_BY_LAYER)), encoding="utf-8")
    assert main(["check", str(spec)]) == 2
    assert capsys.readouterr().err == (
        "backprop-ref: printed[0].run: expected one of 'main', 'layer_by_layer', got 'layer-by-layer'\n"
    )


def test_a_run_without_a_learning_rate_to_inherit_must_give_one() -> None:
    doc = chain([{"name": "z[1][0]", "value": "0.5"}], {"long": {"training": {"steps": 2}}})
    del doc["training"]
    with pytest.raises(InputError) as caught:
        build(doc)
    assert str(caught.value) == (
        "runs.long.training.eta: expected a value for this key (the spec has no [training] to take it "
        "from), got none"
    )


# --- long runs --------------------------------------------------------------------------------------


def test_check_takes_every_step_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """N steps exact, N from the printed values, 2 to trace dependencies, 1 per first-step number."""
    taken = []
    real = training._step
    monkeypatch.setattr(training, "_step", lambda *args, **kw: taken.append(1) or real(*args, **kw))
    N = 40
    printed = [
        {"name": "z[1][0]", "value": "0.5"},
        {"name": "a[1][0]", "value": "0.6224593"},
        {"name": "W_new[2][0,0]", "value": "0.1", "expected": "unexplained"},
        {"name": "a[2][0]@20", "value": "0.1", "expected": "unexplained"},
        {"name": "cost_after", "value": "0.3", "expected": "unexplained"},
    ]
    findings = audit(build(chain(printed, steps=N)))
    assert all(f.as_expected for f in findings)
    assert len(taken) == N + N + 2 + 2  # before: a run of N steps per number printed after the run


def test_check_of_numbers_after_the_run_alone_takes_the_steps_once(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = []
    real = training._step
    monkeypatch.setattr(training, "_step", lambda *args, **kw: taken.append(1) or real(*args, **kw))
    printed = [{"name": "cost", "value": "0.05", "expected": "unexplained"}]  # cost is put in nowhere
    printed += [{"name": "cost_after", "value": "0.3", "expected": "unexplained"}]
    assert all(f.as_expected for f in audit(build(chain(printed, steps=50))))
    assert len(taken) == 50 + 2 + 1  # exact (also what the printed values give), dependencies, cost


def test_check_of_first_step_numbers_takes_only_the_first_step(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = []
    real = training._step
    monkeypatch.setattr(training, "_step", lambda *args, **kw: taken.append(1) or real(*args, **kw))
    printed = [{"name": "z[1][0]", "value": "0.5"}, {"name": "a[1][0]", "value": "0.6224593"}]
    assert all(f.as_expected for f in audit(build(chain(printed, steps=10_000))))
    assert len(taken) == 1 + 2 + 2  # exact, dependencies, one per number


def test_trace_lists_the_first_and_last_costs_of_a_long_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "long.toml"
    spec.write_text(toml(chain([{"name": "z[1][0]", "value": "0.5"}], steps=30)), encoding="utf-8")
    assert main(["trace", str(spec)]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.split("\ncost after\n")[1].splitlines()[1:] if line.strip()]
    shown = [f"cost@{s}" for s in (1, 2, 3, 4, 5, 25, 26, 27, 28, 29)]
    assert listed[:11] == [*shown, "cost_after"]
    assert "the cost after 19 of the 30 steps is not listed; --every N lists every Nth" in out
    assert main(["trace", str(spec), "--every", "10", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["quantities"]
    costs = {row["quantity"]: row["value"] for row in rows if row["section"] == "cost after"}
    assert list(costs) == ["cost@10", "cost@20", "cost_after"]
    trained = training.train(build(chain([{"name": "z[1][0]", "value": "0.5"}])).network, [X], [Y], ETA, 20)
    assert costs["cost@20"] == pytest.approx(trained.costs[-1], rel=1e-12)


def test_trace_lists_what_the_spec_names_after_step_k(capsys: pytest.CaptureFixture[str]) -> None:
    doc = chain([{"name": "out after 3", "value": "0.4", "expected": "unexplained"}], steps=5)
    doc["names"] = {"out after 3": "a[2][0]@3"}
    doc["runs"] = {"short": {"training": {"steps": 2}}}
    spec = build(doc)
    assert not [row for row in quantities(spec.under("short")) if row["section"].startswith("after step")]
    rows = [row for row in quantities(spec) if row["section"] == "after step 3"]
    trained = training.train(spec.network, [X], [Y], ETA, 3).network
    assert [(row["quantity"], row["names"]) for row in rows] == [("a[2][0]@3", ["out after 3"])]
    assert rows[0]["value"] == pytest.approx(float(trained.forward([X]).a[-1][0, 0]), rel=1e-12)


@pytest.mark.parametrize("every", ["0", "-3", "two", "١"])
def test_every_takes_a_whole_number_of_at_least_one(every: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "afteracademy", "--every", every]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--every" in err


def test_trace_follows_a_variant_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "chain.toml"
    spec.write_text(toml(chain(BOTH_DELTAS, LAYER_BY_LAYER)), encoding="utf-8")
    assert main(["trace", str(spec), "--run", "layer_by_layer", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["quantities"]
    (delta1,) = (row["value"] for row in rows if row["quantity"] == "delta[1][0]")
    assert delta1 == pytest.approx(DELTA1_AFTER, rel=1e-12)
    assert main(["trace", str(spec), "--run", "nope"]) == 2
    assert capsys.readouterr().err == (
        "backprop-ref: run: expected one of 'main', 'layer_by_layer', got 'nope'\n"
    )


def test_the_shipped_spec_declares_no_runs() -> None:
    assert load("afteracademy").runs == {}


def test_explain_runs_each_number_under_its_own_run() -> None:
    # Both δ¹ values are right under their runs: nothing to explain, with no departure at all.
    report = explain(build(chain(BOTH_DELTAS, LAYER_BY_LAYER)), max_departures=1)
    assert report.complete
    assert [d.name for d in report.explanations[0].departures] == []


def test_a_number_printed_wrong_under_a_variant_run_is_read_as_a_slip_in_that_run() -> None:
    # δ¹ right under the main run, 10 % too large under the other: only that run's number is a slip,
    # and reading it as one explains it (a reading made in the main run would change nothing there)
    printed = [
        {"name": "delta[1][0]", "value": f"{DELTA1_BEFORE:.10f}"},
        {"name": "delta[1][0]", "value": f"{1.1 * DELTA1_AFTER:.10f}", "run": "layer_by_layer"},
    ]
    report = explain(build(chain(printed, LAYER_BY_LAYER)), max_departures=1)
    assert report.complete
    [slip] = report.explanations[0].departures
    assert (slip.id, slip.run) == ("reference_slip", "layer_by_layer")


def test_check_explain_tells_apart_one_name_printed_under_two_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # δ¹ printed wrong under the main run (by hand: 10 % too large) and right under the other; an
    # explanation keyed by name alone would give the main run's number the other's "none".
    printed = [
        {"name": "delta[1][0]", "value": f"{1.1 * DELTA1_BEFORE:.10f}", "expected": "unexplained"},
        {"name": "delta[1][0]", "value": f"{DELTA1_AFTER:.10f}", "run": "layer_by_layer"},
    ]
    spec = tmp_path / "chain.toml"
    spec.write_text(toml(chain(printed, LAYER_BY_LAYER)), encoding="utf-8")
    assert main(["check", str(spec), "--explain", "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["run"], f["verdict"]) for f in findings] == [
        ("main", "unexplained"),
        ("layer_by_layer", "reproduced"),
    ]
    assert findings[0]["explanation"].startswith("no set of at most 2 departures but this number's own slip")
    assert findings[1]["explanation"] == ""
