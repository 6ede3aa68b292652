"""``python -m backprop_ref``: the command line of :mod:`backprop_ref.worked.cli`."""

from backprop_ref.worked.cli import main

raise SystemExit(main())
