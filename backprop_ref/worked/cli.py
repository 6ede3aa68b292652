"""The command line: trace a worked example, check an article's numbers, list the shipped specs.

::

    python -m backprop_ref trace SPEC [--json] [--run NAME] [--every N]
                                                 every quantity of the run, by address and name
    python -m backprop_ref trace SPEC --format markdown|latex   the same as a handout (walkthrough.py)
    python -m backprop_ref check SPEC [--json]   a verdict on every printed number, under its run
    python -m backprop_ref specs                 the specs shipped with the package
    python -m backprop_ref gradcheck SPEC GRADS  your gradient (JSON, NPZ, CSV) against the oracle
    python -m backprop_ref new --sizes 2,2,2 --activations sigmoid   a starting spec (scaffold.py)
    python -m backprop_ref explain SPEC          the smallest departure sets that explain the numbers
    python -m backprop_ref diagnose FILE.py:FUNC --spec SPEC   name the mistake in a gradient function

SPEC is the path of a spec file or the name of a shipped one (``backprop_ref/worked/specs/<name>.toml``).
Exit status: 0 on success (for ``check``: every verdict is the one the spec records), 1 when a
verdict differs, 2 for unusable input -- a bad spec, or a run that diverges (a learning rate so
large that the parameters or the cost overflow) -- reported in one line on stderr, 130 after
Ctrl-C.  Output cut short by its reader (``trace ... | head``) ends quietly with 0.  ``--json``
is strict JSON: a number that is not finite is written as the string "inf", "-inf" or "nan".

Quantities are named by the addresses of :mod:`backprop_ref.worked.trace` and by the article's own
names from the spec's ``[names]``; tables give numbers to 10 significant digits, ``--json`` in
full.  Every step of a run is taken once; ``trace`` lists the cost after each step of a run of up
to :data:`LONG_RUN` steps, else after the first and last :data:`ENDS` (``--every N``: every Nth), and
a run that goes on for two seconds shows its steps on a terminal's stderr.  The verdicts are
:mod:`backprop_ref.worked.audit`'s; this module only presents them.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO, cast

import numpy as np

from backprop_ref import kernels
from backprop_ref.conventions import Conventions
from backprop_ref.errors import InputError
from backprop_ref.gradcheck import Report, check_gradients
from backprop_ref.worked import departures, gradfile, scaffold, walkthrough
from backprop_ref.worked.audit import Finding, audit
from backprop_ref.worked.diagnose import Diagnosis, diagnose, load_function
from backprop_ref.worked.explain import Report as Explained
from backprop_ref.worked.explain import explain, printed, read_mine
from backprop_ref.worked.spec import MAIN, Spec, build, load, parse_toml, shipped
from backprop_ref.worked.trace import AFTER_THE_RUN, Address, Progress
from backprop_ref.worked.verdicts import tally

#: The part of the trace each kind of quantity belongs to, in the order a step computes them.
SECTIONS = {
    "W": "given",
    "b": "given",
    "z": "forward",
    "a": "forward",
    "fprime": "forward",
    "cost_term": "cost",
    "dC_da": "backward",
    "dC_da_from": "backward",
    "delta": "backward",
    "dW": "gradients",
    "db": "gradients",
    "W_new": "update",
    "b_new": "update",
}


def _number(value: float) -> str:
    return f"{value:.10g}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """``rows`` under ``headers`` in left-aligned columns two spaces apart.

    Examples
    --------
    >>> print(table(["name", "value"], [["w1", "0.25"]]))
    name  value
    w1    0.25
    """
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in [headers, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


#: Runs of more steps than this have the cost after only some of them listed by ``trace``
#: (:func:`shown_steps`): the first and last :data:`ENDS`, or every Nth with ``--every N``.
LONG_RUN = 20
ENDS = 5


def shown_steps(steps: int, every: int | None = None) -> list[int]:
    """The steps s < ``steps`` after which ``trace`` lists the cost (after the last: ``cost_after``).

    Every step of a run of at most :data:`LONG_RUN` steps; of a longer one, the first and last
    :data:`ENDS`; with ``every``, each ``every``-th.

    Examples
    --------
    >>> shown_steps(4), shown_steps(10_000)
    ([1, 2, 3], [1, 2, 3, 4, 5, 9995, 9996, 9997, 9998, 9999])
    >>> shown_steps(10_000, every=2500)
    [2500, 5000, 7500]
    """
    if every is not None:
        return list(range(every, steps, every))
    if steps <= LONG_RUN:
        return list(range(1, steps))
    return [*range(1, ENDS + 1), *range(steps - ENDS, steps)]


def quantities(
    spec: Spec, progress: Progress | None = None, every: int | None = None
) -> list[dict[str, Any]]:
    """Every quantity of the spec's run: section, address, the article's names and value.

    The cost after each step is listed for the steps :func:`shown_steps` gives (``every`` as there),
    then every quantity after step k (``...@k``) the spec names or prints.

    Examples
    --------
    >>> first = quantities(load("afteracademy"))[0]
    >>> first["section"], first["quantity"], first["names"], first["value"]
    ('given', 'a[0][0]', ['x1'], 0.1)
    """
    run = spec.run(progress=progress)
    out: list[dict[str, Any]] = []

    def add(section: str, address: Address | str, value: float) -> None:
        names = spec.labels(address) if isinstance(address, Address) else []
        out.append({"section": section, "quantity": str(address), "names": names, "value": value})

    for kind, layer, array in run.arrays():
        if spec.eta is None and kind in AFTER_THE_RUN:
            continue  # no [training]: no step is taken, so no new parameters to show
        for index in np.ndindex(array.shape):
            section = "given" if (kind, layer) == ("a", 0) else SECTIONS[kind]
            add(section, Address(kind, layer, tuple(int(i) for i in index)), float(array[index]))
        if kind == "a" and layer == len(spec.network.W):
            add("cost", Address("cost"), run.costs[0])
    if spec.eta is None:
        return out
    for s in shown_steps(spec.steps, every):
        add("cost after", Address("cost", step=s), run.costs[s])
    add("cost after", Address("cost_after"), run.costs[-1])
    addresses = [*spec.names.values(), *(p.address for p in spec.printed)]
    later = {a for a in addresses if 0 < a.step <= spec.steps}  # a variant run may take fewer steps
    for address in sorted(later, key=lambda a: (a.step, a)):  # what the spec names after step k
        add(f"after step {address.step}", address, run.value(address))
    return out


def _json(doc: object) -> str:
    """``doc`` as strict JSON: a non-finite number is written as the string "inf", "-inf" or "nan"."""

    def strict(value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if isinstance(value, dict):
            return {k: strict(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strict(v) for v in value]
        return value

    return json.dumps(strict(doc), indent=2, allow_nan=False)


def _trace(spec: Spec, as_json: bool, run: str = MAIN, every: int | None = None) -> int:
    spec = spec.under(run)
    rows = quantities(spec, _Progress(), every)
    if as_json:
        print(_json({"title": spec.title, "source": spec.source, "quantities": rows}))
        return 0
    print(spec.title + ("" if run == MAIN else f" (run {run!r})"))
    for section in dict.fromkeys(row["section"] for row in rows):
        cells = [
            [row["quantity"], ", ".join(row["names"]), _number(row["value"])]
            for row in rows
            if row["section"] == section
        ]
        print(f"\n{section}\n" + table(["quantity", "article", "value"], cells))
    left_out = spec.steps - 1 - len(shown_steps(spec.steps, every))
    if spec.eta is not None and left_out:
        note = f"the cost after {left_out:,} of the {spec.steps:,} steps is not listed"
        print(f"\n({note}; --every N lists every Nth)")
    return 0


def _finding(f: Finding) -> dict[str, Any]:
    p = f.printed
    return {
        "name": p.name,
        "quantity": str(p.address),
        "where": p.where,
        "printed": p.value,
        "exact": f.exact,
        "from_printed": f.carried,
        "verdict": f.verdict,
        "expected": p.expected,
        "as_expected": f.as_expected,
        "note": p.note,
        "run": p.run,
        "reproduced_under": list(f.reproduced_under),
    }


#: The largest departure set ``check --explain`` tries: a quick look (``explain`` itself goes deeper).
CHECK_DEPARTURES = 2


def _best_explanations(spec: Spec, max_departures: int) -> dict[tuple[str, str], str]:
    """``check --explain``: per printed number (name, run), its best explanations and the chance count."""
    report = explain(spec, max_departures=max_departures)
    out = {}
    for n in report.per_number:
        best = " or ".join(departures.names(ds) for ds in n.best[:3])
        if not n.best:
            best = f"no set of at most {report.max_departures} departures but this number's own slip"
        out[n.given.label, n.given.run] = f"{best} (by chance: {n.by_chance:.2g})"
    return out


def _check(
    spec: Spec, as_json: bool, with_explanations: bool = False, max_departures: int = CHECK_DEPARTURES
) -> int:
    findings = audit(spec, _Progress())
    ok = all(f.as_expected for f in findings)
    explained = _best_explanations(spec, max_departures) if with_explanations else {}

    def explanation(f: Finding) -> str:
        return explained[f.printed.name, f.printed.run] if f.verdict != "reproduced" else ""

    if as_json:
        doc = {"title": spec.title, "source": spec.source, "as_expected": ok}
        rows = [_finding(f) | ({"explanation": explanation(f)} if explained else {}) for f in findings]
        print(_json(doc | {"findings": rows}))
        return 0 if ok else 1
    headers = ["name", "quantity", "where", "printed", "exact", "from printed", "verdict", "expected", ""]
    cells = [
        [
            f.printed.name,
            str(f.printed.address),
            f.printed.where,
            f.printed.value,
            _number(f.exact),
            _number(f.carried),
            f.verdict,
            f.printed.expected,
            _mark("✓" if f.as_expected else "✗"),
            *([explanation(f)] if explained else []),
        ]
        for f in findings
    ]
    headers += ["explanation"] if explained else []
    if spec.runs:  # which run each number is judged under, and every run it is reproduced under
        headers[1:1] = ["run", "reproduced under"]
        for f, row in zip(findings, cells, strict=True):
            row[1:1] = [f.printed.run, ", ".join(f.reproduced_under) or "none"]
    counts = ", ".join(f"{n} {v}" for v, n in tally(f.verdict for f in findings).items() if n)
    differ = sum(not f.as_expected for f in findings)
    summary = "every verdict as the spec records" if ok else f"{differ} verdict(s) differ from the spec"
    print(f"{spec.title}\n\n{table(headers, cells)}\n\n{len(findings)} printed numbers: {counts}; {summary}.")
    return 0 if ok else 1


def _specs() -> int:
    print(table(["name", "title"], [[name, load(name).title] for name in shipped()]))
    return 0


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


EXIT_STATUS = (
    "exit status: 0 on success (check: every verdict is the one the spec records), "
    "1 when a verdict differs, 2 for unusable input"
)


def _parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    top = _Parser(
        prog="backprop-ref",
        description="Trace and check worked examples of backpropagation.",
        epilog=EXIT_STATUS,
    )
    commands = top.add_subparsers(
        dest="command", required=True, metavar="{trace,check,specs,gradcheck,new,explain,diagnose}"
    )
    for name, text in (
        ("trace", "print every quantity of the example's run"),
        ("check", "give every printed number a verdict and compare it with the spec's"),
    ):
        sub = commands.add_parser(name, help=text, description=text, epilog=EXIT_STATUS)
        sub.add_argument("spec", metavar="SPEC", help="a spec file, or the name of a shipped spec")
        output = sub.add_mutually_exclusive_group() if name == "trace" else sub
        output.add_argument("--json", action="store_true", help="print JSON instead of a table")
        if name == "trace":
            output.add_argument(
                "--format",
                choices=list(walkthrough.FORMATS),
                help="write a walkthrough to hand out: every quantity, its formula, the numbers put in",
            )
            _trace_options(sub)
        if name == "check":
            sub.add_argument(
                "--explain",
                action="store_true",
                help="add to each number not reproduced the smallest departure sets that reproduce it "
                "(at most three; `explain` lists them all)",
            )
            sub.add_argument(
                "--max-departures",
                type=int,
                metavar="N",
                help=f"with --explain, the largest set tried (default {CHECK_DEPARTURES}; explain goes to 3)",
            )
    commands.add_parser("specs", help="list the shipped specs", description="list the shipped specs")
    text = "compare a gradient your code wrote to a file (JSON, NPZ, CSV) with the oracle's"
    grad = commands.add_parser(
        "gradcheck",
        help=text,
        description=text + " on the spec's network and data",
        epilog="exit status: 0 when they agree, 1 when they do not, 2 for unusable input",
    )
    grad.add_argument("spec", metavar="SPEC", help="a spec file, or the name of a shipped spec")
    grad.add_argument("grads", metavar="GRADS", help="the gradient: .json, .npz, .csv or .txt")
    grad.add_argument(
        "--theta",
        choices=["matrices", "F", "C"],
        help="the θ form: Θ matrices with a bias column, or one vector unrolled column-major (F, as "
        "Octave's (:)) or row-major (C)",
    )
    grad.add_argument("--rtol", type=float, default=1e-6, help="relative tolerance (default 1e-6)")
    grad.add_argument("--atol", type=float, default=1e-9, help="absolute tolerance (default 1e-9)")
    grad.add_argument("--json", action="store_true", help="print JSON instead of a sentence")
    _new_parser(commands)
    _departure_commands(commands)
    return top


def _new_parser(commands: Any) -> None:
    """The options of ``new`` (see :func:`backprop_ref.worked.scaffold.scaffold`)."""
    text = "write a starting spec for your own worked example to stdout"
    new = commands.add_parser(
        "new",
        help=text,
        description=text + "; what is not given is drawn from --seed",
        epilog="exit status: 0 when the spec is written, 2 for unusable options",
    )
    new.add_argument("--sizes", required=True, help="units per layer, input first, such as 2,2,2")
    new.add_argument(
        "--activations",
        required=True,
        help="one activation for every layer, or one per layer separated by commas",
    )
    new.add_argument(
        "--cost", default=kernels.DEFAULT_COST, help=f"the cost (default {kernels.DEFAULT_COST})"
    )
    new.add_argument("--seed", type=int, default=0, help="draws what is not given (default 0)")
    new.add_argument("--weights", metavar="JSON", help="the W matrices, such as [[[0.15, 0.2], [0.25, 0.3]]]")
    new.add_argument("--biases", metavar="JSON", help="each layer's biases, such as [[0.35, 0.35]]")
    new.add_argument("--x", metavar="JSON", help="the inputs, such as [0.05, 0.1]")
    new.add_argument("--y", metavar="JSON", help="the targets, such as [0.01, 0.99]")
    new.add_argument("--eta", type=float, default=0.5, help="the learning rate (default 0.5)")
    new.add_argument("--steps", type=int, default=1, help="gradient-descent steps (default 1)")
    new.add_argument("--title", help="the spec's title")
    new.add_argument(
        "--with-values",
        action="store_true",
        help="record every computed quantity as printed (an answer key) instead of one placeholder",
    )


def _new(args: argparse.Namespace) -> int:
    print(
        scaffold.scaffold(
            scaffold.sizes_of(args.sizes),
            [name.strip() for name in args.activations.split(",")],
            args.cost,
            seed=args.seed,
            weights=args.weights,
            biases=args.biases,
            x=args.x,
            y=args.y,
            eta=args.eta,
            steps=args.steps,
            title=args.title,
            with_values=args.with_values,
        ),
        end="",
    )
    return 0


def _departure_commands(commands: Any) -> None:
    """The subcommands built on the catalogue of departures: ``explain`` and ``diagnose``."""
    text = "find the smallest sets of departures (conventions, mistakes, slips) that explain the numbers"
    sub = commands.add_parser(
        "explain",
        help=text,
        description=text,
        epilog="exit status: 0 when one set explains every number, 1 when none does, 2 for unusable input",
    )
    sub.add_argument("spec", metavar="SPEC", help="a spec file, or the name of a shipped spec")
    sub.add_argument(
        "--mine", metavar="FILE", help='your numbers: a TOML file of "<name or address>" = "<digits>"'
    )
    sub.add_argument(
        "--max-departures", type=int, default=3, metavar="N", help="the largest set tried (default 3)"
    )
    sub.add_argument("--json", action="store_true", help="print JSON instead of tables")
    text = "run your gradient function on random networks of the spec's family and name its departure"
    sub = commands.add_parser(
        "diagnose",
        help=text,
        description=text + " (this imports FILE and runs FUNC: run only code you trust)",
        epilog="exit status: 0 when it agrees with the oracle, 1 when it does not, 2 for unusable input",
    )
    sub.add_argument("target", metavar="FILE.py:FUNC", help="FUNC(W, b, x, y) -> (dW, db) in FILE.py")
    sub.add_argument("--spec", help="the spec whose network family FUNC implements (or describe it below)")
    family = sub.add_argument_group("or the family described by flags, instead of --spec")
    family.add_argument("--sizes", help="units per layer, input first, such as 3,4,3")
    family.add_argument("--activations", help="one activation for every layer, or one per layer (commas)")
    family.add_argument(
        "--cost", default=kernels.DEFAULT_COST, help=f"the cost (default {kernels.DEFAULT_COST})"
    )
    defaults = Conventions()
    family.add_argument(
        "--reduction", default=defaults.reduction, help=f"mean or sum (default {defaults.reduction})"
    )
    family.add_argument(
        "--lmbda", type=float, default=defaults.lmbda, help=f"L2 strength λ (default {defaults.lmbda:g})"
    )
    family.add_argument("--bias", default=defaults.bias, help=f"per_unit or shared (default {defaults.bias})")
    family.add_argument(
        "--eta", type=float, default=0.5, help="the learning rate of the update (default 0.5)"
    )
    sub.add_argument("--seed", type=int, default=0, help="seed of the random networks and data (default 0)")
    sub.add_argument(
        "--vary-sizes",
        action="store_true",
        help="give the random networks wider hidden layers too (FUNC must work at any width)",
    )
    sub.add_argument("--json", action="store_true", help="print JSON instead of a report")


def _family(args: argparse.Namespace) -> Spec:
    """The spec ``diagnose`` reads its network family from: ``--spec``, or one built from the flags."""
    if (args.spec is None) == (args.sizes is None):
        shown = "both" if args.spec is not None else "neither"
        raise InputError(
            "--spec, --sizes", "exactly one of them (a spec, or the family by flags)", None, shown=shown
        )
    if args.spec is not None:
        return load(args.spec)
    if args.activations is None:
        raise InputError("--activations", "activation names with --sizes, such as tanh,sigmoid", None)
    text = scaffold.scaffold(
        scaffold.sizes_of(args.sizes),
        [name.strip() for name in args.activations.split(",")],
        args.cost,
        seed=args.seed,
        eta=args.eta,
        title=f"--sizes {args.sizes} --activations {args.activations} --cost {args.cost}",
    )
    doc = parse_toml(text)
    doc["network"]["conventions"].update(reduction=args.reduction, lmbda=args.lmbda, bias=args.bias)
    if args.bias == "shared":  # one bias per layer, as the shared convention holds it
        doc["network"]["b"] = [[row[0]] for row in doc["network"]["b"]]
    try:
        return build(doc)
    except InputError as err:  # a convention given by flag: name the flag
        if not err.field.startswith("network.conventions."):
            raise
        raise InputError("--" + err.field.rsplit(".", 1)[-1], err.expected, err.given) from None


def _explained(spec: Spec, report: Explained) -> dict[str, Any]:
    """The ``explain --json`` document."""
    labels = [g.label for g in report.numbers]

    def names(ds: Sequence[departures.Departure]) -> list[str]:
        return [d.name for d in ds]

    return {
        "title": spec.title,
        "max_departures": report.max_departures,
        "sets_tried": report.searched,
        "complete": report.complete,
        "numbers": [
            {
                "name": n.given.label,
                "quantity": str(n.given.address),
                "printed": n.given.digits,
                "exact": n.exact,
                "smallest_explanations": [names(ds) for ds in n.best],
                "matches": n.matched_by,
                "expected_by_chance": n.by_chance,
            }
            for n in report.per_number
        ],
        "explanations": [
            {
                "departures": departures.describe(e.departures),
                "explains": [x for x, ok in zip(labels, e.outcome.explained, strict=True) if ok],
                "leaves": [x for x, ok in zip(labels, e.outcome.explained, strict=True) if not ok],
                "ties": [names(t) for t in e.ties],
            }
            for e in report.explanations
        ],
        "no_effect": names(report.no_effect),
    }


#: How many explanations the ``explain`` table shows.
SHOWN = 5


def _explain(spec: Spec, mine: str | None, max_departures: int, as_json: bool) -> int:
    numbers = printed(spec) if mine is None else read_mine(mine, spec)
    report = explain(spec, numbers, max_departures=max_departures)
    doc = _explained(spec, report)
    if as_json:
        print(_json(doc))
        return 0 if report.complete else 1
    n = len(numbers)
    best = report.explanations[0].outcome.count if report.explanations else 0
    if report.complete:
        summary = f"every one of the {n} numbers is explained by the sets below"
    else:
        summary = (
            f"no set of at most {max_departures} departures explains all {n} numbers; the best explain {best}"
        )
    rows = []
    for i, e in enumerate(doc["explanations"][:SHOWN], start=1):
        taken = " + ".join(d["name"] for d in e["departures"]) or "(none)"
        rows.append([str(i), taken, f"{len(e['explains'])} of {n}", ", ".join(e["leaves"]) or "-"])
        rows += [["", f"tied: {' + '.join(t)}", "", ""] for t in e["ties"][:3]]
    per = [
        [x["name"], x["printed"], _number(x["exact"]),
         "; ".join(" + ".join(ds) or "none (reproduced)" for ds in x["smallest_explanations"][:2]) or "-",
         str(x["matches"]), f"{x['expected_by_chance']:.2g}"]
        for x in doc["numbers"]
    ]  # fmt: skip
    named = {d.name: d for e in report.explanations[:SHOWN] for d in e.departures}
    legend = "\n".join(f"  {d.name}: {d.description}\n      {d.math}" for d in named.values())
    print(
        f"{spec.title}\n\n{report.searched} departure sets tried; {summary}. The "
        f"{min(SHOWN, len(doc['explanations']))} best of {len(doc['explanations'])} minimal explanations "
        "(--json lists all):"
        f"\n\n{table(['#', 'departures', 'explains', 'leaves'], rows)}\n\n"
        + table(["name", "printed", "exact", "smallest explanation", "matches", "by chance"], per)
        + "\n\n(matches, by chance: distinct outcomes of the sets tried (but the number's own slip) within "
        f"one unit of the last printed digit, and the count chance would give)\n\ndepartures:\n{legend}"
    )
    return 0 if report.complete else 1


def _diagnosed(found: Diagnosis) -> dict[str, Any]:
    """The ``diagnose --json`` document."""
    worst = found.worst
    return {
        "verdict": found.verdict,
        "examples": list(found.examples),
        "sizes": [list(n) for n in found.sizes],
        "matches": [departures.describe(ds) for ds in found.matches],
        "worst": None
        if worst is None
        else {"name": worst.name, "index": list(worst.index), "yours": worst.yours, "oracle": worst.oracle},
        "indistinguishable": [
            {"departures": [[d.name for d in ds] for ds in group], "separated_by": needs}
            for group, needs in found.indistinguishable
        ],
    }


def _diagnose(spec: Spec, target: str, seed: int, as_json: bool, vary_sizes: bool) -> int:
    found = diagnose(load_function(target), spec.network, spec.run_eta, seed=seed, vary_sizes=vary_sizes)
    if as_json:
        print(_json(_diagnosed(found)))
        return 0 if found.verdict == "agrees" else 1
    ran = ", ".join(map(str, found.examples))
    sizes = "; sizes " + ", ".join("-".join(map(str, n)) for n in found.sizes) if vary_sizes else ""
    lines = [
        f"{target} ran on {len(found.examples)} random networks of the family of {spec.title} "
        f"(m = {ran}{sizes})."
    ]
    if found.verdict == "agrees":
        lines.append("It agrees with the oracle.")
    elif found.verdict == "departure":
        tie = " (a tie: this family cannot tell them apart)" if len(found.matches) > 1 else ""
        named = " or ".join(departures.names(ds) for ds in found.matches)
        lines.append(f"It agrees with the oracle under {named}{tie}:")
        for d in dict.fromkeys(d for ds in found.matches for d in ds):
            lines.append(f"  {d.name}: {d.description}\n      {d.math}")
    elif found.worst is not None:
        w = found.worst
        index = ",".join(map(str, w.index))
        lines.append(
            f"No catalogued departure (nor two together) explains it; furthest from the oracle: "
            f"{w.name}[{index}], yours {_number(w.yours)}, the oracle's {_number(w.oracle)}."
        )
    if found.indistinguishable:
        lines.append("\nThis family cannot tell apart:")
        for group, needs in found.indistinguishable:
            members = ", ".join(departures.names(ds) if ds else "no departure" for ds in group)
            lines.append(f"  {members}  (to separate: {needs})")
    print("\n".join(lines))
    return 0 if found.verdict == "agrees" else 1


def _trace_options(trace: argparse.ArgumentParser) -> None:
    """The options of ``trace`` alone: which run, and which steps' costs of a long one."""
    trace.add_argument(
        "--run",
        default=MAIN,
        metavar="NAME",
        help=f"a run of the spec's [runs] (default: {MAIN}, the spec's own)",
    )
    trace.add_argument(
        "--every",
        type=_positive,
        metavar="N",
        help=f"list the cost after every Nth step (default: every step up to {LONG_RUN} steps, "
        f"else the first and last {ENDS})",
    )


def _positive(text: str) -> int:
    """``text`` as a whole number ≥ 1, or an argparse error."""
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return int(text)


def _gradcheck(spec: Spec, grads: str, theta: str | None, rtol: float, atol: float, as_json: bool) -> int:
    given = gradfile.load(spec.network, grads, theta)
    report = cast(
        Report,  # against the oracle: a Report
        check_gradients(spec.network, spec.x, spec.y, given, rtol=rtol, atol=atol, theta=theta),
    )
    if as_json:
        name, index = report.worst
        doc = {
            "passed": report.passed,
            "max_abs_error": report.max_abs_error,
            "max_rel_error": report.max_rel_error,
            "worst": {"name": name, "index": list(index), "yours": report.yours, "oracle": report.oracle},
            "rtol": report.rtol,
            "atol": report.atol,
        }
        print(_json(doc))
    else:
        print(report)
    return 0 if report.passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit status.

    Examples
    --------
    >>> main(["check", "no-such-spec"])
    2
    """
    _encodable_streams()
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error (2, already reported)
        return int(stop.code or 0)
    try:
        if args.command == "specs":
            return _specs()
        if args.command == "new":
            return _new(args)
        spec = _family(args) if args.command == "diagnose" else load(args.spec)
        if args.command == "explain":
            return _explain(spec, args.mine, args.max_departures, args.json)
        if args.command == "diagnose":
            return _diagnose(spec, args.target, args.seed, args.json, args.vary_sizes)
        if args.command == "gradcheck":
            return _gradcheck(spec, args.grads, args.theta, args.rtol, args.atol, args.json)
        if args.command == "trace" and args.format:
            print(walkthrough.FORMATS[args.format](spec.under(args.run)), end="")
            return 0
        if args.command == "trace":
            return _trace(spec, args.json, args.run, args.every)
        if args.max_departures is not None and not args.explain:
            raise InputError(
                "--max-departures",
                "to come with --explain (it sizes explain's search)",
                "no --explain",
                shown="no --explain",
            )
        depth = CHECK_DEPARTURES if args.max_departures is None else args.max_departures
        return _check(spec, args.json, args.explain, depth)
    except InputError as err:
        print(f"backprop-ref: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("backprop-ref: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # the reader stopped reading (trace ... | head): nothing more to say
        _silence_stdout()
        return 0


class _Progress:
    """Steps taken, shown on a terminal's stderr once a run has gone on for two seconds.

    Nothing is written where stderr is not a terminal (a pipe, a file, a test), so a run that
    ends in an error still leaves one line there; the last step clears the line it used.
    """

    def __init__(self, stream: TextIO | None = None, after: float = 2.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.start, self.after = time.monotonic(), after

    def __call__(self, taken: int, steps: int) -> None:
        due = taken % 100 == 0 or taken == steps
        if not due or not self.stream.isatty() or time.monotonic() - self.start < self.after:
            return
        end = "\r\033[K" if taken == steps else ""
        self.stream.write(f"\r  step {taken:,} of {steps:,} (Ctrl-C stops){end}")
        self.stream.flush()


#: Exit status after Ctrl-C, as a shell reports a command ended by SIGINT.
INTERRUPTED = 130


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's final flush meets no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (captured in tests)
        pass


#: What the tables print, and the ASCII they fall back to where the terminal's encoding lacks it.
MARKS = {"✓": "ok", "✗": "x"}


def _encodable_streams() -> None:
    """Make stdout and stderr write what their encoding cannot hold as escapes, not an error.

    A terminal set to cp1252 or ASCII cannot show ∂ or ✓; the article's names then appear as
    ``\\u2202`` escapes and the check marks as "ok" and "x" (:func:`_mark`).
    """
    for stream in (sys.stdout, sys.stderr):
        if not _can_encode(stream, "∂✓✗≥") and isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _can_encode(stream: object, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _mark(symbol: str) -> str:
    """``symbol`` (✓ or ✗), or its ASCII stand-in where stdout cannot encode it."""
    return symbol if _can_encode(sys.stdout, symbol) else MARKS[symbol]
