"""The chance estimate of a search: residuals in printed units, distinct outcomes, their density."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_ref.worked.audit import matches
from backprop_ref.worked.chance import chance_matches, distinct, residual


@given(
    st.decimals(min_value=-10, max_value=10, places=6, allow_nan=False),
    st.floats(min_value=-3, max_value=3, allow_nan=False),
)
def test_residual_within_one_is_the_audit_tolerance(printed: Decimal, offset: float) -> None:
    text = f"{printed:.6f}"
    value = float(text) + offset * 1e-6
    r = float(residual(text, value))
    if abs(abs(r) - 1) > 1e-6:  # away from the boundary, where float rounding may go either way
        assert (abs(r) <= 1) == matches(text, value)


def test_chance_matches_is_the_density_near_the_printed_value() -> None:
    values = np.linspace(0.0, 1.0, 100_001)  # spacing 1e-5: one value per unit of "0.50000"
    near, expected = chance_matches("0.50000", values, window=100.5)  # not on a value: no rounding doubt
    assert near == 201
    assert expected == pytest.approx(2.0)


def test_outcomes_equal_but_for_float_noise_count_once() -> None:
    noisy = [0.3, 0.1 + 0.2, 0.3 * (1 + 1e-15), 0.3 + 1e-9]
    assert len(np.unique(distinct(noisy))) == 2
    assert chance_matches("0.3", noisy, window=1.0)[0] == 2  # 0.3 (three ways) and 0.3 + 1e-9
