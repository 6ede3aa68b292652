"""The site's own helpers, imported by the pages and their doctests; not installed with the package.

* ``claims.py`` -- a verdict on each checkable claim an article makes, and the verdict table.
* ``pages.py`` -- the claims a companion page (``articles/<name>/<topic>.md``) settles, for the
  verdict table of its article page.
* ``tables.py`` -- Markdown tables from formatted rows, for tables a page generates.
* ``networks.py`` -- small random networks for the exercises, and the example networks an article
  page shares with its companion pages.
* ``iterations.py`` -- AfterAcademy's step repeated under each convention it leaves open.
"""
