"""The conventions on which published worked examples differ, each an explicit, documented option.

The half in ½·Σ(y − a)² is not a convention here but a choice of cost (``half_sse`` or ``sse``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from backprop_ref.errors import InputError, one_of
from backprop_ref.validation import number

REDUCTIONS = ("mean", "sum")
BIASES = ("per_unit", "shared")
HIDDEN_DELTA_WEIGHTS = ("before", "after")


@dataclass(frozen=True)
class Conventions:
    """How a network's cost is totalled and how a gradient-descent step is taken.

    Parameters
    ----------
    reduction
        ``"mean"``: the cost is the mean of the per-example costs (seed 000, Nielsen);
        ``"sum"``: their sum (one example makes the two equal, as in seed 004).
    lmbda
        L2 strength λ ≥ 0: adds λ/(2m)·ΣW² over weights only (never biases) for m examples.
    bias
        ``"per_unit"``: each unit has its own bias (a column of shape ``(n, 1)``);
        ``"shared"``: one bias per layer shared by its units (seed 004's b1, b2; shape ``(1, 1)``).
    update_biases
        False freezes every bias during gradient descent.
    hidden_delta_weights
        Within one step, compute a hidden layer's δ with the next layer's weights from
        ``"before"`` their update (standard backpropagation) or ``"after"`` it (a layer-by-layer
        update some hand-worked examples use).

    Examples
    --------
    >>> Conventions(reduction="sum", bias="shared").bias
    'shared'
    >>> Conventions(lmbda=-1.0)
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: lmbda: expected a finite number ≥ 0, got -1.0
    """

    reduction: Literal["mean", "sum"] = "mean"
    lmbda: float = 0.0
    bias: Literal["per_unit", "shared"] = "per_unit"
    update_biases: bool = True
    hidden_delta_weights: Literal["before", "after"] = "before"

    def __post_init__(self) -> None:
        for field, value, allowed in (
            ("reduction", self.reduction, REDUCTIONS),
            ("bias", self.bias, BIASES),
            ("hidden_delta_weights", self.hidden_delta_weights, HIDDEN_DELTA_WEIGHTS),
        ):
            if value not in allowed:
                raise InputError(field, one_of(allowed), value)
        if not isinstance(self.update_biases, bool):
            raise InputError("update_biases", "true or false", self.update_biases)
        object.__setattr__(self, "lmbda", number(self.lmbda, "lmbda", minimum=0.0, inclusive=True))
