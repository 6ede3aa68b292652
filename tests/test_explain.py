"""``explain`` finds the departure sets that produced a worked example's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_ref.errors import InputError
from backprop_ref.worked.audit import audit
from backprop_ref.worked.departures import CATALOGUE, default
from backprop_ref.worked.explain import Given, explain, judge, printed, read_mine, search
from backprop_ref.worked.spec import Spec, build, load, parse_toml
from backprop_ref.worked.trace import Address
from tests.buggy import Family, gradient

#: A 2-2-2 example on which every departure of the catalogue that can apply does: three examples,
#: λ > 0, per-unit biases that are updated, a sum over examples.
SPEC_222 = """
title = "2-2-2 with two examples"
source = "tests"
[network]
sizes = [2, 2, 2]
activations = ["sigmoid", "sigmoid"]
cost = "half_sse"
W = [[[0.15, -0.25], [0.35, 0.3]], [[0.4, -0.45], [0.5, 0.55]]]
b = [[0.35, -0.2], [0.6, 0.1]]
[network.conventions]
reduction = "sum"
lmbda = 0.2
[data]
x = [[0.05, 0.7, -0.3], [0.1, -0.4, 0.9]]
y = [[0.01, 0.8, 0.4], [0.99, 0.3, 0.6]]
[training]
eta = 0.5
steps = 1
[[printed]]
name = "cost"
value = "0"
where = "-"
expected = "unexplained"
note = "-"
"""
#: The 2-2-2 example's numbers: the costs before and after, ∂C/∂a and δ of example 0, the new parameters.
KINDS = ("dC_da", "delta", "W_new", "b_new")


def spec_222() -> Spec:
    return build(parse_toml(SPEC_222))


def addresses() -> list[Address]:
    out = [Address("cost"), Address("cost_after")]
    for kind in KINDS:
        for layer in (1, 2):
            for j in (0, 1):
                for k in (0, 1) if kind == "W_new" else (0,):
                    out.append(Address(kind, layer, (j, k)))
    return out


def digits(value: float, places: int = 10) -> str:
    return f"{value:.{places}f}"


def test_numbers_made_under_each_single_and_pair_are_explained_by_that_set_or_a_tie() -> None:
    spec = spec_222()
    blank = [Given(str(a), a, "0") for a in addresses()]
    options = default(spec.network)
    found = search(spec, blank, options, 2)
    assert len(found.values) > 300
    for made, values in found.values.items():
        numbers = [Given(g.label, g.address, digits(v)) for g, v in zip(blank, values, strict=True)]
        report = judge(found, numbers, 2)
        assert report.complete, made
        top = report.explanations[0]
        group = {top.departures, *top.ties}
        if len(top.departures) == len(made):
            assert made in group or any(made[0] in found.alias[ds[0].name] for ds in group if len(ds) == 1)
        else:  # a smaller set gives the same numbers: no number separates them
            assert len(top.departures) < len(made)
            smaller = found.values[top.departures]
            assert all(abs(a - b) <= 1e-10 for a, b in zip(values, smaller, strict=True))


def test_each_mistake_is_explained_from_its_independent_gradient() -> None:
    spec = spec_222()
    net = spec.network
    fam = Family((2, 2, 2), ("sigmoid", "sigmoid"), reduction="sum", lmbda=0.2)
    tried = 0
    for d in default(net):
        if not d.in_gradient:
            continue
        dW, db = gradient([w.copy() for w in net.W], [c.copy() for c in net.b], spec.x, spec.y, fam, d.name)
        numbers = [
            Given(f"dW{l}[{j},{k}]", Address("dW", l, (j, k)), digits(float(g[j, k]), 9))
            for l, g in enumerate(dW, 1)
            for j in (0, 1)
            for k in (0, 1)
        ] + [
            Given(f"db{l}[{j}]", Address("db", l, (j, 0)), digits(float(g[j, 0]), 9))
            for l, g in enumerate(db, 1)
            for j in (0, 1)
        ]
        correct = gradient([w.copy() for w in net.W], [c.copy() for c in net.b], spec.x, spec.y, fam)
        if all(np.array_equal(a, c) for a, c in zip(dW + db, correct[0] + correct[1], strict=True)):
            continue  # the independent code has this mistake only for another cost
        report = explain(spec, numbers, max_departures=1)
        top = report.explanations[0]
        assert report.complete, d.name
        named = {ds[0].name for ds in (top.departures, *top.ties)}
        assert d.name in named, (d.name, named)
        assert named <= {d.name, "half_factor", "squared_error_gradient_doubled"}  # the documented tie
        tried += 1
    assert tried >= 18


def test_afteracademy_gives_the_audit_verdicts_with_explanations() -> None:
    spec = load("afteracademy")
    report = explain(spec, max_departures=2)
    assert not report.complete
    verdicts = {f.printed.name: f.verdict for f in audit(spec)}
    for n in report.per_number:
        names = [[d.name for d in ds] for ds in n.best]
        if verdicts[n.given.label] == "reproduced":
            assert names == [[]]
        if verdicts[n.given.label] == "slip":  # nothing but calling the number a slip reproduces it
            assert names == []
    # what "follows" follows from is named: an earlier printed number put in
    best = {n.given.label: [[d.name for d in ds] for ds in n.best] for n in report.per_number}
    assert best["out(o1)"] == [["reference_slip:net(o1)"]]
    assert best["net(o2)"] == [["reference_slip:out(h1)"]]
    assert best["E(total) after"] == []


def test_afteracademy_finds_as_much_as_the_candidate_search() -> None:
    """The page's grid (candidates.py) finds no candidate of at most two departures for the new w1
    or the error after the step, and expects 0.1 chance matches for w1 there; explain searches a
    larger catalogue and states its chance estimate beside anything it finds."""
    report = explain(load("afteracademy"), max_departures=2)
    by_name = {n.given.label: n for n in report.per_number}
    assert by_name["E(total) after"].best == ()
    w1 = by_name["new w1"]
    assert all(len(ds) == 2 for ds in w1.best)
    assert w1.matched_by <= 1
    assert 0 < w1.by_chance < 1  # a match this search could make by chance: no strong evidence


def test_read_mine_takes_names_and_addresses(tmp_path) -> None:
    spec = load("afteracademy")
    mine = tmp_path / "mine.toml"
    mine.write_text('"out(h1)" = "0.6236"\n"z[1][1]" = "0.541"\n', encoding="utf-8")
    numbers = read_mine(str(mine), spec)
    assert [(g.label, str(g.address), g.digits) for g in numbers] == [
        ("out(h1)", "a[1][0]", "0.6236"),
        ("z[1][1]", "z[1][1]", "0.541"),
    ]
    report = explain(spec, numbers, max_departures=1)
    assert report.complete
    assert report.explanations[0].departures == ()
    mine.write_text('"out(h9)" = "0.6"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"mine\.out"):
        read_mine(str(mine), spec)
    mine.write_text('"out(h1)" = 0.6\n', encoding="utf-8")
    with pytest.raises(InputError, match="digits as a string"):
        read_mine(str(mine), spec)


def test_nothing_explains_a_number_far_from_every_departure() -> None:
    spec = load("afteracademy")
    report = explain(spec, [Given("w", Address("W_new", 1, (0, 0)), "12.345678")], max_departures=2)
    assert report.complete  # only as its own slip
    assert [d.id for d in report.explanations[0].departures] == ["reference_slip"]
    assert report.per_number[0].best == ()


def test_every_catalogue_entry_has_its_documentation() -> None:
    for d in CATALOGUE:
        assert all((d.description, d.math, d.shows_with, d.slot)), d.name
    assert len({d.name for d in CATALOGUE}) == len(CATALOGUE)


def test_printed_numbers_are_the_specs() -> None:
    spec = load("afteracademy")
    assert [g.label for g in printed(spec)] == [p.name for p in spec.printed]
    assert np.isfinite([n.exact for n in explain(spec, max_departures=0).per_number]).all()


def test_online_updates_are_explained_from_an_independent_loop() -> None:
    """One epoch of per-example steps, written out with the learner's gradient, is ``online_updates``."""
    spec = spec_222()
    fam = Family((2, 2, 2), ("sigmoid", "sigmoid"), reduction="sum", lmbda=0.2)
    W, b = [w.copy() for w in spec.network.W], [c.copy() for c in spec.network.b]
    for e in range(spec.x.shape[1]):
        dW, db = gradient(W, b, spec.x[:, [e]], spec.y[:, [e]], fam)
        W = [w - 0.5 * g for w, g in zip(W, dW, strict=True)]
        b = [c - 0.5 * g for c, g in zip(b, db, strict=True)]
    numbers = [
        Given(f"W{l}[{j},{k}]", Address("W_new", l, (j, k)), digits(float(w[j, k])))
        for l, w in enumerate(W, 1)
        for j in (0, 1)
        for k in (0, 1)
    ] + [
        Given(f"b{l}[{j}]", Address("b_new", l, (j, 0)), digits(float(c[j, 0])))
        for l, c in enumerate(b, 1)
        for j in (0, 1)
    ]
    report = explain(spec, numbers, max_departures=1)
    assert report.complete
    assert [d.name for d in report.explanations[0].departures] == ["online_updates"]
    assert report.explanations[0].ties == ()
