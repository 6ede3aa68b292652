"""The site's own helpers, imported by the pages and their doctests; not installed with the package.

* ``claims.py`` -- a verdict on each checkable claim an article makes, and the verdict table.
* ``tables.py`` -- Markdown tables from formatted rows, for tables a page generates.
* ``networks.py`` -- small random networks for the exercises.
"""
