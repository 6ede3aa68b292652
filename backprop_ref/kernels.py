"""Look up the generated NumPy rules by name: the only way the numerics reach a formula.

An activation name gives ``f`` and ``f'``; a cost name and the output layer's activation give the
per-unit cost term, ``dC/da`` and the output error δᴸ; the L2 penalty and its gradient complete the
set.  All of them, and the lists of names, come from ``_generated.py`` (printed by
``symbolic/codegen.py`` from ``symbolic/rules.py``); this module only binds ``K`` (the number of
output units) and rejects names it does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from backprop_ref import _generated
from backprop_ref.core import Array
from backprop_ref.errors import InputError, one_of

#: Names accepted for ``activations``, in the order ``symbolic/rules.py`` defines them.
ACTIVATIONS: tuple[str, ...] = _generated.ACTIVATIONS
#: Names accepted for ``cost``, each with the output activations it accepts.
COST_OUTPUTS: dict[str, tuple[str, ...]] = _generated.COST_OUTPUTS
#: The cost of a network that names none.
DEFAULT_COST: str = _generated.DEFAULT_COST
#: Costs whose targets must lie in [0, 1].
UNIT_INTERVAL_TARGETS: tuple[str, ...] = _generated.UNIT_INTERVAL_TARGETS
#: Costs whose targets must, in each example, sum to 1 as well (a distribution over the units).
DISTRIBUTION_TARGETS: tuple[str, ...] = _generated.DISTRIBUTION_TARGETS
#: Activations allowed only in the output layer (softmax, which has no elementwise f').
OUTPUT_ONLY: tuple[str, ...] = _generated.OUTPUT_ONLY

#: One weight's L2 penalty λ/(2m)·θ² and its gradient (λ/m)·θ, each ``(theta, lmbda, m)``.
l2_penalty: Callable[[Array, float, int], Array] = _generated.l2_penalty
l2_gradient: Callable[[Array, float, int], Array] = _generated.l2_gradient


@dataclass(frozen=True)
class ActivationKernels:
    """``f(z)`` and ``f'(z)`` of one activation."""

    name: str
    f: Callable[[Array], Array]
    fprime: Callable[[Array], Array]
    #: ``(f(z), f'(z))`` computed together (sharing e⁻ᶻ for the sigmoid); None for softmax.
    f_and_fprime: Callable[..., tuple[Array, Array]] | None = None


@dataclass(frozen=True)
class CostKernels:
    """One cost on one output activation: per-unit term, dC/da and δᴸ, each ``(z, a, y)``."""

    name: str
    term: Callable[[Array, Array, Array], Array]
    gradient: Callable[[Array, Array, Array], Array]
    delta: Callable[[Array, Array, Array], Array]
    #: ``(aᴸ, terms)`` from ``(z, y)``, computed together (sharing cross-entropy's e^(−|z|) with the
    #: sigmoid), or None where the cost shares nothing with its output activation.
    output_and_term: Callable[..., tuple[Array, Array]] | None = None


def check_activation(name: object, field: str = "activation") -> str:
    """Return ``name`` if it is a known activation, else raise :class:`~backprop_ref.InputError`."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise InputError(field, one_of(ACTIVATIONS), name)
    return name


def check_hidden(name: str, field: str) -> str:
    """Return ``name`` if it may serve a hidden layer (not softmax), else raise."""
    if name in OUTPUT_ONLY:
        expected = f"a hidden-layer activation ({', '.join(a for a in ACTIVATIONS if a not in OUTPUT_ONLY)})"
        raise InputError(field, expected + f"; {name} serves only the output layer", name)
    return name


def check_cost(name: object, output_activation: str) -> str:
    """Return ``name`` if it is a known cost that accepts ``output_activation``, else raise."""
    if not isinstance(name, str) or name not in COST_OUTPUTS:
        raise InputError("cost", one_of(COST_OUTPUTS), name)
    if output_activation not in COST_OUTPUTS[name]:
        raise InputError(
            "activations[-1]",
            f"an output activation {name} accepts ({', '.join(COST_OUTPUTS[name])})",
            output_activation,
        )
    return name


def activation(name: str) -> ActivationKernels:
    """The generated ``f``, ``f'`` and the two together of activation ``name`` (a checked name).

    An output-only activation (softmax) has no elementwise f'; its ``fprime`` says so if called.
    """
    return ActivationKernels(
        name,
        getattr(_generated, name),
        getattr(_generated, f"{name}_prime", _no_fprime(name)),
        getattr(_generated, f"{name}_and_prime", None),
    )


def _no_fprime(name: str) -> Callable[..., Array]:
    def fprime(z: Array, out: Array | None = None) -> Array:
        raise InputError(
            "activations", "an activation with an elementwise derivative in a hidden layer", name
        )

    return fprime


def cost(name: str, output_activation: str, outputs: int) -> CostKernels:
    """The generated cost ``name`` on ``output_activation`` with ``outputs`` output units (checked names)."""
    together = getattr(_generated, f"{output_activation}_and_{name}", None)
    return CostKernels(
        name,
        partial(getattr(_generated, name), K=outputs),
        partial(getattr(_generated, f"{name}_gradient"), K=outputs),
        partial(getattr(_generated, f"delta_{name}_{output_activation}"), K=outputs),
        None if together is None else partial(together, K=outputs),
    )
