"""Item 5: ``python -m backprop_ref check`` on a 10,000-step spec, a new process each time.

The spec is the shipped AfterAcademy example with ``steps = 10000``: its two numbers printed after
the run need the exact run and one run from the article's printed first-step values, so ``check``
takes 20,000 steps in all (issue 11: "a 10,000-step spec checks in ≤ 2 s").  Timed :data:`ROUNDS`
rounds after one warm-up, under the machine's own bytecode setting (here
``PYTHONDONTWRITEBYTECODE=1``); the exit status must be 0 (every verdict as the spec records).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import harness

from backprop_ref.worked.spec import read

ROUNDS = 7
STEPS = 10_000


def spec_text() -> str:
    """The AfterAcademy spec, run for :data:`STEPS` steps."""
    text = read("afteracademy")
    if "\nsteps = 1\n" not in text:
        raise RuntimeError("long run: the shipped spec no longer says 'steps = 1'")
    return text.replace("\nsteps = 1\n", f"\nsteps = {STEPS}\n")


def run() -> dict[str, Any]:
    """Wall and CPU times of ``check`` on the long spec, each round a new process."""
    runs: harness.Runs = {"wall": [], "cpu": []}
    with tempfile.TemporaryDirectory(prefix="bench-long-") as tmp:
        spec = Path(tmp) / f"afteracademy-{STEPS}.toml"
        spec.write_text(spec_text(), encoding="utf-8")
        for r in range(-1, ROUNDS):  # round -1 warms the disk cache
            child = harness.run_child([sys.executable, "-m", "backprop_ref", "check", str(spec)])
            if not child.ok:
                raise RuntimeError(f"long run: check exited {child.returncode}")
            if r >= 0:
                runs["wall"].append(child.wall)
                runs["cpu"].append(child.cpu)
    return {
        "steps": STEPS,
        "rounds": ROUNDS,
        "check": {clock: harness.summary(v) for clock, v in runs.items()},
    }


if __name__ == "__main__":  # this item alone: python tests/benchmarks/longrun.py
    result = run()
    check = result["check"]
    print(
        f"check, {STEPS:,} steps, {ROUNDS} rounds: CPU {check['cpu']['median']:.2f} s, "
        f"wall {check['wall']['median']:.2f} s (IQR {check['wall']['iqr']:.2f} s)"
    )
