"""backprop_ref: a SymPy-derived, independently checked backpropagation oracle.

Every elementwise rule (σ', δᴸ for each cost and output activation, the L2 gradient) is derived and
proven in SymPy (``rules.py``, ``proofs.py``) and printed into the NumPy code that runs
(``_generated.py``); the matrix rules (``core.py``) are proven by running them on a symbolic network.
Importing the package does not import SymPy.

Examples are columns: inputs have shape ``(n_0, m)``.

>>> from backprop_ref import Network
>>> net = Network(W=[[[1.0, -1.0]]], b=[[0.0]], activations=["sigmoid"], cost="cross_entropy")
>>> [g.shape for g in net.gradient([[1.0], [2.0]], [[1.0]]).dW]
[(1, 2)]
"""

from backprop_ref.conventions import Conventions
from backprop_ref.core import Backward, Gradients
from backprop_ref.errors import InputError
from backprop_ref.network import Forward, Network
from backprop_ref.training import Step, Training, step, train

__all__ = [
    "Backward",
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
__version__ = "0.1.0"
