"""An assertion for your own test suite, in the style of ``numpy.testing``: is my gradient right?

:func:`assert_gradients_match` runs :func:`backprop_ref.gradcheck.check_gradients` and raises
``AssertionError`` with its report -- the largest errors and the worst entry, by name and index in
your own terms -- when the gradient does not pass.  It adds no rule of its own: tolerances, the θ
form and the randomized finite-difference check are those of ``check_gradients``.  A call that
cannot be checked at all (a dict with the wrong keys, a bad tolerance) raises
:class:`~backprop_ref.errors.InputError`, not ``AssertionError``: a mistake in the test, not a
failed check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backprop_ref.gradcheck import GradientFunction, check_gradients
from backprop_ref.network import Network


def assert_gradients_match(
    net: Network,
    x: object,
    y: object,
    gradient: GradientFunction | Mapping[str, Any],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    theta: str | None = None,
    against: str = "oracle",
    seed: int = 0,
    err_msg: str = "",
) -> None:
    """Raise ``AssertionError`` unless ``gradient`` matches the network's gradient on ``x``, ``y``.

    Parameters
    ----------
    net
        The network, cost and conventions your code implements.
    x, y
        Inputs ``(n_0, m)`` and targets ``(n_L, m)``; examples are columns.
    gradient
        Your gradient function ``gradient(params, x, y)`` or the dict it returned, keyed
        ``"W1"``, ``"b1"``, ... -- or, with ``theta``, in the θ form (see
        :func:`backprop_ref.gradcheck.check_gradients`).
    rtol, atol
        An entry passes when ``|g − r| ≤ atol + rtol·|r|`` (``g`` yours, ``r`` the oracle's).
    theta
        ``None`` (W, b form), ``"matrices"`` (``{"Theta1": ...}`` with the bias column first) or
        ``"F"``/``"C"`` (one vector unrolled column-major, as Octave's ``(:)``, or row-major).
    against
        ``"oracle"`` (every entry against backpropagation) or ``"finite_differences"`` (a
        randomized check that uses no derivative, seeded by ``seed``).
    err_msg
        Text added to the failure message, as in ``numpy.testing``.

    Raises
    ------
    AssertionError
        When the gradient does not pass; the message is the report of ``check_gradients``.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network(W=[[[0.3, -0.2]]], b=[[0.1]], activations=["identity"], cost="half_sse")
    >>> def mine(p, x, y):
    ...     delta = p["W1"] @ x + p["b1"] - y        # δ = a − y for ½(y − a)² on an identity unit
    ...     return {"W1": delta @ x.T, "b1": delta}
    >>> assert_gradients_match(net, [[0.5], [1.5]], [[1.0]], mine)     # passes: returns None
    >>> assert_gradients_match(net, [[0.5], [1.5]], [[1.0]], {"W1": [[-0.525, 0.0]], "b1": [[-1.05]]})
    Traceback (most recent call last):
    ...
    AssertionError: Gradients do not match (against the oracle)
    FAIL: max abs error 1.58, ...; worst W1[0, 1]: yours 0, oracle -1.575
    """
    report = check_gradients(
        net, x, y, gradient, rtol=rtol, atol=atol, against=against, seed=seed, theta=theta
    )
    if not report.passed:
        where = "the oracle" if against == "oracle" else "finite differences"
        message = f"Gradients do not match (against {where})\n{report}"
        raise AssertionError(f"{message}\n{err_msg}" if err_msg else message)
