"""Build-time symbolic work: the rules in SymPy, their proofs, and the code generated from them.

* ``rules.py`` -- each activation and cost, written as the articles write it, in a form floating
  point evaluates well, and with its derivative in closed form; the one place a name is given;
* ``proofs.py`` -- SymPy proofs that each closed form equals the derivative it stands for, and that
  the hand-written matrix rules of ``backprop_ref/core.py`` give ``sympy.diff`` of the cost;
* ``codegen.py`` -- prints the proven forms into ``backprop_ref/_generated.py``
  (``python -m backprop_ref.symbolic.codegen``).

The only folder that imports SymPy; nothing at run time imports it.
"""
