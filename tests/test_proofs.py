"""The SymPy proofs hold, and fail when the rule they prove is broken (negative controls).

A proof that cannot fail proves nothing, so each kind of proof is also run on a deliberately
wrong rule: BP2 without its f' factor or with W for Wᵀ, a wrong closed form of σ', and the
classic cross-entropy mistake of multiplying δᴸ by σ'(z).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

from backprop_ref import core
from backprop_ref.core import Array, Elementwise, Hook
from backprop_ref.symbolic import proofs, rules

ELEMENTWISE = proofs.elementwise_proofs()
KINK = "z > 0 and z < 0 (z = 0 is a kink)"


@pytest.mark.parametrize("proof", ELEMENTWISE, ids=[p.name.replace("δ_L", "delta_L") for p in ELEMENTWISE])
def test_elementwise_rule_is_proven(proof: proofs.Proof) -> None:
    assert proof.holds, f"{proof.derived} != {proof.closed}"


def test_every_rule_the_code_uses_has_a_proof() -> None:
    names = {p.name for p in ELEMENTWISE}
    for f, rule in rules.ACTIVATIONS.items():
        assert f"{f} (stable form)" in names
        assert rule.output_only or f"{f}'" in names  # softmax: no f', a δᴸ per cost instead
    for cost, c in rules.COSTS.items():
        assert f"d{cost}/da" in names
        for f in c.delta:
            assert {f"{cost} on {f} (stable form)", f"δ_L for {cost} on {f}"} <= names
    assert "L2 gradient" in names


def test_relu_derivative_is_proven_on_each_side_of_its_kink() -> None:
    proof = proofs.prove_activation_derivative("relu")
    assert proof.holds
    assert proof.domain == KINK


def entries(sizes: tuple[int, ...], examples: int) -> int:
    """How many derivatives a network proof compares: every weight, bias and input."""
    weights = sum(n * n_prev for n_prev, n in pairwise(sizes))
    return weights + sum(sizes[1:]) + sizes[0] * examples


NETWORKS = {
    "2-3-2, 1 example": ((2, 3, 2), 1),
    "2-3-2, 2 examples": ((2, 3, 2), 2),
    "2-3-3-2, 1 example": ((2, 3, 3, 2), 1),
}


@pytest.mark.parametrize(("sizes", "examples"), NETWORKS.values(), ids=NETWORKS)
def test_backward_pass_is_proven_on_a_symbolic_network(sizes: tuple[int, ...], examples: int) -> None:
    proof = proofs.prove_network_rules(sizes, examples)
    assert proof.failures == ()
    assert proof.checked == entries(sizes, examples)
    assert proof.holds


def without_fprime(
    W_next: Array, delta_next: Array, fprime: Elementwise, z: Array, hook: Hook, l: int, space: object = None
) -> tuple[Array, Array]:
    """BP2 with the f'(zˡ) factor forgotten: δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹."""
    dC_da = W_next.T @ delta_next
    return dC_da, dC_da


def untransposed(
    W_next: Array, delta_next: Array, fprime: Elementwise, z: Array, hook: Hook, l: int, space: object = None
) -> tuple[Array, Array]:
    """BP2 with Wˡ⁺¹ where (Wˡ⁺¹)ᵀ belongs (shapes agree only for a square Wˡ⁺¹)."""
    dC_da = W_next @ delta_next
    return dC_da * fprime(z), dC_da


def test_network_proof_fails_without_the_fprime_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "hidden_error", without_fprime)
    proof = proofs.prove_network_rules((2, 3, 2))
    assert not proof.holds
    # Exactly what depends on δ¹ is wrong: ∂C/∂W¹, ∂C/∂b¹ and ∂C/∂x, not layer 2's gradients.
    assert {name.split("_")[0] for name in proof.failures} == {"W1", "b1", "x"}
    assert len(proof.failures) == 6 + 3 + 2


def test_network_proof_fails_with_W_for_W_transposed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "hidden_error", untransposed)
    proof = proofs.prove_network_rules((2, 2, 2))
    assert not proof.holds
    assert {name.split("_")[0] for name in proof.failures} == {"W1", "b1", "x"}


def test_sigmoid_derivative_proof_fails_for_a_wrong_closed_form(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = replace(rules.ACTIVATIONS["sigmoid"], derivative=rules.a * (1 + rules.a))
    monkeypatch.setitem(rules.ACTIVATIONS, "sigmoid", wrong)
    assert not proofs.prove_activation_derivative("sigmoid").holds


def test_cross_entropy_delta_proof_fails_with_an_extra_sigmoid_prime(monkeypatch: pytest.MonkeyPatch) -> None:
    a, y = rules.a, rules.y
    ce = rules.COSTS["cross_entropy"]
    monkeypatch.setitem(rules.COSTS, "cross_entropy", replace(ce, delta={"sigmoid": (a - y) * a * (1 - a)}))
    assert not proofs.prove_output_delta("cross_entropy", "sigmoid").holds


def test_symbolic_network_has_one_symbol_per_entry() -> None:
    W, b, x, y = proofs.symbolic_network((2, 3, 1), examples=2)
    assert [w.shape for w in W] == [(3, 2), (1, 3)]
    assert [b_l.shape for b_l in b] == [(3, 1), (1, 1)]
    assert (x.shape, y.shape) == ((2, 2), (1, 2))
    symbols = [s for arr in (*W, *b, x, y) for s in arr.ravel()]
    assert len(set(symbols)) == len(symbols) == (6 + 3) + (3 + 1) + 4 + 2  # W, b, x, y


@pytest.mark.parametrize(("n_in", "n_out"), [(1, 1), (3, 2), (2, 4)])
def test_one_layers_rules_are_proven_for_any_activation_and_incoming_gradient(n_in: int, n_out: int) -> None:
    proof = proofs.prove_layer_rules(n_in, n_out)
    assert proof.holds
    assert proof.checked == n_out * n_in + n_out + n_in  # every weight, bias and input


def test_layer_proof_fails_when_the_weight_gradient_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    right = core.layer_gradients

    def doubled(*args: object, **kwargs: object) -> tuple[object, object]:
        dW, db = right(*args, **kwargs)  # type: ignore[arg-type]
        return 2 * dW, db

    monkeypatch.setattr(core, "layer_gradients", doubled)
    proof = proofs.prove_layer_rules(2, 2)
    assert not proof.holds
    assert sorted(proof.failures) == sorted(f"W1_{j}_{k}" for j in range(2) for k in range(2))


@pytest.mark.parametrize(
    ("cost", "wrong", "of_delta"),
    [
        ("half_sse", rules.a - rules.y, True),  # δ = a − y without softmax's Jacobian
        ("categorical_cross_entropy", (rules.a - rules.y) * rules.a, True),  # an extra factor a
        ("categorical_cross_entropy", rules.y * (rules.UnitMax(rules.z) - rules.z), False),  # log Σ dropped
    ],
)
def test_a_wrong_softmax_rule_is_not_proven(cost: str, wrong: object, of_delta: bool) -> None:
    assert not proofs._softmax_proof(cost, wrong, "wrong", of_delta).holds
