"""``python -m backprop_ref``: the command line of :mod:`backprop_ref.cli`."""

from backprop_ref.cli import main

raise SystemExit(main())
