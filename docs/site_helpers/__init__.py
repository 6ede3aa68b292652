"""The site's own helpers, imported by the pages and their doctests; not installed with the package.

* ``claims.py`` -- a verdict on each checkable claim an article makes, and the verdict table.
"""
