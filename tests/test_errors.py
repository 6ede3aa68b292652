"""Every bad input to the public functions is one InputError naming field, expectation and value.

Each case changes one thing in an otherwise valid call and pins the whole message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from backprop_ref import Conventions, InputError, Network, step, train
from backprop_ref.gradcheck import check_gradients, sampled_check
from backprop_ref.notation import gradient_from_theta

ACTIVATION_NAMES = "one of 'sigmoid', 'tanh', 'relu', 'identity', 'softplus', 'leaky_relu', 'softmax'"
PER_LAYER = "2 entries, one per layer (as many as W)"


def rejects(call: Callable[[], object], message: str) -> None:
    """``call()`` raises an InputError whose message is exactly ``message``."""
    with pytest.raises(InputError) as caught:
        call()
    assert str(caught.value) == message
    assert message.startswith(f"{caught.value.field}: expected {caught.value.expected}, got ")


NETWORKS = {
    "ragged W": ({"W": [[[0.1, -0.2], [0.4]], [[0.3, -0.1, 0.2]]]},
                 "W[1]: expected a m x m array of numbers, got a ragged nested list"),
    "W not numbers": ({"W": [[["a", 0.1]], [[0.3]]]},
                      "W[1]: expected a m x m array of numbers, got [['a', 0.1]]"),
    "W[2] not fed by layer 1": ({"W": [np.ones((3, 2)), np.ones((1, 2))]},
                                "W[2]: expected a m x 3 array of numbers, got shape (1, 2)"),
    "W has NaN": ({"W": [[[0.1, np.nan], [0.4, 0.3], [-0.5, 0.2]], [[0.3, -0.1, 0.2]]]},
                  "W[1]: expected finite numbers, got nan at index (0, 1)"),
    "W has inf": ({"W": [np.ones((3, 2)), [[0.3, -np.inf, 0.2]]]},
                  "W[2]: expected finite numbers, got -inf at index (0, 1)"),
    "no layers": ({"W": [], "b": [], "activations": []},
                  "W: expected a non-empty list of weight matrices, one per layer, got []"),
    "b too short": ({"b": [[0.1, -0.1], [0.2]]},
                    "b[1]: expected a 3 x 1 array of numbers, got shape (2, 1)"),
    "b a matrix": ({"b": [np.zeros((3, 2)), [0.2]]},
                   "b[1]: expected a 3 x 1 array of numbers, got shape (3, 2)"),
    "b has NaN": ({"b": [[0.1, -0.1, 0.05], [np.nan]]},
                  "b[2]: expected finite numbers, got nan at index (0, 0)"),
    "one bias for two layers": ({"b": [[0.1, -0.1, 0.05]]},
                                f"b: expected {PER_LAYER}, got 1 entry"),
    "three activations": ({"activations": ["sigmoid"] * 3},
                          f"activations: expected {PER_LAYER}, got 3 entries"),
    "b a number, not a list": ({"b": 5}, f"b: expected {PER_LAYER}, got 5"),
    "activations a string": ({"activations": "sigmoid"},
                             "activations: expected a list of activation names, one per layer, "
                             "got 'sigmoid'"),
    "unknown activation": ({"activations": ["gelu", "sigmoid"]},
                           f"activations[1]: expected {ACTIVATION_NAMES}, got 'gelu'"),
    "unknown cost": ({"cost": "hinge"},
                     "cost: expected one of 'half_sse', 'sse', 'mse', 'linear', 'cross_entropy', "
                     "'categorical_cross_entropy', "
                     "got 'hinge'"),
    "cross-entropy on tanh": ({"activations": ["sigmoid", "tanh"]},
                              "activations[-1]: expected an output activation cross_entropy "
                              "accepts (sigmoid), got 'tanh'"),
    "per-unit biases, shared convention": ({"conventions": Conventions(bias="shared")},
                                           "b[1]: expected a 1 x 1 array of numbers, got shape (3, 1)"),
    "conventions not Conventions": ({"conventions": "mean"},
                                    "conventions: expected a Conventions instance, got 'mean'"),
}  # fmt: skip


@pytest.mark.parametrize(("change", "message"), NETWORKS.values(), ids=NETWORKS)
def test_bad_network_is_rejected_naming_the_field(
    network_args: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    rejects(lambda: Network(**{**network_args, **change}), message)


X_RAGGED = [[0.5, -1.0, 2.0], [1.5]]
DATA = {
    "x with 3 rows": (np.ones((3, 3)), None, "x: expected a 2 x m array of numbers, got shape (3, 3)"),
    "ragged x": (X_RAGGED, None, "x: expected a 2 x m array of numbers, got a ragged nested list"),
    "x has NaN": ([[0.5, -1.0, 2.0], [1.5, np.nan, 0.0]], None,
                  "x: expected finite numbers, got nan at index (1, 1)"),
    "x has inf": ([[np.inf, -1.0, 2.0], [1.5, 0.0, 0.0]], None,
                  "x: expected finite numbers, got inf at index (0, 0)"),
    "empty batch": (np.zeros((2, 0)), np.zeros((1, 0)),
                    "x: expected at least one example (an empty batch has no cost), got an empty array"),
    "y for 2 of 3 examples": (None, [[1.0, 0.0]], "y: expected a 1 x 3 array of numbers, got shape (1, 2)"),
    "y has NaN": (None, [[1.0, np.nan, 0.0]], "y: expected finite numbers, got nan at index (0, 1)"),
    "cross-entropy target below 0": (None, [[1.0, -0.5, 1.0]],
                                     "y: expected values in [0, 1] for cross-entropy, got -0.5"),
    "cross-entropy target above 1": (None, [[1.0, 0.0, 2.0]],
                                     "y: expected values in [0, 1] for cross-entropy, got 2.0"),
}  # fmt: skip


@pytest.mark.parametrize(("x", "y", "message"), DATA.values(), ids=DATA)
@pytest.mark.parametrize("use", ["cost_of", "gradient", "step", "train"])
def test_bad_data_is_rejected_naming_the_field(
    net: Network, batch: tuple[np.ndarray, np.ndarray], x: object, y: object, message: str, use: str
) -> None:
    x = batch[0] if x is None else x
    y = batch[1] if y is None else y
    calls = {
        "cost_of": lambda: net.cost_of(x, y),
        "gradient": lambda: net.gradient(x, y),
        "step": lambda: step(net, x, y, eta=0.1),
        "train": lambda: train(net, x, y, eta=0.1, epochs=1),
    }
    rejects(calls[use], message)


CONVENTIONS = {
    "reduction": ({"reduction": "avg"}, "reduction: expected one of 'mean', 'sum', got 'avg'"),
    "bias": ({"bias": "each"}, "bias: expected one of 'per_unit', 'shared', got 'each'"),
    "hidden_delta_weights": ({"hidden_delta_weights": "during"},
                             "hidden_delta_weights: expected one of 'before', 'after', got 'during'"),
    "update_biases": ({"update_biases": "no"}, "update_biases: expected true or false, got 'no'"),
    "negative lmbda": ({"lmbda": -0.1}, "lmbda: expected a finite number ≥ 0, got -0.1"),
    "lmbda not a number": ({"lmbda": "big"}, "lmbda: expected a finite number ≥ 0, got 'big'"),
    "lmbda NaN": ({"lmbda": float("nan")}, "lmbda: expected a finite number ≥ 0, got nan"),
}  # fmt: skip


@pytest.mark.parametrize(("change", "message"), CONVENTIONS.values(), ids=CONVENTIONS)
def test_bad_convention_is_rejected_naming_the_field(change: dict[str, Any], message: str) -> None:
    rejects(lambda: Conventions(**change), message)


NAMES = "parameter names among ['W1', 'W2', 'b1', 'b2']"
TRAINING = {
    "eta 0": (step, {"eta": 0}, "eta: expected a finite number > 0, got 0"),
    "eta < 0": (step, {"eta": -0.5}, "eta: expected a finite number > 0, got -0.5"),
    "eta inf": (step, {"eta": float("inf")}, "eta: expected a finite number > 0, got inf"),
    "eta a string": (step, {"eta": "fast"}, "eta: expected a finite number > 0, got 'fast'"),
    "train's eta": (train, {"eta": 0.0, "epochs": 1}, "eta: expected a finite number > 0, got 0.0"),
    "unknown frozen name": (step, {"eta": 0.1, "frozen": {"W3"}},
                            f"frozen: expected {NAMES}, got 'W3'"),
    "frozen a bare name": (step, {"eta": 0.1, "frozen": "W1"},
                           "frozen: expected a collection of parameter names, such as {'W1'}, "
                           "got 'W1'"),
    "train's frozen": (train, {"eta": 0.1, "epochs": 1, "frozen": ["b3"]},
                       f"frozen: expected {NAMES}, got 'b3'"),
    "0 epochs": (train, {"eta": 0.1, "epochs": 0}, "epochs: expected a whole number ≥ 1, got 0"),
    "fractional epochs": (train, {"eta": 0.1, "epochs": 2.5},
                          "epochs: expected a whole number ≥ 1, got 2.5"),
    "epochs True": (train, {"eta": 0.1, "epochs": True},
                    "epochs: expected a whole number ≥ 1, got True"),
    "batch_size 0": (train, {"eta": 0.1, "epochs": 1, "batch_size": 0},
                     "batch_size: expected a whole number ≥ 1 or None, got 0"),
    "fractional batch_size": (train, {"eta": 0.1, "epochs": 1, "batch_size": 1.5},
                              "batch_size: expected a whole number ≥ 1 or None, got 1.5"),
}  # fmt: skip


@pytest.mark.parametrize(("function", "kwargs", "message"), TRAINING.values(), ids=TRAINING)
def test_bad_training_argument_is_rejected_naming_the_field(
    net: Network,
    batch: tuple[np.ndarray, np.ndarray],
    function: Callable[..., object],
    kwargs: dict[str, Any],
    message: str,
) -> None:
    rejects(lambda: function(net, *batch, **kwargs), message)


def test_huge_finite_inputs_are_accepted_although_their_sum_overflows() -> None:
    """The finiteness check's fast path (a finite sum) must not reject finite data whose sum overflows."""
    from backprop_ref.validation import as_array

    huge = np.full((3, 2), 1e308)
    np.testing.assert_array_equal(as_array(huge, "x", (3, None)), huge)
    with pytest.raises(InputError, match=r"^x: expected finite numbers, got nan at index \(2, 1\)$"):
        as_array(np.where(np.arange(6).reshape(3, 2) == 5, np.nan, huge), "x", (3, None))


def test_gradient_check_arguments_are_rejected_naming_the_field(
    network_args: dict[str, Any], net: Network, batch: tuple[np.ndarray, np.ndarray]
) -> None:
    x, y = batch
    mine = net.gradient(x, y).by_name()
    shared = Network(**{**network_args, "b": [[0.1], [0.2]], "conventions": Conventions(bias="shared")})
    rejects(
        lambda: check_gradients(shared, x, y, mine, theta="F"),
        "theta: expected a network with a bias per unit (the θ form's bias column), got 'F'",
    )
    rejects(
        lambda: gradient_from_theta(net.W, np.zeros(13), "R"),
        "unrolled: expected 'F' (column-major, as Octave's (:)) or 'C' (row-major), got 'R'",
    )
    rejects(lambda: sampled_check(net, x, y, rtol=-1e-9), "rtol: expected a finite number ≥ 0, got -1e-09")
    # rtol = 0 is allowed (the rounding slack still applies): the oracle's own gradient passes
    assert sampled_check(net, x, y, rtol=0.0).passed


def test_a_convention_given_as_another_real_type_is_kept_as_a_python_float() -> None:
    """The dtype policy: real numbers of any type come in as float64 (here, Python floats)."""
    for given in (1, np.float32(0.1), np.int64(2)):
        lmbda = Conventions(lmbda=given).lmbda  # type: ignore[arg-type]
        assert type(lmbda) is float
        assert lmbda == float(given)
