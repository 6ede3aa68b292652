"""Print the score of the last ``mutmut run`` (``nox -s mutants``): killed / (killed + survived).

Reads ``mutants/mutmut-cicd-stats.json`` (written by ``mutmut export-cicd-stats``).  Mutants that
no test reaches ("no tests") are counted apart: they are code that the chosen tests do not run
(error paths reached only through pages, say), a coverage gap rather than a weak assertion.

All ~11,600 mutants take days on two cores, so the score is estimated on a random sample::

    python tests/mutation_score.py --draw 240 --seed 20261202 > sample.txt   # mutant names
    nox -s mutants -- $(cat sample.txt)                                      # run just those
    python tests/mutation_score.py --sample sample.txt                       # their score, ±95 %

(run where ``mutants/`` is, with mutmut on PATH: ``nox -s mutants`` has made both).  A timeout
counts as killed, as mutmut counts it; rerun timeouts on an idle machine before believing them.

mutmut runs each mutant against the tests that called its function while it recorded them, and a
function called while a module is imported (the departures' catalogue is built that way) is
credited to whichever test imported the module first, often an unrelated one: such a mutant
"survives" tests that never looked at it.  ``--recheck`` runs the whole suite (stopping at the first
failure) on each mutant of the sample that no test reached and each survivor whose function mutmut
credits to one test only, after one clean run that must pass; ``--sample`` then reports the score
both ways::

    python tests/mutation_score.py --sample sample.txt --recheck
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

RECHECKED = Path("mutants/rechecked.json")
#: A whole-suite run on one mutant is stopped after this long and counted as killed (as mutmut
#: counts a timeout); the clean suite takes about 2 minutes on two cores.
RECHECK_TIMEOUT_S = 900


def verdicts() -> dict[str, str]:
    """Every mutant's verdict by name ("killed", "survived", "no tests", "not checked", ...), as
    ``mutmut results --all true`` lists them."""
    listed = subprocess.run(
        ["mutmut", "results", "--all", "true"], check=True, capture_output=True, text=True
    )
    rows = (line.strip().split(": ", 1) for line in listed.stdout.splitlines() if "__mutmut_" in line)
    return dict(rows)


def score(counts: Counter[str]) -> str:
    """killed / (killed + survived) with a 95 % interval, and every verdict's count."""
    killed = counts["killed"] + counts["timeout"]
    tested = killed + counts["survived"] + counts["suspicious"]
    p = killed / tested if tested else 0.0
    half = 1.96 * math.sqrt(p * (1 - p) / tested) if tested else 0.0
    return f"{100 * p:.1f} % ± {100 * half:.1f} ({killed} of {tested} killed); " + ", ".join(
        f"{k} {v}" for k, v in sorted(counts.items())
    )


def suite(mutant: str) -> tuple[int, str]:
    """The exit status of the whole suite (mutmut's pytest options, stopping at the first failure)
    run in ``mutants/`` with ``mutant`` active ("" for none), -1 when stopped at the time limit, and
    the first test it names as failed (the evidence of a kill)."""
    options = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-n",
        "2",
        *options["pytest_add_cli_args"],
        "tests/",
    ]
    env = os.environ | {"MUTANT_UNDER_TEST": mutant}
    try:
        done = subprocess.run(
            command, cwd="mutants", env=env, capture_output=True, text=True, timeout=RECHECK_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return -1, ""
    failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return done.returncode, failed[0] if failed else done.stdout.strip()[-200:]


def recheck(names: list[str]) -> None:
    """Run the whole suite on each suspect mutant of ``names`` (module docstring); record verdicts."""
    status, failed = suite("")
    if status != 0:
        raise SystemExit(f"the suite fails with no mutant active ({failed}): fix that before rechecking")
    done = json.loads(RECHECKED.read_text(encoding="utf-8")) if RECHECKED.exists() else {}
    found = verdicts()
    stats = json.loads(Path("mutants/mutmut-stats.json").read_text(encoding="utf-8"))
    credited = stats["tests_by_mangled_function_name"]

    def suspect(name: str) -> bool:
        """Reached by no test, or surviving the one test its function is credited to."""
        tests = credited.get(name.rsplit("__mutmut_", 1)[0], [])
        return found.get(name) == "no tests" or (found.get(name) == "survived" and len(tests) <= 1)

    todo = [n for n in names if suspect(n) and n not in done]
    for i, name in enumerate(todo, 1):
        status, failed = suite(name)
        done[name] = "survived" if status == 0 else ("timeout" if status == -1 else "killed")
        RECHECKED.write_text(json.dumps(done, indent=1), encoding="utf-8")
        print(f"[{i}/{len(todo)}] {name}: {done[name]} {failed}".rstrip(), flush=True)


def sample_score(names: list[str]) -> str:
    """The verdicts of ``names`` and their score, with a 95 % interval, as mutmut gave them and
    after rechecking against the whole suite (where that was done)."""
    found = verdicts()
    text = "mutation score of the sample: " + score(Counter(found.get(n, "not checked") for n in names))
    if RECHECKED.exists():
        again = json.loads(RECHECKED.read_text(encoding="utf-8"))
        text += "\nafter the whole suite on the untested and one-test survivors: " + score(
            Counter(again.get(n, found.get(n, "not checked")) for n in names)
        )
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draw", type=int, metavar="N", help="print N mutant names drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="the seed of --draw (default 0)")
    parser.add_argument("--sample", metavar="FILE", help="score the mutants named in FILE, one a line")
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="with --sample: first run the whole suite on its suspect mutants",
    )
    args = parser.parse_args()
    if args.draw is not None:
        names = list(verdicts())
        random.Random(args.seed).shuffle(names)
        print("\n".join(names[: args.draw]))
        return 0
    if args.sample is not None:
        names = Path(args.sample).read_text(encoding="utf-8").split()
        if args.recheck:
            recheck(names)
        print(sample_score(names))
        return 0
    subprocess.run(["mutmut", "export-cicd-stats"], check=True)
    stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text(encoding="utf-8"))
    killed, survived = stats["killed"] + stats["timeout"], stats["survived"] + stats["suspicious"]
    tested = killed + survived
    score = 100 * killed / tested if tested else 0.0
    print(
        f"mutation score: {score:.1f} % ({killed} of {tested} mutants that a test reaches are killed); "
        f"{stats['no_tests']} reached by no test, {stats['skipped']} skipped, {stats['total']} in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
