"""Fixtures shared by the tests: one small valid network, and a batch of data for it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backprop_ref import Network


@pytest.fixture
def network_args() -> dict[str, Any]:
    """Keyword arguments of a valid 2-3-1 network (sigmoid layers, cross-entropy, mean, per unit).

    Tests change one field at a time: ``Network(**{**network_args, "W": ...})``.
    """
    return {
        "W": [[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]], [[0.3, -0.1, 0.2]]],
        "b": [[0.1, -0.1, 0.05], [0.2]],
        "activations": ["sigmoid", "sigmoid"],
        "cost": "cross_entropy",
    }


@pytest.fixture
def net(network_args: dict[str, Any]) -> Network:
    return Network(**network_args)


@pytest.fixture
def batch() -> tuple[np.ndarray, np.ndarray]:
    """Three examples for ``net``, as columns: inputs ``x`` (2, 3) and targets ``y`` (1, 3)."""
    return np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), np.array([[1.0, 0.0, 1.0]])
