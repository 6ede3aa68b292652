"""What the benchmarks share: interleaved timing, medians with IQRs, paired ratios, timed children.

The machine is shared and noisy (2 cores, other people's jobs), so no figure is a single run: each
is the median of repeated runs with the interquartile range (IQR) as its spread, and a comparison is
the median of ratios taken round by round, the contenders run interleaved in an order shuffled
every round (seeded).  A rotation would keep each contender's predecessor fixed, and a call pays
for the caches and heap its predecessor left behind: JAX's calls, for one, leave the next NumPy
call some 15 % slower.  Each run records its wall time and the CPU time it actually got; on a loaded machine
the two differ, and the CPU time of single-threaded code is close to its wall time on a quiet one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

Summary = dict[str, float]
Runs = dict[str, list[float]]  # {"wall": [...], "cpu": [...]}, seconds


def summary(values: Sequence[float]) -> Summary:
    """Median, interquartile range and number of runs of ``values``."""
    if len(values) == 1:
        return {"median": values[0], "iqr": 0.0, "runs": 1}
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {"median": median, "iqr": q3 - q1, "runs": len(values)}


def interleaved(contenders: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, Runs]:
    """Run every contender once per round, in an order shuffled each round; one warm-up round first."""
    names = list(contenders)
    runs: dict[str, Runs] = {name: {"wall": [], "cpu": []} for name in names}
    order = random.Random(0)  # seeded: the same orders in every run of the benchmark
    for r in range(-1, rounds):
        for name in order.sample(names, len(names)):
            wall, cpu = time.perf_counter(), time.process_time()
            contenders[name]()
            if r >= 0:
                runs[name]["wall"].append(time.perf_counter() - wall)
                runs[name]["cpu"].append(time.process_time() - cpu)
    return runs


def ratio(runs: Mapping[str, Runs], num: str, den: str, clock: str = "wall") -> Summary:
    """The median and IQR of ``num``'s time over ``den``'s, round by round."""
    return summary([a / b for a, b in zip(runs[num][clock], runs[den][clock], strict=True)])


def summaries(runs: Mapping[str, Runs]) -> dict[str, dict[str, Summary]]:
    """``summary`` of every contender's wall and CPU times."""
    return {name: {clock: summary(v) for clock, v in r.items()} for name, r in runs.items()}


@dataclass(frozen=True)
class Child:
    """A finished (or stopped) child process: wall and CPU seconds, exit code, output."""

    wall: float
    cpu: float
    returncode: int | None  # None when stopped at the time limit
    stdout: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def json(self) -> Any:
        """The child's last line of output, read as JSON."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(
    args: Sequence[str],
    *,
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    log: Path | None = None,
) -> Child:
    """Run ``args`` in ``cwd``; stop its whole process group at ``timeout`` seconds.

    Output goes to ``log`` when given (and is then not kept), else it is captured.  The CPU time is
    that of the child and every descendant it waited for.
    """
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("w")) if log else subprocess.PIPE
        cpu, wall = _children_cpu(), time.perf_counter()
        proc = stack.enter_context(
            subprocess.Popen(
                list(args),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdout=out,
                stderr=subprocess.STDOUT if log else None,
                text=True,
                start_new_session=True,  # its own process group, so a stop reaches its children
            )
        )
        try:
            stdout, _ = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, _ = proc.communicate()
            code = None
    return Child(time.perf_counter() - wall, _children_cpu() - cpu, code, stdout or "")


def script(
    name: str, *args: str, env: Mapping[str, str] | None = None, timeout: float | None = None
) -> Child:
    """Run the benchmark script ``name`` (a file next to this one) with this interpreter."""
    return run_child([sys.executable, str(HERE / name), *args], env=env, timeout=timeout)


def emit(result: object) -> None:
    """Print a child's result as one line of JSON (what :meth:`Child.json` reads)."""
    print(json.dumps(result))


def machine() -> dict[str, Any]:
    """The machine and the versions that produced the figures."""
    import numpy as np

    cpuinfo = Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
    ]
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    versions = {}
    for package in ("numpy", "jax", "jaxlib", "sympy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": models[0] if models else platform.processor(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **versions,
        "blas": f"{blas.get('name')} {blas.get('version')}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def git() -> dict[str, Any]:
    """The commit measured, and whether the work tree differed from it."""

    def ask(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return None
        return done.stdout.strip()

    status = ask("status", "--porcelain", "--untracked-files=no")
    return {"commit": ask("rev-parse", "HEAD"), "dirty": bool(status) if status is not None else None}


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of log y against log x: 1 for linear growth, 2 for quadratic."""
    if len(xs) < 2:
        return None
    return statistics.linear_regression([math.log(x) for x in xs], [math.log(y) for y in ys]).slope
