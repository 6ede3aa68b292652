"""Specs: the shipped one states the article's example; each bad input is one sentence naming its field."""

import json
import math
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jsonschema import Draft202012Validator

from backprop_ref import Conventions, InputError
from backprop_ref.conventions import BIASES, HIDDEN_DELTA_WEIGHTS, REDUCTIONS
from backprop_ref.kernels import ACTIVATIONS, COST_OUTPUTS
from backprop_ref.worked import schema as schema_module
from backprop_ref.worked.audit import audit, decimals, matches
from backprop_ref.worked.spec import build, field, load, parse_toml, read, schema, shipped
from backprop_ref.worked.verdicts import VERDICTS

SHIPPED = files("backprop_ref.worked") / "specs" / "afteracademy.toml"
# The article's numbers, typed from its text (seed 004).
ARTICLE = {"w1": 0.25, "w2": 0.28, "w3": 0.35, "w4": 0.15, "w5": 0.35, "w6": 0.20, "w7": 0.45, "w8": 0.40}
ARTICLE_BIASES = {"b1": 0.45, "b2": 0.5}
DELETE = object()
STEPS = (
    "a whole number of steps from 1 to 10,000 (a worked example prints a few; a longer run "
    "belongs in a script, with backprop_ref.train)"
)


def afteracademy() -> dict[str, Any]:
    """A fresh parse of the shipped spec, to break one field at a time."""
    return tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


def message(changes: dict[tuple[Any, ...], Any]) -> str:
    """The error message of the shipped spec with ``changes`` (path -> new value or DELETE)."""
    doc = afteracademy()
    for path, value in changes.items():
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    with pytest.raises(InputError) as caught:
        build(doc)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_the_shipped_spec_states_the_articles_network_data_and_training() -> None:
    spec = load("afteracademy")
    run = spec.run()
    for name, value in {**ARTICLE, **ARTICLE_BIASES, "x1": 0.1, "x2": 0.2}.items():
        assert run.value(spec.names[name]) == value, name
    np.testing.assert_array_equal(spec.y, [[0.05], [0.95]])
    assert (spec.eta, spec.steps, spec.network.activations, spec.network.cost) == (
        0.5,
        1,
        ["sigmoid", "sigmoid"],
        "half_sse",
    )


def test_the_shipped_wiring_matches_the_article_equations() -> None:
    # h1 = w1·x1 + w4·x2 + b1, h2 = w3·x1 + w2·x2 + b1, o1 = w5·h1 + w6·h2 + b2, o2 = w7·h1 + w8·h2 + b2
    spec = load("afteracademy")
    v = {**ARTICLE, **ARTICLE_BIASES}
    net = spec.network_with(v)
    z = net.forward([0.1, 0.2]).z
    h1 = v["w1"] * 0.1 + v["w4"] * 0.2 + v["b1"]
    h2 = v["w3"] * 0.1 + v["w2"] * 0.2 + v["b1"]
    s1, s2 = (1 / (1 + math.exp(-h)) for h in (h1, h2))
    assert z[0].ravel().tolist() == pytest.approx([h1, h2], rel=1e-15)
    assert z[1].ravel().tolist() == pytest.approx(
        [v["w5"] * s1 + v["w6"] * s2 + v["b2"], v["w7"] * s1 + v["w8"] * s2 + v["b2"]], rel=1e-15
    )
    assert spec.named_parameters() == v
    for ours, theirs in zip([*spec.network.W, *spec.network.b], [*net.W, *net.b], strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_named_parameters_follow_a_changed_network_and_unknown_names_are_rejected() -> None:
    spec = load("afteracademy")
    moved = spec.network_with({"w2": 9.0})
    assert moved.W[0][1, 1] == 9.0
    assert spec.named_parameters(moved)["w2"] == 9.0
    assert spec.network_with({}, cost="sse").cost == "sse"
    with pytest.raises(
        InputError, match=r"^values: expected names of parameters among \[.*'w8'\], got \['w9'\]$"
    ):
        spec.network_with({"w9": 1.0})
    with pytest.raises(InputError, match=r"^values\['w1'\]: expected a finite number, got 'x'$"):
        spec.network_with({"w1": "x"})


def test_the_shipped_spec_records_every_number_the_article_prints_with_its_digits() -> None:
    printed = {p.name: p.value for p in load("afteracademy").printed}
    assert printed == {
        "net(h1)": "0.505",
        "net(h2)": "0.541",
        "out(h1)": "0.623633",
        "out(h2)": "0.632045",
        "net(o1)": "0.794609",
        "net(o2)": "1.0334528",
        "out(o1)": "0.6888201",
        "out(o2)": "0.7375445",
        "E(total)": "0.22661423",
        "new w1": "0.249921",
        "E(total) after": "0.224991003",
    }


def test_shipped_lists_the_packaged_specs() -> None:
    assert shipped() == ["afteracademy"]


def test_a_spec_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "copy.toml"
    path.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    assert load(str(path)).title == load("afteracademy").title


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_names_what_the_package_accepts() -> None:
    network = schema()["properties"]["network"]["properties"]
    conventions = network["conventions"]["properties"]
    assert network["activations"]["items"]["enum"] == list(ACTIVATIONS)
    assert network["cost"]["enum"] == list(COST_OUTPUTS)
    assert conventions["reduction"]["enum"] == list(REDUCTIONS)
    assert conventions["bias"]["enum"] == list(BIASES)
    assert conventions["hidden_delta_weights"]["enum"] == list(HIDDEN_DELTA_WEIGHTS)
    assert schema()["properties"]["printed"]["items"]["properties"]["expected"]["enum"] == list(VERDICTS)


def test_field_paths_count_layers_from_one_and_other_lists_from_zero() -> None:
    assert field(["network", "W", 0, 1, 0]) == "network.W[1][1][0]"
    assert field(["network", "sizes", 0]) == "network.sizes[0]"
    assert field(["printed", 0, "value"]) == "printed[0].value"
    assert field(["data", "x", 1]) == "data.x[1]"


def test_a_toml_syntax_error_names_its_line_and_column() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("eta = 0.5", "eta = 0.5 0.6")
    line = text.splitlines().index("eta = 0.5 0.6") + 1
    with pytest.raises(InputError) as caught:
        parse_toml(text)
    assert str(caught.value) == (
        f"line {line}, column 11: expected valid TOML, "
        "got a syntax error (expected newline or end of document after a statement)"
    )


def test_a_toml_document_cut_short_says_so() -> None:
    with pytest.raises(InputError, match=r"^end of document: expected valid TOML, got a syntax error"):
        parse_toml("[training]\neta = ")


KNOWN_TOP = "'title', 'source', 'network', 'data', 'training', 'runs', 'names', 'printed'"
KNOWN_NETWORK = "'sizes', 'activations', 'cost', 'W', 'b', 'conventions'"
PRINTED_VALUE = (
    'the number as printed, in quotes so its digits are kept (such as "0.22661423" or "1.2345e-05")'
)
ADDRESS = (
    "an address such as 'z[2][0]', 'W[1][0,1]', 'cost_term[0]', 'cost' or 'a[2][0]@10' "
    "(kinds: z, a, fprime, delta, dC_da, cost_term, dC_da_from, W, dW, W_new, b, db, b_new, cost, cost_after)"
)
CE = {("network", "cost"): "cross_entropy"}
EMPTY_BATCH = {("data", "x"): [[], []], ("data", "y"): [[], []]}

BAD = [
    # unknown keys
    ({("author",): "me"}, f"author: expected one of {KNOWN_TOP}, got the unknown key 'author'"),
    (
        {("network", "weights"): []},
        f"network.weights: expected one of {KNOWN_NETWORK}, got the unknown key 'weights'",
    ),
    (
        {("printed", 2, "digits"): 6},
        "printed[2].digits: expected one of 'name', 'value', 'where', 'expected', 'note', 'run', "
        "got the unknown key 'digits'",
    ),
    # missing keys
    ({("data", "y"): DELETE}, "data.y: expected a value for this required key, got none"),
    # a convention left out takes Conventions()'s default (bias per unit): then every layer's one
    # shared bias is wrong, and the message names them all
    (
        {("network", "conventions", "bias"): DELETE},
        "network.b[1]: expected 2 biases, one per unit of layer 1, got 1; "
        "also network.b[2]: expected 2 biases, one per unit of layer 2, got 1",
    ),
    ({("printed", 3, "note"): DELETE}, "printed[3].note: expected a value for this required key, got none"),
    # wrong types
    ({("training", "eta"): "fast"}, "training.eta: expected a number, got 'fast'"),
    ({("training", "steps"): 1.5}, f"training.steps: expected {STEPS}, got 1.5"),
    ({("training", "steps"): 10_000_000}, f"training.steps: expected {STEPS}, got 10000000"),
    (
        {("network", "conventions", "update_biases"): "no"},
        "network.conventions.update_biases: expected true or false, got 'no'",
    ),
    (
        {("data", "x"): ["a", 0.2]},
        "data.x[0]: expected a number, or a list of numbers with one per example, got 'a'",
    ),
    ({("printed", 0, "value"): 0.505}, f"printed[0].value: expected {PRINTED_VALUE}, got 0.505"),
    # weights, biases and activations that disagree with the sizes
    (
        {("network", "W", 1): [[0.35, 0.2, 0.1], [0.45, 0.4, 0.1]]},
        "network.W[2]: expected a 2 x 2 array of numbers, got shape (2, 3)",
    ),
    (
        {("network", "sizes"): [2, 3, 2]},
        "network.W[1]: expected a 3 x 2 array of numbers, got shape (2, 2); "
        "also network.W[2]: expected a 2 x 3 array of numbers, got shape (2, 2)",
    ),
    (
        {("network", "sizes"): [2, 2, 2, 2]},
        "network.W: expected 3 entries, one per layer 1..3 as sizes says, got 2",
    ),
    ({("network", "sizes", 1): 0}, "network.sizes[1]: expected a number ≥ 1, got 0"),
    ({("network", "b", 0): [0.45, 0.45]}, "network.b[1]: expected one bias shared by the layer, got 2"),
    (
        {("network", "conventions", "bias"): "per_unit"},
        "network.b[1]: expected 2 biases, one per unit of layer 1, got 1; "
        "also network.b[2]: expected 2 biases, one per unit of layer 2, got 1",
    ),
    (
        {("network", "activations"): ["sigmoid"]},
        "network.activations: expected 2 entries, one per layer 1..2 as sizes says, got 1",
    ),
    # unknown activation or cost, and a cost that does not fit the output layer
    (
        {("network", "activations", 1): "gelu"},
        "network.activations[2]: expected one of 'sigmoid', 'tanh', 'relu', 'identity', 'softplus', "
        "'leaky_relu', 'softmax', "
        "got 'gelu'",
    ),
    (
        {("network", "cost"): "hinge"},
        "network.cost: expected one of 'half_sse', 'sse', 'mse', 'linear', 'cross_entropy', "
        "'categorical_cross_entropy', got 'hinge'",
    ),
    (
        {**CE, ("network", "activations", 1): "identity"},
        "network.activations[-1]: expected an output activation cross_entropy accepts (sigmoid), "
        "got 'identity'",
    ),
    # ranges: λ ≥ 0, η > 0, finite numbers
    (
        {("network", "conventions", "lmbda"): -0.1},
        "network.conventions.lmbda: expected a number ≥ 0, got -0.1",
    ),
    (
        {("network", "conventions", "lmbda"): math.nan},
        "network.conventions.lmbda: expected a finite number ≥ 0, got nan",
    ),
    ({("training", "eta"): 0}, "training.eta: expected a number > 0, got 0"),
    ({("training", "eta"): -0.5}, "training.eta: expected a number > 0, got -0.5"),
    ({("training", "eta"): math.inf}, "training.eta: expected a finite number > 0, got inf"),
    ({("data", "x"): [math.nan, 0.2]}, "data.x: expected finite numbers, got nan at index (0, 0)"),
    ({("network", "W", 0, 0, 1): math.inf}, "network.W[1]: expected finite numbers, got inf at index (0, 1)"),
    ({("data", "y", 1): -math.inf}, "data.y: expected finite numbers, got -inf at index (1, 0)"),
    # ragged lists, empty batches, data that does not fit the network
    (
        {("data", "x"): [[0.1, 0.3], [0.2]]},
        "data.x: expected a 2 x m array of numbers, got a ragged nested list",
    ),
    (
        {("network", "W", 0): [[0.25, 0.15], [0.35]]},
        "network.W[1]: expected a 2 x 2 array of numbers, got a ragged nested list",
    ),
    (EMPTY_BATCH, "data.x: expected at least one example (an empty batch has no cost), got an empty array"),
    ({("data", "x"): []}, "data.x: expected at least 1 entry, got 0 entries"),
    ({("data", "x"): [0.1]}, "data.x: expected a 2 x m array of numbers, got shape (1, 1)"),
    (
        {("data", "y"): [[0.05, 0.1], [0.95, 0.9]]},
        "data.y: expected a 2 x 1 array of numbers, got shape (2, 2)",
    ),
    # cross-entropy targets must lie in [0, 1]
    ({**CE, ("data", "y", 1): 1.5}, "data.y: expected values in [0, 1] for cross-entropy, got 1.5"),
    # printed numbers, their names and verdicts
    ({("printed", 0, "value"): "0.50.5"}, f"printed[0].value: expected {PRINTED_VALUE}, got '0.50.5'"),
    ({("printed", 0, "value"): "about 0.5"}, f"printed[0].value: expected {PRINTED_VALUE}, got 'about 0.5'"),
    ({("printed", 0, "value"): "5e-1.0"}, f"printed[0].value: expected {PRINTED_VALUE}, got '5e-1.0'"),
    ({("printed", 0, "value"): "5e"}, f"printed[0].value: expected {PRINTED_VALUE}, got '5e'"),
    ({("printed", 0, "value"): ""}, f"printed[0].value: expected {PRINTED_VALUE}, got ''"),
    (
        {("printed", 0, "expected"): "wrong"},
        "printed[0].expected: expected one of 'reproduced', 'follows', 'slip', 'unexplained', got 'wrong'",
    ),
    ({("printed",): []}, "printed: expected at least 1 entry, got 0 entries"),
    ({("title",): ""}, "title: expected at least 1 character, got 0 characters"),
    ({("network", "sizes"): [2]}, "network.sizes: expected at least 2 entries, got 1 entry"),
    (
        {("printed", 0, "name"): "net(h9)"},
        "printed[0].name: expected a key of [names] or a quantity address such as 'z[2][0]', got 'net(h9)'",
    ),
    (
        {("printed", 0, "name"): "z[3][0]"},
        "printed[0].name: expected a layer from 1 to 2 for z, got 'z[3][0]'",
    ),
    (
        {("printed", 1, "name"): "net(h1)"},
        "printed[1].name: expected a quantity not printed before (printed[0] is z[1][0]), got 'net(h1)'",
    ),
    ({("names", "w1"): "W[1][0]"}, "names.w1: expected an index [j,k] into W[1] (2 x 2), got 'W[1][0]'"),
    ({("names", "b1"): "b[1][0,0]"}, "names.b1: expected an index [j] into b[1] (1 x 1), got 'b[1][0,0]'"),
    ({("names", "w1"): "W[1][2,0]"}, "names.w1: expected an index within W[1] (2 x 2), got 'W[1][2,0]'"),
    ({("names", "x1"): "a[0][0,1]"}, "names.x1: expected an index within a[0] (2 x 1), got 'a[0][0,1]'"),
    ({("names", "w1"): "v[1][0]"}, f"names.w1: expected {ADDRESS}, got 'v[1][0]'"),
    ({("names", "w1"): "z[0]"}, "names.w1: expected an address written z[l][j], got 'z[0]'"),
    (
        {("names", "w1"): "cost_term[1][0]"},
        "names.w1: expected an address written cost_term[j], got 'cost_term[1][0]'",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), BAD)
def test_a_bad_spec_is_one_sentence_naming_the_field(
    changes: dict[tuple[Any, ...], Any], expected: str
) -> None:
    assert message(changes) == expected


def test_a_spec_that_is_neither_a_file_nor_a_shipped_name_is_rejected(tmp_path: Path) -> None:
    for spec in ("no-such-spec", str(tmp_path / "missing.toml"), str(tmp_path)):
        with pytest.raises(InputError) as caught:
            load(spec)
        assert str(caught.value) == (
            "SPEC: expected the path of a spec file or the name of a shipped spec (one of 'afteracademy'), "
            f"got {spec!r}"
        )


def test_a_spec_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "Café"'.encode("latin-1"))
    with pytest.raises(InputError, match=r"^SPEC: expected a readable UTF-8 text file, got .*can't decode"):
        load(str(path))


def test_the_committed_schema_file_is_what_the_package_builds() -> None:
    committed = (files("backprop_ref.worked") / "specs" / "spec.schema.json").read_text(encoding="utf-8")
    assert committed == schema_module.text(), "run: python -m backprop_ref.worked.schema"


def test_the_command_that_refreshes_the_schema_file_writes_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "specs").mkdir()
    monkeypatch.setattr(schema_module, "files", lambda package: tmp_path)  # not the installed package
    assert schema_module.main() == 0
    written = tmp_path / "specs" / "spec.schema.json"
    assert json.loads(written.read_text(encoding="utf-8")) == schema_module.SCHEMA
    assert capsys.readouterr().out == f"wrote {written}\n"


def shipped_doc() -> dict[str, Any]:
    return tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


def test_biases_may_be_numbers_where_a_layer_has_one_bias() -> None:
    doc = shipped_doc()
    doc["network"]["b"] = [0.45, 0.5]  # AfterAcademy's b1, b2: one shared bias per layer
    spec = build(doc)
    assert [b_l.tolist() for b_l in spec.network.b] == [[[0.45]], [[0.5]]]
    doc["network"]["conventions"]["bias"] = "per_unit"
    with pytest.raises(
        InputError, match=r"^network\.b\[1\]: expected 2 biases, one per unit of layer 1, got 1; also"
    ):
        build(doc)


def test_conventions_left_out_take_the_python_defaults() -> None:
    doc = shipped_doc()
    del doc["network"]["conventions"]
    doc["network"]["b"] = [[0.45, 0.45], [0.5, 0.5]]  # per unit, the default
    assert build(doc).network.conventions == Conventions()


def test_a_spec_without_training_judges_the_first_pass_only(capsys: pytest.CaptureFixture[str]) -> None:
    doc = shipped_doc()
    del doc["training"]
    doc["printed"] = [p for p in doc["printed"] if not p["name"].startswith(("new", "E(total) after"))]
    spec = build(doc)
    assert (spec.eta, spec.steps) == (None, 1)
    verdicts = {f.printed.name: f.verdict for f in audit(spec)}
    assert verdicts["net(h1)"] == "reproduced"
    assert verdicts["E(total)"] == "follows"  # as with training: the first pass does not depend on η
    late = shipped_doc()
    del late["training"]
    with pytest.raises(InputError, match=r"^printed\[9\]\.name: expected a quantity of the first forward"):
        build(late)
    after = shipped_doc()
    del after["training"]
    after["printed"] = doc["printed"]
    after["network"]["conventions"]["hidden_delta_weights"] = "after"
    with pytest.raises(InputError, match=r"^training: expected a \[training\] table"):
        build(after)


def test_printed_values_in_scientific_notation_count_their_significant_digits() -> None:
    # "1.2345e-05" has its last digit in the 1e-9 place: one unit there is the tolerance.
    assert decimals("1.2345e-05") == 9
    assert decimals("2e3") == -3
    assert matches("1.2345e-05", 1.2345e-05 + 0.9e-9)
    assert not matches("1.2345e-05", 1.2345e-05 + 1.1e-9)
    doc = shipped_doc()
    doc["printed"][0]["value"] = "5.05e-1"  # net(h1) = 0.505, written the other way
    assert audit(build(doc))[0].verdict == "reproduced"


def test_a_spec_that_is_not_a_string_is_named_in_one_sentence() -> None:
    expected = "SPEC: expected a path or the name of a shipped spec, as a string, got 5"
    with pytest.raises(InputError, match=f"^{expected}$"):
        read(5)  # type: ignore[arg-type]


def test_a_spec_run_reports_each_step_past_the_first_to_its_progress_function() -> None:
    spec = load("afteracademy")
    seen: list[tuple[int, int]] = []
    spec.run(steps=4, progress=lambda taken, steps: seen.append((taken, steps)))
    assert seen == [(2, 4), (3, 4), (4, 4)]


def test_a_printed_quantity_may_be_read_after_the_last_step_and_no_later() -> None:
    doc = afteracademy()  # one step
    doc["printed"][0]["name"] = "a[2][0]@1"
    assert str(build(doc).printed[0].address) == "a[2][0]@1"
    doc["printed"][0]["name"] = "a[2][0]@2"
    with pytest.raises(InputError, match=r"^printed\[0\]\.name: expected a step from 0 to 1 after '@'"):
        build(doc)


def test_a_spec_too_deep_to_check_is_one_sentence_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tomllib reads some nestings the checks then recurse through too deeply: whichever step
    # runs out of stack, the user gets the same one sentence
    from backprop_ref.worked import spec as spec_module

    def too_deep(doc: object) -> object:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(spec_module, "build", too_deep)
    monkeypatch.chdir(tmp_path)
    Path("deep.toml").write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        spec_module.load("deep.toml")
    assert str(caught.value) == "SPEC: expected TOML nested a few levels deep, got nesting too deep to read"
