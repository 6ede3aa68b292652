"""The one-screen table of a benchmark report, as text for the console and as Markdown.

A target is "yes" when both the CPU time and the wall time meet it, "cpu only" when only the CPU
time does (the machine is shared: wall time then includes waiting for a core), else "no".
"""

from __future__ import annotations

import statistics
from typing import Any

Row = tuple[str, str, str, str, str]  # measure, value, spread, target, met
HEADER: Row = ("measure", "value", "spread (IQR)", "target", "met")


def ms(t: float) -> str:
    return f"{t * 1e3:.1f} ms"


def sec(t: float) -> str:
    return f"{t:.2f} s"


def times(s: dict[str, Any], fmt: Any = sec) -> str:
    """``cpu (wall)`` of a ``{"cpu": summary, "wall": summary}``."""
    return f"{fmt(s['cpu']['median'])} ({fmt(s['wall']['median'])})"


class Table:
    """Rows and the targets checked in them."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.targets: list[dict[str, Any]] = []

    def row(self, measure: str, value: str = "", spread: str = "", target: str = "", met: str = "") -> None:
        self.rows.append((measure, value, spread, target, met))

    def check(
        self, measure: str, value: str, spread: str, cpu: float, wall: float, limit: float, target: str
    ) -> None:
        """A row whose CPU and wall figures are held to ``≤ limit``.

        "cpu only": met in CPU time, not in wall time (the machine was busy); "wall": met in wall
        time by a session that spreads its work over every core (its CPU time is the sum).
        """
        met = (
            "yes"
            if max(cpu, wall) <= limit
            else "cpu only"
            if cpu <= limit
            else "wall"
            if wall <= limit
            else "no"
        )
        self.targets.append({"measure": measure, "target": target, "cpu": cpu, "wall": wall, "met": met})
        self.row(measure, value, spread, target, met)


def timed(t: Table, measure: str, r: dict[str, Any], limit: float) -> None:
    """A row for a timing record ``r`` (CPU and wall medians, the wall IQR), held to ``≤ limit`` s."""
    cpu, wall = r["cpu"]["median"], r["wall"]["median"]
    t.check(measure, times(r), sec(r["wall"]["iqr"]), cpu, wall, limit, f"≤ {limit:g} s")


def numerics(t: Table, n: dict[str, Any]) -> None:
    one, default = n["threads_1"], n["threads_default"]
    q = one["ratios"]
    t.row("1 NUMERICS 400-25-10, m=5000, 1 thread", "CPU (wall)")
    worst = max(one["agreement"].values())
    t.row(
        "agreement, max relative difference", f"{worst:.0e}", "", "≤ 1e-8", "yes" if worst <= 1e-8 else "no"
    )
    labels = {"oracle": "oracle", "plain": "plain NumPy", "jax_jit": "JAX jit", "jax": "JAX no jit"}
    for key, label in labels.items():
        t.row(f"  {label}", times(one["times"][key], ms), ms(one["times"][key]["cpu"]["iqr"]))
    b = one["bound"]
    t.row(f"  bound: {b['flops'] / 1e6:.1f} MFLOP of matmul", times(one["times"]["bound"], ms))
    for key, limit in (("oracle/plain", 1.0), ("oracle/bound", 3.0)):
        c, w = q[key]["cpu"], q[key]["wall"]
        t.check(
            key,
            times(q[key], lambda v: f"{v:.2f}×"),
            f"{c['iqr']:.2f}",
            c["median"],
            w["median"],
            limit,
            f"≤ {limit:g}×",
        )
    t.row(
        "oracle/JAX jit",
        times(q["oracle/jax_jit"], lambda v: f"{v:.2f}×"),
        f"{q['oracle/jax_jit']['cpu']['iqr']:.2f}",
    )
    parts = {k: v["cpu"]["median"] for k, v in one["components"].items()}
    extra = {
        "hidden σ, σ′": parts["hidden sigma and sigma' together, generated (oracle)"]
        - parts["hidden sigma, exp form, and a(1 - a) (plain)"],
        "output σ + cost": parts["output sigma and cost terms together, generated (oracle)"]
        - parts["output sigma, exp form, and cost by logs (plain)"],
    }
    t.row("  oracle's extra CPU ms per call", ", ".join(f"{k} {v * 1e3:.1f}" for k, v in extra.items()))
    check = parts["check x and y (Network.batch: once per data set, not per call)"]
    t.row("  input check, once per Batch (not per call), CPU ms", f"{check * 1e3:.1f}")
    sampled = one["sampled_check"]
    took = sampled["times"]["sampled"]["cpu"]
    t.check(
        f"randomized FD check, {sampled['parameters']:,} parameters",
        f"{took['median']:.2f} s ({sampled['directions']} directions, {sampled['coordinates']} entries)",
        sec(took["iqr"]),
        took["median"],
        sampled["times"]["sampled"]["wall"]["median"],
        1.0,
        "≤ 1 s",
    )
    d = default["ratios"]["oracle/plain"]["wall"]
    t.row(
        "default threads: oracle wall, /plain",
        f"{ms(default['times']['oracle']['wall']['median'])}, {d['median']:.2f}×",
        ms(default["times"]["oracle"]["wall"]["iqr"]),
    )
    m, mb = n["memory"], 1e6
    peak = {k: m[k]["traced_peak_of_one_call"] / mb for k in ("oracle", "plain")}
    t.row(
        "traced peak of one call, MB",
        f"oracle {peak['oracle']:.1f}, plain {peak['plain']:.1f}, z+a+δ+grads {m['needed_bytes'] / mb:.1f}",
        "",
        f"< x, {m['x_bytes'] / mb:.0f} MB",
        "yes" if peak["oracle"] * mb < m["x_bytes"] else "no",
    )
    rss = {k: m[k]["rss_peak"] / mb for k in ("oracle", "plain")}
    t.row(
        f"peak RSS, MB (data {m['oracle']['data_bytes'] / mb:.1f})",
        f"oracle {rss['oracle']:.0f}, plain {rss['plain']:.0f}",
    )


def symbolic(t: Table, s: dict[str, Any]) -> None:
    layered = s["per_layer"]
    runs = layered["runs"]
    deepest = max(runs, key=int)
    t.row(f"2 SYMBOLIC width {s['width']}: derive+prove+generate", "CPU (wall)")
    top = runs[deepest]
    t.check(
        f"per-layer, depth {deepest}",
        times(top),
        sec(top["cpu"]["iqr"]),
        top["cpu"]["median"],
        top["wall"]["median"],
        2.0,
        "≤ 2 s",
    )
    parts = " + ".join(sec(top[f"{k}_cpu"]["median"]) for k in ("layers", "elementwise", "codegen"))
    t.row("  layers + elementwise + codegen", parts)
    fit = layered["fit_cpu"]
    slope = fit["loglog_slope_layers_only"]
    t.row(
        "  log-log slope: total (layers only)",
        f"{fit['loglog_slope_total']:.2f} ({slope:.2f}), {ms(fit['seconds_per_layer'])}/layer",
        "",
        "linear",
        "yes" if 0.8 <= slope <= 1.2 else "no",
    )
    t.row("  one proof per layer shape (= depth 1)", times(runs[min(runs, key=int)]))
    fresh = statistics.median(f["cpu"] for f in s["fresh"])
    sympy = statistics.median(f["import_sympy_cpu"] for f in s["fresh"])
    t.row(f"  depth {deepest} first in a new process", f"{sec(fresh)} + import sympy {sec(sympy)} (no .pyc)")
    for mode, label in (("network", "prove_network_rules"), ("naive", "naive sympy.diff")):
        swept = s[mode]
        last = max(swept["depths"], key=int)
        factor = swept["fit_cpu"]["factor_per_layer"]
        growth = f"×{factor:.1f} per layer (CPU)"
        t.row(f"{label}, depth {last}", f"{times(swept['depths'][last])}, {growth}")
        stop, cap = swept["stopped"], f"cap {s['cap_s']:g} s wall"
        if stop is None:
            t.row("  reached the last depth")
        elif "killed_after_s" in stop:
            t.row(f"  depth {stop['depth']}: stopped", f"killed after {sec(stop['killed_after_s'])}, {cap}")
        else:
            t.row(
                f"  depth {stop['depth']}: over the cap",
                f"{sec(stop['over_cap_s'])} wall, {cap}; next not tried",
            )


def cold_start(t: Table, c: dict[str, Any]) -> None:
    t.row("3 COLD START python -c: import + gradient", "CPU (wall)")
    for setting, label in (("compiled", ".pyc cached"), ("as_installed", "no .pyc, as here")):
        g = c[setting]["times"]["backprop_ref gradient"]
        value = times(g)
        if setting == "compiled":
            t.check(
                f"  {label}",
                value,
                sec(g["wall"]["iqr"]),
                g["cpu"]["median"],
                g["wall"]["median"],
                0.5,
                "≤ 0.5 s",
            )
        else:
            t.row(f"  {label}", value, sec(g["wall"]["iqr"]))
        base = c[setting]["times"]
        t.row("    baselines: pass, import numpy", f"{times(base['pass'])}, {times(base['import numpy'])}")


def loop(t: Table, lp: dict[str, Any]) -> None:
    t.row("4 LOOP nox, reused venvs (-R) / cold", "CPU (wall)")
    for session, v in lp["sessions"].items():
        failed = "" if v["all_ok"] else " (FAILED)"
        r = v["reused"]
        timed(t, f"  nox -s {session}{failed}", r, 60.0)
        inside = {"pytest_s": "pytest itself", "notebooks_s": "executing pages"}
        for key, label in inside.items():
            if key in r:
                t.row(f"    of which {label}", sec(r[key]["median"]))
        t.row(f"  nox -s {session}, cold venvs, once", f"{sec(v['cold']['cpu'])} ({sec(v['cold']['wall'])})")
    for note in lp["notes"]:
        t.row(f"  {note}")


def explaining(t: Table, e: dict[str, Any]) -> None:
    t.row("5 EXPLAIN, DIAGNOSE AfterAcademy 2-2-2", "CPU (wall)")
    for key, label, limit in (
        ("explain", f"explain, ≤ 2 departures ({e['explain_sets']} sets)", 2.0),
        ("diagnose", f"diagnose, correct code ({e['diagnose_verdict']})", 5.0),
    ):
        timed(t, f"  {label}", e["times"][key], limit)


def long_run(t: Table, lr: dict[str, Any]) -> None:
    t.row("6 LONG RUN python -m backprop_ref check", "CPU (wall)")
    timed(t, f"  AfterAcademy, {lr['steps']:,} steps", lr["check"], 2.0)


def build(report: dict[str, Any]) -> Table:
    """The table of a whole report (reports from before an item existed leave it out)."""
    t = Table()
    numerics(t, report["numerics"])
    symbolic(t, report["symbolic"])
    cold_start(t, report["cold_start"])
    if "explaining" in report:
        explaining(t, report["explaining"])
    if "long_run" in report:
        long_run(t, report["long_run"])
    if "loop" in report:
        loop(t, report["loop"])
    return t


def text(rows: list[Row]) -> str:
    """Columns padded to their widest cell."""
    widths = [max(len(r[i]) for r in (HEADER, *rows)) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in (HEADER, *rows)
    )


def markdown(rows: list[Row]) -> str:
    """A Markdown table."""
    lines = [HEADER, ("---",) * len(HEADER), *rows]
    return "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in lines) + "\n"
