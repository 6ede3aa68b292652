"""A starting spec for your own worked example (``backprop_ref new``): a network, data, training.

:func:`scaffold` writes the TOML of a spec (:mod:`backprop_ref.worked.spec`) for the sizes,
activations and cost you name, with weights, biases and inputs drawn from a seed -- uniform, to two
decimals, as hand-worked examples choose them: weights and biases in [−1, 1], inputs in [0, 1] --
or given, and a one-hot target.  Every key of ``[network.conventions]`` is written out at the
default of :class:`backprop_ref.Conventions`, so that you can see and change each one.

A spec must record at least one printed number, and a new example has printed none yet.  So the
spec records one placeholder: the cost J, as the oracle computes it, marked in its ``where`` and
``note`` as written by ``new``.  ``check`` then reports that one number reproduced and exits 0,
which shows only that the spec is well formed and runs; it says nothing about any article.
Replace the placeholder with the numbers your example prints.  With ``with_values`` every
quantity of the run (all of them but the given W, b and x) is recorded instead, rounded to six
significant digits, as the answer key for a handout; ``check`` reproduces each.  ``[names]`` is
left for you to fill (the walkthrough writes Nielsen's symbols for what it does not name).

Every option is checked by the spec's own loader (:func:`backprop_ref.worked.spec.build`), with
its messages re-addressed to the option at fault (``--weights[2]: expected a 2 x 2 array ...``).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from backprop_ref.conventions import Conventions
from backprop_ref.errors import InputError
from backprop_ref.validation import whole
from backprop_ref.worked import trace
from backprop_ref.worked.spec import MAX_BYTES, Spec, build, parse_toml

#: The most weights and biases a new spec may have (a spec file holds at most 1 MiB of TOML).
MAX_PARAMETERS = 20_000
#: Significant digits of the values ``with_values`` records.
DIGITS = 6
#: Where a message about each field of the spec points on the command line.
OPTIONS = {
    "title": "--title",
    "network.sizes": "--sizes",
    "network.activations": "--activations",
    "network.cost": "--cost",
    "network.W": "--weights",
    "network.b": "--biases",
    "data.x": "--x",
    "data.y": "--y",
    "training.eta": "--eta",
    "training.steps": "--steps",
}
#: The ``where``, ``expected`` and ``note`` of every number ``new`` records.
PLACEHOLDER = {
    "where": "written by backprop_ref new: the oracle's value, not a number from any article",
    "expected": "reproduced",
    "note": "Recorded so that the spec is complete and check runs, which shows only that the spec is "
    "well formed. Replace it with the numbers your example prints.",
}


def sizes_of(text: str) -> list[int]:
    """The layer sizes in ``text``, such as ``"2,2,2"``, or an error naming ``--sizes``.

    Examples
    --------
    >>> sizes_of("2, 3,1")
    [2, 3, 1]
    >>> sizes_of("2")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: --sizes: expected at least two whole numbers ≥ 1 ... got '2'
    """
    expected = "at least two whole numbers ≥ 1 separated by commas, such as 2,2,2"
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2 or not all(p.isascii() and p.isdigit() and int(p) >= 1 for p in parts):
        raise InputError("--sizes", expected, text)
    return [int(p) for p in parts]


def _json(text: str | None, option: str, example: str) -> Any:
    """The JSON value of an option, or None when the option is not given."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise InputError(option, f"JSON such as {example}", text) from None


def draw(sizes: Sequence[int], seed: int) -> dict[str, Any]:
    """Weights, biases and one example's inputs and one-hot target, drawn from ``seed``.

    Examples
    --------
    >>> drawn = draw([2, 1], 0)
    >>> [len(drawn["W"][0][0]), drawn["y"]]
    [2, [1.0]]
    """
    rng = np.random.default_rng(seed)
    L = len(sizes) - 1
    W = [np.round(rng.uniform(-1, 1, (sizes[l], sizes[l - 1])), 2).tolist() for l in range(1, L + 1)]
    b = [np.round(rng.uniform(-1, 1, sizes[l]), 2).tolist() for l in range(1, L + 1)]
    x = np.round(rng.uniform(0, 1, sizes[0]), 2).tolist()
    y = np.eye(sizes[-1])[rng.integers(sizes[-1])].tolist()
    return {"W": W, "b": b, "x": x, "y": y}


def _checked(doc: Mapping[str, Any]) -> Spec:
    """``doc`` built as a spec, with any error re-addressed to the command line option at fault."""
    try:
        return build(doc)
    except InputError as err:
        for field, option in OPTIONS.items():
            if err.field == field or err.field.startswith((f"{field}[", f"{field}.")):
                shown = str(err).removeprefix(f"{err.field}: expected {err.expected}, got ")
                at = option + err.field.removeprefix(field)
                raise InputError(at, err.expected, err.given, shown=shown) from None
        raise


def recorded(spec: Spec, every: bool) -> Iterator[tuple[str, float]]:
    """``(address, value)`` of the numbers a new spec records: the cost, or every computed quantity.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> [(a, round(v, 6)) for a, v in recorded(load("afteracademy"), every=False)]
    [('cost', 0.233453)]
    """
    run = spec.run()
    if not every:
        yield "cost", run.costs[0]
        return
    L = len(spec.network.W)
    for kind, layer, array in run.arrays():
        if kind in ("W", "b") or (kind, layer) == ("a", 0):
            continue  # given, not computed
        for index in np.ndindex(array.shape):
            yield str(trace.Address(kind, layer, index)), float(array[index])
        if (kind, layer) == ("a", L):
            yield "cost", run.costs[0]
    yield "cost_after", run.costs[-1]


def _toml(value: object) -> str:
    """``value`` (a string, number, bool or list of them) as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # its escapes are TOML's too
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def _text(doc: Mapping[str, Any], seed: int, given: Sequence[str]) -> str:
    """The spec ``doc`` as TOML, with comments on where its numbers came from."""
    net = doc["network"]
    drawn = [k for k in ("weights", "biases", "x", "y") if k not in given]
    origin = f"drawn from seed {seed}: {', '.join(drawn)}" if drawn else "all given"
    out = [
        "# A starting spec written by `backprop_ref new`; numbers " + origin + ".",
        "# Replace them, and the placeholder under [[printed]], with your example's. Then:",
        "#     python -m backprop_ref check FILE",
        "#     python -m backprop_ref trace FILE --format markdown     (a walkthrough to hand out)",
        "",
        f"title = {_toml(doc['title'])}",
        f"source = {_toml(doc['source'])}",
        "",
        "[network]",
        f"sizes = {_toml(net['sizes'])}",
        f"activations = {_toml(net['activations'])}",
        f"cost = {_toml(net['cost'])}",
        "# W[l] has a row per unit of layer l, holding the weights into that unit",
        "W = [",
        *(f"  {_toml(W_l)}," for W_l in net["W"]),
        "]",
        f"b = {_toml(net['b'])}",
        "",
        "[network.conventions]  # every key at the default of backprop_ref.Conventions",
        *(f"{key} = {_toml(value)}" for key, value in net["conventions"].items()),
        "",
        "[data]",
        f"x = {_toml(doc['data']['x'])}",
        f"y = {_toml(doc['data']['y'])}",
        "",
        "[training]",
        f"eta = {_toml(doc['training']['eta'])}",
        f"steps = {_toml(doc['training']['steps'])}",
        "",
        "[names]",
        '# the article\'s names for quantities, such as  "net(h1)" = "z[1][0]"  (see the spec reference)',
    ]
    for entry in doc["printed"]:
        out += ["", "[[printed]]", *(f"{key} = {_toml(value)}" for key, value in entry.items())]
    return "\n".join(out) + "\n"


def scaffold(
    sizes: Sequence[int],
    activations: Sequence[str],
    cost: str,
    *,
    seed: int = 0,
    weights: str | None = None,
    biases: str | None = None,
    x: str | None = None,
    y: str | None = None,
    eta: float = 0.5,
    steps: int = 1,
    title: str | None = None,
    with_values: bool = False,
) -> str:
    """The TOML text of a new spec; ``backprop_ref check`` passes on it.

    Parameters
    ----------
    sizes
        Units per layer, input first.
    activations
        One activation name per layer 1..L, or one name for every layer.
    cost
        A cost name (:data:`backprop_ref.kernels.COST_OUTPUTS`).
    seed
        Draws what is not given: weights and biases in [−1, 1], inputs in [0, 1] (two decimals), a
        one-hot target.
    weights, biases, x, y
        JSON text of values to use instead of drawn ones: the list of W matrices (a row per unit),
        the list of each layer's biases, the inputs and the targets (a number per unit for one
        example, a list per unit for several).
    eta, steps
        The ``[training]`` table.
    title
        The spec's title (by default, one naming the sizes).
    with_values
        Record every computed quantity as printed, instead of one placeholder (see the module docstring).

    Examples
    --------
    >>> text = scaffold([2, 1], ["sigmoid"], "half_sse", seed=3)
    >>> build(parse_toml(text)).network.sizes
    (2, 1)
    >>> scaffold([2, 1], ["sigmoid"], "half_sse", weights="[[[1, 2, 3]]]")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: --weights[1]: expected a 1 x 2 array of numbers, got shape (1, 3)
    """
    seed = whole(seed, "--seed", minimum=0)
    parameters = sum(n * (m + 1) for m, n in itertools.pairwise(sizes))
    if parameters > MAX_PARAMETERS:
        shown = f"{parameters:,} weights and biases"
        raise InputError(
            "--sizes", f"a network of at most {MAX_PARAMETERS:,} weights and biases", sizes, shown=shown
        )
    L = len(sizes) - 1
    drawn = draw(sizes, seed)
    given = {
        "weights": _json(weights, "--weights", "[[[0.15, 0.2], [0.25, 0.3]]]"),
        "biases": _json(biases, "--biases", "[[0.35, 0.35]]"),
        "x": _json(x, "--x", "[0.05, 0.1]"),
        "y": _json(y, "--y", "[0.01, 0.99]"),
    }
    pick = {
        k: drawn[d] if given[k] is None else given[k]
        for k, d in zip(given, ("W", "b", "x", "y"), strict=True)
    }
    doc: dict[str, Any] = {
        "title": title if title is not None else f"A worked example: a {'-'.join(map(str, sizes))} network",
        "source": "your own example, started with backprop_ref new",
        "network": {
            "sizes": list(sizes),
            "activations": list(activations) * L if len(activations) == 1 else list(activations),
            "cost": cost,
            "W": pick["weights"],
            "b": pick["biases"],
            "conventions": asdict(Conventions()),
        },
        "data": {"x": pick["x"], "y": pick["y"]},
        "training": {"eta": eta, "steps": steps},
        "printed": [{"name": "cost", "value": "0", **PLACEHOLDER}],
    }
    spec = _checked(doc)
    doc["printed"] = [
        {"name": address, "value": f"{value:.{DIGITS}g}", **PLACEHOLDER}
        for address, value in recorded(spec, with_values)
        if math.isfinite(value)
    ]
    text = _text(doc, seed, [k for k in given if given[k] is not None])
    if len(text.encode()) > MAX_BYTES:
        shown = f"a spec of {len(text.encode()):,} bytes"
        raise InputError(
            "--sizes",
            "a network whose spec fits in 1 MiB (fewer units, or no --with-values)",
            sizes,
            shown=shown,
        )
    _checked(parse_toml(text))  # what is written reads back as a spec
    return text
