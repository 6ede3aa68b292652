"""The θ (bias column) notation maps onto W, b unchanged."""

import numpy as np
import pytest

from backprop_ref import InputError, Network
from backprop_ref.notation import from_theta, to_theta


def test_theta_round_trips() -> None:
    theta = [np.arange(12.0).reshape(3, 4), np.arange(4.0).reshape(1, 4)]
    W, b = from_theta(theta)
    assert [w.shape for w in W] == [(3, 3), (1, 3)]
    for t, back in zip(theta, to_theta(W, b), strict=True):
        np.testing.assert_array_equal(t, back)


def test_theta_network_equals_the_bias_node_computation() -> None:
    """Seed 000's forward pass: prepend a₀ = 1 and multiply by θ (written here independently)."""
    rng = np.random.default_rng(0)
    theta = [rng.normal(size=(3, 4)), rng.normal(size=(1, 4))]
    x = np.array([0.3, -1.2, 0.8])
    a = x
    for t in theta:
        a = 1 / (1 + np.exp(-(t @ np.concatenate([[1.0], a]))))
    W, b = from_theta(theta)
    net = Network(W=W, b=b, activations=["sigmoid", "sigmoid"], cost="cross_entropy")
    assert net.forward(x).a[-1][0, 0] == pytest.approx(a[0], rel=1e-14)


def test_theta_without_weights_is_rejected() -> None:
    with pytest.raises(InputError, match=r"^theta\[1\]: expected shape b × \(a\+1\) .*, got shape \(2, 1\)$"):
        from_theta([[[1.0], [2.0]]])


def test_theta_gradients_with_other_names_are_refused_naming_the_keys_wanted() -> None:
    from backprop_ref.notation import gradient_from_theta

    W = [np.zeros((2, 2)), np.zeros((1, 2))]
    with pytest.raises(InputError) as caught:
        gradient_from_theta(W, {"W1": np.zeros((2, 3))}, None)
    assert (
        str(caught.value)
        == "gradient: expected a dict with exactly the keys ['Theta1', 'Theta2'], got ['W1']"
    )
