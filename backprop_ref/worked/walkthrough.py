"""A worked example written out as a handout: every quantity, its formula, the numbers put in, its value.

From a spec's run (:meth:`backprop_ref.worked.spec.Spec.run`), :func:`lines` lists every quantity
in reading order -- given, forward pass, cost, output error (BP1), hidden error (BP2), gradients
(BP3, BP4), update -- each as its formula in the article's own names (the spec's ``[names]``;
Nielsen's symbols where the article names none), the same formula with the numbers put in, and the
value.  :func:`markdown` and :func:`latex` write them out (``backprop_ref trace SPEC --format
markdown``).  Every formula is built from the values of the run itself, so that the numbers it
shows, multiplied and added, give the value it shows: a test recomputes every line that way.

Notation: Nielsen's, with indices counted from 1 as the articles count them (the addresses of
:mod:`backprop_ref.worked.trace` count from 0): w²₁₂ (``W[2][0,1]``) is the weight into unit 1 of
layer 2 from unit 2 of layer 1, C a cost term of one output unit and one example, J the total cost.
The matrix rules are written as the four equations of ``core.py`` state them; the elementwise
rules (f, f′, the cost term, ∂C/∂a) are named, evaluated by the generated kernels and quoted as
generated (their docstrings), not written a second time.  BP1 is written ∂C/∂aᴸⱼ · f′(zᴸⱼ), and
only where that product gives the run's δᴸⱼ; otherwise (an output activation whose Jacobian is not
diagonal) δᴸⱼ is shown with its value alone.  Left out: the cost after each of many steps
(``trace`` lists them); after more than one step the new parameters are shown without a formula.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from backprop_ref import kernels
from backprop_ref.conventions import Conventions
from backprop_ref.core import Array
from backprop_ref.worked.spec import Spec
from backprop_ref.worked.trace import PER_EXAMPLE, Address, Run

#: Significant digits of the numbers a walkthrough shows.
DIGITS = 6
#: The sections of a walkthrough, in reading order.
SECTIONS = (
    "Given",
    "Forward pass",
    "Cost",
    "Output error (BP1)",
    "Hidden error (BP2)",
    "Gradients (BP3, BP4)",
    "Update",
)


# --- formulas: a small expression tree, written with symbols or with numbers -----------------------


@dataclass(frozen=True)
class Symbol:
    """A quantity or a constant: how it is written in Markdown and in LaTeX, and its value."""

    md: str
    tex: str
    value: float


@dataclass(frozen=True)
class Call:
    """A function applied to quantities, such as σ(z¹₁), with the value the run computed for it."""

    md: str
    tex: str
    args: tuple[Symbol, ...]
    value: float


@dataclass(frozen=True)
class Product:
    """Factors multiplied."""

    factors: tuple[Node, ...]


@dataclass(frozen=True)
class Sum:
    """Terms added (sign +1) or subtracted (sign −1)."""

    terms: tuple[Node, ...]
    signs: tuple[int, ...]


Node = Symbol | Call | Product | Sum


def evaluate(node: Node) -> float:
    """The value of ``node``: its arithmetic done on the values of its symbols and calls.

    Examples
    --------
    >>> w, x, b = Symbol("w", "w", 0.5), Symbol("x", "x", 2.0), Symbol("b", "b", 0.25)
    >>> evaluate(Sum((Product((w, x)), b), (1, -1)))
    0.75
    """
    if isinstance(node, Symbol | Call):
        return node.value
    if isinstance(node, Product):
        return math.prod(evaluate(f) for f in node.factors)
    return math.fsum(s * evaluate(t) for s, t in zip(node.signs, node.terms, strict=True))


def number(value: float, tex: bool = False) -> str:
    """``value`` to :data:`DIGITS` significant digits, with a true minus sign in Markdown.

    Examples
    --------
    >>> number(-0.123456789), number(1.5e-07, tex=True)
    ('−0.123457', '1.5 \\\\times 10^{-7}')
    """
    text = f"{value:.{DIGITS}g}"
    if tex:
        mantissa, _, exponent = text.partition("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}" if exponent else text
    return text.replace("-", "−")


def written(node: Node, tex: bool, numbers: bool, inner: bool = False) -> str:
    """``node`` written with symbols or (``numbers``) with values, in Markdown or LaTeX.

    ``inner`` says that the node stands in a product or after a sign, where a negative number and
    a sum need parentheses.

    Examples
    --------
    >>> w, d = Symbol("w5", r"\\text{w5}", 0.35), Symbol("δ²₁", r"\\delta^{2}_{1}", -0.02)
    >>> written(Product((w, d)), tex=False, numbers=False), written(Product((w, d)), tex=False, numbers=True)
    ('w5·δ²₁', '0.35·(−0.02)')
    """
    if isinstance(node, Symbol):
        if not numbers:
            return node.tex if tex else node.md
        text = number(node.value, tex)
        return f"({text})" if inner and node.value < 0 else text
    if isinstance(node, Call):
        args = ", ".join(written(a, tex, numbers) for a in node.args)
        return f"{node.tex}({args})" if tex else f"{node.md}({args})"
    if isinstance(node, Product):
        times = r" \cdot " if tex else "·"
        return times.join(written(f, tex, numbers, inner=True) for f in node.factors)
    text = ""
    for i, (sign, term) in enumerate(zip(node.signs, node.terms, strict=True)):
        minus = "-" if tex else "−"
        if i == 0:
            text += (minus if sign < 0 else "") + written(term, tex, numbers, inner=sign < 0)
        else:
            text += f" {minus if sign < 0 else '+'} " + written(term, tex, numbers, inner=True)
    return f"({text})" if inner else text


# --- the lines of a walkthrough ------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One quantity: its section, the article's names, Nielsen's symbol, formula and value.

    ``formula`` is None for a given value (and for new parameters after more than one step).
    ``address`` is the quantity's address in the trace, None for what has none (y, η);
    ``example`` is the 1-based example, or None when the data hold one example only.
    """

    section: str
    names: tuple[str, ...]
    symbol: Symbol
    formula: Node | None
    value: float
    address: Address | None = None
    example: int | None = None
    note: str = ""


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _sup(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def nielsen(kind: str, layer: int, j: int, k: int = 0, shared: bool = False) -> tuple[str, str]:
    """Nielsen's symbol (Markdown, LaTeX) for the quantity ``kind`` at 0-based ``j``, ``k``.

    Examples
    --------
    >>> nielsen("W", 2, 0, 1), nielsen("a", 0, 1), nielsen("dC_da", 1, 0)
    (('w²₁₂', 'w^{2}_{12}'), ('x₂', 'x_{2}'), ('∂C/∂a¹₁', '\\\\partial C/\\\\partial a^{1}_{1}'))
    """
    j1, k1 = j + 1, k + 1
    if kind in ("W", "dW", "W_new"):
        sep = "," if max(j1, k1) > 9 else ""
        md, tex = f"w{_sup(layer)}{_sub(j1)}{sep}{_sub(k1)}", f"w^{{{layer}}}_{{{j1}{sep}{k1}}}"
    elif kind in ("b", "db", "b_new"):
        md = f"b{_sup(layer)}" + ("" if shared else _sub(j1))
        tex = f"b^{{{layer}}}" + ("" if shared else f"_{{{j1}}}")
    elif (kind, layer) == ("a", 0):
        return f"x{_sub(j1)}", f"x_{{{j1}}}"
    else:
        letter = {"z": ("z", "z"), "a": ("a", "a"), "delta": ("δ", r"\delta"), "dC_da": ("a", "a")}[kind]
        md, tex = f"{letter[0]}{_sup(layer)}{_sub(j1)}", f"{letter[1]}^{{{layer}}}_{{{j1}}}"
    if kind == "dC_da":
        return f"∂C/∂{md}", rf"\partial C/\partial {tex}"
    if kind in ("dW", "db"):
        return f"∂J/∂{md}", rf"\partial J/\partial {tex}"
    if kind in ("W_new", "b_new"):
        return f"new {md}", rf"\text{{new }} {tex}"
    return md, tex


def function(name: str) -> tuple[str, str]:
    """How activation ``name`` is written (Markdown, LaTeX): by its name, as ``symbolic/rules.py`` gives it.

    Examples
    --------
    >>> function("leaky_relu")
    ('leaky_relu', '\\\\operatorname{leaky\\\\_relu}')
    """
    return name, rf"\operatorname{{{tex_text(name)}}}"


class _Quantities:
    """The run's arrays by kind and layer, and each entry as a :class:`Symbol` in the article's names."""

    def __init__(self, spec: Spec, run: Run) -> None:
        self.spec, self.run = spec, run
        self.arrays: dict[tuple[str, int], Array] = {(k, l): v for k, l, v in run.arrays()}
        self.shared = spec.network.conventions.bias == "shared"

    def names(self, kind: str, layer: int, j: int, k: int = 0) -> tuple[str, ...]:
        return tuple(self.spec.labels(Address(kind, layer, (j, k))))

    def symbol(self, kind: str, layer: int, j: int, k: int = 0, value: float | None = None) -> Symbol:
        """Entry ``[j, k]`` of ``kind`` in layer ``layer``, in the article's first name for it."""
        names = self.names(kind, layer, j, k)
        md, tex = nielsen(kind, layer, j, k, self.shared)
        if kind in PER_EXAMPLE:
            md, tex = md + self.example(k)[0], tex + self.example(k)[1]
        if names:
            md, tex = markdown_text(names[0]), rf"\text{{{tex_text(names[0])}}}"
        if value is None:
            value = float(self.arrays[kind, layer][j, k])
        return Symbol(md, tex, value)

    def example(self, e: int) -> tuple[str, str]:
        """The mark of example ``e`` (0-based) on a symbol, ``[2]``; none when there is one example."""
        return (f"[{e + 1}]", f"[{e + 1}]") if self.spec.x.shape[1] > 1 else ("", "")

    def target(self, j: int, e: int, marked: bool = True) -> Symbol:
        """The target yⱼ of example ``e`` (``marked`` with the example, where there are several)."""
        md, tex = self.example(e) if marked else ("", "")
        return Symbol(f"y{_sub(j + 1)}{md}", f"y_{{{j + 1}}}{tex}", float(self.spec.y[j, e]))

    def line(self, section: str, kind: str, layer: int, j: int, k: int, formula: Node | None) -> Line:
        """The line of quantity ``kind`` at ``[j, k]`` of layer ``layer``, computed by ``formula``."""
        m = self.spec.x.shape[1]
        md, tex = nielsen(kind, layer, j, k, self.shared)
        value = float(self.arrays[kind, layer][j, k])
        example = k + 1 if kind in PER_EXAMPLE and m > 1 else None
        names, address = self.names(kind, layer, j, k), Address(kind, layer, (j, k))
        return Line(section, names, Symbol(md, tex, value), formula, value, address, example)


def _given(q: _Quantities) -> Iterator[Line]:
    spec, m = q.spec, q.spec.x.shape[1]
    for e in range(m):
        for j in range(spec.x.shape[0]):
            yield q.line("Given", "a", 0, j, e, None)
        for j in range(spec.y.shape[0]):
            y = q.target(j, e, marked=False)  # the line says which example
            yield Line("Given", (), y, None, y.value, example=e + 1 if m > 1 else None)
    for l in range(1, len(spec.network.W) + 1):
        W_l, b_l = q.arrays["W", l], q.arrays["b", l]
        for j, k in np.ndindex(W_l.shape):
            yield q.line("Given", "W", l, j, k, None)
        for j in range(b_l.shape[0]):
            yield q.line("Given", "b", l, j, 0, None)
    if spec.eta is not None:
        yield Line("Given", (), Symbol("η", r"\eta", spec.eta), None, spec.eta, note="the learning rate")


def _forward(q: _Quantities) -> Iterator[Line]:
    net, m = q.spec.network, q.spec.x.shape[1]
    for e in range(m):
        for l, name in enumerate(net.activations, start=1):
            W_l = q.arrays["W", l]
            fmd, ftex = function(name)
            for j in range(W_l.shape[0]):
                terms: list[Node] = [
                    Product((q.symbol("W", l, j, k), q.symbol("a", l - 1, k, e))) for k in range(W_l.shape[1])
                ]
                terms.append(q.symbol("b", l, 0 if q.shared else j))
                yield q.line("Forward pass", "z", l, j, e, Sum(tuple(terms), (1,) * len(terms)))
                a = float(q.arrays["a", l][j, e])
                yield q.line("Forward pass", "a", l, j, e, Call(fmd, ftex, (q.symbol("z", l, j, e),), a))


def _cost(q: _Quantities) -> Iterator[Line]:
    spec, net = q.spec, q.spec.network
    L, m = len(net.W), spec.x.shape[1]
    z_L, a_L = q.arrays["z", L], q.arrays["a", L]
    terms = kernels.cost(net.cost, net.activations[-1], net.sizes[-1]).term(z_L, a_L, spec.y)
    parts: list[Node] = []
    for e in range(m):
        for j in range(net.sizes[-1]):
            md, tex = q.example(e)
            term = Symbol(f"C{_sub(j + 1)}{md}", f"C_{{{j + 1}}}{tex}", float(terms[j, e]))
            formula = Call("C", "C", (q.symbol("a", L, j, e), q.target(j, e)), term.value)
            at = Address("cost_term", L, (j, e))
            example = e + 1 if m > 1 else None
            yield Line("Cost", tuple(spec.labels(at)), term, formula, term.value, at, example)
            parts.append(term)
    total: Node = parts[0] if len(parts) == 1 else Sum(tuple(parts), (1,) * len(parts))
    if net.conventions.reduction == "mean" and m > 1:
        total = Product((Symbol("1/m", "1/m", 1 / m), total))
    lmbda = net.conventions.lmbda
    if lmbda:
        penalty = math.fsum(float(kernels.l2_penalty(W_l, lmbda, m).sum()) for W_l in net.W)
        total = Sum((total, Symbol("λ/(2m)·Σw²", r"\tfrac{\lambda}{2m}\sum w^2", penalty)), (1, 1))
    cost = q.run.costs[0]
    names = tuple(spec.labels(Address("cost")))
    note = _cost_note(net.conventions, m)
    yield Line("Cost", names, Symbol("J", "J", cost), total, cost, Address("cost"), note=note)


def _cost_note(conventions: Conventions, m: int) -> str:
    reduction = (
        "the mean over examples" if conventions.reduction == "mean" and m > 1 else "the sum of the terms"
    )
    return reduction + (", plus the L2 penalty on the weights" if conventions.lmbda else "")


def _errors(q: _Quantities) -> Iterator[Line]:
    spec, net = q.spec, q.spec.network
    L, m = len(net.W), spec.x.shape[1]
    after = net.conventions.hidden_delta_weights == "after"
    for l in range(L, 0, -1):
        section = "Output error (BP1)" if l == L else "Hidden error (BP2)"
        fmd, ftex = function(net.activations[l - 1])
        # softmax (output only) has no f′ per unit: its δᴸ is the cost's closed form, shown alone
        jacobian = net.activations[l - 1] in kernels.OUTPUT_ONLY
        fprime = None if jacobian else kernels.activation(net.activations[l - 1]).fprime(q.arrays["z", l])
        for e in range(m):
            for j in range(net.sizes[l]):
                if l == L:
                    y = q.target(j, e)
                    value = float(q.arrays["dC_da", L][j, e])
                    dC_da: Node = Call("∂C/∂a", r"\partial C/\partial a", (q.symbol("a", L, j, e), y), value)
                else:
                    dC_da = Sum(tuple(_carried(q, l, j, e, after)), (1,) * net.sizes[l + 1])
                line = q.line(section, "dC_da", l, j, e, dC_da)
                yield replace(line, note=AFTER_NOTE) if after and l < L else line
                if fprime is None:
                    yield q.line(section, "delta", l, j, e, None)
                    continue
                z = q.symbol("z", l, j, e)
                slope = Symbol(f"{fmd}′({z.md})", f"{ftex}'({z.tex})", float(fprime[j, e]))
                md, tex = f"{fmd}′({nielsen('z', l, j)[0]})", f"{ftex}'({nielsen('z', l, j)[1]})"
                example = e + 1 if m > 1 else None
                at = Call(f"{fmd}′", f"{ftex}'", (z,), slope.value)
                fprime_at = Address("fprime", l, (j, e))
                names = tuple(q.spec.labels(fprime_at))
                yield Line(section, names, Symbol(md, tex, slope.value), at, slope.value, fprime_at, example)
                product = Product((q.symbol("dC_da", l, j, e), slope))
                # BP1 with a Jacobian that is not diagonal has no such product: δ is shown alone.
                shown = product if _close(evaluate(product), float(q.arrays["delta", l][j, e])) else None
                yield q.line(section, "delta", l, j, e, shown)


#: The note on BP2 under ``hidden_delta_weights = "after"`` (a layer-by-layer update).
AFTER_NOTE = "with the weights above already updated: hidden_delta_weights after"


def _close(a: float, b: float) -> bool:
    """Whether two ways of computing one value agree to rounding (nine digits, or both under 1e-300)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


def _carried(q: _Quantities, l: int, j: int, e: int, after: bool) -> Iterator[Product]:
    """The terms wˡ⁺¹ₖⱼ·δˡ⁺¹ₖ of BP2, with Wˡ⁺¹ after its update under ``hidden_delta_weights = "after"``."""
    for k in range(q.spec.network.sizes[l + 1]):
        if after:  # after the first step: the article's name for it only if that is the last step
            value = float(q.run.first.after.W[l][k, j])
            md, tex = nielsen("W_new", l + 1, k, j)
            w = q.symbol("W_new", l + 1, k, j, value) if q.spec.steps == 1 else Symbol(md, tex, value)
        else:
            w = q.symbol("W", l + 1, k, j)
        yield Product((w, q.symbol("delta", l + 1, k, e)))


def _gradients(q: _Quantities) -> Iterator[Line]:
    net, m = q.spec.network, q.spec.x.shape[1]
    mean = net.conventions.reduction == "mean" and m > 1
    lmbda = net.conventions.lmbda

    def reduced(terms: Sequence[Node]) -> Node:
        total = terms[0] if len(terms) == 1 else Sum(tuple(terms), (1,) * len(terms))
        return Product((Symbol("1/m", "1/m", 1 / m), total)) if mean else total

    for l in range(len(net.W), 0, -1):
        for j, k in np.ndindex(q.arrays["W", l].shape):
            grad = reduced(
                [Product((q.symbol("delta", l, j, e), q.symbol("a", l - 1, k, e))) for e in range(m)]
            )
            if lmbda:
                decay = Product((Symbol("λ/m", r"\lambda/m", lmbda / m), q.symbol("W", l, j, k)))
                grad = Sum((grad, decay), (1, 1))
            yield q.line("Gradients (BP3, BP4)", "dW", l, j, k, grad)
        units = range(net.sizes[l])
        for j in range(q.arrays["b", l].shape[0]):
            over = units if q.shared else [j]
            yield q.line(
                "Gradients (BP3, BP4)",
                "db",
                l,
                j,
                0,
                reduced([q.symbol("delta", l, i, e) for e in range(m) for i in over]),
            )


def _update(q: _Quantities) -> Iterator[Line]:
    spec = q.spec
    if spec.eta is None:
        return
    eta = Symbol("η", r"\eta", spec.eta)
    one_step = spec.steps == 1
    for l in range(1, len(spec.network.W) + 1):
        for kind, grad, new in (("W", "dW", "W_new"), ("b", "db", "b_new")):
            for j, k in np.ndindex(q.arrays[kind, l].shape):
                formula: Node | None = None
                if one_step:
                    old = q.symbol(kind, l, j, k)
                    formula = Sum((old, Product((eta, q.symbol(grad, l, j, k)))), (1, -1))
                line = q.line("Update", new, l, j, k, formula)
                if kind == "b" and not spec.network.conventions.update_biases:
                    line = replace(line, formula=q.symbol(kind, l, j, k), note="update_biases false: kept")
                yield line
    after = q.run.costs[-1]
    steps = f"after {spec.steps} steps" if spec.steps > 1 else "after the update"
    md, tex = f"J {steps}", rf"J \text{{ {steps}}}"
    names = tuple(spec.labels(Address("cost_after")))
    yield Line("Update", names, Symbol(md, tex, after), None, after, Address("cost_after"))


def lines(spec: Spec) -> list[Line]:
    """Every quantity of the spec's run in reading order, each with its formula and value.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> line = next(l for l in lines(load("afteracademy")) if l.names == ("net(h1)",))
    >>> line.section, [written(line.formula, tex=False, numbers=n) for n in (False, True)]
    ('Forward pass', ['w1·x1 + w4·x2 + b1', '0.25·0.1 + 0.15·0.2 + 0.45'])
    """
    q = _Quantities(spec, spec.run())
    parts: list[Callable[[_Quantities], Iterator[Line]]] = [
        _given,
        _forward,
        _cost,
        _errors,
        _gradients,
        _update,
    ]
    return [line for part in parts for line in part(q)]


# --- writing it out -----------------------------------------------------------------------------


def _rules(spec: Spec) -> list[tuple[str, str]]:
    """``(what, rule)`` for every elementwise rule the walkthrough uses, quoted as generated."""
    net = spec.network
    out = []
    cost = kernels.cost(net.cost, net.activations[-1], net.sizes[-1])
    for name in dict.fromkeys(net.activations):
        k = kernels.activation(name)
        out.append((function(name)[0], _doc(k.f)))
        # an output-only activation (softmax) has no f′: the output error's own closed form instead
        out.append(
            ("δᴸ", _doc(cost.delta))
            if name in kernels.OUTPUT_ONLY
            else (function(name)[0] + "′", _doc(k.fprime))
        )
    out += [(f"C ({net.cost})", _doc(cost.term)), ("∂C/∂a", _doc(cost.gradient))]
    return out


def _doc(fn: object) -> str:
    """The first line of the docstring of a generated kernel (of the function inside a partial)."""
    doc = inspect.getdoc(getattr(fn, "func", fn)) or ""
    return doc.splitlines()[0] if doc else ""


def _setting(spec: Spec) -> str:
    net = spec.network
    conventions = ", ".join(f"{f.name} {getattr(net.conventions, f.name)}" for f in fields(net.conventions))
    training = (
        f"; training: η = {spec.eta:g}, {spec.steps} step{'s' if spec.steps > 1 else ''}"
        if spec.eta is not None
        else "; no training step"
    )
    m = spec.x.shape[1]
    return (
        f"Network: sizes {'-'.join(map(str, net.sizes))}; activations {', '.join(net.activations)}; "
        f"cost {net.cost}; {m} example{'s' if m > 1 else ''}; conventions: {conventions}{training}."
    )


NOTATION = (
    "Each line gives a quantity in the article's names (Nielsen's symbol beside it), its formula, the "
    "formula with the numbers put in, and the value. Indices count from 1: w²₁₂ is the weight into "
    "unit 1 of layer 2 from unit 2 of layer 1; C is one output unit's cost term, J the total. "
    f"Numbers are shown to {DIGITS} significant digits; each is computed from the unrounded values."
)


def markdown_text(text: str) -> str:
    """``text`` with the characters Markdown would read as markup escaped.

    Examples
    --------
    >>> markdown_text("E_total*")
    'E\\\\_total\\\\*'
    """
    return "".join("\\" + c if c in "\\`*_[]<>|#" else c for c in text)


def _label(line: Line, tex: bool) -> tuple[str, str]:
    """The article's names of ``line`` (empty when it has none) and Nielsen's symbol for it."""
    symbol = line.symbol.tex if tex else line.symbol.md
    names = [rf"\text{{{tex_text(n)}}}" if tex else markdown_text(n) for n in line.names]
    return " = ".join(names), symbol


def _equation(line: Line, tex: bool) -> list[str]:
    """The formula of ``line`` with symbols, then with numbers (each once, if it says more)."""
    steps: list[str] = []
    if line.formula is not None:
        for numbers in (False, True):
            text = written(line.formula, tex, numbers)
            if text not in steps and not (
                not numbers and text == (line.symbol.tex if tex else line.symbol.md)
            ):
                steps.append(text)
        if isinstance(line.formula, Symbol) and len(steps) == 2:
            steps = steps[:1]  # a quantity equal to another: its value follows
    return steps


def markdown(spec: Spec, level: int = 1) -> str:
    """The walkthrough of ``spec`` as Markdown, its title a heading of ``level`` (1 for ``#``).

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> text = markdown(load("afteracademy"))
    >>> print(next(t for t in text.splitlines() if t.startswith("- **net(h1)**")))
    - **net(h1)** (z¹₁) = w1·x1 + w4·x2 + b1 = 0.25·0.1 + 0.15·0.2 + 0.45 = **0.505**
    """
    hashes = "#" * level
    out = [
        f"{hashes} {markdown_text(spec.title)}",
        "",
        markdown_text(spec.source),
        "",
        _setting(spec),
        "",
        NOTATION,
        "",
    ]
    out += ["Rules, as generated from their proven closed forms:", ""]
    out += [f"- {markdown_text(what)}: `{rule}`" for what, rule in _rules(spec)]
    section = ""
    for line in lines(spec):
        if line.section != section:
            section = line.section
            out += ["", f"{hashes}# {section}", ""]
        names, symbol = _label(line, tex=False)
        label = f"**{names}** ({symbol})" if names else f"**{symbol}**"
        example = f" (example {line.example})" if line.example else ""
        note = f" ({markdown_text(line.note)})" if line.note else ""
        equals = "".join(f"{s} = " for s in _equation(line, tex=False))
        out.append(f"- {label}{example} = {equals}**{number(line.value)}**{note}")
    return "\n".join(out) + "\n"


#: LaTeX for the characters a spec's names and titles use that pdfLaTeX cannot take as text.
TEX_CHARACTERS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "∂": r"\ensuremath{\partial}",
    "σ": r"\ensuremath{\sigma}",
    "δ": r"\ensuremath{\delta}",
    "η": r"\ensuremath{\eta}",
    "λ": r"\ensuremath{\lambda}",
    "θ": r"\ensuremath{\theta}",
    "Θ": r"\ensuremath{\Theta}",
    "Σ": r"\ensuremath{\Sigma}",
    "·": r"\ensuremath{\cdot}",
    "×": r"\ensuremath{\times}",
    "−": "-",
    "′": r"\ensuremath{'}",
    "→": r"\ensuremath{\to}",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "–": "--",
    "—": "---",
    **{d: rf"\ensuremath{{^{i}}}" for i, d in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
    **{d: rf"\ensuremath{{_{i}}}" for i, d in enumerate("₀₁₂₃₄₅₆₇₈₉")},
}


def tex_text(text: str) -> str:
    """``text`` as LaTeX text: special characters escaped, the usual Unicode symbols as LaTeX.

    Examples
    --------
    >>> tex_text("∂E/∂w_1 & 50%")
    '\\\\ensuremath{\\\\partial}E/\\\\ensuremath{\\\\partial}w\\\\_1 \\\\& 50\\\\%'
    """
    return "".join(TEX_CHARACTERS.get(c, c) for c in text)


def latex(spec: Spec) -> str:
    """The walkthrough of ``spec`` as a LaTeX document (``article`` class, amsmath).

    Names, title and source are written as text, with Unicode symbols they commonly hold
    (∂, Greek letters, sub- and superscript digits) turned into LaTeX; other non-ASCII characters
    are kept as they are (LuaLaTeX and XeLaTeX take them; pdfLaTeX may not).

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> text = latex(load("afteracademy"))
    >>> text.count(r"\\begin{itemize}") == text.count(r"\\end{itemize}"), text.isascii()
    (True, True)
    """
    out = [
        r"\documentclass{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{amsmath}",
        r"\begin{document}",
        rf"\section*{{{tex_text(spec.title)}}}",
        tex_text(spec.source) + r"\par",
        r"\medskip",
        tex_text(_setting(spec)) + r"\par",
        r"\medskip",
        tex_text(NOTATION) + r"\par",
        r"\medskip",
        r"Rules, as generated from their proven closed forms:",
        r"\begin{itemize}",
        *(rf"\item {tex_text(what)}: \texttt{{{tex_text(rule)}}}" for what, rule in _rules(spec)),
        r"\end{itemize}",
    ]
    section = ""
    for line in lines(spec):
        if line.section != section:
            if section:
                out.append(r"\end{itemize}")
            section = line.section
            out += [rf"\subsection*{{{tex_text(section)}}}", r"\begin{itemize}"]
        names, symbol = _label(line, tex=True)
        label = rf"{names}\ ({symbol})" if names else symbol
        example = rf" \text{{ (example {line.example})}}" if line.example else ""
        note = f" ({tex_text(line.note)})" if line.note else ""
        equals = "".join(f"{s} = " for s in _equation(line, tex=True))
        out.append(rf"\item ${label}{example} = {equals}{number(line.value, tex=True)}${note}")
    out += [r"\end{itemize}", r"\end{document}"]
    return "\n".join(out) + "\n"


#: The formats of ``backprop_ref trace SPEC --format``.
FORMATS: dict[str, Callable[[Spec], str]] = {"markdown": markdown, "latex": latex}
