"""A spec document with random parameters and data, for the tests that need a run of any network."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np


def spec_document(
    sizes: list[int],
    activations: list[str],
    cost: str,
    examples: int,
    seed: int,
    conventions: Mapping[str, Any],
    *,
    eta: float,
    steps: int,
    title: str = "random",
) -> dict[str, Any]:
    """Weights and biases uniform in (−1, 1), inputs in (−1, 1), targets in (0.1, 0.9) (drawn from
    ``seed`` in that order), ``steps`` steps of ``eta``, and one printed number (the cost, unused)."""
    rng = np.random.default_rng(seed)
    shared = conventions.get("bias") == "shared"
    return {
        "title": title,
        "source": "generated in the tests",
        "network": {
            "sizes": sizes,
            "activations": activations,
            "cost": cost,
            "W": [rng.uniform(-1, 1, (n, k)).tolist() for k, n in itertools.pairwise(sizes)],
            "b": [rng.uniform(-1, 1, 1 if shared else n).tolist() for n in sizes[1:]],
            "conventions": dict(conventions),
        },
        "data": {
            "x": rng.uniform(-1, 1, (sizes[0], examples)).tolist(),
            "y": rng.uniform(0.1, 0.9, (sizes[-1], examples)).tolist(),
        },
        "training": {"eta": eta, "steps": steps},
        "printed": [{"name": "cost", "value": "0", "where": "-", "expected": "slip", "note": "unused"}],
    }
