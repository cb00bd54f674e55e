"""Pictures (``--plot FILE.png``): Jacobians as heatmaps, and the flipped-kernel picture.

Drawn with Matplotlib (the ``plot`` extra), imported only here, Agg backend:

- one panel per Jacobian ∂y/∂(input, kernel, …): rows are output elements, columns
  the tensor's elements (row-major). With numbers the cells show values; without,
  each cell's colour says which symbol it holds (for a convolution the familiar
  doubly-Toeplitz stripes of the kernel). A large Jacobian is downsampled from
  its sparse entries — a 256x256 input's 4·10⁹ cells are never built densely.
- for a proof that correlates a padded grid with a rotated kernel (conv's
  ∂L/∂x, deconv's forward pass), the picture a teacher draws: the zero-inserted,
  padded grid with the window of the rotated kernel on it, the kernel, and the
  resulting grid with the entry that window produces.

>>> import gradsym
>>> png = plot_png(gradsym.conv(input=(3, 3), kernel=(2, 2)))  # doctest: +SKIP
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"  # doctest: +SKIP
True
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.grids import ZERO
from gradsym.poly import Poly
from gradsym.render.plot_flip import FlipPicture, _size, chain_flips, flip_picture
from gradsym.render.plot_sizes import MAX_CELL_TEXT, _draw_sizes, size_strips
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

MAX_DENSE = 160  # rows/columns drawn cell by cell; larger Jacobians are downsampled
MAX_BINS = 256  # cells per axis of a downsampled picture
MAX_LABELLED = 16  # rows/columns small enough to write names or values in the cells
MAX_PANELS = 4  # Jacobian panels in one picture
MAX_VIEW = 12  # cells per axis of the flipped-kernel close-up
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Noto Serif CJK SC",
    "AR PL UMing CN", "Droid Sans Fallback",
)
GREEK_LETTERS = {"gamma": "γ", "beta": "β", "eps": "ε", "sigma": "σ", "mu": "μ", "lambda": "λ",
                 "theta": "θ", "alpha": "α", "delta": "δ"}


def _pyplot() -> Any:
    """Matplotlib's pyplot on the Agg backend, or a clear error when it is missing."""
    try:
        import matplotlib
    except ImportError:
        from gradsym.errors import SpecError

        raise SpecError(Catalogue("en")("error.plot.matplotlib")) from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, if any."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


def mathtext_name(letter: str, index: tuple[int, ...]) -> str:
    """``$x_{1,1}$`` for Matplotlib's mathtext."""
    from gradsym.render.latex import tex_name

    return f"${tex_name(letter, index)}$"


# -- Jacobian panels -------------------------------------------------------------------
@dataclass
class JacobianPicture:
    """What one Jacobian panel shows: an image plus how to read it."""

    role: str
    image: np.ndarray  # float, NaN = structurally zero
    mode: str  # "values" | "symbols" | "density"
    rows: int
    cols: int
    labels: list[list[str]] | None = None
    legend: list[tuple[int, str]] | None = None  # (category, mathtext name)
    row_block: int = 0  # grid lines every this many rows/columns (tensor rows)
    col_block: int = 0


def jacobian_picture(d: Derivation, role: str) -> JacobianPicture:
    """Image data for ∂y/∂role, never dense beyond MAX_DENSE × MAX_DENSE cells.

    A scalar output's Jacobian is its gradient: drawn in the shape of the tensor.
    """
    jac = d.jacobians[role]
    rows = math.prod(jac.out_shape) if jac.out_shape else 1
    cols = math.prod(jac.wrt_shape) if jac.wrt_shape else 1
    values = d.numeric.jacobian_values.get(role) if d.numeric is not None else None
    keys = list(jac.entries)
    if rows > MAX_DENSE or cols > MAX_DENSE:
        r_bins, c_bins = min(rows, MAX_BINS), min(cols, MAX_BINS)
        counts = np.zeros((r_bins, c_bins))
        if keys:
            arr = np.asarray(keys, dtype=np.int64)
            np.add.at(counts, (arr[:, 0] * r_bins // rows, arr[:, 1] * c_bins // cols), 1)
        # cells per bin differ by at most one row/column; normalise by the bin's area
        # bin i holds the rows o with o·bins // rows == i: from ⌈i·rows/bins⌉ on
        r_edges = -(-np.arange(r_bins + 1) * rows // r_bins)
        c_edges = -(-np.arange(c_bins + 1) * cols // c_bins)
        area = np.outer(np.diff(r_edges), np.diff(c_edges))
        image = np.where(counts > 0, counts / area, np.nan)
        finite = image[np.isfinite(image)]
        if keys and finite.size and float(finite.max() - finite.min()) < 1e-9:
            # every cell equally full (∂y/∂k: every output reads every tap) — the share would
            # be one flat colour; show what the entries are instead, averaged per cell
            mean = _binned_mean(d, jac, values, arr, (r_bins, c_bins), (rows, cols), counts)
            if mean is not None:
                return JacobianPicture(role, mean[0], mean[1], rows, cols)
        return JacobianPicture(role, image, "density", rows, cols)
    gradient = rows == 1 and len(jac.wrt_shape) >= 1
    if gradient:
        shape = (math.prod(jac.wrt_shape[:-1]), jac.wrt_shape[-1])

        def place(o: int, w: int) -> tuple[int, int]:
            return divmod(w, shape[1])
    else:
        shape = (rows, cols)

        def place(o: int, w: int) -> tuple[int, int]:
            return o, w
    image = np.full(shape, np.nan)
    labels: list[list[str]] | None = None
    if shape[0] <= MAX_LABELLED and shape[1] <= MAX_LABELLED:
        labels = [["" for _ in range(shape[1])] for _ in range(shape[0])]
    wrt_cols = jac.wrt_shape[-1] if len(jac.wrt_shape) >= 2 and not gradient else 0
    out_cols = jac.out_shape[-1] if len(jac.out_shape) >= 2 else 0
    mode = "gradient-" if gradient else ""
    if values is not None and all(_is_real(v) for v in values.values()):
        for (o, w), v in values.items():
            image[place(o, w)] = float(v)
            if labels is not None:
                i, j = place(o, w)
                labels[i][j] = _short_number(v)
        return JacobianPicture(role, image, mode + "values", rows, cols, labels, None, out_cols, wrt_cols)
    # Without numbers: colour each entry by the symbol it is (k₁,₁ …); other expressions
    # share one colour and show (the start of) their text.
    from gradsym.render.text import CellFormatter

    text = CellFormatter(d)
    categories: dict[Any, int] = {}
    names: dict[int, str] = {}
    for (o, w), p in jac.entries.items():
        var = _single_variable(p)
        key = var if var is not None else "expression"
        if key not in categories:
            categories[key] = len(categories)
            if var is not None:
                letter, index = d.table.keys[var]
                names[categories[key]] = mathtext_name(letter, index)
            else:
                names[categories[key]] = "…"
        i, j = place(o, w)
        image[i, j] = categories[key]
        if labels is not None:
            labels[i][j] = names[categories[key]] if var is not None else _shorten(text.expr(p))
    legend = sorted(names.items()) if len(names) <= 16 else None
    return JacobianPicture(role, image, mode + "symbols", rows, cols, labels, legend, out_cols, wrt_cols)


def _binned_mean(d: Derivation, jac: Any, values: dict[tuple[int, int], Any] | None, keys: np.ndarray,
                 bins: tuple[int, int], size: tuple[int, int],
                 counts: np.ndarray) -> tuple[np.ndarray, str] | None:
    """Per downsampled cell, the mean value of its entries (with numbers) or the mean
    row-major position, within its tensor, of the symbol each entry is (without)."""
    if values is not None and all(_is_real(v) for v in values.values()):
        weights = np.array([float(values[(int(o), int(w))]) for o, w in keys])
        mode = "mean-values"
    else:
        position = []
        for (o, w) in keys.tolist():
            var = _single_variable(jac.entries[(o, w)])
            if var is None:
                return None
            position.append(var - _first_id(d, var))
        weights = np.array(position, dtype=float) + 1
        mode = "mean-symbols"
    sums = np.zeros(bins)
    np.add.at(sums, (keys[:, 0] * bins[0] // size[0], keys[:, 1] * bins[1] // size[1]), weights)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan), mode


def _first_id(d: Derivation, var: int) -> int:
    """The id of the first element of the tensor ``var`` belongs to."""
    for tensor in d.symbols.values():
        if tensor.first <= var < tensor.first + tensor.size:
            return tensor.first
    return 0


def _shorten(text: str, width: int = 13) -> str:
    """The start of an expression, in at most two short lines."""
    import textwrap

    text = text.replace("$", "").replace("*", "·")
    lines = textwrap.wrap(text, width, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return "\n".join(lines)


def _single_variable(elem: Any) -> int | None:
    if isinstance(elem, Poly) and len(elem) == 1:
        (mono, coef), = elem.items()
        if len(mono) == 1 and coef == 1:
            return mono[0]
    return None


def _is_real(value: Any) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number)


def _short_number(value: Any) -> str:
    from gradsym.numeric import number_text

    text = number_text(value, False)
    if len(text) > 6:
        text = f"{float(value):.3g}"
    return text


# -- the flipped-kernel picture -----------------------------------------------------------------
def plot_png(d: Derivation, lang: str = "en", *, dpi: int = 110) -> bytes:
    """The pictures of a derivation as PNG bytes (deterministic for the same input).

    Raises :class:`~gradsym.errors.SpecError` when Matplotlib is missing or there is
    nothing to draw.
    """
    plt = _pyplot()
    fig = plot_figure(d, lang, dpi=dpi)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def plot_figure(d: Derivation, lang: str = "en", *, dpi: int = 110) -> Any:
    """The Matplotlib figure behind :func:`plot_png` (the caller closes it).

    >>> import gradsym
    >>> fig = plot_figure(gradsym.conv(input=(3, 3), kernel=(2, 2)))  # doctest: +SKIP
    >>> len(fig.axes)  # doctest: +SKIP
    5
    """
    from gradsym.errors import SpecError

    plt = _pyplot()
    import matplotlib as mpl

    font = cjk_font() if lang == "zh" else None
    if lang == "zh" and font is None:
        lang = "en"  # no Chinese glyphs installed: English labels rather than empty boxes
    t = Catalogue(lang)
    family = ["DejaVu Sans", font] if font else ["DejaVu Sans"]
    style: dict[str, Any] = {"font.family": family, "font.size": 9, "axes.titlesize": 9, "svg.hashsalt": "gradsym",
             "figure.dpi": dpi}
    from gradsym.layers.sizes import SizesDerivation

    if isinstance(d, SizesDerivation):
        with mpl.rc_context(style):  # type: ignore[arg-type]
            strips = size_strips(d)
            cells = max(len(st.cells) for st in strips)
            rows = sum(len(st.rows) + (1 if st.elided[1] else 0) + 2.5 for st in strips)
            # cell by cell up to MAX_CELL_TEXT positions; beyond, a fixed width (no cell text)
            width = max(0.3 * cells + 5.5, 8.0) if cells <= MAX_CELL_TEXT else 13.0
            fig = plt.figure(figsize=(width, min(0.3 * rows + 1.3 * len(strips) + 0.6, 30.0)),
                             layout="constrained")
            _draw_sizes(fig, d, t)
            key = "plot.sizes.title_transposed" if d.conv.transposed else "plot.sizes.title"
            fig.suptitle(t(key), fontsize=11)
        return fig
    if d.command == "net" and d.numeric is not None:
        with mpl.rc_context(style):  # type: ignore[arg-type]
            return _net_figure(plt, d, t)
    roles = list(d.jacobians)[:MAX_PANELS]
    flips = chain_flips(d, t) if d.command == "chain" else []
    flip = flip_picture(d, t) if not flips else None
    if flip is not None:
        flips = [flip]
    if not roles and not flips:
        raise SpecError(t("error.plot.nothing", command=d.command))
    with mpl.rc_context(style):  # type: ignore[arg-type]
        widths = [len(roles)] if roles else []
        widths += [3 if pic.result is not None else 2 for pic in flips]
        ncols = max(widths)
        nrows = len(widths)
        fig = plt.figure(figsize=(4.4 * ncols, 4.3 * nrows + 0.5), layout="constrained")
        # each row has its own columns: two Jacobians above three flip panels leave no gap
        grid = fig.add_gridspec(nrows, 1)
        row = 0
        if roles:
            sub = grid[row].subgridspec(1, len(roles))
            for i, role in enumerate(roles):
                _draw_jacobian(fig.add_subplot(sub[0, i]), jacobian_picture(d, role), d, t, fig)
            row += 1
        for pic in flips:
            count = 3 if pic.result is not None else 2
            sub = grid[row].subgridspec(1, count)
            _draw_flip([fig.add_subplot(sub[0, i]) for i in range(count)], pic, d, t)
            row += 1
        key = "plot.title_kernel" if not roles else "plot.title_flip" if flips else "plot.title"
        fig.suptitle(t(key, command=d.command), fontsize=11)
    return fig


def _plane(arr: np.ndarray) -> np.ndarray:
    """A 2-D view of an activation: (N, F) as it is; (N, C, *spatial) sample 1, channel 1 (and
    the first depth slice of 3-D maps); a 1-D map as one row."""
    if arr.ndim <= 2:
        return arr.reshape(-1, arr.shape[-1]) if arr.ndim else arr.reshape(1, 1)
    plane = arr[0, 0]
    while plane.ndim > 2:
        plane = plane[0]
    return plane.reshape(1, -1) if plane.ndim == 1 else plane


def _net_figure(plt: Any, d: Derivation, t: Catalogue) -> Any:
    """``net``: per layer, its input activation (top) and the gradient of the loss there (bottom)."""
    from gradsym.layers.net import NetDerivation

    assert isinstance(d, NetDerivation) and d.numeric is not None
    layers, ev = d.net_layers, d.numeric
    count = min(len(layers), 8)
    fig, axes = plt.subplots(2, count, figsize=(2.6 * count + 0.6, 5.6), layout="constrained", squeeze=False)
    for col in range(count):
        layer, lv = layers[col], ev.layers[col]
        for row, (arr, key) in enumerate([(lv.input, "plot.net.activation"), (lv.grad_values["input"], "plot.net.gradient")]):
            ax = axes[row][col]
            plane = _plane(arr)
            data = np.array([[float(v) for v in line] for line in plane.tolist()], dtype=float)
            limit = float(np.abs(data).max()) or 1.0
            wide = data.shape[1] > 4 * data.shape[0]
            ax.imshow(data, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=_extent(data.shape),
                      aspect="auto" if wide else "equal")
            if data.size <= 36 and data.shape[1] <= 8:
                for (i, j), v in np.ndenumerate(data):
                    ax.text(j + 1, i + 1, _short_number(plane[i, j]), ha="center", va="center", fontsize=6,
                            color=_ink(ax, v))
            shape = "x".join(map(str, arr.shape))
            ax.set_title(t(key, layer=layer.number, text=layer.spec.text, shape=shape), fontsize=8)
            _integer_ticks(ax)
    fig.suptitle(t("plot.net.title", command=d.command), fontsize=11)
    return fig


def display_letter(letter: str) -> str:
    """A tensor letter for titles: Greek names as Greek letters (gamma → γ)."""
    return GREEK_LETTERS.get(letter, letter)


def _draw_jacobian(ax: Any, pic: JacobianPicture, d: Derivation, t: Catalogue, fig: Any) -> None:
    import matplotlib as mpl

    cmap: Any

    tensor = d.symbols[pic.role]
    wrt = display_letter(tensor.letter)
    out = display_letter(d.output_letter)
    gradient = pic.mode.startswith("gradient-")
    mode = pic.mode.removeprefix("gradient-")
    ax.set_facecolor("#f2f2f2")
    extent = _extent(pic.image.shape)
    downsampled = mode in ("density", "mean-symbols", "mean-values")
    if downsampled:
        # the axes count elements, not cells: cell i spans elements [i·n/bins, (i+1)·n/bins)
        extent = (0.5, pic.cols + 0.5, pic.rows + 0.5, 0.5)
    if mode in ("mean-symbols", "mean-values"):
        image = ax.imshow(pic.image, cmap="viridis", interpolation="nearest", aspect="auto",
                          extent=extent)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        note = t("plot." + mode.replace("-", "_"), rows=pic.image.shape[0], cols=pic.image.shape[1])
    elif mode == "density":
        finite = pic.image[np.isfinite(pic.image)]
        low = float(finite.min()) if finite.size else 1.0
        # a thin diagonal in a huge Jacobian fills a tiny share of each cell: log scale
        norm = mpl.colors.LogNorm(vmin=low, vmax=1) if low < 0.05 else mpl.colors.Normalize(0, 1)
        image = ax.imshow(pic.image, cmap="viridis", norm=norm, interpolation="nearest",
                          aspect="auto", extent=extent)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        note = t("plot.density", rows=pic.image.shape[0], cols=pic.image.shape[1])
    elif mode == "values":
        finite = pic.image[np.isfinite(pic.image)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if low < 0 < high:
            bound = max(-low, high)
            norm = mpl.colors.TwoSlopeNorm(vcenter=0, vmin=-bound, vmax=bound)
            cmap = "RdBu_r"
        else:
            bound = max(abs(low), abs(high), 1e-12)
            norm = mpl.colors.Normalize(vmin=-bound if high <= 0 else 0, vmax=bound if high > 0 else 0)
            cmap = "Blues" if high > 0 else "Reds_r"
        image = ax.imshow(pic.image, cmap=cmap, norm=norm, interpolation="nearest", aspect="auto",
                          extent=extent)
        if pic.image.size > 1:
            bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
            bar.formatter.set_useOffset(False)
            bar.update_ticks()
        note = t("plot.values")
    elif pic.legend is not None and [name for _, name in pic.legend] == ["…"]:
        # every entry is an expression, not a single symbol: one colour, the text in the cell
        cmap = mpl.colors.ListedColormap(["#cfe2f3"])
        ax.imshow(pic.image, cmap=cmap, interpolation="nearest", aspect="auto", extent=extent)
        note = t("plot.expressions")
    else:
        count = int(np.nanmax(pic.image)) + 1 if np.isfinite(pic.image).any() else 1
        cmap = mpl.colormaps["tab20" if count <= 20 else "turbo"].resampled(max(count, 1))
        ax.imshow(pic.image, cmap=cmap, vmin=-0.5, vmax=count - 0.5, interpolation="nearest",
                  aspect="auto", extent=extent, alpha=0.85)
        note = t("plot.symbols")
        if pic.legend and not pic.labels and len(pic.legend) > 1:
            handles = [mpl.patches.Patch(color=cmap(c), label=name) for c, name in pic.legend]
            ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1),
                      borderaxespad=0, frameon=False)
    if pic.labels is not None:
        cells = max(pic.image.shape)
        size = max(5.0, min(9.0, 70.0 / cells))
        for i, line in enumerate(pic.labels):
            for j, text in enumerate(line):
                if text:
                    ax.text(j + 1, i + 1, text, ha="center", va="center", fontsize=size,
                            color=_ink(ax, pic.image[i, j]))
    if mode != "density":
        for step, count, axis in ((pic.col_block, pic.cols, "v"), (pic.row_block, pic.rows, "h")):
            if 1 < step < count and count <= 60:
                for pos in range(step, count, step):
                    line = ax.axvline if axis == "v" else ax.axhline
                    line(pos + 0.5, color="white", linewidth=1.2)
    if gradient:
        shape = "x".join(map(str, tensor.shape))
        title = t("plot.gradient", out=out, wrt=wrt, shape=shape)
        ax.set_xlabel(t("plot.axis_col", wrt=wrt))
        ax.set_ylabel(t("plot.axis_row", wrt=wrt))
    else:
        title = t("plot.jacobian", out=out, wrt=wrt, rows=pic.rows, cols=pic.cols)
        xlabel, ylabel = t("plot.axis_wrt", wrt=wrt), t("plot.axis_out", out=out)
        if downsampled:
            per_row = -(-pic.rows // pic.image.shape[0])
            per_col = -(-pic.cols // pic.image.shape[1])
            if per_col > 1:
                xlabel = t("plot.axis_downsampled", label=xlabel, count=per_col)
            if per_row > 1:
                ylabel = t("plot.axis_downsampled", label=ylabel, count=per_row)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    ax.set_title(f"{title}\n{note}")
    _integer_ticks(ax)


def _extent(shape: tuple[int, ...], offset: tuple[int, int] = (0, 0)) -> tuple[float, float, float, float]:
    """Cells centred on 1-based indices (as the symbol names count), shifted by ``offset``."""
    return (offset[1] + 0.5, offset[1] + shape[1] + 0.5, offset[0] + shape[0] + 0.5, offset[0] + 0.5)


def _ink(ax: Any, value: float) -> str:
    """Black or white text, whichever reads better on the cell's colour."""
    image = ax.images[0] if ax.images else None
    if image is None or not np.isfinite(value):
        return "black"
    r, g, b, _ = image.cmap(image.norm(value))
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"


def _integer_ticks(ax: Any) -> None:
    """1-based integer ticks: every cell when there are few, else a handful."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, sorted(ax.get_ylim()))):
        first, last = math.ceil(low), math.floor(high)
        if last - first < 10:
            axis.set_major_locator(FixedLocator(list(range(max(first, 1), last + 1))))
        else:
            axis.set_major_locator(MaxNLocator(integer=True, nbins=8))


def _view(size: int, start: int, length: int, limit: int = MAX_VIEW) -> slice:
    """Up to ``limit`` cells along one axis that include ``[start, start+length)``, centred on it."""
    if size <= limit:
        return slice(0, size)
    first = max(0, min(start - (limit - length) // 2, size - limit))
    return slice(first, first + limit)


def _draw_flip(axes: list[Any], pic: FlipPicture, d: Derivation, t: Catalogue) -> None:
    """Three panels: the padded grid with the window, the rotated kernel, the result.

    Large grids are shown around the window only (a teacher's close-up), with
    their true 1-based indices on the axes.
    """
    import textwrap

    import matplotlib as mpl

    values = _point_values(d)
    ax_grid, ax_kernel = axes[:2]
    kh, kw = pic.kernel.shape
    r, c = pic.window
    rows_view = _view(pic.grid.shape[0], r, kh)
    cols_view = _view(pic.grid.shape[1], c, kw)
    _draw_id_grid(ax_grid, pic.grid[rows_view, cols_view], d, values, "#dbe9f6",
                  (rows_view.start, cols_view.start))
    ax_grid.add_patch(mpl.patches.Rectangle((c + 0.5, r + 0.5), kw, kh, fill=False,
                                            edgecolor="#d62728", linewidth=2.5, zorder=5))
    ax_grid.set_title("\n".join(_lines(pic.heading) + textwrap.wrap(pic.grid_title, 48)
                                + _lines(pic.slices[0])
                                + _lines(_view_note(t, pic.grid.shape, rows_view, cols_view))))
    _draw_id_grid(ax_kernel, pic.kernel, d, values, "#fbd9d3", (0, 0))
    for spine in ax_kernel.spines.values():
        spine.set_edgecolor("#d62728")
        spine.set_linewidth(2.5)
    ax_kernel.set_title("\n".join(textwrap.wrap(pic.kernel_title, 40) + _lines(pic.slices[1])))
    if pic.result is None:
        return
    ax_result = axes[2]
    # the result: numbers when known, else how many products each entry sums
    er, ec = pic.entry
    rows_view = _view(pic.result.shape[0], er, 1)
    cols_view = _view(pic.result.shape[1], ec, 1)
    result = pic.result[rows_view, cols_view]
    known = pic.result_values[rows_view, cols_view] if pic.result_values is not None else None
    counted = known is None or not all(_is_real(v) for v in known.reshape(-1))
    if counted:
        shown = np.vectorize(_size, otypes=[float])(result)
        labels = [[str(int(v)) for v in row] for row in shown]
        cmap = "Greens"
    else:
        assert known is not None
        shown = np.array([[float(v) for v in row] for row in known])
        labels = [[_short_number(v) for v in row] for row in known]
        cmap = "RdBu_r" if shown.min() < 0 < shown.max() else "Greens"
    offset = (rows_view.start, cols_view.start)
    ax_result.imshow(shown, cmap=cmap, interpolation="nearest", extent=_extent(shown.shape, offset))
    for i in range(shown.shape[0]):
        for j in range(shown.shape[1]):
            ax_result.text(offset[1] + j + 1, offset[0] + i + 1, labels[i][j], ha="center",
                           va="center", fontsize=8, color=_ink(ax_result, shown[i, j]))
    ax_result.add_patch(mpl.patches.Rectangle((ec + 0.5, er + 0.5), 1, 1, fill=False,
                                              edgecolor="#d62728", linewidth=2.5, zorder=5))
    from gradsym.render.text import subscript_name

    # Unicode subscripts, not mathtext: mathtext has no fallback font for Chinese titles.
    index = (er + 1, ec + 1) if pic.result.shape[0] > 1 or pic.entry_depth is not None else (ec + 1,)
    if pic.entry_depth is not None:
        index = (pic.entry_depth + 1, *index)
    index = (*pic.index_prefix, *index)
    name = pic.result_prefix + subscript_name(pic.result_letter, index)
    whole = pic.result_prefix + pic.result_letter
    title = t("plot.result", name=whole) + "\n" + t("plot.window", entry=name)
    if counted:
        title += "\n" + t("plot.terms")
    if pic.slices[2]:
        title += "\n" + pic.slices[2]
    note = _view_note(t, pic.result.shape, rows_view, cols_view)
    if note:
        title += "\n" + note
    ax_result.set_title(title)
    _integer_ticks(ax_result)


def _view_note(t: Catalogue, shape: tuple[int, ...], rows: slice, cols: slice) -> str:
    """Say so when a close-up shows only part of a grid: its corner, or which rows/columns."""
    shown = (rows.stop - rows.start, cols.stop - cols.start)
    if shown == tuple(shape):
        return ""
    size = "×".join(map(str, shape))
    if rows.start == 0 and cols.start == 0:
        return t("plot.corner", rows=shown[0], cols=shown[1], shape=size)
    return t("plot.part", first_row=rows.start + 1, last_row=rows.stop, first_col=cols.start + 1,
             last_col=cols.stop, shape=size)


def _lines(text: str) -> list[str]:
    return [text] if text else []


def _point_values(d: Derivation) -> dict[int, Any]:
    """Variable id → given number (empty without numbers)."""
    if d.numeric is None:
        return {}
    out: dict[int, Any] = {}
    for role, arr in d.numeric.values.items():
        tensor = d.symbols.get(role)
        if tensor is not None:
            out.update(zip(tensor.flat_ids(), arr.reshape(-1).tolist()))
    # chain: every layer's activation, kernel, bias and incoming gradient
    for layer, lv in zip(getattr(d, "layers", []), getattr(d.numeric, "layers", [])):
        pairs = [(layer.input, lv.input), (layer.kernel, lv.kernel), (layer.upstream, lv.upstream),
                 (layer.bias, lv.bias)]
        for tensor, arr in pairs:
            if tensor is not None and arr is not None:
                out.update(zip(tensor.flat_ids(), np.asarray(arr).reshape(-1).tolist()))
    return out


def _draw_id_grid(ax: Any, grid: np.ndarray, d: Derivation, values: dict[int, Any], colour: str,
                  offset: tuple[int, int]) -> None:
    """A grid of variable ids: symbols (or their numbers) on colour, zeros on grey.

    ``offset`` is the grid's position in a larger one (its axes show true indices).
    """
    import matplotlib as mpl

    rows, cols = grid.shape
    filled = (grid != ZERO).astype(float)
    cmap = mpl.colors.ListedColormap(["#eeeeee", colour])
    ax.imshow(filled, cmap=cmap, vmin=0, vmax=1, interpolation="nearest",
              extent=_extent(grid.shape, offset))
    size = 8 if max(rows, cols) <= 8 else 6
    for i in range(rows):
        for j in range(cols):
            var = int(grid[i, j])
            if var == ZERO:
                text, color = "0", "#999999"
            elif var in values:
                text, color = _short_number(values[var]), "black"
            else:
                letter, index = d.table.keys[var]
                text, color = mathtext_name(letter, index), "black"
            ax.text(offset[1] + j + 1, offset[0] + i + 1, text, ha="center", va="center",
                    fontsize=size, color=color)
    ax.set_xticks(np.arange(offset[1] + 0.5, offset[1] + cols + 1, 1), minor=True)
    ax.set_yticks(np.arange(offset[0] + 0.5, offset[0] + rows + 1, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1)
    ax.tick_params(which="minor", length=0)
    _integer_ticks(ax)
