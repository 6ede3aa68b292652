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
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path


def verdicts() -> dict[str, str]:
    """Every mutant's verdict by name ("killed", "survived", "no tests", "not checked", ...), as
    ``mutmut results --all true`` lists them."""
    listed = subprocess.run(
        ["mutmut", "results", "--all", "true"], check=True, capture_output=True, text=True
    )
    rows = (line.strip().split(": ", 1) for line in listed.stdout.splitlines() if "__mutmut_" in line)
    return dict(rows)


def sample_score(names: list[str]) -> str:
    """The verdicts of ``names`` and their score, with a 95 % interval."""
    found = verdicts()
    counts = Counter(found.get(n, "not checked") for n in names)
    killed = counts["killed"] + counts["timeout"]
    tested = killed + counts["survived"] + counts["suspicious"]
    p = killed / tested if tested else 0.0
    half = 1.96 * math.sqrt(p * (1 - p) / tested) if tested else 0.0
    return (
        f"mutation score of the sample: {100 * p:.1f} % ± {100 * half:.1f} ({killed} of {tested} killed); "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draw", type=int, metavar="N", help="print N mutant names drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="the seed of --draw (default 0)")
    parser.add_argument("--sample", metavar="FILE", help="score the mutants named in FILE, one a line")
    args = parser.parse_args()
    if args.draw is not None:
        names = list(verdicts())
        random.Random(args.seed).shuffle(names)
        print("\n".join(names[: args.draw]))
        return 0
    if args.sample is not None:
        print(sample_score(Path(args.sample).read_text(encoding="utf-8").split()))
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
