"""Item 3: a fresh ``python -c`` that imports backprop_ref and computes one gradient.

Timed interleaved with two baselines, ``python -c pass`` and ``python -c "import numpy"``, each a
new process, :data:`ROUNDS` rounds, under two bytecode settings:

* ``compiled`` -- every module's compiled form (``.pyc``) cached, as after a pip install, which
  compiles them; the cache lives in a temporary folder (``PYTHONPYCACHEPREFIX``);
* ``as_installed`` -- ``PYTHONDONTWRITEBYTECODE=1`` and whatever ``.pyc`` the venv holds, as on
  this machine, where that variable is set and uv (nox's backend) installs no ``.pyc`` by default:
  every process then compiles NumPy (and the package) from source before running.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import harness

ROUNDS = 12
GRADIENT = (
    "from backprop_ref import Network; "
    "Network(W=[[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]], b=[[0.0, 0.0], [0.0]], "
    "activations=['sigmoid', 'sigmoid'], cost='cross_entropy').gradient([1.0, 2.0], [1.0])"
)
COMMANDS = {"pass": "pass", "import numpy": "import numpy", "backprop_ref gradient": GRADIENT}


def importtime(env: dict[str, str]) -> dict[str, float]:
    """Seconds the gradient command spends importing the package, and NumPy within it (``-X importtime``)."""
    args = [sys.executable, "-X", "importtime", "-c", GRADIENT]
    report = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stderr
    cumulative = {}
    for line in report.splitlines():  # "import time: self [us] | cumulative | name", nested by indent
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| +(\S+)$", line)
        if match:
            cumulative[match[2]] = int(match[1]) / 1e6
    return {"backprop_ref": cumulative["backprop_ref"], "numpy": cumulative["numpy"]}


def run() -> dict[str, Any]:
    """Both bytecode settings, every command interleaved, and where the gradient command's time goes."""
    out: dict[str, Any] = {"rounds": ROUNDS}
    with tempfile.TemporaryDirectory(prefix="bench-pyc-") as tmp:
        base = {
            k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
        }
        settings = {
            "compiled": base | {"PYTHONPYCACHEPREFIX": str(Path(tmp, "compiled"))},
            "as_installed": base | {"PYTHONDONTWRITEBYTECODE": "1"},
        }
        for setting, env in settings.items():
            runs: dict[str, harness.Runs] = {name: {"wall": [], "cpu": []} for name in COMMANDS}
            names = list(COMMANDS)
            for r in range(-1, ROUNDS):  # round -1 warms the disk cache and writes the .pyc files
                for name in names[r % 3 :] + names[: r % 3]:
                    child = harness.run_child([sys.executable, "-c", COMMANDS[name]], env=env)
                    if not child.ok:
                        raise RuntimeError(f"cold start: {name!r} failed")
                    if r >= 0:
                        runs[name]["wall"].append(child.wall)
                        runs[name]["cpu"].append(child.cpu)
            out[setting] = {"times": harness.summaries(runs), "imports_s": importtime(env)}
    out["PYTHONDONTWRITEBYTECODE_here"] = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return out
