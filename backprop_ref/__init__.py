"""backprop_ref: a SymPy-derived, independently checked backpropagation oracle.

What is generated and what is proven:

* every **elementwise** rule (each activation and f', each cost, ∂C/∂a and δᴸ for every cost and
  output activation, the L2 penalty and its gradient) is stated in SymPy
  (``symbolic/rules.py``), proven equal to ``sympy.diff`` of its definition
  (``symbolic/proofs.py``) and **generated** into the NumPy code that runs (``_generated.py``);
* the **matrix** rules BP1–BP4 (``core.py``) are **written by hand**, once, and **proven** by running
  that very code on networks whose every entry is a SymPy symbol and comparing with
  ``sympy.diff`` of the whole cost.

Folders by audience: the oracle is this folder's modules; ``symbolic/`` is build-time only (the
one place SymPy is imported: importing ``backprop_ref`` never pays for it); ``worked/`` is the
worked-example toolkit and the command line.

Examples are columns: inputs have shape ``(n_0, m)``.

>>> from backprop_ref import Network
>>> net = Network(W=[[[1.0, -1.0]]], b=[[0.0]], activations=["sigmoid"], cost="cross_entropy")
>>> [g.shape for g in net.gradient([[1.0], [2.0]], [[1.0]]).dW]
[(1, 2)]
"""

from importlib.metadata import PackageNotFoundError, version

from backprop_ref.conventions import Conventions
from backprop_ref.core import Backward, Gradients
from backprop_ref.errors import InputError
from backprop_ref.network import Batch, Forward, Network
from backprop_ref.training import Step, Training, step, train

__all__ = [
    "Backward",
    "Batch",
    "Conventions",
    "Forward",
    "Gradients",
    "InputError",
    "Network",
    "Step",
    "Training",
    "step",
    "train",
]
try:
    __version__ = version("backprop_ref")  # the one place it is written is pyproject.toml
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
