"""Tables of the page "When your numbers don't match": the catalogue, the ties and the confusion table.

The page's own helpers (not installed with the package).  Everything here presents results of
:mod:`backprop_ref.worked.departures`, :mod:`backprop_ref.worked.diagnose` and
:mod:`backprop_ref.worked.explain`; the confusion table runs ``diagnose`` on the learner's code of
:mod:`site_helpers.learner_code`, written apart from the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from backprop_ref import Conventions, Network
from backprop_ref.worked.departures import CATALOGUE, Departure, names
from backprop_ref.worked.diagnose import Diagnosis, candidates, diagnose
from site_helpers.learner_code import Family, buggy


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table from a header and rows of cells (``|`` escaped).

    Examples
    --------
    >>> print(markdown_table(["a", "b"], [[1, "x|y"]]))
    | a | b |
    |---|---|
    | 1 | x\\|y |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def catalogue_rows(kind: str) -> list[list[str]]:
    """One row per catalogue entry of ``kind``: name, what it does (and where it shows), the math line."""
    return [
        [f"`{d.name}`", f"{d.description} (shows with {d.shows_with})", d.math]
        for d in CATALOGUE
        if d.kind == kind
    ]


def network(fam: Family) -> Network:
    """A network of the family ``fam`` (zeros: ``diagnose`` draws its own values)."""
    W = [np.zeros((n, n_prev)) for n_prev, n in zip(fam.sizes, fam.sizes[1:], strict=False)]
    b = [np.zeros((1 if fam.bias == "shared" else n, 1)) for n in fam.sizes[1:]]
    conventions = Conventions(reduction=fam.reduction, lmbda=fam.lmbda, bias=fam.bias)  # type: ignore[arg-type]
    return Network(W=W, b=b, activations=list(fam.activations), cost=fam.cost, conventions=conventions)


#: The families the confusion table plants mistakes in, each chosen so that its mistakes show.
FAMILIES = {
    "3-4-3 tanh/σ, ½Σ, sum, λ=0.3": Family((3, 4, 3), ("tanh", "sigmoid"), lmbda=0.3),
    "2-2-2 σ/σ, ½Σ, sum, λ=0.3": Family((2, 2, 2), ("sigmoid", "sigmoid"), lmbda=0.3),
    "3-4-3 ReLU/σ, ½Σ, sum, λ=0.3": Family((3, 4, 3), ("relu", "sigmoid"), lmbda=0.3),
    "3-4-3 tanh/σ, ½Σ, mean, λ=0.3": Family((3, 4, 3), ("tanh", "sigmoid"), reduction="mean", lmbda=0.3),
    "3-4-3 tanh/σ, cross-entropy, mean, λ=0.3": Family(
        (3, 4, 3), ("tanh", "sigmoid"), cost="cross_entropy", reduction="mean", lmbda=0.3
    ),
    "3-4-3 tanh/softmax, categorical cross-entropy, sum, λ=0.3": Family(
        (3, 4, 3), ("tanh", "softmax"), cost="categorical_cross_entropy", lmbda=0.3
    ),
}


@dataclass(frozen=True)
class Planted:
    """One planted mistake: the family it was planted in and what ``diagnose`` made of it."""

    mistake: str
    family: str
    diagnosis: Diagnosis

    @property
    def named(self) -> list[str]:
        """The departure sets ``diagnose`` named (each as ``a + b``)."""
        return [names(ds) for ds in self.diagnosis.matches]

    @property
    def exact(self) -> bool:
        """Whether the planted mistake is the one set named."""
        return self.named == [self.mistake]

    @property
    def in_tie(self) -> bool:
        """Whether the planted mistake is among several sets named (a tie this family cannot break)."""
        return self.mistake in self.named and len(self.named) > 1


def confusion(eta: float = 0.5) -> list[Planted]:
    """Every gradient mistake planted, by the learner's code, in the first family where it shows."""
    out = []
    for mistake in sorted({d.name for d in CATALOGUE if d.in_gradient}):
        for label, fam in FAMILIES.items():
            net = network(fam)
            if mistake not in {d.name for d in candidates(net)}:
                continue
            found = diagnose(buggy(fam, mistake), net, eta)
            if found.verdict == "agrees":  # the learner's code has this mistake only in another family
                continue
            out.append(Planted(mistake, label, found))
            break
    return out


def tie_rows(found: Mapping[str, Diagnosis]) -> list[list[str]]:
    """The groups each family cannot tell apart, with what would separate them."""
    rows = []
    for label, diagnosis in found.items():
        for group, needs in diagnosis.indistinguishable:
            members = ", ".join("no departure" if not ds else names(ds) for ds in group)
            rows.append([label, members, needs])
    return rows


def departure_names(group: Iterable[Departure]) -> str:
    """Names joined with commas, in code style."""
    return ", ".join(f"`{d.name}`" for d in group)
