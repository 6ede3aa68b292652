"""Item 5: ``explain`` and ``diagnose`` on the AfterAcademy example (2-2-2, one step).

* ``explain`` -- the default catalogue, at most 2 departures, the spec's 11 printed numbers
  (each a slip candidate too): every compatible set run through the oracle's step;
* ``diagnose`` -- a correct gradient function of the AfterAcademy family, on the three random
  networks, against every gradient departure and pair of them.

Timed interleaved (``harness.interleaved``), :data:`ROUNDS` rounds, after one warm-up round.
"""

from __future__ import annotations

from typing import Any

import harness
import numpy as np

from backprop_ref.worked.diagnose import diagnose
from backprop_ref.worked.explain import explain
from backprop_ref.worked.spec import load

ROUNDS = 5


def correct(W: list[np.ndarray], b: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Any:
    """The AfterAcademy family's gradient, written out: ½ squared error, sigmoid, one bias per layer."""
    h = 1 / (1 + np.exp(-(W[0] @ x + b[0])))
    o = 1 / (1 + np.exp(-(W[1] @ h + b[1])))
    d2 = (o - y) * o * (1 - o)
    d1 = (W[1].T @ d2) * h * (1 - h)
    return [d1 @ x.T, d2 @ h.T], [d1.sum(keepdims=True), d2.sum(keepdims=True)]


def run() -> dict[str, Any]:
    """The two timings, and what each found (so a fast wrong answer shows)."""
    spec = load("afteracademy")
    found: dict[str, Any] = {}

    def explaining() -> None:
        report = explain(spec, max_departures=2)
        found["explain_sets"] = report.searched

    def diagnosing() -> None:
        found["diagnose_verdict"] = diagnose(correct, spec.network, spec.run_eta).verdict

    runs = harness.interleaved({"explain": explaining, "diagnose": diagnosing}, ROUNDS)
    return {"rounds": ROUNDS, "times": harness.summaries(runs), **found}
