"""The in-place paths compute exactly what the allocating ones do, and never leak their arrays.

``cost_and_gradient`` writes every per-example array into arrays it keeps between calls
(``Network._space``), and every generated kernel can compute into a given ``out``.  These tests
compare both with the plain paths (``forward``, ``backward``, ``total_cost``, ``layer_gradient``
and the kernels called without ``out``), show that what a call returns is never written over by
a later call, and that two threads do not share arrays.
"""

from __future__ import annotations

import inspect
import threading
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_ref import Network, _generated
from backprop_ref.kernels import ACTIVATIONS
from tests.random_network import random_network
from tests.test_properties import PROPERTY, Problem, problems

KERNELS = [
    f
    for name, f in vars(_generated).items()
    if inspect.isfunction(f)
    and not name.startswith("_")
    and "out" in inspect.signature(f).parameters
    and "out_prime" not in inspect.signature(f).parameters
    and "out_term" not in inspect.signature(f).parameters
]
#: The distance between neighbouring subnormal float64 numbers.
SUBNORMAL_STEP = float(np.nextafter(0.0, 1.0))
#: ``<activation>_and_prime``: f and f′ computed together.
PAIRS = [f for name, f in vars(_generated).items() if inspect.isfunction(f) and name.endswith("_and_prime")]
#: ``<activation>_and_<cost>``: aᴸ and the cost's per-unit terms computed together.
TOGETHER = [
    f
    for f in vars(_generated).values()
    if inspect.isfunction(f) and "out_term" in inspect.signature(f).parameters
]


def checked_path(net: Network, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """J and the gradient through the public, allocating steps."""
    fw = net.forward(x)
    back = net.backward(fw, y)
    pairs = [net.layer_gradient(l, d, fw.a[l - 1]) for l, d in enumerate(back.delta, start=1)]
    return net.total_cost(fw, y), [g for pair in pairs for g in pair]


@PROPERTY
@given(problems())
def test_cost_and_gradient_equals_the_allocating_path(problem: Problem) -> None:
    """The same arithmetic but for f′ of hidden layers, which the fast path computes together with
    f (the sigmoid's f′ as σ/(1 + eᶻ), the allocating path as e^(−|z|)/(1 + e^(−|z|))²), and a
    sigmoid output computed with cross-entropy's terms (1/(1 + e⁻ᶻ) for z ≥ 0, where the sigmoid
    alone takes eᶻ/(1 + eᶻ)): proven forms a few ulp apart.  So J is equal and the gradient within
    1e-13 of its own scale; bit for bit where every slope is exact and the output is not computed
    with its cost."""
    net, x, y = problem
    cost, g = net.cost_and_gradient(x, y)
    cost_ref, g_ref = checked_path(net, x, y)
    assert cost == cost_ref
    got = [a for pair in zip(g.dW, g.db, strict=True) for a in pair]
    scale = max(float(np.abs(w).max()) for w in g_ref)
    for mine, want in zip(got, g_ref, strict=True):
        np.testing.assert_allclose(mine, want, rtol=1e-13, atol=1e-13 * scale)
    exact_slopes = all(f in ("relu", "identity", "leaky_relu") for f in net.activations[:-1])
    if exact_slopes and net._kernels[1].output_and_term is None:
        for mine, want in zip(got, g_ref, strict=True):
            np.testing.assert_array_equal(mine, want)


def test_what_a_call_returned_is_not_written_over_by_the_next(net: Network) -> None:
    rng = np.random.default_rng(1)
    n0, nL = net.sizes[0], net.sizes[-1]
    for m in (1, 3):  # m = 1: δ already has the bias's shape, the case most prone to aliasing
        x1, y1 = rng.uniform(-1, 1, (n0, m)), rng.uniform(0, 1, (nL, m))
        x2, y2 = rng.uniform(-1, 1, (n0, m)), rng.uniform(0, 1, (nL, m))
        cost1, g1 = net.cost_and_gradient(x1, y1)
        kept = [a.copy() for a in (*g1.dW, *g1.db)]
        net.cost_and_gradient(x2, y2)  # same shapes: the same kept arrays are written over
        for before, after in zip(kept, (*g1.dW, *g1.db), strict=True):
            np.testing.assert_array_equal(before, after)
        assert net.cost_of(x1, y1) == cost1


def test_a_repeated_call_allocates_no_per_example_array() -> None:
    # 3-50-2 on 2,000 examples: each hidden per-example array (z, a, δ, ∂C/∂a) is 800 kB. After a
    # first call of this batch size, a call allocates J, the gradients (about 2 kB) and the output
    # layer's temporaries (32 kB each, 4 kB for a mask: the masks of z ≥ 0 and z < 0, H − y,
    # log1p(t) and the sigmoid's numerator); one hidden per-example array made anew would add 800 kB.
    rng = np.random.default_rng(3)
    net = random_network(rng, (3, 50, 2), ["sigmoid", "sigmoid"], "cross_entropy")
    data = net.batch(rng.uniform(-1, 1, (3, 2000)), rng.uniform(0, 1, (2, 2000)))
    net.cost_and_gradient(data)
    tracemalloc.start()
    try:
        net.cost_and_gradient(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 400_000, f"{peak:,} bytes"


def test_threads_do_not_share_arrays(net: Network) -> None:
    rng = np.random.default_rng(2)
    batches = [
        (rng.uniform(-1, 1, (net.sizes[0], 5)), rng.uniform(0, 1, (net.sizes[-1], 5))) for _ in range(2)
    ]
    want = [net.cost_and_gradient(x, y) for x, y in batches]  # one thread at a time
    assert not np.array_equal(want[0][1].dW[0], want[1][1].dW[0])  # a mix-up would show
    wrong: list[int] = []

    def work(i: int) -> None:
        for _ in range(300):
            cost, g = net.cost_and_gradient(*batches[i])
            if cost != want[i][0] or not np.array_equal(g.dW[0], want[i][1].dW[0]):
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda f: f.__name__)
@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1.0, 30.0, 800.0]))
def test_a_kernel_computes_the_same_into_out(kernel: object, seed: int, scale: float) -> None:
    """Same values (bit for bit), the result is ``out`` itself, and no argument is changed."""
    rng = np.random.default_rng(seed)
    names = list(inspect.signature(kernel).parameters)[:-1]  # type: ignore[arg-type]
    shape = (3, 4)
    args = {
        "z": rng.uniform(-scale, scale, shape),
        "a": rng.uniform(0, 1, shape),
        "y": rng.choice([0.0, 1.0, 0.3], shape),
        "K": 3,
        "theta": rng.uniform(-2, 2, shape),
        "lmbda": 0.7,
        "m": 5,
    }
    given_args = [args[n] for n in names]
    copies = [np.copy(v) for v in given_args]
    with np.errstate(all="ignore"):
        want = kernel(*given_args)  # type: ignore[operator]
        out = np.full(shape, np.nan)
        got = kernel(*given_args, out=out)  # type: ignore[operator]
    assert got is out
    np.testing.assert_array_equal(got, want)
    for before, after in zip(copies, given_args, strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda f: f.__name__)
def test_a_kernel_takes_numbers_and_other_dtypes_as_numpy_does(kernel: object) -> None:
    """Scalars, int and float32 arrays: no in-place step applies, the result is NumPy's.

    A kernel that sums or maximises over an example's units (softmax's) needs a column of units:
    its "scalar" is one unit of one example, shape (1, 1).
    """
    names = list(inspect.signature(kernel).parameters)[:-1]  # type: ignore[arg-type]
    values: dict[str, object] = {"z": 0.5, "a": 0.25, "y": 1.0, "K": 2, "theta": 0.5, "lmbda": 0.5, "m": 2}
    if "axis=-2" in inspect.getsource(kernel):  # type: ignore[arg-type]
        values.update({n: np.array([[v]]) for n, v in values.items() if n in ("z", "a", "y")})
    scalar = kernel(*[values[n] for n in names])  # type: ignore[operator]
    ints = kernel(*[np.array([[1], [0]]) if n in ("z", "a", "y", "theta") else values[n] for n in names])  # type: ignore[operator]
    assert np.size(scalar) == 1
    assert np.isfinite(scalar)
    assert np.size(ints) in (1, 2)
    assert np.all(np.isfinite(ints))


@pytest.mark.parametrize("pair", PAIRS, ids=lambda f: f.__name__)
@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1.0, 30.0, 750.0]))
def test_f_and_fprime_together_are_f_and_fprime(pair: object, seed: int, scale: float) -> None:
    """a bit for bit as f computes it (but within an ulp or a subnormal step between the end of
    f's common case and where the pair's overflows), f′ within 4 ulp of f′ alone (two proven
    forms), each in its out."""
    name = pair.__name__.removesuffix("_and_prime")  # type: ignore[attr-defined]
    f, fprime = getattr(_generated, name), getattr(_generated, f"{name}_prime")
    z = np.random.default_rng(seed).uniform(-scale, scale, (3, 4))
    with np.errstate(all="ignore"):
        out, out_prime = np.full_like(z, np.nan), np.full_like(z, np.nan)
        a, slope = pair(z, out=out, out_prime=out_prime)  # type: ignore[operator]
        window = (z > 708) & (z < np.log(np.finfo(float).max))
        np.testing.assert_array_equal(a[~window], f(z)[~window])
        np.testing.assert_allclose(a[window], f(z)[window], rtol=2.0**-52, atol=SUBNORMAL_STEP)
        np.testing.assert_allclose(slope, fprime(z), rtol=4 * 2.0**-52, atol=SUBNORMAL_STEP)
        assert a is out
        assert slope is out_prime
        a_new, slope_new = pair(z)  # type: ignore[operator]
    np.testing.assert_array_equal(a_new, a)
    np.testing.assert_array_equal(slope_new, slope)


def test_some_cost_is_computed_together_with_its_output() -> None:
    assert [f.__name__ for f in TOGETHER] == ["sigmoid_and_cross_entropy"]


@pytest.mark.parametrize("together", TOGETHER, ids=lambda f: f.__name__)
@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1.0, 30.0, 750.0]))
def test_output_and_terms_together_are_f_and_the_terms(together: object, seed: int, scale: float) -> None:
    """a within 4 ulp of f alone (two proven forms), the terms bit for bit as the cost computes
    them, each in its out, and the same without out; no argument changed."""
    name = together.__name__  # type: ignore[attr-defined]
    activation, cost = next(
        (act, name.removeprefix(f"{act}_and_")) for act in ACTIVATIONS if name.startswith(f"{act}_and_")
    )
    f, term = getattr(_generated, activation), getattr(_generated, cost)
    rng = np.random.default_rng(seed)
    z, y = rng.uniform(-scale, scale, (3, 4)), rng.choice([0.0, 1.0, 0.3], (3, 4))
    z_before, y_before = z.copy(), y.copy()
    with np.errstate(all="ignore"):
        out, out_term = np.full_like(z, np.nan), np.full_like(z, np.nan)
        a, terms = together(z, y, 3, out=out, out_term=out_term)  # type: ignore[operator]
        np.testing.assert_allclose(a, f(z), rtol=4 * 2.0**-52, atol=0)
        np.testing.assert_array_equal(terms, term(z, f(z), y, 3))
        assert a is out
        assert terms is out_term
        a_new, terms_new = together(z, y, 3)  # type: ignore[operator]
    np.testing.assert_array_equal(a_new, a)
    np.testing.assert_array_equal(terms_new, terms)
    np.testing.assert_array_equal(z, z_before)
    np.testing.assert_array_equal(y, y_before)


def test_a_batch_passed_back_is_kept_and_gives_what_x_and_y_give() -> None:
    rng = np.random.default_rng(4)
    net = random_network(rng, (3, 4, 2), ["sigmoid", "sigmoid"], "cross_entropy")
    x, y = rng.uniform(-1, 1, (3, 50)), rng.uniform(0, 1, (2, 50))
    data = net.batch(x, y)
    assert net.batch(data) is data
    J_kept, kept = net.cost_and_gradient(data)
    J_direct, direct = net.cost_and_gradient(x, y)
    assert J_kept == J_direct
    for mine, want in zip(kept.dW + kept.db, direct.dW + direct.db, strict=True):
        np.testing.assert_array_equal(mine, want)


def test_a_hidden_layer_keeps_no_array_for_dC_da_apart_from_z() -> None:
    # With f′(zˡ) computed with f(zˡ), BP2 reads zˡ no more, so ∂C/∂aˡ is written over it: the
    # call keeps z, a and δ per hidden layer (three arrays, not four), and the output's z, a, δ, C.
    rng = np.random.default_rng(6)
    net = random_network(rng, (3, 4, 5, 2), ["sigmoid", "tanh", "sigmoid"], "cross_entropy")
    x, y = rng.uniform(-1, 1, (3, 7)), rng.uniform(0, 1, (2, 7))
    cost, g = net.cost_and_gradient(x, y)
    arrays = net._space.arrays
    assert all(arrays["dC_da", l] is arrays["z", l] for l in (1, 2))
    kept = {id(array) for array in arrays.values()}
    assert len(kept) == len(arrays) - 2 == 3 * 2 + 4  # z, a, δ per hidden layer; z, a, δ, C of the output
    cost_ref, g_ref = checked_path(net, x, y)
    assert cost == cost_ref
    for mine, want in zip([a for p in zip(g.dW, g.db, strict=True) for a in p], g_ref, strict=True):
        np.testing.assert_allclose(mine, want, rtol=1e-13, atol=1e-15)


def test_targets_are_kept_row_major_as_z_and_a_are() -> None:
    rng = np.random.default_rng(7)
    net = random_network(rng, (3, 4, 10), ["sigmoid", "sigmoid"], "cross_entropy")
    one_hot = np.eye(10)[:, rng.integers(0, 10, 50)]  # fancy indexing: column-major
    assert not one_hot.flags.c_contiguous
    data = net.batch(rng.uniform(-1, 1, (3, 50)), one_hot)
    assert data.y.flags.c_contiguous
    np.testing.assert_array_equal(data.y, one_hot)
