"""Benchmark scripts run by ``nox -s bench``; a package only so that its conftest has a name of its own."""
