"""The catalogue of departures: each convention and each known mistake as a variant of the oracle's run.

A *departure* is one documented way a computation can differ from the spec's: a convention option
(biases updated or not, the hidden δ through the weights from before or after their update, the
½, a sum or a mean), a mistake learners make (ids as in ``shared/LEARNER_MISTAKES.md`` where it
has them: another η, a layer left out of the step, inputs taken crosswise, σ′ twice ... are new),
or a way of reading printed numbers (a hand calculation carrying d decimals, the printed number
itself a slip, the printed forward values carried on, a printed slip made again after the step).
Each has an ``id``, a one-line ``description``, the ``math`` line it changes (as the departure
writes it) and says where it ``shows_with`` (what a network needs for it to have an effect).

A departure changes the computation in one or more of three ways, never by editing text:

* ``network`` -- the oracle's own network with another convention or cost (``Conventions``,
  ``Network``), run by the oracle unchanged;
* ``rate`` -- the oracle's run with another learning rate η (the rate used, not the one stated);
* ``rewrite`` -- a step of the oracle's own run replaced as the run reaches it, through the hook
  of :func:`backprop_ref.core.forward`, :func:`backprop_ref.core.backward`,
  :func:`backprop_ref.training.step` and :func:`backprop_ref.worked.trace.run`: the hook sees
  each z, a, ∂C/∂a, δ, ∂J/∂W, ∂J/∂b, the cost and the new parameters, and the rewrite returns
  what the departing computation would have there, computed from what the run has seen so far
  (:class:`Context`).  Everything downstream is then computed by the oracle from it.  A rewrite of
  ∂J/∂W or ∂J/∂b changes what the update applies (a step taken uphill, a layer left out of the
  step), so a run's ∂J/∂W reads what its update used.

Departures compose: a set is applied in catalogue order (:data:`CATALOGUE`), each rewrite seeing
what the earlier ones returned.  Two departures that change the same factor of the same line
(their ``slot``) exclude each other (:func:`compatible`).

Notation as in ``core.py``: zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = f(zˡ), δˡ = ∂C/∂zˡ, examples are columns.  Left
out: ``softmax_jacobian_diagonal`` (the oracle has no softmax).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from backprop_ref import core, kernels
from backprop_ref.core import Array, Hook
from backprop_ref.errors import InputError, one_of
from backprop_ref.network import Batch, Network
from backprop_ref.training import step
from backprop_ref.worked import kernel_facts, trace
from backprop_ref.worked.audit import matches
from backprop_ref.worked.trace import Address

Kind = Literal["convention", "mistake", "reading"]


#: ``rewrite(ctx, kind, layer, value)``: what the departing computation has in place of ``value``.
Rewrite = Callable[["Context", str, int, Array], Array]


@dataclass
class Context:
    """What one run has computed so far, for the rewrites: the network, data, η and each value seen.

    ``seen[(kind, layer)]`` is the last value the composed hook returned for that quantity,
    ``computed[(kind, layer)]`` the value the oracle computed there, before any rewrite;
    ``rewrites`` are the run's rewrites and ``steps`` its number of steps (for ``online_updates``,
    which reruns the step example by example).
    """

    net: Network
    data: Batch
    eta: float
    steps: int = 1
    rewrites: list[Rewrite] = field(default_factory=list)
    seen: dict[tuple[str, int], Array] = field(default_factory=dict)
    computed: dict[tuple[str, int], Array] = field(default_factory=dict)
    online: Network | None = None

    @property
    def y(self) -> Array:
        """The targets, ``(n_L, m)``."""
        return self.data.y

    @property
    def L(self) -> int:
        """The number of layers."""
        return len(self.net.W)

    def fprime(self, l: int) -> Callable[[Array], Array]:
        """f′ of layer l's activation (the generated kernel).

        An output-only activation (softmax) has no f′; what code that treats it as elementwise
        multiplies by is its Jacobian's diagonal, ∂a_k/∂z_k = a_k(1 − a_k).
        """
        act = kernels.activation(self.net.activations[l - 1])
        if act.name not in kernels.OUTPUT_ONLY:
            return act.fprime

        def diagonal(z: Array) -> Array:
            a = act.f(z)
            return a * (1 - a)  # type: ignore[no-any-return]

        return diagonal

    def weights_through(self, l: int) -> Array:
        """The Wˡ that δˡ is carried down through: before its update, or after (``hidden_delta_weights``)."""
        W_l = self.net.W[l - 1]
        if self.net.conventions.hidden_delta_weights == "after":
            return W_l - self.eta * self.seen[("dW", l)]
        return W_l

    def l2_of(self, l: int) -> Array:
        """The L2 term of ∂J/∂Wˡ as the oracle adds it ((λ/m)·Wˡ), zero when λ = 0."""
        return kernels.l2_gradient(self.net.W[l - 1], self.net.conventions.lmbda, self.y.shape[-1])


def _same(net: Network) -> Network:
    return net


def _always(net: Network) -> bool:
    return True


@dataclass(frozen=True)
class Departure:
    """One named variant of the computation (see the module docstring).

    ``param`` distinguishes variants of one id (the decimals carried, the printed number that is a
    slip); :attr:`name` is ``id`` or ``id:param``.  ``in_gradient`` says whether it changes the
    gradient a gradient function returns (``diagnose`` tries only those).  ``rate`` is the learning
    rate the departing run uses in place of the stated one.  ``slips`` are the printed numbers it
    puts in as printed though they do not follow from what comes before them: it calls them slips.
    ``run`` is the run of a spec it acts in (a reading of a number printed under one run), None for
    every run (a convention or a mistake: the learner makes it wherever the computation is done).
    """

    id: str
    kind: Kind
    description: str
    math: str
    shows_with: str
    slot: str
    applies: Callable[[Network], bool] = _always
    network: Callable[[Network], Network] = _same
    rewrite: Rewrite | None = None
    in_gradient: bool = True
    param: str | None = None
    rate: float | None = None
    slips: tuple[Address, ...] = ()
    run: str | None = None

    @property
    def name(self) -> str:
        """``id``, or ``id:param`` for a parametrised variant."""
        return self.id if self.param is None else f"{self.id}:{self.param}"


def _conventions(**changes: Any) -> Callable[[Network], Network]:
    def change(net: Network) -> Network:
        return dataclasses.replace(net, conventions=dataclasses.replace(net.conventions, **changes))

    return change


def _differs(**settings: object) -> Callable[[Network], bool]:
    """Applies where some named convention (or the cost) differs from ``settings``."""

    def applies(net: Network) -> bool:
        return any(
            (net.cost if k == "cost" else getattr(net.conventions, k)) != v for k, v in settings.items()
        )

    return applies


def _per_unit(net: Network) -> Network:
    """The network with each shared bias given to every unit of its layer (the same values)."""
    b = [np.repeat(b_l, n, axis=0) for b_l, n in zip(net.b, net.sizes[1:], strict=True)]
    conventions = dataclasses.replace(net.conventions, bias="per_unit")
    return Network(W=net.W, b=b, activations=net.activations, cost=net.cost, conventions=conventions)


def _shared(net: Network) -> Network:
    """The network with one bias per layer (applies where each layer's biases are equal)."""
    b = [b_l[:1] for b_l in net.b]
    conventions = dataclasses.replace(net.conventions, bias="shared")
    return Network(W=net.W, b=b, activations=net.activations, cost=net.cost, conventions=conventions)


def _equal_biases(net: Network) -> bool:
    return net.conventions.bias == "per_unit" and all(bool((b_l == b_l[0]).all()) for b_l in net.b)


def _hidden(ctx: Context, l: int) -> bool:
    return l < ctx.L


def _explicit_fprime(ctx: Context, l: int) -> bool:
    """Whether code writes f′ of layer l as a factor of δˡ: every hidden layer, and the output
    layer unless its cost pairs with it so that δᴸ = a − y (cross-entropy on a sigmoid)."""
    return l < ctx.L or not kernel_facts.paired(ctx.net.cost, ctx.net.activations[-1], ctx.net.sizes[-1])


def _on(
    kind: str, where: Callable[[Context, int], bool], change: Callable[[Context, int, Array], Array]
) -> Rewrite:
    """A rewrite of quantity ``kind`` at the layers ``where`` accepts, by ``change(ctx, l, value)``."""

    def rewrite(ctx: Context, k: str, l: int, value: Array) -> Array:
        return change(ctx, l, value) if k == kind and where(ctx, l) else value

    return rewrite


def _both(*rewrites: Rewrite) -> Rewrite:
    """The rewrites one after the other (each sees what the one before returned)."""

    def rewrite(ctx: Context, kind: str, l: int, value: Array) -> Array:
        for r in rewrites:
            value = r(ctx, kind, l, value)
        return value

    return rewrite


def _any_layer(ctx: Context, l: int) -> bool:
    return True


def _output(ctx: Context, l: int) -> bool:
    return l == ctx.L


def _dC_da(ctx: Context, l: int) -> Array:
    return ctx.seen[("dC_da", l)]


def _scaled(kinds: Iterable[str], factor: Callable[[Context, int], float]) -> Rewrite:
    return _both(*(_on(k, _any_layer, lambda ctx, l, v: factor(ctx, l) * v) for k in kinds))


def _shortcut_on_z(ctx: Context, l: int, value: Array) -> Array:
    g = kernel_facts.shortcut(ctx.net.activations[l - 1])
    return value if g is None else _dC_da(ctx, l) * g(ctx.seen[("z", l)])


def _shortcut(net: Network) -> bool:
    return any(kernel_facts.shortcut_on_z_shows(name) for name in net.activations)


def _hidden_shortcut(net: Network) -> bool:
    return any(kernel_facts.shortcut_on_z_shows(name) for name in net.activations[:-1])


def _first_weight(ctx: Context, l: int, value: Array) -> Array:
    """Only entry [0, 0] of ∂J/∂Wˡ (w1, w5: the weight a worked example works out) kept."""
    mask = np.zeros_like(value)
    mask[..., 0, 0] = 1.0
    return value * mask


def _one_path(row: slice) -> Callable[[Context, int, Array], Array]:
    """∂C/∂aˡ through the one unit of layer l + 1 that ``row`` picks (its path alone)."""
    return lambda ctx, l, v: ctx.weights_through(l + 1)[row].T @ ctx.seen[("delta", l + 1)][row]


def _uphill(where: Callable[[Context, int], bool]) -> Rewrite:
    """The step of the layers ``where`` accepts reversed: ∂J/∂W and ∂J/∂b negated there."""
    return _both(*(_on(k, where, lambda ctx, l, v: -v) for k in ("dW", "db")))


def _kinked(net: Network) -> bool:
    return any(kernel_facts.jump_at_zero(name) for name in net.activations)


def _right_derivative_at_zero(ctx: Context, l: int, value: Array) -> Array:
    jump = kernel_facts.jump_at_zero(ctx.net.activations[l - 1])
    return value + jump * _dC_da(ctx, l) * (ctx.seen[("z", l)] == 0) if jump else value


def _online(ctx: Context, kind: str, l: int, value: Array) -> Array:
    """The parameters after the run's steps taken one example at a time (the other rewrites in each)."""
    if kind not in ("W_new", "b_new"):
        return value
    if ctx.online is None:
        net, data = ctx.net, ctx.data
        others = [r for r in ctx.rewrites if r is not _online]
        for _ in range(ctx.steps):
            for e in range(data.examples):
                one = Batch(data.x[:, [e]], data.y[:, [e]], data.in_unit_interval)
                net = step(net, one, None, ctx.eta, hook=_hook(Context(net, one, ctx.eta, 1, others))).after
        ctx.online = net
    return (ctx.online.W if kind == "W_new" else ctx.online.b)[l - 1]


def _half(net: Network) -> str | None:
    """The network's cost with its ½ dropped, or added (the other of ½Σ(y − a)² and Σ(y − a)²)."""
    last = net.activations[-1]
    return kernel_facts.scaled(net.cost, last, (2.0, 2.0)) or kernel_facts.scaled(net.cost, last, (0.5, 0.5))


def _over_outputs(net: Network) -> str | None:
    """The network's squared error averaged over the K outputs, (1/K)Σ(y − a)², where it has one."""
    last = net.activations[-1]
    return kernel_facts.scaled(net.cost, last, (1.0, 2 / 3)) or kernel_facts.scaled(
        net.cost, last, (0.5, 1 / 3)
    )


def _with_cost(find: Callable[[Network], str | None]) -> Callable[[Network], Network]:
    """The network with the cost ``find`` gives (the departure applies only where it gives one)."""

    def change(net: Network) -> Network:
        return dataclasses.replace(net, cost=find(net) or net.cost)

    return change


def _square(net: Network) -> bool:
    return all(W_l.shape[0] == W_l.shape[1] for W_l in net.W)


def _square_above(net: Network) -> bool:
    return all(W_l.shape[0] == W_l.shape[1] for W_l in net.W[1:]) and len(net.W) > 1


def _layers(net: Network) -> bool:
    return len(net.W) > 1


def _l2_cost_of_biases(ctx: Context, biases: Sequence[Array]) -> float:
    m = ctx.y.shape[-1]
    return float(sum(kernels.l2_penalty(b_l, ctx.net.conventions.lmbda, m).sum() for b_l in biases))


def _l2_on_bias() -> Rewrite:
    def gradient(ctx: Context, l: int, value: Array) -> Array:
        return value + kernels.l2_gradient(ctx.net.b[l - 1], ctx.net.conventions.lmbda, ctx.y.shape[-1])

    def cost(ctx: Context, k: str, l: int, value: Array) -> Array:
        if k == "cost":
            return value + _l2_cost_of_biases(ctx, ctx.net.b)
        if k == "cost_after":
            after = [ctx.seen[("b_new", l)] for l in range(1, ctx.L + 1)]
            return value + _l2_cost_of_biases(ctx, after)
        return value

    return _both(_on("db", _any_layer, gradient), cost)


ROUNDED = ("z", "a", "dC_da", "delta", "dW", "db", "W_new", "b_new", "cost", "cost_after")


def rounded_intermediates(d: int) -> Departure:
    """Every intermediate rounded to ``d`` decimals before it is used (a hand calculation).

    Examples
    --------
    >>> rounded_intermediates(4).name
    'rounded_intermediates:4'
    """

    def rewrite(ctx: Context, kind: str, l: int, value: Array) -> Array:
        return np.round(value, d) if kind in ROUNDED else value

    return Departure(
        "rounded_intermediates",
        "reading",
        f"every intermediate rounded to {d} decimals before it is reused (a hand calculation)",
        f"zˡ, aˡ, δˡ, ∂J/∂W, ... each replaced by round(·, {d})",
        "every spec; it shows at the digits past the rounding",
        "rounding",
        rewrite=rewrite,
        in_gradient=False,
        param=str(d),
    )


def reference_slip(name: str, address: Address, printed: float) -> Departure:
    """The printed number ``name`` is itself a slip, and what follows it is computed from it.

    For a quantity a run can take in place (:data:`backprop_ref.worked.trace.OVERRIDABLE`), the
    printed value replaces the computed one, so later numbers follow from the slip (the audit's
    "follows"); otherwise the slip explains only itself.

    Examples
    --------
    >>> reference_slip("net(o1)", Address("z", 2), 0.794609).math
    'z[2][0] = 0.794609 as printed, not as computed'
    """
    carried = address.kind in trace.OVERRIDABLE
    put_in = trace.substitute({address: printed} if carried else {})
    return Departure(
        "reference_slip",
        "reading",
        f"the printed {name} is itself a slip" + ("; later numbers are computed from it" if carried else ""),
        f"{address} = {printed!r} as printed, not as computed",
        "a printed number",
        f"slip:{address}",
        rewrite=lambda ctx, kind, l, value: put_in(kind, l, value),
        in_gradient=False,
        param=name,
        slips=(address,),
    )


def printed_values_carried(
    printed: Mapping[Address, str], kept: Collection[Address], param: str
) -> Departure:
    """The forward pass carries the printed values (rounded, as a hand calculation reuses them).

    Each printed z or a of the first step (``printed``: address to digits) is put in place of the
    computed one where it is a rounding of the value computed from what was put in before it, and
    where its address is in ``kept`` even when it is not (a slip carried on).  A printed slip not
    kept is recomputed, and so is every printed value after it that no longer follows.  ``param``
    names the variant.

    Examples
    --------
    >>> d = printed_values_carried({Address("a", 1, (0, 0)): "0.6236"}, (), "all")
    >>> d.name, d.slips
    ('printed_values_carried:all', ())
    """
    by_array: dict[tuple[str, int], list[tuple[Address, str]]] = {}
    for address, digits in printed.items():
        if address.kind in ("z", "a") and not address.step:
            by_array.setdefault((address.kind, address.layer), []).append((address, digits))

    def rewrite(ctx: Context, kind: str, l: int, value: Array) -> Array:
        entries = by_array.get((kind, l))
        if not entries:
            return value
        value = np.array(value, dtype=np.float64)
        for address, digits in entries:
            if address in kept or matches(digits, float(value[address.index])):
                value[address.index] = float(digits)
        return value

    return Departure(
        "printed_values_carried",
        "reading",
        "the forward values taken as printed (rounded) where the article prints them"
        + ("" if param == "all" else f"; {param}"),
        "zˡ, aˡ as printed (a rounding of the computed value), in place of the computed",
        "printed forward values",
        "printed values",
        rewrite=rewrite,
        in_gradient=False,
        param=param,
        slips=tuple(kept),
    )


def slip_repeated(name: str, address: Address, printed: float) -> Departure:
    """The printed slip in ``name`` made again in the forward pass after the step (for the cost after it).

    The slip is the printed value less the value the run computed there (from what it had put in
    before); the same amount is added to that quantity when the cost after the step is computed.

    Examples
    --------
    >>> slip_repeated("net(o1)", Address("z", 2), 0.794609).math
    'z[2][0] after the step += (0.794609 − z[2][0] computed)'
    """

    def shifted(by: float) -> Hook:
        def hook(kind: str, layer: int, value: Array) -> Array:
            if (kind, layer) != (address.kind, address.layer):
                return value
            value = np.array(value, dtype=np.float64)
            value[address.index] += by
            return value

        return hook

    def rewrite(ctx: Context, kind: str, l: int, value: Array) -> Array:
        if kind != "cost_after":
            return value
        slip = printed - float(ctx.computed[(address.kind, address.layer)][address.index])
        final = ctx.net.with_arrays(
            [ctx.seen[("W_new", k)] for k in range(1, ctx.L + 1)],
            [ctx.seen[("b_new", k)] for k in range(1, ctx.L + 1)],
        )
        cost = []
        for hook in (core.unchanged, shifted(slip)):
            fw = final.forward(ctx.data, hook)
            cost.append(final.stacked_cost(fw.z[-1], fw.a[-1], ctx.y, final.W))
        return value + (cost[1] - cost[0])  # type: ignore[no-any-return]

    return Departure(
        "slip_repeated",
        "reading",
        f"the slip in the printed {name} made again when the cost after the step is computed",
        f"{address} after the step += ({printed!r} − {address} computed)",
        "a printed slip in the forward pass and the cost after the step",
        f"repeat:{address}",
        rewrite=rewrite,
        in_gradient=False,
        param=name,
    )


_L2 = "λ > 0"
#: The learning rates a run may have used in place of the stated one (``learning_rate``).
RATES = (0.1, 0.25, 0.5, 1.0)
#: Every convention and mistake, in the order a set applies them (see the module docstring); the
#: readings (:func:`rounded_intermediates`, :func:`reference_slip`) come after them.
CATALOGUE: tuple[Departure, ...] = (
    # --- conventions: the oracle's own options ---------------------------------------------------
    Departure(
        "biases_frozen",
        "convention",
        "the biases are never updated",
        "bˡ ← bˡ (no step for the biases)",
        "a run that updates biases",
        "biases",
        applies=_differs(update_biases=False),
        network=_conventions(update_biases=False),
        in_gradient=False,
    ),
    Departure(
        "biases_updated",
        "convention",
        "the biases are updated like the weights",
        "bˡ ← bˡ − η ∂J/∂bˡ",
        "a spec whose biases are frozen",
        "biases",
        applies=_differs(update_biases=True),
        network=_conventions(update_biases=True),
        in_gradient=False,
    ),
    Departure(
        "bias_per_unit",
        "convention",
        "each unit has its own bias (one shared bias given to every unit)",
        "∂J/∂bˡⱼ = Σₑ δˡⱼₑ per unit",
        "a spec with shared biases that are updated",
        "bias form",
        applies=_differs(bias="per_unit"),
        network=_per_unit,
        in_gradient=False,
    ),
    Departure(
        "bias_shared",
        "convention",
        "one bias per layer shared by its units",
        "∂J/∂bˡ = Σⱼ Σₑ δˡⱼₑ, one number per layer",
        "per-unit biases, equal within each layer",
        "bias form",
        applies=_equal_biases,
        network=_shared,
        in_gradient=False,
    ),
    Departure(
        "sum_over_examples",
        "convention",
        "the cost sums over examples (no 1/m)",
        "J = Σₑ C(xₑ)",
        "m > 1",
        "reduction",
        applies=_differs(reduction="sum"),
        network=_conventions(reduction="sum"),
    ),
    Departure(
        "mean_over_examples",
        "convention",
        "the cost averages over examples (1/m)",
        "J = (1/m) Σₑ C(xₑ)",
        "m > 1",
        "reduction",
        applies=_differs(reduction="mean"),
        network=_conventions(reduction="mean"),
    ),
    Departure(
        "half_factor",
        "convention",
        "the ½ of the squared error added or dropped (½Σ(y − a)² ↔ Σ(y − a)²)",
        "C = Σ(y − a)² in place of ½Σ(y − a)², or the reverse",
        "a printed cost (a gradient shows it as squared_error_gradient_doubled or _halved does)",
        "cost form",
        applies=lambda net: _half(net) is not None,
        network=_with_cost(_half),
    ),
    Departure(
        "mean_over_outputs",
        "convention",
        "the squared error averaged over the K outputs (a framework's 'mean')",
        "C = (1/K) Σₖ (yₖ − aₖ)²",
        "K ≠ 2 outputs (with K = 2, (1/K)Σ equals ½Σ)",
        "cost form",
        applies=lambda net: _over_outputs(net) is not None,
        network=_with_cost(_over_outputs),
    ),
    Departure(
        "hidden_delta_updated_weights",
        "convention",
        "the hidden δ carried down through Wˡ⁺¹ already updated",
        "δˡ = (Wˡ⁺¹ − η ∂J/∂Wˡ⁺¹)ᵀ δˡ⁺¹ ⊙ f′(zˡ)",
        "a hidden layer; second order in η",
        "hidden weights",
        applies=lambda net: _layers(net) and net.conventions.hidden_delta_weights == "before",
        network=_conventions(hidden_delta_weights="after"),
        in_gradient=False,
    ),
    Departure(
        "hidden_delta_old_weights",
        "convention",
        "the hidden δ carried down through Wˡ⁺¹ from before its update",
        "δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹ ⊙ f′(zˡ), Wˡ⁺¹ before the step",
        "a hidden layer",
        "hidden weights",
        applies=lambda net: _layers(net) and net.conventions.hidden_delta_weights == "after",
        network=_conventions(hidden_delta_weights="before"),
        in_gradient=False,
    ),
    Departure(
        "online_updates",
        "convention",
        "the weights updated after each example in turn, not once per batch",
        "θ ← θ − η ∂Cₑ/∂θ for e = 1, …, m in turn",
        "m > 1; only the parameters after the step (and the cost after it)",
        "updates",
        rewrite=_online,
        in_gradient=False,
    ),
    # --- mistakes that change ∂C/∂a ------------------------------------------------------------
    Departure(
        "squared_error_gradient_doubled",
        "mistake",
        "∂C/∂a taken as 2(a − y) with the ½ kept",
        "∂C/∂aᴸ = 2 × (the cost's own)",
        "a squared-error cost",
        "output scale",
        rewrite=_both(*(_on(k, _output, lambda ctx, l, v: 2 * v) for k in ("dC_da", "delta"))),
    ),
    Departure(
        "squared_error_gradient_halved",
        "mistake",
        "∂C/∂a taken as (a − y) without the ½ (or halved)",
        "∂C/∂aᴸ = ½ × (the cost's own)",
        "a squared-error cost",
        "output scale",
        rewrite=_both(*(_on(k, _output, lambda ctx, l, v: 0.5 * v) for k in ("dC_da", "delta"))),
    ),
    Departure(
        "weights_not_transposed",
        "mistake",
        "W in place of Wᵀ in the δ recursion",
        "∂C/∂aˡ = Wˡ⁺¹ δˡ⁺¹",
        "square layers above the first, W not symmetric",
        "hidden ∂C/∂a",
        applies=_square_above,
        rewrite=_on(
            "dC_da", _hidden, lambda ctx, l, v: ctx.weights_through(l + 1) @ ctx.seen[("delta", l + 1)]
        ),
    ),
    Departure(
        "single_downstream_path",
        "mistake",
        "∂C/∂aˡⱼ takes one outgoing path (overwritten, not accumulated)",
        "∂C/∂aˡⱼ = Wˡ⁺¹ₖⱼ δˡ⁺¹ₖ for the last k only",
        "a layer with more than one unit above",
        "hidden ∂C/∂a",
        applies=_layers,
        rewrite=_on("dC_da", _hidden, _one_path(slice(-1, None))),
    ),
    Departure(
        "single_downstream_path",
        "mistake",
        "∂C/∂aˡⱼ takes the first outgoing path only (the worked one; the others left out)",
        "∂C/∂aˡⱼ = Wˡ⁺¹₁ⱼ δˡ⁺¹₁ for the first unit above only",
        "a layer with more than one unit above",
        "hidden ∂C/∂a",
        applies=_layers,
        param="first",
        rewrite=_on("dC_da", _hidden, _one_path(slice(0, 1))),
    ),
    Departure(
        "hidden_delta_from_raw_error",
        "mistake",
        "the output error ∂C/∂aᴸ, not δᴸ, sent back to layer L−1",
        "∂C/∂aᴸ⁻¹ = (Wᴸ)ᵀ ∂C/∂aᴸ",
        "an output activation other than the identity",
        "hidden ∂C/∂a",
        applies=_layers,
        rewrite=_on(
            "dC_da",
            lambda ctx, l: l == ctx.L - 1,
            lambda ctx, l, v: ctx.weights_through(l + 1).T @ _dC_da(ctx, l + 1),
        ),
    ),
    # --- mistakes in f′ --------------------------------------------------------------------------
    Departure(
        "fprime_of_activation",
        "mistake",
        "f′ evaluated at a instead of z (σ(a)(1 − σ(a)) for a(1 − a))",
        "δˡ = ∂C/∂aˡ ⊙ f′(aˡ)",
        "an activation other than ReLU and the identity",
        "f′",
        rewrite=_on(
            "delta", _explicit_fprime, lambda ctx, l, v: _dC_da(ctx, l) * ctx.fprime(l)(ctx.seen[("a", l)])
        ),
    ),
    Departure(
        "fprime_of_activation",
        "mistake",
        "f′ evaluated at a instead of z in the hidden layers only (the output δ right)",
        "δˡ = ∂C/∂aˡ ⊙ f′(aˡ) for l < L",
        "an activation other than ReLU and the identity",
        "f′",
        applies=_layers,
        param="hidden",
        rewrite=_on("delta", _hidden, lambda ctx, l, v: _dC_da(ctx, l) * ctx.fprime(l)(ctx.seen[("a", l)])),
    ),
    Departure(
        "fprime_shortcut_on_z",
        "mistake",
        "the shortcut f′ = a(1 − a) (tanh: 1 − a²) applied to z",
        "δˡ = ∂C/∂aˡ ⊙ zˡ(1 − zˡ)",
        "a sigmoid, tanh or softplus layer",
        "f′",
        applies=_shortcut,
        rewrite=_on("delta", _explicit_fprime, _shortcut_on_z),
    ),
    Departure(
        "fprime_shortcut_on_z",
        "mistake",
        "the shortcut f′ = a(1 − a) (tanh: 1 − a²) applied to z in the hidden layers only",
        "δˡ = ∂C/∂aˡ ⊙ zˡ(1 − zˡ) for l < L",
        "a hidden sigmoid, tanh or softplus layer",
        "f′",
        applies=lambda net: _layers(net) and _hidden_shortcut(net),
        param="hidden",
        rewrite=_on("delta", _hidden, _shortcut_on_z),
    ),
    Departure(
        "hidden_delta_missing_fprime",
        "mistake",
        "f′ dropped from the hidden δ",
        "δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹",
        "a hidden activation other than the identity",
        "f′",
        applies=_layers,
        rewrite=_on("delta", _hidden, lambda ctx, l, v: _dC_da(ctx, l)),
    ),
    Departure(
        "hidden_delta_fprime_twice",
        "mistake",
        "f′ applied twice in the hidden δ (once in ∂C/∂aˡ, once more in δˡ)",
        "δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹ ⊙ f′(zˡ) ⊙ f′(zˡ)",
        "a hidden activation other than the identity and ReLU",
        "f′",
        applies=_layers,
        rewrite=_on(
            "delta", _hidden, lambda ctx, l, v: _dC_da(ctx, l) * ctx.fprime(l)(ctx.seen[("z", l)]) ** 2
        ),
    ),
    Departure(
        "fprime_wrong_layer",
        "mistake",
        "f′ of the next layer's activation used in a hidden δ",
        "δˡ = ∂C/∂aˡ ⊙ f′ˡ⁺¹(zˡ)",
        "mixed activations",
        "f′",
        applies=_layers,
        rewrite=_on(
            "delta", _hidden, lambda ctx, l, v: _dC_da(ctx, l) * ctx.fprime(l + 1)(ctx.seen[("z", l)])
        ),
    ),
    Departure(
        "relu_fprime_at_zero_one",
        "mistake",
        "ReLU′(0) taken as 1",
        "ReLU′(0) = 1",
        "a ReLU layer with some z exactly 0",
        "f′",
        applies=_kinked,
        rewrite=_on("delta", _explicit_fprime, _right_derivative_at_zero),
    ),
    Departure(
        "output_delta_missing_fprime",
        "mistake",
        "f′ dropped from the output δ (δᴸ = a − y for squared error)",
        "δᴸ = ∂C/∂aᴸ",
        "an output activation other than the identity",
        "output f′",
        rewrite=_on("delta", _output, lambda ctx, l, v: _dC_da(ctx, l)),
    ),
    Departure(
        "output_delta_extra_fprime",
        "mistake",
        "an extra f′ in the output δ (cross-entropy: δᴸ = (a − y)⊙σ′(z))",
        "δᴸ = (the cost's δᴸ) ⊙ f′(zᴸ)",
        "an output activation other than the identity",
        "output f′",
        rewrite=_on("delta", _output, lambda ctx, l, v: v * ctx.fprime(l)(ctx.seen[("z", l)])),
    ),
    Departure(
        "softmax_jacobian_diagonal",
        "mistake",
        "softmax's Jacobian taken as its diagonal, as if softmax were elementwise",
        "δᴸ = ∂C/∂aᴸ ⊙ aᴸ(1 − aᴸ) (not Jᵀ ∂C/∂aᴸ)",
        "a softmax output",
        "output f′",
        applies=lambda net: net.activations[-1] in kernels.OUTPUT_ONLY,
        rewrite=_on("delta", _output, lambda ctx, l, v: _dC_da(ctx, l) * ctx.fprime(l)(ctx.seen[("z", l)])),
    ),
    # --- mistakes in ∂J/∂W, ∂J/∂b ---------------------------------------------------------------
    Departure(
        "outer_product_reversed",
        "mistake",
        "the weight gradient built as a δᵀ (transposed)",
        "∂J/∂Wˡ = aˡ⁻¹ (δˡ)ᵀ",
        "square layers",
        "outer product",
        applies=_square,
        rewrite=_on("dW", _any_layer, lambda ctx, l, v: (v - ctx.l2_of(l)).T + ctx.l2_of(l)),
    ),
    Departure(
        "inputs_crosswise",
        "mistake",
        "the inputs taken in reverse order in the first layer's weight gradient (x2 for x1)",
        "∂J/∂W¹ⱼₖ = Σₑ δ¹ⱼₑ x₍ₙ₋ₖ₎ₑ (x reversed)",
        "two or more inputs that differ",
        "inputs",
        applies=lambda net: net.sizes[0] > 1,
        rewrite=_on(
            "dW", lambda ctx, l: l == 1, lambda ctx, l, v: (v - ctx.l2_of(l))[:, ::-1] + ctx.l2_of(l)
        ),
    ),
    Departure(
        "bias_gradient_mean",
        "mistake",
        "the bias gradient averaged over examples where the cost sums",
        "∂J/∂bˡ = (1/m) Σₑ δˡₑ",
        "m > 1, a sum over examples",
        "bias reduction",
        applies=lambda net: net.conventions.reduction == "sum",
        rewrite=_on("db", _any_layer, lambda ctx, l, v: v / ctx.y.shape[-1]),
    ),
    Departure(
        "bias_gradient_over_units",
        "mistake",
        "the bias gradient summed over units too (np.sum(δ))",
        "∂J/∂bˡⱼ = Σₖ Σₑ δˡₖₑ for every unit j",
        "per-unit biases in a layer of more than one unit",
        "bias reduction",
        applies=lambda net: net.conventions.bias == "per_unit",
        rewrite=_on("db", _any_layer, lambda ctx, l, v: np.full_like(v, v.sum())),
    ),
    Departure(
        "bias_update_times_value",
        "mistake",
        "the bias step multiplied by the bias value",
        "Δbˡ = −η ∂J/∂bˡ ⊙ bˡ",
        "biases not 0 or 1",
        "bias step",
        rewrite=_on("db", _any_layer, lambda ctx, l, v: v * ctx.net.b[l - 1]),
    ),
    Departure(
        "l2_on_bias",
        "mistake",
        "the L2 term and its gradient include the biases",
        "J += λ/(2m) Σ b², ∂J/∂b += (λ/m) b",
        _L2,
        "L2 on biases",
        rewrite=_l2_on_bias(),
    ),
    Departure(
        "l2_bias_mask_ones",
        "mistake",
        "the 'no bias' mask built with ones: λ/m added to every bias gradient",
        "∂J/∂b += λ/m",
        _L2,
        "L2 on biases",
        rewrite=_on(
            "db",
            _any_layer,
            lambda ctx, l, v: (
                v + kernels.l2_gradient(np.ones_like(v), ctx.net.conventions.lmbda, ctx.y.shape[-1])
            ),
        ),
    ),
    Departure(
        "l2_gradient_scale",
        "mistake",
        "the L2 gradient without its 1/m (λW for λW/m)",
        "∂J/∂Wˡ += λWˡ in place of (λ/m)Wˡ",
        f"{_L2}, m > 1",
        "L2 scale",
        param="no_m",
        rewrite=_on(
            "dW",
            _any_layer,
            lambda ctx, l, v: (
                v - ctx.l2_of(l) + kernels.l2_gradient(ctx.net.W[l - 1], ctx.net.conventions.lmbda, 1)
            ),
        ),
    ),
    Departure(
        "l2_gradient_scale",
        "mistake",
        "the L2 gradient doubled (2λW/m: the ½ of λ/(2m) forgotten)",
        "∂J/∂Wˡ += 2(λ/m)Wˡ",
        _L2,
        "L2 scale",
        param="doubled",
        rewrite=_on("dW", _any_layer, lambda ctx, l, v: v + ctx.l2_of(l)),
    ),
    # --- mistakes in the update ----------------------------------------------------------------
    Departure(
        "learning_rate_in_delta",
        "mistake",
        "η multiplied into δ before it is sent back (layer l gets η^(L−l+1))",
        "δˡ ← η δˡ before BP2, and Δθ = −η ∂J/∂θ",
        "a hidden layer, η ≠ 1",
        "η in δ",
        applies=_layers,
        in_gradient=False,
        rewrite=_scaled(("dW", "db"), lambda ctx, l: ctx.eta ** (ctx.L - l)),
    ),
    Departure(
        "update_sign_flipped",
        "mistake",
        "the step taken uphill",
        "θ ← θ + η ∂J/∂θ",
        "every spec",
        "sign",
        rewrite=_uphill(_any_layer),
    ),
    Departure(
        "update_sign_flipped",
        "mistake",
        "the output layer's step taken uphill (the hidden layers' downhill)",
        "θᴸ ← θᴸ + η ∂J/∂θᴸ",
        "a hidden layer",
        "sign",
        applies=_layers,
        param="output",
        rewrite=_uphill(_output),
    ),
    Departure(
        "update_sign_flipped",
        "mistake",
        "the hidden layers' step taken uphill (the output layer's downhill)",
        "θˡ ← θˡ + η ∂J/∂θˡ for l < L",
        "a hidden layer",
        "sign",
        applies=_layers,
        param="hidden",
        rewrite=_uphill(_hidden),
    ),
    *(
        Departure(
            "learning_rate",
            "mistake",
            f"the step taken with η = {rate} in place of the stated rate",
            f"θ ← θ − {rate} ∂J/∂θ",
            "a spec whose stated η is another",
            "rate",
            in_gradient=False,
            param=str(rate),
            rate=rate,
        )
        for rate in RATES
    ),
    *(
        Departure(
            "weights_frozen",
            "mistake",
            f"the {layers} weights left out of the step (only the {others} updated)",
            math,
            "a hidden layer",
            f"frozen {param}",
            applies=_layers,
            in_gradient=False,
            param=param,
            rewrite=_on("dW", where, lambda ctx, l, v: 0 * v),
        )
        for param, layers, others, math, where in (
            ("output", "output layer's", "hidden layers'", "Wᴸ ← Wᴸ", _output),
            ("hidden", "hidden layers'", "output layer's", "Wˡ ← Wˡ for l < L", _hidden),
        )
    ),
    Departure(
        "first_weight_only",
        "mistake",
        "only the first weight of each layer updated (w1, w5: the one the worked example works out)",
        "Wˡ₁₁ ← Wˡ₁₁ − η ∂J/∂Wˡ₁₁, every other weight kept",
        "a layer of more than one weight",
        "updated entries",
        applies=lambda net: any(W_l.size > 1 for W_l in net.W),
        in_gradient=False,
        rewrite=_on("dW", _any_layer, _first_weight),
    ),
)
#: The decimals a hand calculation may carry (``rounded_intermediates``).
DECIMALS = (2, 3, 4, 5, 6)
#: The catalogue ids in the order sets apply them (the readings last).
ORDER = (
    *dict.fromkeys(d.id for d in CATALOGUE),
    "printed_values_carried",
    "slip_repeated",
    "rounded_intermediates",
    "reference_slip",
)


def default(net: Network) -> list[Departure]:
    """The catalogue entries that apply to ``net``, with every :data:`DECIMALS` rounding.

    Examples
    --------
    >>> from backprop_ref.worked.spec import load
    >>> names = [d.name for d in default(load("afteracademy").network)]
    >>> "biases_updated" in names, "biases_frozen" in names, "rounded_intermediates:6" in names
    (True, False, True)
    """
    return [d for d in CATALOGUE if d.applies(net)] + [rounded_intermediates(d) for d in DECIMALS]


def by_name(name: str) -> Departure:
    """The catalogue entry (or rounding) called ``name``.

    Examples
    --------
    >>> by_name("update_sign_flipped").math
    'θ ← θ + η ∂J/∂θ'
    """
    for d in CATALOGUE:
        if d.name == name:
            return d
    if name.startswith("rounded_intermediates:") and name.split(":")[1] in map(str, DECIMALS):
        return rounded_intermediates(int(name.split(":")[1]))
    names = [d.name for d in CATALOGUE] + [f"rounded_intermediates:{d}" for d in DECIMALS]
    raise InputError("departure", one_of(names), name)


def compatible(departures: Sequence[Departure]) -> bool:
    """Whether the departures can be taken together: no two change the same factor (``slot``)."""
    slots = [d.slot for d in departures]
    return len(set(slots)) == len(slots)


def _hook(ctx: Context) -> Hook:
    """The hook that applies ``ctx.rewrites`` in turn and records what it returns."""

    def hook(kind: str, layer: int, value: Array) -> Array:
        ctx.computed[(kind, layer)] = value
        for rewrite in ctx.rewrites:
            value = rewrite(ctx, kind, layer, value)
        ctx.seen[(kind, layer)] = value
        return value

    return hook


class Procedure(NamedTuple):
    """What runs a computation with departures taken: the network, the hook and the rate η."""

    net: Network
    hook: Hook
    eta: float


def procedure(
    departures: Sequence[Departure], net: Network, data: Batch, eta: float, steps: int = 1
) -> Procedure:
    """The network, the hook and the rate that run ``net``'s computation with ``departures`` taken.

    Pass all three to :func:`backprop_ref.training.step` or :func:`backprop_ref.worked.trace.run`,
    with the checked ``data`` and the number of ``steps`` given here; ``eta`` is the stated rate
    (the procedure's is another where a departure uses another).  A new hook per run: it records
    what the run computes.

    Examples
    --------
    >>> net = Network(W=[[[0.5]]], b=[[0.0]], activations=["identity"], cost="half_sse")
    >>> data = net.batch([1.0], [2.0])
    >>> changed, hook, rate = procedure([by_name("update_sign_flipped")], net, data, 0.1)
    >>> float(step(changed, data, None, eta=rate, hook=hook).after.W[0][0, 0])   # 0.5 + 0.1·(0.5 − 2)
    0.35
    """
    ordered = sorted(departures, key=lambda d: ORDER.index(d.id))
    for d in ordered:
        net = d.network(net)
        eta = d.rate if d.rate is not None else eta
    ctx = Context(net, data, eta, steps, [d.rewrite for d in ordered if d.rewrite is not None])
    return Procedure(net, _hook(ctx), eta)


def describe(departures: Iterable[Departure]) -> list[dict[str, str]]:
    """Each departure as ``{"id", "name", "kind", "description", "math"}`` (for reports and JSON)."""
    return [
        {"id": d.id, "name": d.name, "kind": d.kind, "description": d.description, "math": d.math}
        for d in departures
    ]


def names(departures: Iterable[Departure]) -> str:
    """The departures' names joined by " + ", or "none"."""
    text = " + ".join(d.name for d in departures)
    return text or "none"
