"""Run every benchmark, write ``docs/data/bench_report.json`` and ``bench_report.md``, print the table.

``nox -s bench`` runs this; it passes ``--nox-python`` (the interpreter nox runs on) for item 4,
which runs nox again as a child.  The items, each a module here, in the order they run:

1. ``numerics`` -- the oracle's cost and gradient against plain NumPy, JAX and the matmul bound;
2. ``coldstart`` -- a new process that imports the package and takes one gradient;
3. ``symbolic`` -- deriving, proving and generating the rules, per layer and whole-network;
4. ``loop`` -- ``nox -s tests`` and ``nox -s site``, cold and reused (slow: last);
5. ``explaining`` -- ``explain`` and ``diagnose`` on the AfterAcademy example (run before the loop).
6. ``longrun`` -- ``check`` of a 10,000-step spec in a new process (run before the loop).

``report.py`` turns the JSON into the table.  Re-render a saved report with ``--table-only``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time
from typing import Any

import coldstart
import explaining
import harness
import longrun
import loop
import numerics
import report
import symbolic

JSON = harness.ROOT / "docs" / "data" / "bench_report.json"


def measure(nox: list[str]) -> dict[str, Any]:
    """Every item, with the date, machine and commit; the slow loop last."""
    start = time.perf_counter()
    out: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": harness.machine(),
        "git": harness.git(),
    }
    items = {
        "numerics": numerics.run,
        "cold_start": coldstart.run,
        "symbolic": symbolic.run,
        "explaining": explaining.run,
        "long_run": longrun.run,
    }
    for name, item in items.items():
        print(f"bench: {name} ...", flush=True)
        out[name] = item()
    print("bench: loop (nox -s tests, nox -s site, cold and reused) ...", flush=True)
    out["loop"] = loop.run(nox)
    out["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["total_s"] = time.perf_counter() - start
    return out


def headline(r: dict[str, Any]) -> str:
    commit = (r["git"]["commit"] or "unknown")[:7] + (" (dirty tree)" if r["git"]["dirty"] else "")
    m = r["machine"]
    return (
        f"backprop_ref bench, {r['date']}, commit {commit}, {m['cpu_count']} CPUs, "
        f"load {m['load_average_at_start'][0]} to {m['load_average_at_end'][0]}, {r['total_s'] / 60:.1f} min"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nox-python", help="the interpreter nox is installed in (default: nox on PATH)")
    parser.add_argument("--table-only", action="store_true", help="re-render the saved report's table")
    args = parser.parse_args()
    if args.table_only:
        result = json.loads(JSON.read_text())
    else:
        result = measure([args.nox_python, "-m", "nox"] if args.nox_python else ["nox"])
        JSON.parent.mkdir(parents=True, exist_ok=True)
        JSON.write_text(json.dumps(result, indent=1) + "\n")
    table = report.build(result)
    result["targets"] = table.targets
    JSON.write_text(json.dumps(result, indent=1) + "\n")
    # docs/ is the site's source: "orphan" lets Sphinx build the page without a toctree entry.
    page = f"---\norphan: true\n---\n\n# Benchmarks\n\n{headline(result)}\n\n{report.markdown(table.rows)}"
    JSON.with_suffix(".md").write_text(page)
    print(headline(result))
    print(report.text(table.rows))


if __name__ == "__main__":
    main()
