"""Small random networks for the pages: weights and biases drawn from a seeded generator."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from backprop_ref import Network


def random_network(
    sizes: Sequence[int], activations: Sequence[str], cost: str, rng: np.random.Generator
) -> Network:
    """A network of the given layer sizes with standard normal weights and biases.

    Parameters
    ----------
    sizes
        Units per layer, input first: ``(2, 3, 1)`` has W¹ of shape (3, 2) and W² of shape (1, 3).
    activations
        One activation name per layer after the input.
    cost
        The cost's name.
    rng
        Where the weights and biases are drawn from.

    Examples
    --------
    >>> net = random_network((2, 3, 1), ["sigmoid", "identity"], "mse", np.random.default_rng(0))
    >>> [W.shape for W in net.W], [b.shape for b in net.b]
    ([(3, 2), (1, 3)], [(3, 1), (1, 1)])
    """
    W = [rng.normal(size=(n, m)) for m, n in pairwise(sizes)]
    b = [rng.normal(size=(n, 1)) for n in sizes[1:]]
    return Network(W=W, b=b, activations=list(activations), cost=cost)


def sharma_example() -> tuple[Network, np.ndarray, np.ndarray]:
    """The Sharma page's network, input and target, which its companion page checks too.

    Sizes 2-3-2 (one hidden layer of three, as the article's w³₁ has three entries), sigmoid
    activations, the cost ½‖y − a‖²; weights, biases and x standard normal, y uniform in [0, 1).

    Examples
    --------
    >>> net, x, y = sharma_example()
    >>> net.sizes, x.shape, y.shape
    ((2, 3, 2), (2, 1), (2, 1))
    """
    rng = np.random.default_rng(2)
    net = random_network((2, 3, 2), ["sigmoid", "sigmoid"], "half_sse", rng)
    return net, rng.normal(size=(2, 1)), rng.uniform(size=(2, 1))
