"""Fuzzing the command line with mutated specs: every run ends in 0, 1 or 2, and 2 is one line.

Hypothesis takes the shipped spec apart and breaks it in the ways a hand-edited file breaks: keys
dropped, types swapped, huge, tiny, NaN, infinite and negative numbers, unicode, long strings, deep
nesting, text cut short.  Each mutated spec goes through ``check`` and ``trace --json`` in-process.
A run passes when it exits 0, 1 or 2, writes exactly one line to stderr when it exits 2, shows no
traceback, and ends within a time bound.  Any exception out of the command line fails the test:
the command line has no catch-all.

The default test run tries ``FUZZ_EXAMPLES`` = 300 specs; ``nox -s fuzz`` tries 5,000.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
import time
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backprop_ref.worked.cli import main

SHIPPED = (files("backprop_ref.worked") / "specs" / "afteracademy.toml").read_text(encoding="utf-8")
DOC = tomllib.loads(SHIPPED)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
SECONDS = 30.0  # one command on one mutated spec; a spec is bounded to 1 MiB and 10,000 steps


class Deep:
    """A value inside ``depth`` nested lists, written out without recursion."""

    def __init__(self, value: Any, depth: int) -> None:
        self.value, self.depth = value, depth


def toml_value(value: Any) -> str:
    """``value`` as a TOML value (inline tables and arrays; JSON's string escapes are TOML's too)."""
    if isinstance(value, Deep):
        return "[" * value.depth + toml_value(value.value) + "]" * value.depth
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n" for k, v in doc.items())


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``value`` (dict keys and list indices), the root included."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


def value_at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def replace_at(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = replace_at(doc[head], tuple(rest), new)
    return copy


def drop_at(doc: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        copy = dict(doc) if isinstance(doc, dict) else list(doc)
        del copy[path[0]]
        return copy
    head, *rest = path
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = drop_at(doc[head], tuple(rest))
    return copy


NUMBERS = st.one_of(
    st.floats(-10.0, 10.0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 2, 10_000, 10_001, 1e300, -1e300, 5e-324, math.nan]),
)
SCALARS = st.one_of(
    st.sampled_from(
        [0, -1, 1, 2**63 - 1, -(2**63), 1e308, -1e308, 5e-324, 1e-300, math.nan, math.inf, -math.inf]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.text(max_size=40),
    st.text(alphabet="0123456789.e-+٠١٢", max_size=12),
    st.sampled_from(["", "x" * 5000, "sigmoid", "cross_entropy", "W[1][0,0]", "z[9][9]", "0.5", "1e-5", "∂"]),
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    doc: Any = DOC
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(["number", "number", "number", "drop", "scalar", "list", "table", "deep", "wrap"])
        )
        if kind == "number":  # a number where a number belongs: the run itself is exercised
            numbers = [p for p in paths(doc)[1:] if isinstance(value_at(doc, p), int | float)]
            if numbers:
                doc = replace_at(doc, draw(st.sampled_from(numbers)), draw(NUMBERS))
            continue
        where = draw(st.sampled_from(paths(doc)[1:]))
        if kind == "drop":
            doc = drop_at(doc, where)
        elif kind == "scalar":
            doc = replace_at(doc, where, draw(SCALARS))
        elif kind == "list":
            doc = replace_at(doc, where, draw(st.lists(SCALARS, max_size=4)))
        elif kind == "table":
            doc = replace_at(doc, where, draw(st.dictionaries(st.text(max_size=8), SCALARS, max_size=3)))
        elif kind == "deep":
            doc = replace_at(doc, where, Deep(draw(SCALARS), draw(st.integers(2, 700))))
        else:
            doc = replace_at(doc, where, [draw(SCALARS)] * draw(st.integers(0, 50)))
    text = toml_document(doc)
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:  # now and then, text cut short
        text = text[: draw(st.integers(0, len(text)))]
    return text


def run(args: list[str]) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    return status, out.getvalue(), err.getvalue(), time.perf_counter() - start


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 300,  # the default run is the same every time; the long one explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(text=mutated())
def test_a_mutated_spec_ends_in_0_1_or_2_with_one_line_and_no_traceback(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.toml"
        path.write_text(text, encoding="utf-8")
        for args in (["check", str(path)], ["trace", str(path), "--json"]):
            status, out, err, seconds = run(args)
            event(f"{args[0]} exit {status}")
            assert status in (0, 1, 2), (args, status, err)
            assert "Traceback" not in err
            assert seconds <= SECONDS, (args, seconds)
            if status == 2:
                assert err.count("\n") == 1, err
                assert err.startswith("backprop-ref: ")
                assert out == ""
            elif args[0] == "trace":
                json.loads(out, parse_constant=lambda token: (_ for _ in ()).throw(ValueError(token)))
