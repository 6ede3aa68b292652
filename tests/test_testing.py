"""backprop_ref.testing.assert_gradients_match: silent on a right gradient, AssertionError on a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_ref import InputError
from backprop_ref.testing import assert_gradients_match
from tests.test_gradcheck import X, Y, _net, handwritten, octave_style_gradient, theta_network


def test_a_correct_handwritten_gradient_passes_silently() -> None:
    assert assert_gradients_match(_net(), X, Y, handwritten) is None
    assert assert_gradients_match(_net(), X, Y, handwritten, against="finite_differences") is None


def test_a_wrong_entry_raises_with_the_worst_entry_named() -> None:
    def one_wrong(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        g = handwritten(p, x, y)
        g["W2"] = g["W2"].copy()
        g["W2"][1, 2] += 0.01
        return g

    with pytest.raises(AssertionError) as raised:
        assert_gradients_match(_net(), X, Y, one_wrong, err_msg="my layer 2")
    message = str(raised.value)
    assert message.startswith("Gradients do not match (against the oracle)\nFAIL: ")
    assert "worst W2[1, 2]" in message
    assert message.endswith("\nmy layer 2")


def test_a_gradient_wrong_by_a_factor_fails_against_finite_differences_too() -> None:
    def halved(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        return {k: v / 2 for k, v in handwritten(p, x, y).items()}

    with pytest.raises(AssertionError, match=r"against finite differences\)\nFAIL: "):
        assert_gradients_match(_net(), X, Y, halved, against="finite_differences")


def test_theta_form_is_forwarded_and_the_worst_entry_named_as_the_user_wrote_it() -> None:
    net, x, y = theta_network()
    assert_gradients_match(net, x, y, octave_style_gradient, theta="F")

    def slip(theta: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
        g = octave_style_gradient(theta, x, y)
        g[7] += 0.5
        return g

    with pytest.raises(AssertionError, match=r"worst grad\[7\]"):
        assert_gradients_match(net, x, y, slip, theta="F")


def test_tolerances_are_forwarded() -> None:
    def nudged(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        return {k: v * (1 + 1e-4) for k, v in handwritten(p, x, y).items()}

    with pytest.raises(AssertionError):
        assert_gradients_match(_net(), X, Y, nudged)
    assert_gradients_match(_net(), X, Y, nudged, rtol=1e-3)


def test_a_call_that_cannot_be_checked_is_an_input_error_not_a_failed_assertion() -> None:
    with pytest.raises(InputError, match="gradient: expected a dict with exactly the keys"):
        assert_gradients_match(_net(), X, Y, {"W1": np.zeros((3, 2))})
