"""Look up the generated NumPy rules by name: the only way the numerics reach a formula.

An activation name gives ``f`` and ``f'``; a cost name and the output layer's activation give the
per-unit cost term, ``dC/da`` and the output error δᴸ.  All of them come from ``_generated.py``;
this module only binds ``K`` (the number of output units) and rejects names it does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from backprop_ref import _generated
from backprop_ref.errors import InputError, one_of

Array = np.ndarray[Any, Any]

#: Names accepted for ``activations`` and ``cost``, with the output activations each cost allows.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
COST_OUTPUTS: dict[str, tuple[str, ...]] = {
    "half_sse": ACTIVATIONS,
    "sse": ACTIVATIONS,
    "mse": ACTIVATIONS,
    "cross_entropy": ("sigmoid",),
}


@dataclass(frozen=True)
class Activation:
    """``f(z)`` and ``f'(z, a)`` of one activation."""

    name: str
    f: Callable[[Array], Array]
    fprime: Callable[[Array, Array], Array]


@dataclass(frozen=True)
class Cost:
    """One cost on one output activation: per-unit term, dC/da and δᴸ, each ``(z, a, y)``."""

    name: str
    term: Callable[[Array, Array, Array], Array]
    gradient: Callable[[Array, Array, Array], Array]
    delta: Callable[[Array, Array, Array], Array]


def check_activation(name: object, field: str = "activation") -> str:
    """Return ``name`` if it is a known activation, else raise :class:`~backprop_ref.InputError`."""
    if name not in ACTIVATIONS:
        raise InputError(field, one_of(ACTIVATIONS), name)
    return str(name)


def activation(name: str) -> Activation:
    """The generated ``f`` and ``f'`` of activation ``name``."""
    name = check_activation(name)
    return Activation(name, getattr(_generated, name), getattr(_generated, f"{name}_prime"))


def cost(name: str, output_activation: str, outputs: int) -> Cost:
    """The generated cost ``name`` on ``output_activation`` with ``outputs`` output units."""
    if name not in COST_OUTPUTS:
        raise InputError("cost", one_of(COST_OUTPUTS), name)
    if output_activation not in COST_OUTPUTS[name]:
        raise InputError(
            "activations[-1]",
            f"an output activation {name} accepts ({', '.join(COST_OUTPUTS[name])})",
            output_activation,
        )
    return Cost(
        name,
        partial(getattr(_generated, name), K=outputs),
        partial(getattr(_generated, f"{name}_gradient"), K=outputs),
        partial(getattr(_generated, f"delta_{name}_{output_activation}"), K=outputs),
    )
