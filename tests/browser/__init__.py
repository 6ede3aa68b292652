"""Real-browser checks of the built site; a package so its conftest does not clash with tests/conftest.py."""
