"""Item 1: the oracle's cost and gradient against plain NumPy, JAX, and the matrix products alone.

The problem has the shape of Andrew Ng's digits exercise: a 400-25-10 sigmoid network, L2-regularised
cross-entropy (λ = 1, mean over examples), m = 5,000 examples as the columns of x (400 × 5000),
float64.  The data are random (seeded): speed does not depend on the values, only agreement does,
and every implementation is first checked to agree with the oracle to a relative 1e-8.

Contenders, timed interleaved (``harness.interleaved``):

* ``oracle`` -- ``Network.cost_and_gradient`` on a ``Batch``: the data are checked once, when the
  batch is made (outside the timed call), as an optimiser calling the same data many times would;
  that one-off work is timed among the components;
* ``plain`` -- the textbook NumPy code: σ = 1/(1 + exp(-z)), cost by logs, the four δ rules;
* ``jax_jit`` / ``jax`` -- ``jax.value_and_grad`` of the same cost, with and without ``jit``;
* ``sampled`` -- the randomized finite-difference check of the oracle's gradient
  (``gradcheck.sampled_check``: 8 random directions and 16 sampled entries), timed apart;
* ``bound`` -- only the five matrix products backpropagation cannot avoid (Wˡaˡ⁻¹ for both layers,
  (W²)ᵀδ², δ²(a¹)ᵀ and δ¹xᵀ): their FLOPs at the rate NumPy reaches on them in this run.

Run as ``python numerics.py time`` (the timings, with the thread settings of its environment) or
``python numerics.py memory oracle|plain`` (peak memory of one call, in a process of its own);
:func:`run` starts those children.
"""

from __future__ import annotations

import cProfile
import itertools
import os
import pstats
import resource
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import harness
import numpy as np

from backprop_ref import Conventions, Network, kernels
from backprop_ref.gradcheck import sampled_check

SIZES = (400, 25, 10)
M = 5000
LMBDA = 1.0
AGREE = 1e-8
#: Matrix-product FLOPs of one cost and gradient: 2·m·(n1·n0 + n2·n1) forward, and backward
#: (W²)ᵀδ² and δ²(a¹)ᵀ (2·m·n2·n1 each) and δ¹xᵀ (2·m·n1·n0); no (W¹)ᵀδ¹, the input's gradient.
FLOPS = 2 * M * (2 * SIZES[1] * SIZES[0] + 3 * SIZES[2] * SIZES[1])
ONE_THREAD = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
#: Thread settings and their rounds: one BLAS and XLA thread (steady on a shared machine; every part
#: of the oracle timed too), and the libraries' defaults (erratic here: fewer rounds, no parts).
#: The round-to-round ratio of two contenders varies by some 10 % (IQR 0.09-0.12 here), so 200
#: rounds put the median within about ±1.5 % (95 %); 30 rounds left it within about ±4 %.
SETTINGS: dict[str, tuple[dict[str, str], int, bool]] = {
    "1": (ONE_THREAD, 200, True),
    "default": ({}, 10, False),
}

Params = tuple[list[np.ndarray], list[np.ndarray]]
Result = tuple[float, list[np.ndarray], list[np.ndarray]]  # J, [dW1, dW2], [db1, db2]


def problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, Params]:
    """Inputs x (400, m) in [0, 1), one-hot targets y (10, m), weights and biases uniform in ±0.12."""
    rng = np.random.default_rng(seed)
    x = rng.random((SIZES[0], M))
    y = np.eye(SIZES[-1])[:, rng.integers(0, SIZES[-1], M)]
    W = [rng.uniform(-0.12, 0.12, (n, n_prev)) for n_prev, n in itertools.pairwise(SIZES)]
    b = [rng.uniform(-0.12, 0.12, (n, 1)) for n in SIZES[1:]]
    return x, y, (W, b)


def network(params: Params) -> Network:
    """The benchmark's network: sigmoid layers, L2-regularised cross-entropy, mean over examples."""
    W, b = params
    return Network(
        W=W,
        b=b,
        activations=["sigmoid", "sigmoid"],
        cost="cross_entropy",
        conventions=Conventions(reduction="mean", lmbda=LMBDA),
    )


def oracle(params: Params, x: np.ndarray, y: np.ndarray) -> Callable[[], Result]:
    """The oracle's cost and gradient on (x, y), checked once as a Batch, as an optimiser calls it."""
    net = network(params)
    data = net.batch(x, y)

    def run() -> Result:
        J, g = net.cost_and_gradient(data)
        return J, g.dW, g.db

    return run


def plain(params: Params, x: np.ndarray, y: np.ndarray) -> Callable[[], Result]:
    """The textbook NumPy implementation (no validation, no stable forms)."""
    (W1, W2), (b1, b2) = params

    def run() -> Result:
        m = x.shape[1]
        a1 = 1 / (1 + np.exp(-(W1 @ x + b1)))
        a2 = 1 / (1 + np.exp(-(W2 @ a1 + b2)))
        J = -np.sum(y * np.log(a2) + (1 - y) * np.log(1 - a2)) / m
        J += LMBDA / (2 * m) * (np.sum(W1**2) + np.sum(W2**2))
        delta2 = a2 - y  # BP1 for cross-entropy on a sigmoid
        delta1 = (W2.T @ delta2) * a1 * (1 - a1)  # BP2
        dW = [delta1 @ x.T / m + LMBDA / m * W1, delta2 @ a1.T / m + LMBDA / m * W2]  # BP4 + L2
        db = [delta1.sum(axis=1, keepdims=True) / m, delta2.sum(axis=1, keepdims=True) / m]  # BP3
        return float(J), dW, db

    return run


def jax_versions(params: Params, x: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], Result]]:
    """``jax.value_and_grad`` of the same cost, jitted and not, in float64 (x, y put on the device once)."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def cost(p: list[Any], x: Any, y: Any) -> Any:
        W1, b1, W2, b2 = p
        m = x.shape[1]
        a1 = 1 / (1 + jnp.exp(-(W1 @ x + b1)))
        a2 = 1 / (1 + jnp.exp(-(W2 @ a1 + b2)))
        J = -jnp.sum(y * jnp.log(a2) + (1 - y) * jnp.log(1 - a2)) / m
        return J + LMBDA / (2 * m) * (jnp.sum(W1**2) + jnp.sum(W2**2))

    (W1, W2), (b1, b2) = params
    args = ([jnp.asarray(v) for v in (W1, b1, W2, b2)], jnp.asarray(x), jnp.asarray(y))

    def version(f: Callable[..., Any]) -> Callable[[], Result]:
        def run() -> Result:
            J, g = jax.block_until_ready(f(*args))
            return float(J), [np.asarray(g[0]), np.asarray(g[2])], [np.asarray(g[1]), np.asarray(g[3])]

        return run

    return {"jax_jit": version(jax.jit(jax.value_and_grad(cost))), "jax": version(jax.value_and_grad(cost))}


def products(params: Params, x: np.ndarray) -> Callable[[], object]:
    """The five matrix products of one forward and backward pass, on arrays of the right shapes."""
    (W1, W2), _ = params
    rng = np.random.default_rng(1)
    a1, delta1 = rng.random((SIZES[1], M)), rng.random((SIZES[1], M))
    delta2 = rng.random((SIZES[2], M))
    return lambda: (W1 @ x, W2 @ a1, W2.T @ delta2, delta2 @ a1.T, delta1 @ x.T)


def disagreement(ref: Result, other: Result) -> float:
    """The largest relative difference, max|a − b| / max|a|, over J and every gradient array."""
    pairs = [(np.asarray(ref[0]), np.asarray(other[0]))]
    pairs += list(zip(ref[1] + ref[2], other[1] + other[2], strict=True))
    return max(float(np.max(np.abs(a - b)) / np.max(np.abs(a))) for a, b in pairs)


def components(x: np.ndarray, y: np.ndarray, params: Params) -> dict[str, Callable[[], object]]:
    """The oracle's elementwise work, next to what the plain version does instead, for attribution."""
    W, b = params
    net = network(params)
    sigmoid = kernels.activation("sigmoid")
    cost = kernels.cost("cross_entropy", "sigmoid", SIZES[-1])
    together = cost.output_and_term
    pair = sigmoid.f_and_fprime
    assert pair is not None
    assert together is not None
    z1 = W[0] @ x + b[0]
    a1 = sigmoid.f(z1)
    z2 = W[1] @ a1 + b[1]
    a2 = sigmoid.f(z2)
    kept = {name: np.empty_like(z) for name, z in (("a1", z1), ("s1", z1), ("a2", z2), ("C", z2))}

    def ce_gradient() -> object:
        with np.errstate(divide="ignore", invalid="ignore"):
            return cost.gradient(z2, a2, y)

    return {
        "check x and y (Network.batch: once per data set, not per call)": (lambda: net.batch(x, y)),
        "hidden sigma and sigma' together, generated (oracle)": (
            lambda: pair(z1, out=kept["a1"], out_prime=kept["s1"])
        ),
        "hidden sigma, exp form, and a(1 - a) (plain)": lambda: (a := 1 / (1 + np.exp(-z1)), a * (1 - a)),
        "output sigma and cost terms together, generated (oracle)": lambda: np.sum(
            together(z2, y, out=kept["a2"], out_term=kept["C"])[1]
        ),
        "output sigma, exp form, and cost by logs (plain)": lambda: (
            a := 1 / (1 + np.exp(-z2)),
            -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
        ),
        "dC/da of the output (not computed by cost_and_gradient)": ce_gradient,
    }


def profile(fn: Callable[[], object], calls: int = 20, top: int = 8) -> list[dict[str, Any]]:
    """cProfile's functions with the most own time over ``calls`` calls, as shares of the total."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in stats.values())
    rows = sorted(stats.items(), key=lambda item: -item[1][2])[:top]
    return [
        {
            "function": f"{os.path.basename(file)}:{line}({name})",
            "share": tt / total,
            "per_call_s": tt / calls,
        }
        for (file, line, name), (_, _, tt, _, _) in rows
    ]


def time_all(rounds: int, detail: bool) -> dict[str, Any]:
    """Check agreement, then time every contender (and with ``detail`` the oracle's parts), interleaved."""
    x, y, params = problem()
    contenders = {"oracle": oracle(params, x, y), "plain": plain(params, x, y), **jax_versions(params, x, y)}
    ref = contenders["oracle"]()
    agreement = {name: disagreement(ref, f()) for name, f in contenders.items() if name != "oracle"}
    for name, worst in agreement.items():
        assert worst <= AGREE, f"{name} differs from the oracle by {worst:.2e} (relative) > {AGREE}"

    timed: dict[str, Callable[[], object]] = {**contenders, "bound": products(params, x)}
    net = network(params)
    data = net.batch(x, y)
    sampled = sampled_check(net, data)  # the oracle's gradient against finite differences
    assert sampled.passed, str(sampled)
    runs = harness.interleaved(timed, rounds)
    bound = harness.summary(runs["bound"]["wall"])["median"]
    return {
        "agreement": agreement,
        "times": harness.summaries(runs),
        "ratios": {
            f"{num}/{den}": {clock: harness.ratio(runs, num, den, clock) for clock in ("wall", "cpu")}
            for num, den in [("oracle", d) for d in ("plain", "bound", "jax_jit", "jax")]
            + [("plain", "bound")]
        },
        "bound": {"flops": FLOPS, "seconds": bound, "gflops_per_s": FLOPS / bound / 1e9},
        "sampled_check": {
            "directions": sampled.directions,
            "coordinates": sampled.coordinates,
            "direction_error": sampled.direction_error,
            "coordinate_error": sampled.coordinate_error,
            "parameters": sampled.parameters,
            "times": harness.summaries(harness.interleaved({"sampled": lambda: sampled_check(net, data)}, 5)),
        },
        "env": {k: os.environ.get(k) for k in ONE_THREAD},
    } | (
        {
            "components": harness.summaries(harness.interleaved(components(x, y, params), rounds)),
            "profile": profile(contenders["oracle"]),
        }
        if detail
        else {}
    )


def memory(which: str) -> dict[str, Any]:
    """Peak resident memory of a process making one call, and the traced peak of one call."""
    x, y, params = problem()
    fn = {"oracle": oracle, "plain": plain}[which](params, x, y)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    fn()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    fn()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    network(params).batch(x, y)
    validation_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "data_bytes": x.nbytes + y.nbytes,
        "rss_before_call": rss_data,
        "rss_peak": rss_peak,
        "traced_peak_of_one_call": traced_peak,
        "traced_peak_of_checking_the_batch": validation_peak,  # once per data set, for attribution
    }


def run() -> dict[str, Any]:
    """Timings at one thread and at the default, then memory, each in a child of its own."""
    out: dict[str, Any] = {"problem": {"sizes": SIZES, "examples": M, "lmbda": LMBDA, "dtype": "float64"}}
    for threads, (env, rounds, detail) in SETTINGS.items():
        child = harness.script("numerics.py", "time", str(rounds), str(int(detail)), env=os.environ | env)
        if not child.ok:
            raise RuntimeError(f"numerics.py time failed with threads={threads}")
        out[f"threads_{threads}"] = child.json()
    layers = 3 * M * sum(SIZES[1:]) * 8  # z, a and δ of every layer, float64
    params = sum(n * (n_prev + 1) for n_prev, n in itertools.pairwise(SIZES)) * 8
    out["memory"] = {
        "x_bytes": SIZES[0] * M * 8,
        "needed_bytes": layers + params,  # what backpropagation keeps: z, a, δ per layer, gradients
        **{which: harness.script("numerics.py", "memory", which).json() for which in ("oracle", "plain")},
    }
    return out


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    harness.emit(time_all(int(rest[0]), bool(int(rest[1]))) if mode == "time" else memory(rest[0]))
