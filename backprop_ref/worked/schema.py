"""The JSON Schema of a worked-example spec, built from the package's own lists of names.

Every name a spec may use (activations, costs, conventions, verdicts) is read here from the module
that defines it, so the schema cannot drift from the code: activation and cost names come from
``_generated.py`` (printed from ``symbolic/rules.py``), convention options from
``conventions.py`` and verdicts from ``worked/verdicts.py``.  ``specs/spec.schema.json`` is this
schema written out for editors and other tools (``python -m backprop_ref.worked.schema``);
a test fails if the file differs from :data:`SCHEMA`.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from backprop_ref import conventions, kernels
from backprop_ref.worked.verdicts import VERDICTS

FILE = "spec.schema.json"
#: The most gradient-descent steps a spec's run may ask for (``check`` takes each step once per run,
#: and once more from the article's printed values when a number after the run is printed: at
#: about 0.1 ms a step for a small network, 10,000 steps take about a second, not hours).
MAX_STEPS = 10_000

_conventions: dict[str, Any] = {
    "reduction": {"enum": list(conventions.REDUCTIONS)},
    "lmbda": {"type": "number", "minimum": 0},
    "bias": {"enum": list(conventions.BIASES)},
    "update_biases": {"type": "boolean"},
    "hidden_delta_weights": {"enum": list(conventions.HIDDEN_DELTA_WEIGHTS)},
}

_steps: dict[str, Any] = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_STEPS,
    "description": f"a whole number of steps from 1 to {MAX_STEPS:,} (a worked example "
    "prints a few; a longer run belongs in a script, with backprop_ref.train)",
}
_eta: dict[str, Any] = {"type": "number", "exclusiveMinimum": 0}

#: A variant run: the spec's conventions (all but ``bias``, which says how ``network.b`` is read) and
#: training settings, each key given replacing the spec's.
_run: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "a table of what this run changes: conventions and training",
    "properties": {
        "conventions": {
            "type": "object",
            "additionalProperties": False,
            "description": "a table of conventions that replace the spec's (bias excepted: it says how "
            "network.b is read)",
            "properties": {k: v for k, v in _conventions.items() if k != "bias"},
        },
        "training": {
            "type": "object",
            "additionalProperties": False,
            "description": "a table with eta, steps or both, replacing the spec's [training]",
            "properties": {"eta": _eta, "steps": _steps},
        },
    },
}

#: The schema (JSON Schema 2020-12) every spec is checked against.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:backprop-ref:spec",
    "title": "A worked example of backpropagation, as an article prints it",
    "description": "Read by backprop_ref.worked.spec: a network, its data and training settings, "
    "variant runs, the article's names for quantities, and every number the article prints with the "
    "verdict expected for it. Per-layer lists (network.W, network.b, network.activations) hold "
    "layers 1..L in order; network.sizes holds layers 0..L. Written by backprop_ref.worked.schema; "
    "do not edit.",
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "source", "network", "data", "printed"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "source": {
            "type": "string",
            "minLength": 1,
            "description": "a string saying where the article is (site, author, seed file)",
        },
        "network": {
            "type": "object",
            "additionalProperties": False,
            "required": ["sizes", "activations", "cost", "W", "b"],
            "properties": {
                "sizes": {
                    "type": "array",
                    "minItems": 2,
                    "items": {"type": "integer", "minimum": 1},
                    "description": "a list of the number of units of each layer, input layer first",
                },
                "activations": {"type": "array", "items": {"enum": list(kernels.ACTIVATIONS)}},
                "cost": {"enum": list(kernels.COST_OUTPUTS)},
                "W": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                    "description": "a list of weight matrices, W[l] with n_l rows and n_(l-1) columns "
                    "(row j holds the weights into unit j of layer l)",
                },
                "b": {
                    "type": "array",
                    "items": {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}}]},
                    "description": "a list per layer of its biases: one per unit, or one in all (a number "
                    'or a list of one) when conventions.bias is "shared" or the layer has one unit',
                },
                "conventions": {
                    "type": "object",
                    "additionalProperties": False,
                    "description": "a table of conventions; a key left out takes the default of "
                    "backprop_ref.Conventions",
                    "properties": _conventions,
                },
            },
        },
        "data": {
            "type": "object",
            "additionalProperties": False,
            "required": ["x", "y"],
            "properties": {"x": {"$ref": "#/$defs/examples"}, "y": {"$ref": "#/$defs/examples"}},
        },
        "training": {
            "type": "object",
            "additionalProperties": False,
            "required": ["eta", "steps"],
            "properties": {"eta": _eta, "steps": _steps},
        },
        "runs": {
            "type": "object",
            "description": 'a table of variant runs by name (any name but "main", the spec\'s own run), '
            "each changing some conventions or training settings; a printed number says which it "
            "follows with its key run",
            "additionalProperties": _run,
        },
        "names": {
            "type": "object",
            "description": 'a table from the article\'s names to addresses, such as net_o1 = "z[2][0]"',
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        "printed": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "value", "where", "expected", "note"],
                "properties": {
                    "name": {
                        "type": "string",
                        "minLength": 1,
                        "description": 'a key of [names] or a quantity address such as "z[2][0]", '
                        '"cost_term[0]" or "a[2][0]@100"',
                    },
                    "value": {
                        "type": "string",
                        # (?![\s\S]) ends the string: "$" would also allow a final newline.
                        "pattern": "^[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?(?![\\s\\S])",
                        "description": "the number as printed, in quotes so its digits are kept "
                        '(such as "0.22661423" or "1.2345e-05")',
                    },
                    "where": {"type": "string", "minLength": 1},
                    "expected": {"enum": list(VERDICTS)},
                    "note": {"type": "string", "minLength": 1},
                    "run": {
                        "type": "string",
                        "minLength": 1,
                        "description": 'the run the number follows: "main" (the default, the spec\'s own) '
                        "or a key of [runs]",
                    },
                },
            },
        },
    },
    "$defs": {
        "examples": {
            "type": "array",
            "minItems": 1,
            "description": "a list with an entry per unit: a number (one example), or a list with a "
            "number per example",
            "items": {
                "anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}}],
                "description": "a number, or a list of numbers with one per example",
            },
        }
    },
}


def text() -> str:
    """:data:`SCHEMA` as the JSON text of ``specs/spec.schema.json``."""
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write ``specs/spec.schema.json`` from :data:`SCHEMA`."""
    target = Path(str(files("backprop_ref.worked") / "specs" / FILE))
    target.write_text(text(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
