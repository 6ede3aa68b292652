"""Read a worked-example spec (TOML) into a checked :class:`Spec`, or say in one sentence what is wrong.

A spec states what an article states: the network (``[network]``: sizes, activations, cost,
W, b, ``[network.conventions]``), its data (``[data]``: x, y), the training (``[training]``: eta,
steps), variant runs (``[runs.NAME]``: conventions and training that differ from the spec's own run,
``"main"``), the article's own names for quantities (``[names]``: name = address, addresses as in
:mod:`backprop_ref.worked.trace`) and every number it prints (``[[printed]]``: name, value, where,
expected, note, and the run it follows).  ``worked/schema.py`` (JSON Schema 2020-12, written out as
``specs/spec.schema.json``) defines the format.

Notation: per-layer lists use math layer numbers, in the file and in messages -- ``sizes[l]`` is
n_l for l = 0..L and ``W[l]``, ``b[l]``, ``activations[l]`` are layer l = 1..L, so ``network.W[1]``
is the first matrix.  ``W[l]`` has n_l rows and n_(l-1) columns as in ``backprop_ref/network.py``;
x and y list one entry per unit, a number for one example or a list with a number per example (examples are
columns).  Other lists (``printed``) are counted from 0.  Printed values are strings, so that their
digits -- and hence the precision the article gives them -- survive.

Every check of a value is made by the oracle's own validators (``validation.py``,
``Conventions``, ``Network``), with the field re-addressed to its place in the file; the schema
checks structure, types and names.  Left out: reading anything but TOML.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backprop_ref.conventions import Conventions
from backprop_ref.core import Array
from backprop_ref.errors import InputError, entries, one_of
from backprop_ref.network import Network
from backprop_ref.validation import as_array, number
from backprop_ref.worked import trace
from backprop_ref.worked.schema import SCHEMA
from backprop_ref.worked.trace import Address

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SPECS = files("backprop_ref.worked") / "specs"
#: The largest spec file read, in bytes (a worked example prints tens of numbers; 1 MiB of TOML
#: holds about 100,000, enough for any published example and small enough to check in a second).
MAX_BYTES = 1 << 20
_LAYERED = ("W", "b", "activations")  # network lists whose entry i is layer i + 1


#: The name of a spec's own run, under the conventions and training it states.
MAIN = "main"


@dataclass(frozen=True)
class Printed:
    """One number an article prints: its ``name``, the quantity it is, the printed digits and its ``run``."""

    name: str
    address: Address
    value: str
    where: str
    expected: str
    note: str
    run: str = MAIN

    @property
    def number(self) -> float:
        """The printed value as a float (the digits themselves are kept in ``value``)."""
        return float(Decimal(self.value))


@dataclass(frozen=True)
class Variant:
    """A run of the spec other than its own: other conventions, learning rate or number of steps."""

    conventions: Conventions
    eta: float | None
    steps: int


@dataclass(frozen=True)
class Spec:
    """A checked worked example: network, data, training, the article's names and printed numbers.

    ``x`` is ``(n_0, m)`` and ``y`` is ``(n_L, m)``; ``names`` maps the article's names to
    addresses.  ``eta`` is None for a spec with no ``[training]``: only the first forward and
    backward pass is then judged (``steps`` is 1).  ``runs`` holds the variant runs of ``[runs]``
    by name; :meth:`under` gives the spec as one of them states it.
    """

    title: str
    source: str
    network: Network
    x: Array
    y: Array
    eta: float | None
    steps: int
    names: Mapping[str, Address]
    printed: tuple[Printed, ...]
    runs: Mapping[str, Variant] = dataclasses.field(default_factory=dict)

    def under(self, run: str) -> Spec:
        """The spec as run ``run`` states it (:data:`MAIN`, the spec's own, or a key of ``runs``).

        Examples
        --------
        >>> load("afteracademy").under("main").network.conventions.hidden_delta_weights
        'before'
        """
        if run == MAIN:
            return self
        if run not in self.runs:
            raise InputError("run", one_of([MAIN, *self.runs]), run)
        v = self.runs[run]
        network = Network(
            self.network.W, self.network.b, self.network.activations, self.network.cost, v.conventions
        )
        return replace(self, network=network, eta=v.eta, steps=v.steps, runs={})

    def run(
        self,
        overrides: Mapping[Address, float] | None = None,
        *,
        steps: int | None = None,
        progress: trace.Progress | None = None,
    ) -> trace.Run:
        """The example's run (:func:`backprop_ref.worked.trace.run`), with ``overrides`` put in.

        ``steps`` cuts the run short (the quantities of the first step do not depend on later ones).
        The parameters after every step the spec's addresses name (``...@k``) are kept.

        Examples
        --------
        >>> round(load("afteracademy").run().value(Address("z", 2, (0, 0))), 6)
        0.844681
        """
        with _under("training"):  # a diverging run is the spec's training.eta at fault
            return trace.run(
                self.network,
                self.x,
                self.y,
                self.run_eta,
                steps or self.steps,
                overrides,
                progress=progress,
                keep=self.kept_steps,
            )

    @property
    def kept_steps(self) -> frozenset[int]:
        """The steps k whose quantities the spec's names or printed numbers ask for (``...@k``)."""
        addresses = [*self.names.values(), *(p.address for p in self.printed)]
        return frozenset(a.step for a in addresses if a.step)

    @property
    def run_eta(self) -> float:
        """The learning rate for a run (the spec's, or 1 without ``[training]``).

        Without ``[training]`` only the first pass is judged, and (under ``"before"``, which
        :func:`build` then requires) none of its quantities depends on η: any η > 0 takes the step
        whose new parameters nobody reads.
        """
        return 1.0 if self.eta is None else self.eta

    def named_parameters(self, net: Network | None = None) -> dict[str, float]:
        """The value of every parameter the article names, by its name (of ``net``, or the spec's own).

        Examples
        --------
        >>> load("afteracademy").named_parameters()["w4"]
        0.15
        """
        params = (net or self.network).parameters()
        return {
            name: float(params[f"{at.kind}{at.layer}"][at.index])
            for name, at in self.names.items()
            if at.kind in ("W", "b")
        }

    def network_with(self, values: Mapping[str, float], cost: str | None = None) -> Network:
        """The spec's network with the parameters the article names set to ``values`` (by name).

        Parameters it leaves out keep the spec's values; ``cost`` replaces the spec's cost.

        Examples
        --------
        >>> spec = load("afteracademy")
        >>> spec.network_with({"w4": 0.5}).W[0].tolist()
        [[0.25, 0.5], [0.35, 0.28]]
        """
        named = self.named_parameters()
        if not isinstance(values, Mapping) or set(values) - set(named):
            keys = sorted(values) if isinstance(values, Mapping) else values
            raise InputError("values", f"names of parameters among {sorted(named)}", keys)
        params = {k: v.copy() for k, v in self.network.parameters().items()}
        for name, value in values.items():
            at = self.names[name]
            params[f"{at.kind}{at.layer}"][at.index] = number(value, f"values[{name!r}]")
        L = len(self.network.W)
        return Network(
            W=[params[f"W{l}"] for l in range(1, L + 1)],
            b=[params[f"b{l}"] for l in range(1, L + 1)],
            activations=self.network.activations,
            cost=self.network.cost if cost is None else cost,
            conventions=self.network.conventions,
        )

    def labels(self, address: Address) -> list[str]:
        """The article's names for ``address``, in the order ``[names]`` gives them.

        Examples
        --------
        >>> load("afteracademy").labels(Address("W", 1, (0, 1)))
        ['w4']
        """
        return [name for name, at in self.names.items() if at == address]


def shipped() -> list[str]:
    """The names of the specs shipped in ``backprop_ref/specs``.

    Examples
    --------
    >>> "afteracademy" in shipped()
    True
    """
    return sorted(p.name.removesuffix(".toml") for p in SPECS.iterdir() if p.name.endswith(".toml"))


def read(spec: str) -> str:
    """The text of the spec file at path ``spec``, or else of the shipped spec named ``spec``.

    Examples
    --------
    >>> read("afteracademy").startswith("# AfterAcademy")
    True
    """
    if not isinstance(spec, str):
        raise InputError("SPEC", "a path or the name of a shipped spec, as a string", spec)
    expected = f"the path of a spec file or the name of a shipped spec ({one_of(shipped())})"
    try:
        is_file = Path(spec).is_file()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL in it
        is_file = False
    if is_file:
        file: Path | Traversable = Path(spec)
    elif spec in shipped():
        file = SPECS / f"{spec}.toml"
    else:
        raise InputError("SPEC", expected, spec, shown=repr(spec))  # a path in full, however long
    try:
        data = file.read_bytes()
        if len(data) > MAX_BYTES:
            shown = f"a file of {len(data):,} bytes"
            raise InputError("SPEC", f"a spec file of at most {MAX_BYTES:,} bytes (1 MiB)", spec, shown=shown)
        return data.decode("utf-8-sig")  # a byte-order mark, as some editors write, is dropped
    except (OSError, UnicodeDecodeError) as err:
        raise InputError("SPEC", "a readable UTF-8 text file", spec, shown=str(err)) from None


def load(spec: str) -> Spec:
    """Read, validate and build the spec at path ``spec`` or shipped under the name ``spec``.

    Raises :class:`~backprop_ref.errors.InputError` naming the field at fault (or the line and
    column of a TOML syntax error).

    Examples
    --------
    >>> s = load("afteracademy")
    >>> s.network.sizes, s.eta, str(s.names["net(o1)"])
    ((2, 2, 2), 0.5, 'z[2][0]')
    """
    text = read(spec)
    try:
        return build(parse_toml(text))
    except RecursionError:
        raise InputError(
            "SPEC", "TOML nested a few levels deep", spec, shown="nesting too deep to read"
        ) from None


_TOML_PLACE = re.compile(r"(?P<message>.*) \(at (?P<place>line \d+, column \d+|end of document)\)")


def parse_toml(text: str) -> dict[str, Any]:
    """The TOML document ``text``, or an error naming the line and column of a syntax error.

    Examples
    --------
    >>> parse_toml("eta = 0.5")
    {'eta': 0.5}
    >>> parse_toml("eta = ")
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: end of document: expected valid TOML, got a syntax error (invalid value)
    """
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise InputError(
            "SPEC", "TOML nested a few levels deep", None, shown="nesting too deep to read"
        ) from None
    except tomllib.TOMLDecodeError as err:
        found = _TOML_PLACE.fullmatch(str(err))
        message, place = (found["message"], found["place"]) if found else (str(err), "TOML")
        shown = f"a syntax error ({message[:1].lower()}{message[1:]})"
        raise InputError(place, "valid TOML", None, shown=shown) from None


def schema() -> dict[str, Any]:
    """The JSON Schema of a spec (:data:`backprop_ref.worked.schema.SCHEMA`).

    Examples
    --------
    >>> schema()["required"]
    ['title', 'source', 'network', 'data', 'printed']
    """
    return SCHEMA


def validate(doc: Mapping[str, Any]) -> None:
    """Raise an :class:`~backprop_ref.errors.InputError` for the most relevant way ``doc`` breaks the schema.

    Examples
    --------
    >>> validate({"title": "t"})
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: source: expected a value for this required key, got none
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    if not isinstance(doc, Mapping):
        raise InputError("SPEC", "a table of the spec's keys (title, source, network, ...)", doc)

    error = best_match(Draft202012Validator(SCHEMA).iter_errors(doc))
    if error is not None:
        raise _schema_error(error)


def field(path: list[str | int]) -> str:
    """A spec's field path as messages write it, layer-numbered where the file is.

    Examples
    --------
    >>> field(["network", "W", 0, 1]), field(["printed", 2, "value"])
    ('network.W[1][1]', 'printed[2].value')
    """
    text = ""
    for i, part in enumerate(path):
        if isinstance(part, int):
            layered = i == 2 and path[0] == "network" and path[1] in _LAYERED
            text += f"[{part + 1 if layered else part}]"
        else:
            text += f".{part}" if text else part
    return text


_TYPES = {
    "number": "a number",
    "integer": "a whole number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a table",
}


_BOUNDS = {"minimum": "≥", "exclusiveMinimum": ">"}


def _schema_error(error: ValidationError) -> InputError:
    """One schema violation as a sentence: field, what was expected, what was given."""
    path, keyword = list(error.absolute_path), error.validator
    rule: Any = error.validator_value  # JSON values from the schema and the document
    instance: Any = error.instance
    subschema: Any = error.schema
    if keyword == "required":
        missing = next(key for key in rule if key not in instance)
        return InputError(field([*path, missing]), "a value for this required key", None, shown="none")
    if keyword == "additionalProperties":
        unknown = next(key for key in instance if key not in subschema["properties"])
        shown = f"the unknown key {unknown!r}"
        return InputError(field([*path, unknown]), one_of(subschema["properties"]), unknown, shown=shown)
    if keyword in ("minItems", "minLength"):
        unit = ("entry", "entries") if keyword == "minItems" else ("character", "characters")
        shown = f"{len(instance)} {unit[len(instance) != 1]}"
        return InputError(field(path), f"at least {rule} {unit[rule != 1]}", instance, shown=shown)
    if "description" in subschema:
        expected = subschema["description"]
    elif keyword == "type":
        expected = _TYPES[rule]
    elif keyword == "enum":
        expected = one_of(rule)
    elif keyword in _BOUNDS:
        expected = f"a number {_BOUNDS[keyword]} {rule}"
    else:
        expected = error.message
    return InputError(field(path), expected, instance)


@contextmanager
def _under(prefix: str) -> Iterator[None]:
    """Re-address an :class:`InputError` raised inside to ``prefix.<its field>``."""
    try:
        yield
    except InputError as err:
        shown = str(err).removeprefix(f"{err.field}: expected {err.expected}, got ")
        raise InputError(f"{prefix}.{err.field}", err.expected, err.given, shown=shown) from None


def build(doc: Mapping[str, Any]) -> Spec:
    """A :class:`Spec` from a parsed TOML document, after the schema and every value check.

    Examples
    --------
    >>> doc = parse_toml(read("afteracademy"))
    >>> doc["network"]["W"][1] = [[0.35, 0.20, 0.1], [0.45, 0.40, 0.1]]
    >>> build(doc)
    Traceback (most recent call last):
    ...
    backprop_ref.errors.InputError: network.W[2]: expected a 2 x 2 array of numbers, got shape (2, 3)
    """
    validate(doc)
    network = _network(doc["network"])
    with _under("data"):
        x = network.inputs(doc["data"]["x"])
        y = network.targets(doc["data"]["y"], x.shape[1])
    m = x.shape[1]
    training = doc.get("training")
    eta = None if training is None else number(training["eta"], "training.eta", minimum=0.0, inclusive=False)
    steps = 1 if training is None else int(training["steps"])
    _needs_training(network.conventions, eta, "training")
    runs = {
        name: _variant(name, table, network.conventions, eta, steps)
        for name, table in doc.get("runs", {}).items()
    }
    longest = max([steps, *(v.steps for v in runs.values())])
    names = {
        name: trace.parse(text, network, m, f"names.{name}", longest)
        for name, text in doc.get("names", {}).items()
    }
    printed: list[Printed] = []
    for i, entry in enumerate(doc["printed"]):
        run = entry.get("run", MAIN)
        if run != MAIN and run not in runs:
            raise InputError(f"printed[{i}].run", one_of([MAIN, *runs]), run)
        run_eta, run_steps = (eta, steps) if run == MAIN else (runs[run].eta, runs[run].steps)
        where = f"printed[{i}].name"
        address = _address(entry["name"], names, network, m, where, run_steps)
        if address.step > run_steps:
            expected = f"a quantity of run {run!r}, which takes {run_steps} step(s)"
            raise InputError(where, expected, entry["name"], shown=f"{entry['name']!r} ({address})")
        if run_eta is None and trace.after_the_run(address):
            expected = "a quantity of the first forward and backward pass (there is no [training])"
            raise InputError(where, expected, entry["name"])
        earlier = [j for j, p in enumerate(printed) if (p.address, p.run) == (address, run)]
        if earlier:
            expected = f"a quantity not printed before (printed[{earlier[0]}] is {address})"
            raise InputError(where, expected, entry["name"])
        printed.append(
            Printed(
                entry["name"], address, entry["value"], entry["where"], entry["expected"], entry["note"], run
            )
        )
    return Spec(
        title=doc["title"],
        source=doc["source"],
        network=network,
        x=x,
        y=y,
        eta=eta,
        steps=steps,
        names=names,
        printed=tuple(printed),
        runs=runs,
    )


def _needs_training(conventions: Conventions, eta: float | None, where: str) -> None:
    """Refuse a run with no learning rate whose first pass depends on one (the layer-by-layer update)."""
    if eta is None and conventions.hidden_delta_weights == "after":
        expected = 'a [training] table: under hidden_delta_weights = "after" δ depends on eta'
        raise InputError(where, expected, None, shown="none")


def _variant(
    name: str, table: Mapping[str, Any], conventions: Conventions, eta: float | None, steps: int
) -> Variant:
    """Run ``name`` of ``[runs]``: the spec's conventions and training with ``table``'s put over them."""
    if name == MAIN:
        raise InputError("runs.main", f"a name other than {MAIN!r} (the spec's own run)", name)
    with _under(f"runs.{name}.conventions"):
        conventions = replace(conventions, **table.get("conventions", {}))
    training = table.get("training", {})
    if "eta" in training:
        eta = number(training["eta"], f"runs.{name}.training.eta", minimum=0.0, inclusive=False)
    elif eta is None and training:
        expected = "a value for this key (the spec has no [training] to take it from)"
        raise InputError(f"runs.{name}.training.eta", expected, None, shown="none")
    _needs_training(conventions, eta, f"runs.{name}.training")
    return Variant(conventions, eta, int(training.get("steps", steps)))


def _network(doc: Mapping[str, Any]) -> Network:
    """The network of ``[network]``, with W, b and activations checked against ``sizes``."""
    sizes = [int(n) for n in doc["sizes"]]
    L = len(sizes) - 1
    for key in _LAYERED:
        if len(doc[key]) != L:
            expected = f"{entries(L)}, one per layer 1..{L} as sizes says"
            raise InputError(f"network.{key}", expected, doc[key], shown=f"{len(doc[key])}")
    with _under("network.conventions"):
        conventions = Conventions(**doc.get("conventions", {}))

    def weights(l: int, W_l: Any) -> Array:
        return as_array(W_l, f"network.W[{l}]", (sizes[l], sizes[l - 1]), column=False)

    def biases(l: int, b_l: Any) -> Array:
        n = 1 if conventions.bias == "shared" else sizes[l]
        given = [b_l] if isinstance(b_l, int | float) else b_l  # one number: the layer's one bias
        if len(given) != n:
            expected = "one bias shared by the layer" if n == 1 else f"{n} biases, one per unit of layer {l}"
            raise InputError(f"network.b[{l}]", expected, b_l, shown=f"{len(given)}")
        return as_array(given, f"network.b[{l}]", (n, 1))

    W = _every(weights, doc["W"])
    b = _every(biases, doc["b"])
    with _under("network"):
        return Network(W=W, b=b, activations=doc["activations"], cost=doc["cost"], conventions=conventions)


def _every(check: Callable[[int, Any], Array], entries: Sequence[Any]) -> list[Array]:
    """``check(l, entry)`` for every layer's entry, with every wrong one (up to three) in one error."""
    out, wrong = [], []
    for l, entry in enumerate(entries, 1):
        try:
            out.append(check(l, entry))
        except InputError as err:
            wrong.append(err)
    if wrong:
        first, *more = wrong
        shown = str(first).removeprefix(f"{first.field}: expected {first.expected}, got ")
        shown += "".join(f"; also {err}" for err in more[:2]) + (
            f"; and {len(more) - 2} more" if len(more) > 2 else ""
        )
        raise InputError(first.field, first.expected, first.given, shown=shown)
    return out


def _address(
    name: str, names: Mapping[str, Address], net: Network, examples: int, where: str, steps: int
) -> Address:
    """The address a printed number's ``name`` stands for: a key of ``[names]`` or an address."""
    if name in names:
        return names[name]
    if "[" in name or name.split("@")[0] in trace.SCALARS:
        return trace.parse(name, net, examples, where, steps)
    raise InputError(where, "a key of [names] or a quantity address such as 'z[2][0]'", name)
