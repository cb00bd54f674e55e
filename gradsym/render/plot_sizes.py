"""The output-size picture of ``sizes``: one strip per dimension, windows over the padded,
dilated input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


MAX_ROWS = 16  # windows (outputs) or inputs listed under a strip; more are elided in the middle
MAX_CELL_TEXT = 40  # strip cells narrow enough for their index


@dataclass
class SizeStrip:
    """One spatial dimension of ``gradsym sizes``: a strip of positions and the windows on it.

    Forward: ``cells`` are the padded input positions (0-based input coordinates, padding
    negative or ≥ i), each with its kind (input, padding, unread_start/between/end); ``rows``
    are the outputs o with their taps s·o + d·q − p_b. Transposed: ``cells`` are the
    output positions before cropping (output, cropped, unwritten); ``rows`` the inputs i′
    with the positions s·i′ + d·q − p_b they write.
    """

    axis: int  # 1-based
    transposed: bool
    cells: list[tuple[int, str]]
    rows: list[tuple[int, list[int], bool]]  # (index, taps, dead) in drawing order
    elided: tuple[int, int]  # (after this many rows, how many rows are left out)
    size: int  # i (forward) or o′ (transposed): the positions between the dashed lines
    formula: str
    remainder: int


def _shown(count: int) -> tuple[list[int], tuple[int, int]]:
    """Row indices to draw: all, or the first and last MAX_ROWS // 2 with a gap between."""
    if count <= MAX_ROWS:
        return list(range(count)), (0, 0)
    half = MAX_ROWS // 2
    return list(range(half)) + list(range(count - half, count)), (half, count - 2 * half)


def size_strips(d: Derivation) -> list[SizeStrip]:
    """The strips of a ``sizes`` derivation, one per spatial dimension, from its own data.

    >>> import gradsym
    >>> strip, = size_strips(gradsym.sizes(input="8", kernel="2", stride=3, dilation=2))
    >>> [kind for _, kind in strip.cells]  # doctest: +NORMALIZE_WHITESPACE
    ['input', 'unread_between', 'input', 'input', 'unread_between', 'input', 'unread_end', 'unread_end']
    """
    from gradsym.layers.sizes import SizesDerivation
    from gradsym.render.sections.sizes import formula

    assert isinstance(d, SizesDerivation)
    cfg = d.conv
    strips = []
    for axis, ax in enumerate(d.axes):
        k, s, (pb, pa), dil = cfg.kernel[axis], cfg.stride[axis], cfg.padding[axis], cfg.dilation[axis]
        if not cfg.transposed:
            size, out = cfg.spatial[axis], cfg.output[axis]
            lost = set(ax.unread)
            read = [j for j in range(size) if j not in lost]
            first, last = (read[0], read[-1]) if read else (size, -1)
            cells = []
            for j in range(-max(pb, 0), size + max(pa, 0)):
                kind = "padding" if not 0 <= j < size else "input"
                if j in lost:
                    kind = "unread_start" if j < first else "unread_end" if j > last else "unread_between"
                cells.append((j, kind))
            shown, elided = _shown(out)
            rows = [(o, [s * o + dil * q - pb for q in range(k)], False) for o in shown]
            remainder = ax.remainder
        else:
            size, count, a = cfg.output[axis], cfg.spatial[axis], cfg.output_padding[axis]
            dead, empty = set(ax.unread), set(ax.unwritten)
            reach = s * (count - 1) + dil * (k - 1) - pb  # the last position any input writes
            cells = []
            for j in range(min(-pb, 0), max(size, reach + 1)):
                kind = "cropped" if not 0 <= j < size else "unwritten" if j in empty else "output"
                cells.append((j, kind))
            shown, elided = _shown(count)
            rows = [(i, [s * i + dil * q - pb for q in range(k)], i in dead) for i in shown]
            remainder = a
        strips.append(SizeStrip(axis + 1, cfg.transposed, cells, rows, elided, size, formula(ax, cfg.transposed),
                                remainder))
    return strips


CELL_COLOURS = {
    "input": "#dbe9f6", "output": "#dbe9f6", "padding": "#eeeeee", "cropped": "#eeeeee",
    "unread_start": "#f7dc6f", "unread_between": "#c39bd3", "unread_end": "#f4a261", "unwritten": "#f4a261",
}


def _draw_sizes(fig: Any, d: Derivation, t: Catalogue) -> None:
    """One panel per dimension: the strip on top, one row per window (or input) beneath."""
    import textwrap

    import matplotlib as mpl

    strips = size_strips(d)
    heights = [len(st.rows) + (1 if st.elided[1] else 0) + 2.5 for st in strips]
    grid = fig.add_gridspec(len(strips), 1, height_ratios=heights)
    for n, st in enumerate(strips):
        ax = fig.add_subplot(grid[n, 0])
        low, high = st.cells[0][0], st.cells[-1][0]
        for j, kind in st.cells:
            hatch = "///" if kind in ("padding", "cropped") else None
            ax.add_patch(mpl.patches.Rectangle((j - 0.5, -0.5), 1, 1, facecolor=CELL_COLOURS[kind],
                                               edgecolor="white", linewidth=1.2, hatch=hatch))
            if len(st.cells) <= MAX_CELL_TEXT:
                text = "0" if kind == "padding" else str(j)
                ax.text(j, 0, text, ha="center", va="center", fontsize=7,
                        color="#888888" if kind in ("padding", "cropped") else "black")
        for edge in (-0.5, st.size - 0.5):
            ax.axvline(edge, color="#555555", linestyle="--", linewidth=1)
        y, labels = 0.0, []
        letter = "i′" if st.transposed else "o"  # the rows say what they are: no y label needed
        for r, (index, taps, dead) in enumerate(st.rows):
            if st.elided[1] and r == st.elided[0]:
                y -= 1
                ax.text((low + high) / 2, y, t("plot.sizes.more", count=st.elided[1]), ha="center",
                        va="center", fontsize=8, color="#555555")
                labels.append((y, "⋮", False))
            y -= 1
            colour = "#d62728" if dead else "#1f4e79"
            # a bracket over the window's extent, a dot at every tap (hollow: cropped away)
            ax.plot([taps[0], taps[0], taps[-1], taps[-1]], [y + 0.3, y, y, y + 0.3], color=colour,
                    linewidth=1.4, solid_joinstyle="miter")
            inside = [x for x in taps if low <= x <= high and (not st.transposed or 0 <= x < st.size)]
            outside = [x for x in taps if x not in inside]
            ax.scatter(inside, [y] * len(inside), s=28, color=colour, zorder=4)
            ax.scatter(outside, [y] * len(outside), s=28, facecolor="white", edgecolor=colour, zorder=4)
            labels.append((y, f"{letter} = {index}", dead))
        ax.set_yticks([v for v, _, _ in labels] + [0])
        ax.set_yticklabels([text for _, text, _ in labels]
                           + [t("plot.sizes.output" if st.transposed else "plot.sizes.input")])
        for tick, (_, _, dead) in zip(ax.get_yticklabels(), labels):
            if dead:
                tick.set_color("#d62728")
        ax.set_xlim(low - 0.6, high + 0.6)
        ax.set_ylim(y - 0.7, 0.7)
        ax.set_aspect("equal" if len(st.cells) <= MAX_CELL_TEXT else "auto")
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True, nbins=min(len(st.cells), 20)))
        ax.set_xlabel(t("plot.sizes.output_position" if st.transposed else "plot.sizes.position"))
        width = 110 if len(st.cells) > 30 else 80
        ax.set_title("\n".join(textwrap.wrap(t("sizes.formula", axis=st.axis, formula=st.formula), width)))
        kinds = {kind for _, kind in st.cells}
        order = ("cropped", "unwritten") if st.transposed else (
            "padding", "unread_start", "unread_between", "unread_end")
        handles: list[Any] = [
            mpl.patches.Patch(facecolor=CELL_COLOURS[kind], hatch="///" if kind in ("padding", "cropped") else None,
                              edgecolor="#bbbbbb", label=t(f"plot.sizes.{kind}", remainder=st.remainder))
            for kind in order if kind in kinds
        ]
        handles.append(mpl.lines.Line2D([], [], color="#1f4e79", marker="o", markersize=5,
                                        label=t("plot.sizes.writes" if st.transposed else "plot.sizes.window")))
        if any(dead for _, _, dead in st.rows):
            handles.append(mpl.lines.Line2D([], [], color="#d62728", marker="o", markersize=5,
                                            label=t("plot.sizes.dead")))
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1),
                  borderaxespad=0, frameon=False)


# -- drawing ------------------------------------------------------------------------------------
