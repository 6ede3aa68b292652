"""The worked-example toolkit: a spec per published example, traced, audited and searched.

* ``spec.py`` and ``schema.py`` -- read and check a worked-example spec (TOML);
* ``trace.py`` -- every quantity of the example's run, by address, with chosen values replaced;
* ``dependencies.py`` -- which quantities each one is computed from, read off a run;
* ``audit.py`` and ``verdicts.py`` -- a verdict on every number the article prints;
* ``departures.py`` and ``kernel_facts.py`` -- conventions, learner mistakes and readings of printed
  numbers as variants of the oracle's run;
* ``explain.py`` and ``chance.py`` -- the smallest departure sets that reproduce given numbers, and
  how many matches a search of that size makes by chance;
* ``diagnose.py`` -- the departure behind a user's gradient function;
* ``gradfile.py`` -- a gradient written to a file by code in any language (``gradcheck``);
* ``walkthrough.py`` -- a run written out as a handout (Markdown, LaTeX), every formula with its numbers;
* ``scaffold.py`` -- a starting spec for your own example (``backprop_ref new``);
* ``cli.py`` -- the command line (``python -m backprop_ref``); ``specs/`` -- the shipped specs.
"""
