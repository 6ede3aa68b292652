"""The benchmark scripts are run by ``nox -s bench``, not by pytest: collect none of them.

Without this, ``--doctest-modules`` would import every script here as a module.
"""

collect_ignore_glob = ["*.py"]
