"""A network of the given sizes with standard-normal weights and biases, for tests that need one.

The draws come in a fixed order (every Wˡ, then every bˡ), so a test that seeds its generator gets
the same network every run, and can go on drawing its data from the same generator.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from backprop_ref import Network


def random_network(
    rng: np.random.Generator, sizes: Sequence[int], activations: list[str], cost: str
) -> Network:
    """Weights ``W[l-1]`` of shape ``(n_l, n_{l-1})`` and biases ``(n_l, 1)``, all standard normal."""
    W = [rng.normal(size=(n, n_prev)) for n_prev, n in itertools.pairwise(sizes)]
    b = [rng.normal(size=(n, 1)) for n in sizes[1:]]
    return Network(W=W, b=b, activations=activations, cost=cost)
