"""Which departures apply to which network: each written out from the departure's "shows with".

A departure that is tried where it cannot show is wasted work for ``explain``; one that is not tried
where it can show is a learner's mistake that goes unnamed.  The table is filled in by hand from
each departure's own statement of where it shows (:attr:`Departure.shows_with`), not from the code.
"""

from __future__ import annotations

import pytest

from backprop_ref import Conventions, Network
from backprop_ref.worked.departures import CATALOGUE

BY_NAME = {d.name: d for d in CATALOGUE}

NETWORKS = {
    # 2-2-2 sigmoid/sigmoid, ½Σ(y − a)², per-unit biases equal within each layer, W² not symmetric
    "square": Network(
        W=[[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
        b=[[0.35, 0.35], [0.6, 0.6]],
        activations=["sigmoid", "sigmoid"],
        cost="half_sse",
    ),
    # 3-4-2 ReLU/identity, Σ(y − a)², the new-weights convention for the hidden δ
    "relu": Network(
        W=[[[0.1, -0.2, 0.3]] * 4, [[0.1, 0.2, 0.3, 0.4]] * 2],
        b=[[0.1, 0.2, 0.3, 0.4], [0.0, 0.1]],
        activations=["relu", "identity"],
        cost="sse",
        conventions=Conventions(hidden_delta_weights="after"),
    ),
    # 2-3-3-1 identity/tanh/sigmoid, cross-entropy, shared frozen biases, a sum over examples
    "deep": Network(
        W=[[[0.1, 0.2]] * 3, [[0.1, 0.2, 0.3]] * 3, [[0.3, 0.2, 0.1]]],
        b=[[0.1], [0.2], [0.3]],
        activations=["identity", "tanh", "sigmoid"],
        cost="cross_entropy",
        conventions=Conventions(bias="shared", update_biases=False, reduction="sum"),
    ),
    # one input, a softmax output of two units
    "softmax": Network(
        W=[[[0.5], [-0.5]]],
        b=[[0.1, 0.2]],
        activations=["softmax"],
        cost="categorical_cross_entropy",
    ),
}

#: departure -> the networks it can show in, read off its "shows with"
APPLIES = {
    "biases_frozen": {"square", "relu", "softmax"},  # a run that updates biases
    "biases_updated": {"deep"},  # biases frozen
    "bias_shared": {"square"},  # per-unit biases, equal within each layer
    "sum_over_examples": {"square", "relu", "softmax"},  # a mean to change into a sum
    "mean_over_examples": {"deep"},  # a sum to change into a mean
    "half_factor": {"square", "relu"},  # a squared error with its ½ or without
    "hidden_delta_updated_weights": {"square", "deep"},  # a hidden layer, the old-weights convention
    "hidden_delta_old_weights": {"relu"},  # a hidden layer, the new-weights convention
    "weights_not_transposed": {"square"},  # square layers above the first
    "single_downstream_path": {"square", "relu", "deep"},  # a hidden layer
    # a sigmoid, tanh or softplus layer; not ReLU, whose shortcut [a > 0] on z is [z > 0], its f′
    "fprime_shortcut_on_z": {"square", "deep"},
    "fprime_shortcut_on_z:hidden": {"square", "deep"},
    "relu_fprime_at_zero_one": {"relu"},  # a ReLU layer
    "softmax_jacobian_diagonal": {"softmax"},  # a softmax output
    "outer_product_reversed": {"square"},  # square layers
    "inputs_crosswise": {"square", "relu", "deep"},  # two or more inputs
    "bias_gradient_mean": {"deep"},  # a sum over examples
}


@pytest.mark.parametrize("name", APPLIES)
def test_a_departure_is_tried_exactly_where_it_can_show(name: str) -> None:
    tried = {label for label, net in NETWORKS.items() if BY_NAME[name].applies(net)}
    assert tried == APPLIES[name], BY_NAME[name].shows_with


def test_a_hidden_sigmoid_below_the_output_counts_and_one_on_the_output_does_not() -> None:
    """The hidden-layer shortcut looks at every layer but the last, however deep the network."""
    shortcut = BY_NAME["fprime_shortcut_on_z:hidden"]

    def net(*activations: str) -> Network:
        L = len(activations)
        return Network(W=[[[0.5]]] * L, b=[[0.1]] * L, activations=list(activations), cost="half_sse")

    assert shortcut.applies(net("identity", "identity", "sigmoid", "identity"))
    assert shortcut.applies(net("identity", "tanh", "identity"))
    assert shortcut.applies(net("softplus", "identity"))
    assert not shortcut.applies(net("relu", "identity", "sigmoid"))
    assert not shortcut.applies(net("sigmoid"))


def test_a_departure_is_found_by_its_name_and_a_rounding_by_its_decimals() -> None:
    from backprop_ref.errors import InputError
    from backprop_ref.worked.departures import by_name

    assert by_name("half_factor").name == "half_factor"
    assert by_name("rounded_intermediates:4").math == "zˡ, aˡ, δˡ, ∂J/∂W, ... each replaced by round(·, 4)"
    for unknown in ("rounded_intermediates:9", "half_factor:4", "nosuch"):
        with pytest.raises(
            InputError,
            match=r"^departure: expected one of 'biases_frozen', .*'rounded_intermediates:6', got",
        ):
            by_name(unknown)
