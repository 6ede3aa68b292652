"""A worked example's correct step repeated many times, under each convention its article leaves open.

AfterAcademy says thousands of iterations bring its network's total error below a threshold. The
article fixes neither whether the shared biases move nor whether the hidden δ passes through the
output weights from before or after their update, so the step is repeated under all four
conventions. Its own page (``articles/afteracademy/iterations.md``) shows the curves; the article
page judges the claim with the same curves.
"""

from __future__ import annotations

import dataclasses

from backprop_ref import train
from backprop_ref.errors import InputError
from backprop_ref.worked.spec import Spec

ITERATIONS = 1000
THRESHOLD = 0.1  # the article: thousands of iterations bring the total error below it
ARTICLE_CONVENTION = "biases kept, hidden δ through W² before its update"  # the spec's own


def error_curves(spec: Spec, iterations: int = ITERATIONS) -> dict[str, list[float]]:
    """The total error before and after each of ``iterations`` steps, one curve per convention.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> curves = error_curves(load("afteracademy"), 2)
    >>> len(curves), len(curves[ARTICLE_CONVENTION])
    (4, 3)
    """
    net, eta, curves = spec.network, spec.eta, {}
    if eta is None:
        raise InputError("eta of the spec", "a learning rate to repeat the step with", "none")
    for biases_moved in (False, True):
        for hidden in ("before", "after"):
            conventions = dataclasses.replace(
                net.conventions, update_biases=biases_moved, hidden_delta_weights=hidden
            )
            label = f"biases {'updated' if biases_moved else 'kept'}, hidden δ through W² {hidden} its update"
            network = dataclasses.replace(net, conventions=conventions)
            curves[label] = list(train(network, spec.x, spec.y, eta, iterations).costs)
    return curves


def first_below(costs: list[float], threshold: float) -> int:
    """The first iteration whose error is below ``threshold``.

    Examples
    --------
    >>> first_below([0.3, 0.2, 0.05], 0.1)
    2
    """
    return next(i for i, cost in enumerate(costs) if cost < threshold)
