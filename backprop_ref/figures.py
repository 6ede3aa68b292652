"""Draw a network as the articles do: layers of units, weighted edges, bias nodes.

Used by the site to draw each article's network from its spec (never a hand-drawn image), and by
anyone who wants a picture of their own network.  Needs matplotlib, imported only when drawing.
Labels follow the article when a spec gives its names (``x1``, ``h1``, ``w5``, ``b1``); otherwise
the math's (``a⁰₁``, ``W¹₁₁``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from backprop_ref.network import Network

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _default_unit(l: int, j: int) -> str:
    return f"$a^{{{l}}}_{{{j + 1}}}$"


def draw_network(
    net: Network,
    units: Mapping[tuple[int, int], str] | None = None,
    weights: Mapping[tuple[int, int, int], str] | None = None,
    biases: Mapping[tuple[int, int], str] | None = None,
    *,
    show_values: bool = True,
    title: str | None = None,
) -> Figure:
    """A figure of ``net``: one column per layer, an edge per weight, a bias node per layer.

    Parameters
    ----------
    net
        The network to draw.
    units
        Labels by ``(layer, unit)`` (0-based unit, layer 0 = input); default ``aˡⱼ``.
    weights
        Labels by ``(layer, j, k)`` for the weight from unit k of layer l-1 to unit j of layer l;
        default ``Wˡⱼₖ``.  With ``show_values`` the value is appended.
    biases
        Labels by ``(layer, unit)``; a shared bias (one per layer) is keyed ``(layer, 0)``.
    show_values
        Append each parameter's value to its label.
    title
        An optional title.

    Examples
    --------
    >>> net = Network(W=[[[0.5, -1.0]]], b=[[0.1]], activations=["sigmoid"])
    >>> fig = draw_network(net)
    >>> len(fig.axes)
    1
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    sizes = net.sizes
    gap, r = 3.0, 0.32  # horizontal distance between layers, unit radius
    tallest = max(sizes)
    fig, ax = plt.subplots(figsize=(1.9 * gap * (len(sizes) - 1) / 2 + 2.2, 1.0 * tallest + 1.6))
    ax.set_axis_off()
    labelled = max(W_l.size for W_l in net.W) <= 16  # past that, edge labels would be clutter

    def pos(l: int, j: int) -> tuple[float, float]:
        return gap * l, (sizes[l] - 1) / 2 - j

    def value(x: float) -> str:
        return f" = {x:.4g}" if show_values else ""

    def arrow(a: tuple[float, float], b: tuple[float, float], **style: object) -> None:
        ax.annotate("", b, a, arrowprops={"arrowstyle": "->", "shrinkA": 11, "shrinkB": 11, **style})

    for l, n in enumerate(sizes):
        for j in range(n):
            label = (units or {}).get((l, j), _default_unit(l, j))
            ax.add_patch(Circle(pos(l, j), r, fc="#e8f0fe" if l else "#f3f3f3", ec="#333", zorder=3))
            ax.text(*pos(l, j), label, ha="center", va="center", fontsize=10, zorder=4)
    box = {"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.4}
    for l in range(1, len(sizes)):
        W_l, b_l = net.W[l - 1], net.b[l - 1]
        edges = list(np.ndindex(W_l.shape))
        for j, k in edges:
            (x0, y0), (x1, y1) = pos(l - 1, k), pos(l, j)
            arrow((x0, y0), (x1, y1), color="#555")
            if labelled:  # edges into different units get their labels at different depths
                t = 0.3 + 0.4 * j / max(sizes[l] - 1, 1)
                name = (weights or {}).get((l, j, k), f"$W^{{{l}}}_{{{j + 1}{k + 1}}}$")
                ax.text(
                    x0 + t * (x1 - x0),
                    y0 + t * (y1 - y0),
                    name + value(float(W_l[j, k])),
                    fontsize=8,
                    ha="center",
                    va="center",
                    bbox=box,
                    zorder=2,
                )
        # one bias node per layer, above it, feeding every unit (its value 1 times the bias)
        bx, by = gap * l - gap / 2, tallest / 2 + 0.6
        shared = b_l.shape[0] == 1 and sizes[l] > 1
        ax.add_patch(Circle((bx, by), 0.2, fc="#fff4d6", ec="#a67c00", zorder=3))
        ax.text(bx, by, "1", ha="center", va="center", fontsize=8, zorder=4)
        if shared:
            label = (biases or {}).get((l, 0), f"$b^{{{l}}}$") + value(b_l[0, 0])
            ax.text(bx, by + 0.35, label + " (shared)", ha="center", va="bottom", fontsize=8, color="#7a5b00")
        for j in range(sizes[l]):
            arrow((bx, by), pos(l, j), color="#a67c00", ls="--")
            if not shared and labelled:
                name = (biases or {}).get((l, j), f"$b^{{{l}}}_{{{j + 1}}}$")
                x1, y1 = pos(l, j)
                ax.text(x1 + 0.45, y1 + 0.3, name + value(b_l[j, 0]), fontsize=7, color="#7a5b00")
    ax.set_xlim(-0.7, gap * (len(sizes) - 1) + 1.4)
    ax.set_ylim(-tallest / 2 - 0.2, tallest / 2 + 1.4)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
