"""The generated NumPy rules: committed as printed, stable where the textbook forms overflow.

The committed ``_generated.py`` must be exactly what ``codegen`` prints from today's rules, and
``codegen`` must refuse to print a rule that is not proven.  At z = ±1000, where ``exp(-z)`` and
``log(1 - a)`` would overflow or hit log(0), the stable forms raise no floating-point error and
give the right limits.  Underflow is let through (``under="ignore"``, NumPy's default): it is how
``log(1 + e^z)`` correctly becomes 0 at z = -1000, not an error.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from backprop_ref import Network, _generated, kernels
from backprop_ref.kernels import COST_OUTPUTS
from backprop_ref.symbolic import codegen, rules
from backprop_ref.symbolic.proofs import prove_activation_derivative

Z = np.array([-1000.0, 1000.0])
PAIRS = [(cost, output) for cost, outputs in COST_OUTPUTS.items() for output in outputs]


def test_committed_module_is_what_the_rules_print() -> None:
    committed = Path(_generated.__file__).read_text(encoding="utf-8")
    assert codegen.generated_source() == committed, "run: python -m backprop_ref.symbolic.codegen"


def test_codegen_refuses_to_write_an_unproven_rule(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the proof of the broken rule is run (that it fails is test_proofs.py's business).
    wrong = replace(rules.ACTIVATIONS["sigmoid"], derivative=rules.a * (1 + rules.a))
    monkeypatch.setitem(rules.ACTIVATIONS, "sigmoid", wrong)
    monkeypatch.setattr(codegen, "elementwise_proofs", lambda: [prove_activation_derivative("sigmoid")])
    monkeypatch.setattr(codegen, "TARGET", tmp_path / "_generated.py")
    assert codegen.main() == 1
    assert not (tmp_path / "_generated.py").exists()
    assert capsys.readouterr().err == "not generated: these rules are not proven: sigmoid'\n"


def test_sigmoid_and_its_derivative_saturate_exactly_without_error() -> None:
    with np.errstate(all="raise", under="ignore"):
        a = _generated.sigmoid(Z)
        assert a.tolist() == [0.0, 1.0]
        assert _generated.sigmoid_prime(Z).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("z", "y", "cost"),
    [(-1000.0, 1.0, 1000.0), (1000.0, 0.0, 1000.0), (-1000.0, 0.0, 0.0), (1000.0, 1.0, 0.0)],
)
def test_cross_entropy_at_saturation_is_finite_and_exact(z: float, y: float, cost: float) -> None:
    # C = -y·log σ(z) - (1 - y)·log(1 - σ(z)) → |z| when the sigmoid saturates on the wrong side.
    z_, y_ = np.array([z]), np.array([y])
    with np.errstate(all="raise", under="ignore"):
        a = _generated.sigmoid(z_)
        assert _generated.cross_entropy(z_, a, y_, 1).tolist() == [cost]
        assert _generated.delta_cross_entropy_sigmoid(z_, a, y_, 1).tolist() == [a[0] - y]


@pytest.mark.parametrize(("cost", "output"), PAIRS)
def test_output_delta_at_z_1000_is_finite(cost: str, output: str) -> None:
    z, y = Z[:, None], np.array([[0.0], [1.0]])  # two output units of one example (softmax's column)
    with np.errstate(all="raise", under="ignore"):
        a = getattr(_generated, output)(z)
        delta = getattr(_generated, f"delta_{cost}_{output}")(z, a, y, 2)
        term = getattr(_generated, cost)(z, a, y, 2)
    assert np.isfinite(delta).all()
    assert np.isfinite(term).all()


@pytest.mark.parametrize(("cost", "output"), PAIRS)
def test_gradient_of_a_saturated_network_warns_nothing(cost: str, output: str) -> None:
    # Hidden z = ±1000, so σ is exactly 0 or 1, and output z = +1000 for the first example and
    # -1000 for the second, each against the opposite target.  pytest turns any NumPy
    # RuntimeWarning (overflow, divide by zero, invalid value) into a failure.
    net = Network(W=[[[1000.0], [-1000.0]], [[1000.0, -1000.0], [0.0, 0.0]]], b=[[0.0, 0.0], [0.0, 0.0]],
                  activations=["sigmoid", output], cost=cost)  # fmt: skip
    x, y = [[1.0, -1.0]], [[0.0, 1.0], [1.0, 0.0]]  # every target a distribution too (a softmax's)
    assert net.forward(x).z[-1].tolist() == [[1000.0, -1000.0], [0.0, 0.0]]
    grads = net.gradient(x, y)
    assert all(np.isfinite(g).all() for g in [*grads.dW, *grads.db])
    J = net.cost_of(x, y)
    assert np.isfinite(J)
    if cost == "cross_entropy":
        # each example costs |z| on its saturated unit and log 2 on the other (z = 0): the mean
        assert pytest.approx(1000.0 + np.log(2), rel=1e-15) == J


def test_importing_the_package_does_not_import_sympy() -> None:
    code = "import sys, backprop_ref; print(sorted(m for m in sys.modules if m.startswith('sympy')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "[]\n"


def _code_strings(path: Path) -> set[str]:
    """Every string constant in a module's code, docstrings (prose and examples) left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def test_each_activation_and_cost_is_named_by_hand_only_in_the_rules() -> None:
    package = Path(_generated.__file__).parent
    names = set(rules.ACTIVATIONS) | set(rules.COSTS)
    assert names == set(kernels.ACTIVATIONS) | set(kernels.COST_OUTPUTS)
    hand_written = [p for p in package.rglob("*.py") if p.name != "_generated.py"]
    naming = {p.relative_to(package).as_posix() for p in hand_written if _code_strings(p) & names}
    assert naming == {"symbolic/rules.py"}
