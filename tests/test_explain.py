"""``explain`` finds the departure sets that produced a worked example's numbers."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from backprop_ref import Network
from backprop_ref.errors import InputError
from backprop_ref.worked.audit import audit
from backprop_ref.worked.departures import CATALOGUE, default, slip_repeated
from backprop_ref.worked.explain import (
    Given,
    _judged,
    explain,
    judge,
    options,
    printed,
    read_mine,
    run_values,
    search,
)
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


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ as the hand computations below write it."""
    return 1 / (1 + np.exp(-z))


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


def new_parameters(W: list[np.ndarray], b: list[np.ndarray]) -> list[Given]:
    """The 2-2-2 example's parameters after a step, as numbers to explain."""
    return [
        Given(f"W{l}[{j},{k}]", Address("W_new", l, (j, k)), digits(float(w[j, k])))
        for l, w in enumerate(W, 1)
        for j in (0, 1)
        for k in (0, 1)
    ] + [
        Given(f"b{l}[{j}]", Address("b_new", l, (j, 0)), digits(float(c[j, 0])))
        for l, c in enumerate(b, 1)
        for j in (0, 1)
    ]


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
    # what "follows" follows from is named: an earlier printed number put in, alone or with the
    # other printed forward values (the article's own slip in net(o1) kept, for out(o1))
    best = {n.given.label: [[d.name for d in ds] for ds in n.best] for n in report.per_number}
    assert ["reference_slip:net(o1)"] in best["out(o1)"]
    assert ["printed_values_carried:net(o1) recomputed"] not in best["out(o1)"]
    assert ["reference_slip:out(h1)"] in best["net(o2)"]
    assert ["printed_values_carried:net(o1), out(o2) recomputed"] in best["net(o2)"]
    assert best["E(total) after"] == []


def test_afteracademy_new_w1_is_reached_only_with_an_extra_fprime() -> None:
    """The article's new w1 implies a ∂E/∂w1 of about 0.23 times the correct one, near
    σ′(net(h1)) ≈ 0.235: only a computation with one σ′ too many comes near.  Within two
    departures every set that reaches it has an extra σ′ (in the hidden or the output δ); nothing
    reaches the error after the step; the chance estimate is stated beside the matches."""
    spec = load("afteracademy")
    implied = (0.25 - 0.249921) / 0.5  # (w1 − printed new w1) / η
    h1 = 1 / (1 + np.exp(-(0.25 * 0.1 + 0.15 * 0.2 + 0.45)))
    correct = gradient([w.copy() for w in spec.network.W], [c.copy() for c in spec.network.b], spec.x, spec.y,
                       Family((2, 2, 2), ("sigmoid", "sigmoid"), bias="shared"))[0][0][0, 0]  # fmt: skip
    assert abs(implied / correct - h1 * (1 - h1)) < 0.01  # why σ′ twice comes near
    report = explain(spec, max_departures=2)
    by_name = {n.given.label: n for n in report.per_number}
    assert by_name["E(total) after"].best == ()
    w1_report = by_name["new w1"]
    assert w1_report.best
    assert all(len(ds) == 2 for ds in w1_report.best)
    assert all(any(d.slot in ("f′", "output f′") for d in ds) for ds in w1_report.best)
    assert 0 < w1_report.by_chance < 1


def test_read_mine_takes_names_and_addresses(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a short relative path: a value shown is cut at 80 characters
    spec = load("afteracademy")
    mine = Path("mine.toml")
    mine.write_text('"out(h1)" = "0.6236"\n"z[1][1]" = "0.541"\n', encoding="utf-8")
    numbers = read_mine(str(mine), spec)
    assert [(g.label, str(g.address), g.digits) for g in numbers] == [
        ("out(h1)", "a[1][0]", "0.6236"),
        ("z[1][1]", "z[1][1]", "0.541"),
    ]
    report = explain(spec, numbers, max_departures=1)
    assert report.complete
    assert report.explanations[0].departures == ()
    mine.write_text('"cost" = "0.2983"\n', encoding="utf-8")  # a scalar by its address alone
    assert [(g.label, str(g.address)) for g in read_mine(str(mine), spec)] == [("cost", "cost")]
    address = "a name from the spec's [names] or an address such as 'z[2][0]'"
    digits = 'the printed digits as a string, such as "0.2499"'
    for line, expected in [
        ('"out(h9)" = "0.6"', f"mine.out(h9): expected {address}, got 'out(h9)'"),
        ('"costs" = "0.6"', f"mine.costs: expected {address}, got 'costs'"),
        ('"out(h1)" = 0.6', f"mine.out(h1): expected {digits}, got 0.6"),
        ('"out(h1)" = "0.6 or so"', f"mine.out(h1): expected {digits}, got '0.6 or so'"),
        ('"out(h1)" = "inf"', f"mine.out(h1): expected {digits}, got 'inf'"),
        ('"out(h1)" = "NaN"', f"mine.out(h1): expected {digits}, got 'NaN'"),
        (
            "# nothing yet",
            f'--mine: expected at least one line "<name or address>" = "<digits>", got {str(mine)!r}',
        ),
    ]:
        mine.write_text(line + "\n", encoding="utf-8")
        with pytest.raises(InputError) as caught:
            read_mine(str(mine), spec)
        assert str(caught.value) == expected


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
    report = explain(spec, new_parameters(W, b), max_departures=1)
    assert report.complete
    assert [d.name for d in report.explanations[0].departures] == ["online_updates"]
    assert report.explanations[0].ties == ()


@pytest.mark.parametrize(
    ("name", "rate", "moves"),
    [
        ("learning_rate:0.1", 0.1, lambda l, shape: np.ones(shape)),
        ("weights_frozen:output", 0.5, lambda l, shape: np.full(shape, float(l == 0))),
        ("weights_frozen:hidden", 0.5, lambda l, shape: np.full(shape, float(l == 1))),
        ("first_weight_only", 0.5, lambda l, shape: np.eye(1, shape[1] * shape[0]).reshape(shape)),
    ],
)
def test_update_departures_are_explained_from_an_independent_step(name: str, rate: float, moves) -> None:
    """A step written out with the learner's gradient: another η, or some weights left where they were."""
    spec = spec_222()
    fam = Family((2, 2, 2), ("sigmoid", "sigmoid"), reduction="sum", lmbda=0.2)
    W, b = [w.copy() for w in spec.network.W], [c.copy() for c in spec.network.b]
    dW, db = gradient(W, b, spec.x, spec.y, fam)
    W = [w - rate * moves(l, w.shape) * g for l, (w, g) in enumerate(zip(W, dW, strict=True))]
    b = [c - rate * g for c, g in zip(b, db, strict=True)]
    report = explain(spec, new_parameters(W, b), max_departures=1)
    assert report.complete
    top = report.explanations[0]
    assert [d.name for d in top.departures] == [name], [d.name for d in top.departures]
    assert top.ties == ()


def test_a_slip_repeated_after_the_step_is_explained_from_a_hand_computation() -> None:
    """AfterAcademy's cost after the correct step, with net(o1) off by the article's slip again."""
    spec = load("afteracademy")
    fam = Family((2, 2, 2), ("sigmoid", "sigmoid"), bias="shared")
    W, b = [w.copy() for w in spec.network.W], [c.copy() for c in spec.network.b]
    dW, _ = gradient(W, b, spec.x, spec.y, fam)
    x, y = spec.x, spec.y

    # the article's net(o1) less the computed
    slip = 0.794609 - (W[1] @ sigmoid(W[0] @ x + b[0]) + b[1])[0, 0]
    W = [w - 0.5 * g for w, g in zip(W, dW, strict=True)]  # biases kept, as the article does
    z2 = W[1] @ sigmoid(W[0] @ x + b[0]) + b[1] + np.array([[slip], [0.0]])
    after = 0.5 * float(((y - sigmoid(z2)) ** 2).sum())
    forward = [g for g in printed(spec) if g.address.kind in ("z", "a")]  # where the slip is printed
    report = explain(
        spec, [*forward, Given("E after", Address("cost_after"), digits(after, 12))], max_departures=1
    )
    best = report.per_number[-1].best
    assert [[d.name for d in ds] for ds in best] == [["slip_repeated:net(o1)"]]


def test_a_slip_repeated_in_a_cross_entropy_output_shifts_the_cost_it_is_computed_from() -> None:
    """Cross-entropy's cost is computed from zᴸ, not aᴸ: the slip repeated in the output's z changes
    the cost after the step by what a hand computation with the shifted z gives."""
    spec = build(
        parse_toml(SPEC_222.replace('"half_sse"', '"cross_entropy"').replace("lmbda = 0.2", "lmbda = 0.0"))
    )
    fam = Family((2, 2, 2), ("sigmoid", "sigmoid"), cost="cross_entropy", reduction="sum")
    W, b = [w.copy() for w in spec.network.W], [c.copy() for c in spec.network.b]
    x, y = spec.x, spec.y

    def cost(z2):
        a2 = sigmoid(z2)
        return float(-(y * np.log(a2) + (1 - y) * np.log(1 - a2)).sum())

    printed_z = 0.5  # as if printed for output unit 1 of example 0, where the run computes another z
    slip = printed_z - (W[1] @ sigmoid(W[0] @ x + b[0]) + b[1])[1, 0]
    dW, db = gradient(W, b, x, y, fam)
    W = [w - 0.5 * g for w, g in zip(W, dW, strict=True)]
    b = [c - 0.5 * g for c, g in zip(b, db, strict=True)]
    z2 = W[1] @ sigmoid(W[0] @ x + b[0]) + b[1]
    shift = np.zeros_like(z2)
    shift[1, 0] = slip
    numbers = [Given("z", Address("z", 2, (1, 0)), "0.5"), Given("C after", Address("cost_after"), "0")]
    values = run_values(spec, [slip_repeated("z", Address("z", 2, (1, 0)), printed_z)], numbers)
    assert values is not None
    assert values[1] == pytest.approx(cost(z2 + shift), rel=1e-12)
    assert abs(cost(z2 + shift) - cost(z2)) > 1e-3  # the slip moves the cost: the check can fail


READINGS = ("rounded_intermediates", "printed_values_carried", "slip_repeated", "reference_slip")


def test_the_ways_of_reading_printed_numbers_are_readings_not_conventions_or_mistakes() -> None:
    # rounding by hand, numbers carried as printed, a slip made again, the printed number a slip:
    # none is a convention of the network or a learner's mistake in the rules
    spec = load("afteracademy")
    kinds = {d.name.split(":")[0]: d.kind for d in options(spec, printed(spec))}
    for reading in READINGS:
        assert kinds[reading] == "reading", reading
    assert {k for n, k in kinds.items() if n not in READINGS} <= {"convention", "mistake"}


def test_a_reading_of_printed_numbers_is_never_tried_on_a_gradient_function() -> None:
    # a reading is about how an article's numbers were written down: a learner's gradient function
    # prints nothing, so diagnose (which tries the departures with in_gradient) must not try it
    spec = load("afteracademy")
    readings = [d for d in options(spec, printed(spec)) if d.kind == "reading"]
    assert {d.id for d in readings} == set(READINGS)
    assert [d.name for d in readings if d.in_gradient] == []


def test_explain_reports_its_progress_and_names_a_bad_depth() -> None:
    spec = load("afteracademy")
    calls: list[tuple[int, int]] = []
    explain(spec, max_departures=2, progress=lambda done, total: calls.append((done, total)))
    assert calls
    assert calls[-1][0] == calls[-1][1]  # it ends with every set tried
    with pytest.raises(InputError) as bad:
        explain(spec, max_departures=-1)
    assert bad.value.field == "--max-departures"


def test_a_departure_that_rebuilds_the_network_keeps_its_cost_and_activations() -> None:
    # per-unit biases equal within each layer (so sharing them applies), and a cost that is not the
    # default one, which a rebuilt network must not fall back to
    net = Network(
        W=[[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.6], [0.7, 0.8]]],
        b=[[0.25, 0.25], [-0.1, -0.1]],
        activations=["tanh", "sigmoid"],
        cost="cross_entropy",
    )
    rebuilt = [d for d in CATALOGUE if d.network is not None and d.applies(net)]
    assert "bias_shared" in {d.id for d in rebuilt}
    for d in rebuilt:
        other = d.network(net)
        assert (other.cost, other.activations) == (net.cost, net.activations), d.name


def test_explain_names_an_empty_list_of_numbers() -> None:
    with pytest.raises(InputError, match=r"^numbers: expected at least one number to explain, got \[\]$"):
        explain(spec_222(), [])


def test_explain_names_a_negative_depth() -> None:
    with pytest.raises(InputError, match=r"^--max-departures: expected a whole number ≥ 0, got -1$"):
        explain(spec_222(), max_departures=-1)


def test_targets_of_a_categorical_cost_must_each_sum_to_one() -> None:
    net = Network(
        W=[[[0.1], [0.2]]], b=[[0.0, 0.0]], activations=["softmax"], cost="categorical_cross_entropy"
    )
    # example 1 sums to 1; example 2 to 0.2 + 0.3, which the message names
    with pytest.raises(
        InputError,
        match=r"^y: expected targets that sum to 1 in each example.*, got a sum of 0\.5 in example 2$",
    ):
        net.batch([[0.5, 0.5]], [[0.5, 0.2], [0.5, 0.3]])


def test_the_nearest_outcomes_are_ranked_by_their_worst_residual_then_by_size() -> None:
    from backprop_ref.worked.chance import residual
    from backprop_ref.worked.explain import nearest

    spec = load("afteracademy")
    numbers = printed(spec)
    which = ["new w1", "E(total) after"]
    found = search(spec, numbers, options(spec, numbers), 1)
    near = nearest(found, numbers, which, count=6)
    assert len(near) == 6
    index = [next(i for i, g in enumerate(numbers) if g.label == label) for label in which]
    for n in near:  # each residual is its value's distance from the printed digits
        assert n.residuals == tuple(
            residual(numbers[i].digits, v) for i, v in zip(index, n.values, strict=True)
        )
    ranks = [(n.worst, len(n.departures)) for n in near]
    assert ranks == sorted(ranks)
    assert len({n.values for n in near}) == 6  # distinct outcomes


def test_with_no_departure_to_try_no_number_has_chance_matches() -> None:
    # only the article's own numbers as given: every reproduced number is explained by the empty
    # set, and with nothing else tried, nothing could have matched by chance
    spec = load("afteracademy")
    numbers = printed(spec)
    report = judge(search(spec, numbers, [], 1), numbers, 1)
    first = report.per_number[0]  # net(h1), reproduced
    assert (first.best, first.matched_by, first.by_chance) == (((),), 0, 0.0)


def test_a_number_printed_to_the_hundreds_is_judged_by_its_digits() -> None:
    # "1.2e3" is printed to the hundreds (one unit in its last place = 100): 1,290 is 0.9 units
    # from it, within one unit, so its digits count as reproduced; 1,400, two units away, does not
    big = Given("big", Address("z", 1, (0, 0)), "1.2e3")
    assert big.unit == 100
    slipped, explained = _judged([big], [(), ()], np.array([[1290.0], [1400.0]]))
    assert explained.tolist() == [[True], [False]]
    assert not slipped.any()


def test_too_many_departure_sets_are_refused_with_the_largest_depth_that_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load("afteracademy")
    with pytest.raises(InputError) as refused:
        explain(spec, max_departures=6)
    found = re.fullmatch(
        r"--max-departures: expected at most (\d+) here \((\d+) departures change the numbers; "
        r"50,000 sets at most\), got 6 \(([\d,]+) sets\)",
        str(refused.value),
    )
    assert found, str(refused.value)
    largest, n, total = int(found[1]), int(found[2]), int(found[3].replace(",", ""))

    def sets(k: int) -> int:  # the pairs, triples, ... up to k of n departures
        return sum(math.comb(n, j) for j in range(2, k + 1))

    assert total == sets(6) > 50_000
    assert sets(largest) <= 50_000 < sets(largest + 1)
    # exactly as many sets as allowed is allowed
    monkeypatch.setattr("backprop_ref.worked.explain.MAX_SETS", sets(2))
    assert explain(spec, max_departures=2).searched >= sets(2)
