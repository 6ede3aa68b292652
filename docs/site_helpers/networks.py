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


def mlfromscratch_example() -> tuple[Network, np.ndarray, np.ndarray, np.random.Generator]:
    """The mlfromscratch page's network, example and target, which its indexing page reads too.

    Sizes 3-4-3-2 (an input, two hidden layers and an output, large enough to hold both of the
    article's indexing examples), sigmoid activations, the sum of squares; weights and biases
    standard normal, x and the target uniform in [0, 1). The generator comes back as well, for the
    page's further draws.

    Examples
    --------
    >>> net, x, target, rng = mlfromscratch_example()
    >>> net.sizes, x.shape, target.shape
    ((3, 4, 3, 2), (3, 1), (2, 1))
    """
    rng = np.random.default_rng(2024)
    net = random_network((3, 4, 3, 2), ["sigmoid"] * 3, "sse", rng)
    return net, rng.uniform(0.0, 1.0, (3, 1)), rng.uniform(0.0, 1.0, (2, 1)), rng
