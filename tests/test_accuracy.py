"""Every generated elementwise function against a 60-digit mpmath reference, in units in the last place.

Each function is judged as a function of the float64 arguments it is given: the reference is the
exact formula evaluated (by mpmath, at 60 digits) at those very floats.  Where the true result is
a normal float64 the error must be at most 4 ulp -- 5 for σ′ and tanh′ (t/(1 + t)² rounds e⁻ᶻ,
1 + t and its square: a search over 40 million random z found 4.2 and 4.3 ulp at the z listed in
:data:`WORST`), 6 for δ of a squared error (a product of four rounded factors); where it is
subnormal, at most one subnormal step (2⁻¹⁰⁷⁴ ≈ 4.9e-324).  The grids run through both tails:
z from −745 (where σ is the smallest subnormal) to 745; tanh′ is judged where it is a normal
float64, |z| ≤ 354.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import numpy as np
import pytest

from backprop_ref import _generated

mpmath.mp.dps = 60
TINY = np.finfo(np.float64).tiny  # the smallest normal float64
SUBNORMAL_STEP = np.nextafter(0.0, 1.0)
ULP_LIMIT = 4.0

Reference = Callable[..., mpmath.mpf]


#: The worst z a search over 40 million random points found for σ′ and tanh′ (with a long-double
#: reference, confirmed with mpmath).
WORST = [3.4096557119309994, -4.836564949022247, 2.420605737364088, 3.11721338339641]


def grid(lo: float, hi: float, n: int = 2001) -> np.ndarray:
    """Evenly spaced z in [lo, hi], plus the region near 0 densely, the integers, ±tiny steps, WORST."""
    dense = np.linspace(-4.0, 4.0, 401)
    edges = np.array(
        [0.0, 1e-300, -1e-300, 5e-324, -5e-324, 1e-8, -1e-8, 36.7, 37.5, *WORST, -708.0, -709.0, 708.0, 709.7]
    )
    z = np.concatenate([np.linspace(lo, hi, n), dense, np.arange(np.ceil(lo), np.floor(hi) + 1), edges])
    return np.unique(z[(z >= lo) & (z <= hi)])


def ulp_errors(computed: np.ndarray, exact: list[mpmath.mpf]) -> tuple[float, float]:
    """The worst error in ulp where the truth is normal, and the worst absolute error where subnormal."""
    worst_ulp = worst_sub = 0.0
    for c, t in zip(computed.ravel().tolist(), exact, strict=True):
        true = float(t)
        error = abs(mpmath.mpf(c) - t)
        if abs(true) >= TINY:
            worst_ulp = max(worst_ulp, float(error / np.spacing(abs(true))))
        else:
            worst_sub = max(worst_sub, float(error))
    return worst_ulp, worst_sub


def sigmoid(z: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-z))


def check(computed: np.ndarray, exact: list[mpmath.mpf], limit: float = ULP_LIMIT) -> None:
    worst_ulp, worst_sub = ulp_errors(computed, exact)
    assert worst_ulp <= limit, f"{worst_ulp:.2f} ulp"
    assert worst_sub <= SUBNORMAL_STEP


FUNCTIONS_OF_Z: dict[
    str, tuple[Callable[[np.ndarray], np.ndarray], Reference, tuple[float, float], float]
] = {
    "sigmoid": (_generated.sigmoid, sigmoid, (-745.0, 745.0), 4.0),
    "sigmoid_prime": (_generated.sigmoid_prime, lambda z: sigmoid(z) * sigmoid(-z), (-745.0, 745.0), 5.0),
    "tanh": (_generated.tanh, mpmath.tanh, (-40.0, 40.0), 4.0),
    "tanh_prime": (_generated.tanh_prime, lambda z: 1 / mpmath.cosh(z) ** 2, (-354.0, 354.0), 5.0),
    "softplus": (_generated.softplus, lambda z: mpmath.log1p(mpmath.exp(z)), (-745.0, 745.0), 4.0),
    "softplus_prime": (_generated.softplus_prime, sigmoid, (-745.0, 745.0), 4.0),
    # σ and σ′ as a hidden layer computes them together (σ′ = σ/(1 + eᶻ)), where eᶻ is finite
    "sigmoid (with its derivative)": (
        lambda z: _generated.sigmoid_and_prime(z)[0],
        sigmoid,
        (-745.0, 709.0),
        4.0,
    ),
    "sigmoid_prime (with the sigmoid)": (
        lambda z: _generated.sigmoid_and_prime(z)[1],
        lambda z: sigmoid(z) * sigmoid(-z),
        (-745.0, 709.0),
        5.0,
    ),
    # the sigmoid as computed with cross-entropy's terms (in e^(-|z|)), the cost checked below
    "sigmoid (with cross_entropy)": (
        lambda z: _generated.sigmoid_and_cross_entropy(z, 0.0, 1)[0],
        sigmoid,
        (-745.0, 40.0),
        4.0,
    ),
}


@pytest.mark.parametrize("name", FUNCTIONS_OF_Z)
def test_each_activation_and_derivative_is_within_a_few_ulp(name: str) -> None:
    generated, reference, (lo, hi), limit = FUNCTIONS_OF_Z[name]
    z = grid(lo, hi)
    with np.errstate(under="ignore"):
        computed = generated(z)
    check(computed, [reference(mpmath.mpf(v)) for v in z.tolist()], limit)


def test_relu_identity_and_their_derivatives_are_exact() -> None:
    z = grid(-745.0, 745.0)
    np.testing.assert_array_equal(_generated.relu(z), np.where(z > 0, z, 0.0))
    np.testing.assert_array_equal(_generated.relu_prime(z), (z > 0).astype(float))
    np.testing.assert_array_equal(_generated.identity(z), z)
    np.testing.assert_array_equal(_generated.identity_prime(z), np.ones_like(z))


def softplus(u: mpmath.mpf) -> mpmath.mpf:
    return mpmath.log1p(mpmath.exp(u))


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3, 0.75])
def test_the_cross_entropy_term_is_within_4_ulp(y: float) -> None:
    # −y·log σ(z) − (1 − y)·log(1 − σ(z)) = y·softplus(−z) + (1 − y)·softplus(z)
    z = grid(-745.0, 745.0)
    a = _generated.sigmoid(z)
    computed = _generated.cross_entropy(z, a, np.full_like(z, y), 1)
    Y = mpmath.mpf(y)
    check(computed, [Y * softplus(-mpmath.mpf(v)) + (1 - Y) * softplus(mpmath.mpf(v)) for v in z.tolist()])


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_cross_entropy_dC_da_is_within_4_ulp_for_0_1_targets(y: float) -> None:
    # ∂C/∂a = −y/σ(z) + (1 − y)/(1 − σ(z)), finite wherever float64 holds it (|z| < 709).
    z = grid(-709.0, 709.0)
    a = _generated.sigmoid(z)
    with np.errstate(under="ignore"):
        computed = _generated.cross_entropy_gradient(z, a, np.full_like(z, y), 1)
    Y = mpmath.mpf(y)
    check(computed, [-Y / sigmoid(mpmath.mpf(v)) + (1 - Y) / sigmoid(-mpmath.mpf(v)) for v in z.tolist()])


def test_cross_entropy_dC_da_past_float64_is_infinite_never_nan() -> None:
    z = np.array([-800.0, -800.0, 800.0, 800.0, -800.0, 800.0])
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.5])
    # numpy.where evaluates every case, so the unused ones may overflow; the network silences that.
    with np.errstate(over="ignore", invalid="ignore"):
        computed = _generated.cross_entropy_gradient(z, _generated.sigmoid(z), y, 1)
    # exact: 1 + e^-800 ≈ 1, −(1 + e^800), 1 + e^800, −(1 + e^-800) ≈ −1, and the two mixed ones
    assert computed.tolist() == [1.0, -np.inf, np.inf, -1.0, -np.inf, np.inf]


def test_cross_entropy_dC_da_for_other_targets_is_accurate_to_the_size_of_its_terms() -> None:
    # Between 0 and 1 the two terms −y/a and (1 − y)/(1 − a) cancel where a ≈ y: the error is
    # then a few ulp of the larger term, which is all any evaluation from z and y can promise.
    z = grid(-700.0, 700.0)
    a = _generated.sigmoid(z)
    for y in (0.3, 0.75):
        computed = _generated.cross_entropy_gradient(z, a, np.full_like(z, y), 1)
        Y = mpmath.mpf(y)
        for c, v in zip(computed.tolist(), z.tolist(), strict=True):
            first, second = -Y / sigmoid(mpmath.mpf(v)), (1 - Y) / sigmoid(-mpmath.mpf(v))
            scale = max(abs(float(first)), abs(float(second)))
            assert abs(mpmath.mpf(c) - (first + second)) <= ULP_LIMIT * np.spacing(scale)


OUTPUTS = {"sigmoid": sigmoid, "tanh": mpmath.tanh}
FPRIME = {"sigmoid": lambda z: sigmoid(z) * sigmoid(-z), "tanh": lambda z: 1 / mpmath.cosh(z) ** 2}
SCALES = {"half_sse": mpmath.mpf(1) / 2, "sse": mpmath.mpf(1), "mse": mpmath.mpf(1) / 3}


@pytest.mark.parametrize("cost", SCALES)
@pytest.mark.parametrize("output", OUTPUTS)
def test_squared_error_term_gradient_and_delta_are_within_4_ulp(cost: str, output: str) -> None:
    # Given the float a the network computed, C = s(y − a)², ∂C/∂a = 2s(a − y), δ = 2s(a − y)·f'(z).
    z = grid(-300.0, 300.0, n=801)
    a = getattr(_generated, output)(z)
    for y in (0.0, 0.25, 1.0):
        ys = np.full_like(z, y)
        K = 3
        s, Y = SCALES[cost], mpmath.mpf(y)
        with np.errstate(under="ignore"):
            term = getattr(_generated, cost)(z, a, ys, K)
            grad = getattr(_generated, f"{cost}_gradient")(z, a, ys, K)
            delta = getattr(_generated, f"delta_{cost}_{output}")(z, a, ys, K)
        check(term, [s * (Y - mpmath.mpf(v)) ** 2 for v in a.tolist()])
        check(grad, [2 * s * (mpmath.mpf(v) - Y) for v in a.tolist()])
        fprime = FPRIME[output]
        exact = [
            2 * s * (mpmath.mpf(av) - Y) * fprime(mpmath.mpf(zv))
            for av, zv in zip(a.tolist(), z.tolist(), strict=True)
        ]
        check(delta, exact, limit=6.0)


def test_the_cross_entropy_delta_is_exactly_a_minus_y() -> None:
    z = grid(-745.0, 745.0)
    a = _generated.sigmoid(z)
    for y in (0.0, 0.3, 1.0):
        ys = np.full_like(z, y)
        np.testing.assert_array_equal(_generated.delta_cross_entropy_sigmoid(z, a, ys, 1), a - ys)


def test_the_l2_penalty_and_gradient_are_within_4_ulp() -> None:
    theta = np.concatenate([np.linspace(-1e150, 1e150, 101), np.linspace(-3.0, 3.0, 101)])
    lmbda, m = 0.7, 13
    L, M = mpmath.mpf(lmbda), mpmath.mpf(m)
    check(_generated.l2_penalty(theta, lmbda, m), [L / (2 * M) * mpmath.mpf(v) ** 2 for v in theta.tolist()])
    check(_generated.l2_gradient(theta, lmbda, m), [L / M * mpmath.mpf(v) for v in theta.tolist()])


def test_leaky_relu_and_its_derivative_are_within_one_ulp() -> None:
    z = grid(-745.0, 745.0)
    slope = mpmath.mpf(1) / 100
    check(_generated.leaky_relu(z), [v if v > 0 else slope * v for v in map(mpmath.mpf, z.tolist())], 1.0)
    check(_generated.leaky_relu_prime(z), [mpmath.mpf(1) if v > 0 else slope for v in z.tolist()], 1.0)


def softmax_columns() -> np.ndarray:
    """Columns of K = 2..6 units: moderate, far apart, saturating (±700) and all equal."""
    rng = np.random.default_rng(7)
    columns = [rng.normal(0, scale, 6) for scale in (0.1, 1.0, 10.0, 100.0, 300.0) for _ in range(40)]
    columns += [np.array([700.0, -700.0, 0.0, 1.0, 2.0, 3.0]), np.full(6, 5.0)]
    columns += [np.array([1e-300, 0, -1e-300, 0, 0, 0])]
    return np.array(columns).T  # (6, examples)


@pytest.mark.parametrize("K", [2, 3, 6])
def test_softmax_is_accurate_to_its_condition_number(K: int) -> None:
    """Each a_k within (4 + K + |z_k − max z|) ulp: shifting by the max is exact only up to the
    rounding of z_k − max z, which exp magnifies by |z_k − max z| (softmax's own sensitivity)."""
    z = softmax_columns()[:K]
    with np.errstate(under="ignore"):
        a = _generated.softmax(z)
    for j in range(z.shape[1]):
        col = [mpmath.mpf(v) for v in z[:, j].tolist()]
        total = mpmath.fsum(mpmath.exp(v) for v in col)
        for k in range(K):
            exact = mpmath.exp(col[k]) / total
            if abs(float(exact)) < TINY:
                assert abs(mpmath.mpf(float(a[k, j])) - exact) <= SUBNORMAL_STEP
                continue
            ulps = float(abs(mpmath.mpf(float(a[k, j])) - exact) / np.spacing(float(exact)))
            assert ulps <= 4 + K + abs(z[k, j] - z[:, j].max()), (z[:, j], k, ulps)


def test_categorical_cross_entropy_term_is_accurate_to_the_size_of_its_parts() -> None:
    """y·(logsumexp(z) − z_k) within 4 ulp of the largest part (max z, log Σ, z_k) it adds."""
    z = softmax_columns()[:4]
    y = np.full_like(z, 0.25)
    a = _generated.softmax(z)
    term = _generated.categorical_cross_entropy(z, a, y, 4)
    for j in range(z.shape[1]):
        col = [mpmath.mpf(v) for v in z[:, j].tolist()]
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in col))
        for k in range(4):
            exact = mpmath.mpf(0.25) * (lse - col[k])
            scale = max(abs(float(z[:, j].max())), abs(float(lse)), abs(z[k, j]), 1.0)
            assert abs(mpmath.mpf(float(term[k, j])) - exact) <= 4 * np.spacing(scale)


def test_the_log1p_of_the_generated_header_is_within_one_ulp_on_its_domain() -> None:
    """``_log1p`` (log(u) plus the rounding error of u = 1 + t over u) where rules use it, t in
    [0, 1]: t = e^(−s) for s from 0 to 745 (t down to the subnormals, where 1 + t rounds to 1 and
    the correction alone is the answer), numbers near 1, and t written over in place."""
    s = grid(0.0, 745.0, 4001)
    t = np.concatenate([np.exp(-s), [1.0, np.nextafter(1.0, 0.0), 0.75, 2.0**-52, 3 * 2.0**-54, 0.0]])
    exact = [mpmath.log1p(mpmath.mpf(float(v))) for v in t]
    check(_generated._log1p(t), exact, limit=1.0)
    in_place = t.copy()
    assert _generated._log1p(in_place, out=in_place) is in_place
    np.testing.assert_array_equal(in_place, _generated._log1p(t))
    assert _generated._log1p(2.0**-60) == 2.0**-60  # 1 + t is 1: the correction is t itself
