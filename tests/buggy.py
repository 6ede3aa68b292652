"""The learner's code of the tests: ``docs/site_helpers/learner_code.py``, written apart from the catalogue.

It lives with the site's helpers because the page "When your numbers don't match" computes its
confusion table from the same code (``site_helpers/mismatch.py``); the tests import both from there.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "docs"))

from site_helpers.learner_code import Family, buggy, gradient
from site_helpers.mismatch import FAMILIES, confusion, network

__all__ = ["FAMILIES", "Family", "buggy", "confusion", "gradient", "network"]
