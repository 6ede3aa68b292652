"""Item 2: the time to derive, prove and generate the rules for networks 1 to 50 layers deep.

Three methods, on narrow networks (2 units per layer):

* ``per_layer`` -- the package's way: one :func:`~backprop_ref.symbolic.proofs.prove_layer_rules` per layer
  (each with symbols of its own, so SymPy's cache cannot reuse one layer's proof for the next),
  plus the elementwise proofs and the code generation, which do not depend on depth;
* ``network`` -- :func:`~backprop_ref.symbolic.proofs.prove_network_rules`, ``sympy.diff`` of the whole
  composed cost with undefined f and C;
* ``naive`` -- ``sympy.diff`` of the fully written-out cost (sigmoid layers, cross-entropy, one
  example) for every weight and bias, then ``sympy.cse`` of the derivatives, as code generation
  would need; nothing to prove, since the derivatives are SymPy's own.

The last two are stopped at :data:`CAP` seconds per depth (the next depth is not tried).  Every
measurement starts from an empty SymPy cache (``clear_cache``) in a process that has already
imported SymPy; ``fresh`` measures the depth-50 run as the first thing a new process does.

Run as ``python symbolic.py per_layer | fresh | network D | naive D``; :func:`run` does them all.
"""

from __future__ import annotations

import cProfile
import math
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import harness

DEPTHS = (1, 2, 5, 10, 20, 50)
REPS = 3
WIDTH = 2
CAP = 20.0  # seconds per depth for the whole-network and naive methods
REPEAT_UNDER = 2.0  # a capped run is repeated (3 runs in all) only when its first run is this quick
TARGET_DEPTH = 50


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def per_layer(depth: int) -> dict[str, float]:
    """Wall and CPU seconds of each stage of the per-layer method for one depth, from a clear cache."""
    from sympy.core.cache import clear_cache

    from backprop_ref.symbolic import codegen, proofs

    def layers() -> None:
        assert all(proofs.prove_layer_rules(WIDTH, WIDTH, layer=l).holds for l in range(1, depth + 1))

    def elementwise() -> None:
        assert all(p.holds for p in proofs.elementwise_proofs())

    clear_cache()
    stages = {"layers": layers, "elementwise": elementwise, "codegen": codegen.generated_source}
    times = {name: _timed(fn) for name, fn in stages.items()}
    out = {f"{name}_{clock}": t[i] for name, t in times.items() for i, clock in enumerate(("wall", "cpu"))}
    out["wall"] = sum(t[0] for t in times.values())
    out["cpu"] = sum(t[1] for t in times.values())
    return out


def sweep() -> dict[str, Any]:
    """Every depth of :data:`DEPTHS`, :data:`REPS` times, the depths in a rotating order."""
    from sympy.core.cache import clear_cache

    from backprop_ref.symbolic import proofs

    per_layer(1)  # warm-up: SymPy imports parts of itself on first use
    runs: dict[int, list[dict[str, float]]] = {d: [] for d in DEPTHS}
    for rep in range(REPS):
        shift = rep % len(DEPTHS)
        for d in DEPTHS[shift:] + DEPTHS[:shift]:
            runs[d].append(per_layer(d))
    clear_cache()
    prof = cProfile.Profile()
    prof.runcall(proofs.elementwise_proofs)
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    by_rule: dict[str, float] = {}
    for (file, _, name), (_, _, _, cumulative, _) in stats.items():
        if file.endswith("proofs.py") and name.startswith("prove_"):
            by_rule[name] = by_rule.get(name, 0.0) + cumulative
    total = sum(by_rule.values())
    return {
        "runs": {str(d): {k: harness.summary([r[k] for r in rs]) for k in rs[0]} for d, rs in runs.items()},
        "elementwise_shares": {k: v / total for k, v in sorted(by_rule.items(), key=lambda kv: -kv[1])},
    }


def fresh() -> dict[str, float]:
    """The depth-50 run as the first work of a new process, after importing SymPy and the package."""
    wall, cpu = _timed(lambda: __import__("sympy"))
    imports = _timed(
        lambda: (__import__("backprop_ref.symbolic.proofs"), __import__("backprop_ref.symbolic.codegen"))
    )
    run = per_layer(TARGET_DEPTH)
    return {"import_sympy_wall": wall, "import_sympy_cpu": cpu, "import_package_wall": imports[0]} | run


def network(depth: int) -> None:
    """``prove_network_rules`` on a network ``depth`` layers deep (it must hold)."""
    from backprop_ref.symbolic import proofs

    assert proofs.prove_network_rules([WIDTH] * (depth + 1)).holds


def naive(depth: int) -> int:
    """``sympy.diff`` of the written-out cost for every parameter, then ``cse``; its operation count."""
    import numpy as np
    import sympy as sp

    from backprop_ref import core
    from backprop_ref.symbolic.proofs import symbolic_network
    from backprop_ref.symbolic.rules import ACTIVATIONS, COSTS, a, y, z

    W, b, x, target = symbolic_network([WIDTH] * (depth + 1))
    sigmoid = np.vectorize(lambda z_: ACTIVATIONS["sigmoid"].definition.subs(z, z_), otypes=[object])
    _, acts = core.forward(W, b, x, [sigmoid] * depth)
    cost = COSTS["cross_entropy"].definition
    total = sp.Add(
        *(cost.subs({a: a_, y: y_}) for a_, y_ in zip(acts[-1].ravel(), target.ravel(), strict=True))
    )
    grads = [sp.diff(total, s) for params in (*W, *b) for s in params.ravel()]
    shared, reduced = sp.cse(grads)
    return sum(sp.count_ops(e) for _, e in shared) + sum(sp.count_ops(e) for e in reduced)


def capped(method: Callable[[int], object], depth: int) -> dict[str, Any]:
    """Run ``method(depth)`` from a clear cache, three times if the first run is quick."""
    from sympy.core.cache import clear_cache

    walls: list[float] = []
    cpus: list[float] = []
    result: object = None
    while not walls or (len(walls) < 3 and walls[0] < REPEAT_UNDER):
        clear_cache()
        wall, cpu = time.perf_counter(), time.process_time()
        result = method(depth)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall": harness.summary(walls), "cpu": harness.summary(cpus), "result": result}


def until_cap(mode: str) -> dict[str, Any]:
    """Depths 1, 2, ... of a capped method, each in a child, until one takes longer than :data:`CAP`."""
    done: dict[str, Any] = {}
    for depth in range(1, TARGET_DEPTH + 1):
        child = harness.script("symbolic.py", mode, str(depth), timeout=CAP + 15)  # + its imports
        if child.returncode is None:
            return {"depths": done, "stopped": {"depth": depth, "killed_after_s": child.wall}}
        if not child.ok:
            raise RuntimeError(f"symbolic.py {mode} {depth} failed")
        done[str(depth)] = child.json()
        if done[str(depth)]["wall"]["median"] > CAP:
            return {
                "depths": done,
                "stopped": {"depth": depth, "over_cap_s": done[str(depth)]["wall"]["median"]},
            }
    return {"depths": done, "stopped": None}


def growth(depths: list[int], seconds: list[float]) -> dict[str, float | None]:
    """Slope of log t against log depth, and the factor by which one more layer multiplies t."""
    factor = None
    if len(depths) > 1:
        factor = math.exp(statistics.linear_regression(depths, [math.log(t) for t in seconds]).slope)
    return {"loglog_slope": harness.loglog_slope(depths, seconds), "factor_per_layer": factor}


def run() -> dict[str, Any]:
    """All three methods, fitted."""
    child = harness.script("symbolic.py", "per_layer")
    if not child.ok:
        raise RuntimeError("symbolic.py per_layer failed")
    layered = child.json()
    out: dict[str, Any] = {"width": WIDTH, "cap_s": CAP, "per_layer": layered}
    depths = [int(d) for d in layered["runs"]]
    for clock in ("wall", "cpu"):
        total = [layered["runs"][str(d)][clock]["median"] for d in depths]
        layers = [layered["runs"][str(d)][f"layers_{clock}"]["median"] for d in depths]
        line = statistics.linear_regression(depths, total)
        layered[f"fit_{clock}"] = {
            "loglog_slope_total": harness.loglog_slope(depths, total),
            "loglog_slope_layers_only": harness.loglog_slope(depths, layers),
            "seconds_per_layer": line.slope,
            "seconds_fixed": line.intercept,
        }
    out["fresh"] = [harness.script("symbolic.py", "fresh").json() for _ in range(REPS)]
    for mode in ("network", "naive"):
        swept = until_cap(mode)
        ds = [int(d) for d in swept["depths"]]
        for clock in ("wall", "cpu"):
            swept[f"fit_{clock}"] = growth(ds, [swept["depths"][str(d)][clock]["median"] for d in ds])
        out[mode] = swept
    return out


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "per_layer":
        harness.emit(sweep())
    elif mode == "fresh":
        harness.emit(fresh())
    else:
        harness.emit(capped({"network": network, "naive": naive}[mode], int(rest[0])))
