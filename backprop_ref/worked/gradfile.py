"""Read a gradient that code in any language wrote to a file: JSON, NPZ or CSV.

``backprop_ref gradcheck SPEC GRADS`` compares such a file with the oracle's gradient on the
spec's network and data.  What a file may hold:

* **JSON** -- an object from parameter names to nested lists (``{"W1": [[...]], "b1": [...]}``),
  or from ``"Theta1"``, ``"Theta2"``, ... to Θ matrices, or a list of numbers (one vector);
* **NPZ** (``numpy.savez``) -- arrays named like the JSON object's keys, or one array ``grad``;
* **CSV** or text -- numbers separated by commas, spaces or new lines: one vector.

A vector holds every parameter in turn: in the θ form unrolled column-major (``--theta F``, as
Octave's ``[Theta1(:); Theta2(:)]``) or row-major (``--theta C``), or else ``W1, b1, W2, b2, ...``
each row-major (C order).  Left out: reading forward values to find the first quantity that
diverges.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from backprop_ref.core import Array
from backprop_ref.errors import InputError
from backprop_ref.network import Network
from backprop_ref.validation import as_array

#: Suffixes read, and how.
FORMATS = {".json": "JSON", ".npz": "NPZ", ".csv": "CSV", ".txt": "CSV"}


def read(path: str) -> object:
    """The gradient in the file at ``path``: a dict of arrays or nested lists, or one vector.

    Raises :class:`~backprop_ref.errors.InputError` (field ``GRADS``) for a file that is missing,
    unreadable or not in one of :data:`FORMATS`.
    """
    file = Path(path)
    kind = FORMATS.get(file.suffix.lower())
    if kind is None:
        expected = f"a file ending in {', '.join(FORMATS)}"
        raise InputError("GRADS", expected, path, shown=repr(path))
    try:
        if kind == "JSON":
            return json.loads(file.read_text(encoding="utf-8-sig"))
        if kind == "NPZ":
            with np.load(file, allow_pickle=False) as arrays:
                stored = {name: arrays[name] for name in arrays.files}
            return stored["grad"] if set(stored) == {"grad"} else stored
        text = file.read_text(encoding="utf-8-sig").replace(",", " ").split()
        return [float(token) for token in text]
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, EOFError) as err:
        raise InputError("GRADS", f"a readable {kind} file", path, shown=str(err).splitlines()[0]) from None
    except (ValueError, RecursionError) as err:
        shown = f"a file that is not valid {kind} ({str(err).splitlines()[0][:80]})"
        article = "an" if kind == "NPZ" else "a"
        raise InputError("GRADS", f"{article} {kind} file of numbers", path, shown=shown) from None


def as_parameters(net: Network, given: object) -> dict[str, Array]:
    """A vector of every W, b (each row-major, in the order W1, b1, W2, ...) as a dict; else ``given``."""
    if isinstance(given, dict):
        return given
    params = net.parameters()
    sizes = [p.size for p in params.values()]
    flat = as_array(given, "GRADS", (sum(sizes),), column=False)
    pieces = np.split(flat, np.cumsum(sizes)[:-1])
    return {name: piece.reshape(p.shape) for (name, p), piece in zip(params.items(), pieces, strict=True)}


def load(net: Network, path: str, theta: str | None) -> Any:
    """The file's gradient in the form :func:`backprop_ref.gradcheck.check_gradients` takes."""
    given = read(path)
    if theta is None:
        return as_parameters(net, given)
    if theta == "matrices" and not isinstance(given, dict):
        raise InputError("GRADS", 'Θ matrices named "Theta1", "Theta2", ... for --theta matrices', path)
    return given
