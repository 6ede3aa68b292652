"""Item 4: the verification loop, ``nox -s tests`` and ``nox -s site``, cold once, then reused.

nox runs as a child from the root of a temporary copy of the work tree (the files a clone would
have, uncommitted changes included), with its virtual environments in that copy too: so the
figures neither depend on nor disturb the ``.nox`` environments, the built site and the browser
assets of people working in the tree meanwhile.  First each session runs once on fresh
environments (cold: create, install from the uv cache, run), then :data:`REPS` rounds of both
with the environments reused (``-R``: no install).  ``site`` is left out, with a note, while
``conf/conf.py`` does not exist.  A failed run is timed all the same, and the end of its log kept.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import harness

REPS = 3
TIMEOUT = 1800.0  # seconds for one nox run


def _env() -> dict[str, str]:
    """This environment without the benchmark's own virtual environment, for a nox of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "NOX_CURRENT_SESSION")}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def _copy_of_tree(dest: Path) -> None:
    """Copy the tracked and the untracked, not ignored, files of the work tree to ``dest``."""
    listed = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    names = subprocess.run(listed, cwd=harness.ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in names)):
        source = harness.ROOT / name
        if source.is_file():  # a tracked file may have been deleted
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _record(child: harness.Child, log: Path) -> dict[str, Any]:
    """A run's times, and from its log where they went: pytest's own total, each page's execution."""
    lines = log.read_text(errors="replace").splitlines()
    out: dict[str, Any] = {"wall": child.wall, "cpu": child.cpu, "ok": child.ok}
    pytest = [
        float(m[1])
        for line in lines
        if (m := re.search(r"\d+ (?:passed|failed|errors?)\b.* in ([\d.]+)s", line))
    ]
    pages = [
        float(m[1]) for line in lines if (m := re.search(r"Executed notebook in ([\d.]+) seconds", line))
    ]
    if pytest:
        out["pytest_s"] = pytest[-1]
    if pages:
        out["notebooks_s"] = sum(pages)
    if not child.ok:  # the warnings and errors, then the end of the log
        problems = [line for line in lines if re.search(r"WARNING:|ERROR|Error:|FAILED", line)]
        out["log_tail"] = problems[:10] + lines[-4:]
    return out


def run(nox: list[str]) -> dict[str, Any]:
    """Cold and reused wall times of each session, with ``nox`` the command that starts nox."""
    sessions = ["tests"]
    notes = []
    if (harness.ROOT / "conf" / "conf.py").exists():
        sessions.append("site")
    else:
        notes.append("site skipped: conf/conf.py does not exist yet")
    tree = Path(tempfile.mkdtemp(prefix="bench-loop-"))
    _copy_of_tree(tree)
    env = _env()

    def nox_run(session: str, *options: str) -> dict[str, Any]:
        log = tree / f"{session}.log"
        child = harness.run_child(
            [*nox, "--noxfile", str(tree / "noxfile.py"), *options, "-s", session],
            cwd=tree,
            env=env,
            timeout=TIMEOUT,
            log=log,
        )
        return _record(child, log)

    try:
        cold = {s: nox_run(s) for s in sessions}
        warm: dict[str, list[dict[str, Any]]] = {s: [] for s in sessions}
        for rep in range(REPS):
            for s in sessions[rep % len(sessions) :] + sessions[: rep % len(sessions)]:
                warm[s].append(nox_run(s, "-R"))
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    return {
        "sessions": {
            s: {
                "cold": cold[s],
                "reused": {
                    key: harness.summary([r[key] for r in warm[s] if key in r])
                    for key in ("wall", "cpu", "pytest_s", "notebooks_s")
                    if any(key in r for r in warm[s])
                },
                "all_ok": cold[s]["ok"] and all(r["ok"] for r in warm[s]),
                "failures": [r["log_tail"] for r in [cold[s], *warm[s]] if not r["ok"]][:1],
            }
            for s in sessions
        },
        "notes": notes,
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
    }
