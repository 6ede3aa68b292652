"""``backprop_ref gradcheck SPEC GRADS``: a gradient from code in any language, as JSON, NPZ or CSV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backprop_ref.gradcheck import oracle_gradients
from backprop_ref.worked.cli import main
from backprop_ref.worked.spec import load
from tests.test_gradcheck import octave_style_gradient

SPEC = """
title = "a 3-4-2 sigmoid network with cross-entropy"
source = "written in this test"
[network]
sizes = [3, 4, 2]
activations = ["sigmoid", "sigmoid"]
cost = "cross_entropy"
W = [[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.2, -0.1, 0.05]],
     [[0.3, -0.4, 0.2, 0.1], [-0.5, 0.6, 0.7, -0.2]]]
b = [[0.1, -0.1, 0.2, 0.0], [0.3, -0.3]]
[data]
x = [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.7]]
y = [[1.0, 0.0], [0.0, 1.0]]
[[printed]]
name = "cost"
value = "1"
where = "-"
expected = "unexplained"
note = "only the network and data matter here"
"""


@pytest.fixture
def spec_path(tmp_path: Path) -> str:
    path = tmp_path / "net.toml"
    path.write_text(SPEC, encoding="utf-8")
    return str(path)


def octave_vector(spec_path: str) -> np.ndarray:
    """Θ gradients written the way Octave code does it (examples as rows), unrolled with (:)."""
    spec = load(spec_path)
    theta = {
        f"Theta{l}": np.hstack([b, W])
        for l, (W, b) in enumerate(zip(spec.network.W, spec.network.b, strict=True), 1)
    }
    return octave_style_gradient(theta, spec.x, spec.y)


def test_an_octave_vector_as_csv_agrees(
    spec_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "grad.csv"
    path.write_text("\n".join(f"{v:.17g}" for v in octave_vector(spec_path)), encoding="utf-8")
    assert main(["gradcheck", spec_path, str(path), "--theta", "F"]) == 0
    assert capsys.readouterr().out.startswith("PASS")


def test_theta_matrices_as_npz_agree_and_a_wrong_entry_is_named(spec_path: str, tmp_path: Path) -> None:
    v = octave_vector(spec_path)
    T1, T2 = v[:16].reshape((4, 4), order="F"), v[16:].reshape((2, 5), order="F").copy()
    good, bad = tmp_path / "good.npz", tmp_path / "bad.npz"
    np.savez(good, Theta1=T1, Theta2=T2)
    T2[0, 0] += 0.1  # the first output's bias
    np.savez(bad, Theta1=T1, Theta2=T2)
    assert main(["gradcheck", spec_path, str(good), "--theta", "matrices"]) == 0
    assert main(["gradcheck", spec_path, str(bad), "--theta", "matrices", "--json"]) == 1


def test_w_b_json_from_javascript_agrees(
    spec_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = load(spec_path)
    grads = {name: g.tolist() for name, g in oracle_gradients(spec.network, spec.x, spec.y).items()}
    path = tmp_path / "grads.json"
    path.write_text(json.dumps(grads), encoding="utf-8")  # what JSON.stringify writes
    assert main(["gradcheck", spec_path, str(path), "--json", "--rtol", "1e-7", "--atol", "1e-10"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is True
    assert report["max_abs_error"] == 0.0
    assert (report["rtol"], report["atol"]) == (1e-7, 1e-10)  # the tolerances it judged by
    assert set(report) == {"passed", "max_abs_error", "max_rel_error", "worst", "rtol", "atol"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "grads.json",
            "{not json",
            "GRADS: expected a JSON file of numbers, got a file that is not valid JSON",
        ),
        ("grads.csv", "1, 2, x", "GRADS: expected a CSV file of numbers, got a file that is not valid CSV"),
        (
            "grads.npz",
            "not a zip",
            "GRADS: expected an NPZ file of numbers, got a file that is not valid NPZ",
        ),
        ("grads.csv", "1, 2, 3", "GRADS: expected a vector of 26 numbers, got shape (3,)"),
        ("grads.xlsx", "", "GRADS: expected a file ending in .json, .npz, .csv, .txt"),
        ("grads.json", '{"W1": [[1]]}', "gradient: expected a dict with exactly the keys"),
    ],
)
def test_an_unusable_file_is_one_line_and_exit_2(
    spec_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["gradcheck", spec_path, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"backprop-ref: {message}" in err


def test_a_missing_file_is_one_line_and_exit_2(spec_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck", spec_path, "no-such.json"]) == 2
    assert capsys.readouterr().err.startswith("backprop-ref: GRADS: expected a readable JSON file")


def test_one_vector_of_w1_b1_w2_b2_as_npz_grad_agrees_and_a_wrong_entry_is_named(
    spec_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --theta a vector is W1, b1, W2, b2 each row-major; NPZ's one array ``grad`` is that vector."""
    spec = load(spec_path)
    grads = oracle_gradients(spec.network, spec.x, spec.y)
    vector = np.concatenate([grads[name].ravel() for name in ("W1", "b1", "W2", "b2")])
    path = tmp_path / "grad.npz"
    np.savez(path, grad=vector)
    assert main(["gradcheck", spec_path, str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["max_abs_error"] == 0.0
    vector[12 + 4 + 1] += 0.1  # W2[0, 1]: after W1's 12 and b1's 4 entries, W2's second
    np.savez(path, grad=vector)
    assert main(["gradcheck", spec_path, str(path), "--json"]) == 1
    worst = json.loads(capsys.readouterr().out)["worst"]
    assert (worst["name"], worst["index"]) == ("W2", [0, 1])
    assert worst["yours"] - worst["oracle"] == pytest.approx(0.1)


def test_theta_matrices_from_a_file_without_names_say_what_names_are_wanted(
    spec_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("grads.csv").write_text("1, 2, 3", encoding="utf-8")  # a vector: no Θ names in it
    assert main(["gradcheck", spec_path, "grads.csv", "--theta", "matrices"]) == 2
    assert capsys.readouterr().err == (
        'backprop-ref: GRADS: expected Θ matrices named "Theta1", "Theta2", ... for --theta matrices, '
        "got 'grads.csv'\n"
    )
