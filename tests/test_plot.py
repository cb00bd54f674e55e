"""Pictures (``--plot FILE.png``): Jacobian heatmaps and the flipped-kernel picture."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest
from test_zh import EXAMPLES

import gradsym
from gradsym.errors import SpecError
from gradsym.grids import ZERO
from gradsym.render import plot
from gradsym.render.messages import Catalogue

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def seed003():
    return gradsym.conv(input=(3, 3), kernel=(2, 2), x="arange", k=[[1, 2], [3, 4]])


def test_png_is_made_and_reproducible(seed003):
    first = plot.plot_png(seed003)
    assert first.startswith(PNG) and len(first) > 10_000
    assert plot.plot_png(seed003) == first


def test_jacobian_values_match_pytorch(seed003):
    torch = pytest.importorskip("torch")
    x = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    k = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    dense = torch.autograd.functional.jacobian(lambda x_: torch.nn.functional.conv2d(x_, k), x)
    picture = plot.jacobian_picture(seed003, "input")
    assert picture.mode == "values" and picture.image.shape == (4, 9)
    expected = dense.reshape(4, 9).numpy()
    structural = np.isnan(picture.image)
    assert np.array_equal(picture.image[~structural], expected[~structural])
    assert not expected[structural].any()  # structural zeros are zeros
    assert picture.labels is not None and picture.labels[3][8] == "4"


def test_symbolic_jacobian_is_coloured_by_symbol():
    d = gradsym.conv(input=(3, 3), kernel=(2, 2))
    picture = plot.jacobian_picture(d, "input")
    assert picture.mode == "symbols"
    # every diagonal band holds one kernel element, as in the doubly-Toeplitz matrix
    k11 = picture.image[0, 0]
    assert [picture.image[o, w] for o, w in ((1, 1), (2, 3), (3, 4))] == [k11] * 3
    assert picture.legend is not None and len(picture.legend) == 4


def test_large_jacobians_are_downsampled_from_the_sparse_entries():
    d = gradsym.conv(input=(50, 50), kernel=(3, 3))
    jac = d.jacobians["input"]
    rows, cols = math.prod(jac.out_shape), math.prod(jac.wrt_shape)
    assert rows * cols > 5_000_000  # drawn from the entries, never as a dense array
    picture = plot.jacobian_picture(d, "input")
    assert picture.mode == "density" and picture.image.shape == (plot.MAX_BINS, plot.MAX_BINS)
    # the shares times the cells per bin give back every non-zero entry
    r_edges = np.arange(plot.MAX_BINS + 1) * rows // plot.MAX_BINS
    c_edges = np.arange(plot.MAX_BINS + 1) * cols // plot.MAX_BINS
    area = np.outer(np.diff(r_edges), np.diff(c_edges))
    assert round(float(np.nansum(picture.image * area))) == len(jac.entries) == 48 * 48 * 9
    assert plot.plot_png(d).startswith(PNG)
    # the axes count elements, not bins, and say that the picture is downsampled
    import matplotlib.pyplot as plt

    fig = plot.plot_figure(d)
    try:
        ax = fig.axes[0]
        assert sorted(ax.get_xlim()) == [0.5, cols + 0.5] and sorted(ax.get_ylim()) == [0.5, rows + 0.5]
        assert "downsampled" in ax.get_xlabel() and "downsampled" in ax.get_ylabel()
    finally:
        plt.close(fig)


def test_flipped_kernel_window_produces_the_marked_entry():
    d = gradsym.conv(input=(5, 5), kernel=(3, 3), stride=2, padding=1, x="arange", k="arange", g="arange")
    picture = plot.flip_picture(d, Catalogue("en"))
    assert picture is not None and picture.result is not None
    values = plot._point_values(d)
    (r, c), (kh, kw) = picture.window, picture.kernel.shape
    window = picture.grid[r : r + kh, c : c + kw]
    # correlate the window of the zero-inserted, padded g with the rotated kernel by hand
    total = sum(
        values[int(a)] * values[int(b)]
        for a, b in zip(window.reshape(-1), picture.kernel.reshape(-1))
        if a != ZERO and b != ZERO
    )
    assert picture.result_values is not None
    assert total == picture.result_values[picture.entry]
    assert total == d.numeric.grad_values["input"][picture.entry]


@pytest.mark.parametrize("name", ["deconv", "chain", "matrix"])
def test_commands_draw_pictures(tmp_path, cli, name):
    png = tmp_path / f"{name}.png"
    result = cli(*EXAMPLES[name], "--format", "json", "--plot", str(png))
    assert result.code in (0, 1), result.err
    assert png.read_bytes().startswith(PNG)


def test_nothing_to_draw_is_an_error():
    d = gradsym.conv(input=(3, 3), kernel=(2, 2))
    d.jacobians = {}
    d.checks = []
    with pytest.raises(SpecError, match="--plot: conv has nothing to draw"):
        plot.plot_png(d)


def test_missing_matplotlib_says_how_to_install(monkeypatch, tmp_path, cli):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(SpecError, match=r'pip install "gradsym\[plot\]"'):
        plot.plot_png(gradsym.conv(input=(3, 3), kernel=(2, 2)))
    png = tmp_path / "x.png"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--format", "json", "--plot", str(png))
    assert result.code == 2 and "--plot needs Matplotlib" in result.err and not png.exists()


def test_chinese_pictures_use_a_cjk_font():
    if plot.cjk_font() is None:
        pytest.skip("no font with Chinese glyphs installed")
    assert plot.cjk_font() in plot.CJK_FONTS


# -- gradsym sizes ---------------------------------------------------------------------------
def _read_by_brute_force(size, kernel, stride, pad, dilation):
    """Slide the window one stride at a time over the padded input; collect the taps inside."""
    read, start = set(), 0
    while start + dilation * (kernel - 1) < size + pad[0] + pad[1]:
        read |= {start + dilation * q - pad[0] for q in range(kernel)}
        start += stride
    return {j for j in read if 0 <= j < size}, start // stride


@pytest.mark.parametrize(("size", "kernel", "stride", "pad", "dilation"),
                         [(8, 2, 3, 0, 2), (9, 3, 1, 2, 4), (7, 3, 2, 1, 1), (30, 2, 2, 0, 5)])
def test_size_strip_marks_exactly_the_unread_positions(size, kernel, stride, pad, dilation):
    d = gradsym.sizes(input=str(size), kernel=str(kernel), stride=stride, padding=pad, dilation=dilation)
    strip, = plot.size_strips(d)
    read, count = _read_by_brute_force(size, kernel, stride, (pad, pad), dilation)
    assert [j for j, _ in strip.cells] == list(range(-pad, size + pad))
    inside = {j: kind for j, kind in strip.cells if 0 <= j < size}
    assert {j for j, kind in inside.items() if kind.startswith("unread")} == set(range(size)) - read
    assert all(kind == "padding" for j, kind in strip.cells if not 0 <= j < size)
    # between two read positions: skipped by the taps; after the last: lost to floor rounding
    for j, kind in inside.items():
        if j not in read:
            expected = "unread_end" if j > max(read) else "unread_between" if j > min(read) else "unread_start"
            assert kind == expected
    shown = [index for index, _, _ in strip.rows]
    assert shown == (list(range(count)) if count <= plot.MAX_ROWS else
                     list(range(8)) + list(range(count - 8, count)))
    for o, taps, _ in strip.rows:
        assert taps == [stride * o + dilation * q - pad for q in range(kernel)]


def test_size_strip_shows_an_in_between_gap_when_dilation_exceeds_stride():
    strip, = plot.size_strips(gradsym.sizes(input="8", kernel="2", stride=1, dilation=3))
    kinds = dict(strip.cells)
    assert kinds[3] == kinds[4] == "input"  # every position read: d > s alone leaves no gap here
    strip, = plot.size_strips(gradsym.sizes(input="8", kernel="2", stride=2, dilation=3))
    # windows 0–3, 2–5, 4–7 (taps at both ends): 1 and 6 lie between read positions
    assert [j for j, kind in strip.cells if kind == "unread_between"] == [1, 6]


@pytest.mark.parametrize("args", [
    ("--input", "8", "--kernel", "2", "--stride", "3", "--dilation", "2"),
    ("--input", "7x9", "--kernel", "3x2", "--stride", "2x1", "--padding", "1x0", "--dilation", "1x3"),
    ("--input", "3x5", "--kernel", "2x3", "--stride", "3x2", "--padding", "0x1", "--transposed",
     "--output-padding", "1x1"),
])
def test_sizes_draws_a_png(tmp_path, cli, args):
    png = tmp_path / "sizes.png"
    result = cli("sizes", *args, "--format", "json", "--plot", str(png))
    assert result.code == 0, result.err
    data = png.read_bytes()
    assert data.startswith(PNG) and len(data) > 10_000


def test_sizes_figure_has_one_panel_per_dimension_titled_with_the_formula():
    d = gradsym.sizes(input="7x9", kernel="3x2", stride="2x1", padding="1x0", dilation="1x3")
    fig = plot.plot_figure(d)
    try:
        titles = [ax.get_title().replace("\n", " ") for ax in fig.axes]
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    assert len(titles) == 2
    for axis, title in enumerate(titles):
        assert title.startswith(f"dimension {axis + 1}:") and title.endswith(f"= {d.to_dict()['output'][axis]}")


def test_transposed_strip_matches_the_scatter_of_writes():
    size, kernel, stride, pad, dilation, extra = 6, 2, 1, 2, 1, 0
    d = gradsym.sizes(input=str(size), kernel=str(kernel), stride=stride, padding=pad, dilation=dilation,
                      transposed=True, output_padding=extra)
    strip, = plot.size_strips(d)
    out = d.to_dict()["output"][0]
    # scatter every input to s·i + d·q − p and keep what lands inside the cropped output
    writes = {i: {stride * i + dilation * q - pad for q in range(kernel)} & set(range(out)) for i in range(size)}
    written = set().union(*writes.values())
    assert {j for j, kind in strip.cells if kind == "unwritten"} == set(range(out)) - written
    assert {i for i, _, dead in strip.rows if dead} == {i for i, w in writes.items() if not w} == {0, 5}


# -- 3-D flipped kernel ----------------------------------------------------------------------
def test_3d_conv_draws_the_flipped_kernel_for_a_depth_slice():
    d = gradsym.conv(input=(4, 4, 4), kernel=(2, 2, 2), x="arange", k="arange")
    picture = plot.flip_picture(d, Catalogue("en"))
    assert picture is not None and picture.result is not None and picture.entry_depth is not None
    check = next(c for c in d.all_checks() if c.name == "grad_input_equals_full_conv_rot180_kernel")
    (_, grid), (_, kernel) = check.detail["grids"][:2]
    depth = picture.entry_depth  # no padding: the window's front slice is the entry's depth
    assert np.array_equal(picture.grid, grid[depth]) and np.array_equal(picture.kernel, kernel[0])
    assert picture.slices[0].startswith(f"depth slice {depth + 1} of {grid.shape[0]}")
    # the whole 3-D window (all depth slices) produces the marked entry
    values = plot._point_values(d)
    (r, c), (kd, kh, kw) = picture.window, kernel.shape
    window = grid[depth : depth + kd, r : r + kh, c : c + kw]
    total = sum(values[int(a)] * values[int(b)] for a, b in zip(window.reshape(-1), kernel.reshape(-1))
                if a != ZERO and b != ZERO)
    assert total == d.numeric.grad_values["input"][(depth, *picture.entry)]
    fig = plot.plot_figure(d)
    try:
        titles = [ax.get_title() for ax in fig.axes]
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    assert sum("depth slice" in title for title in titles) == 3  # grid, kernel, result panels


def test_3d_deconv_plot_includes_the_flipped_kernel(tmp_path, cli):
    png = tmp_path / "deconv3.png"
    result = cli("deconv", "--input", "2x2x2", "--kernel", "2x2x2", "--stride", "2", "--format", "json",
                 "--plot", str(png))
    assert result.code == 0, result.err
    assert png.read_bytes().startswith(PNG)
    fig = plot.plot_figure(gradsym.deconv(input=(2, 2, 2), kernel=(2, 2, 2), stride=2))
    try:
        assert any("depth slice" in ax.get_title() for ax in fig.axes)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


@pytest.mark.parametrize("d", [
    gradsym.conv(input=(3, 3), kernel=(2, 2), x="arange", k="arange"),  # 2 Jacobians over 3 flip panels
    gradsym.conv(input=(3, 3), kernel=(2, 2), bias=True),  # 3 Jacobians over 2 flip panels
    gradsym.pool(input=(4, 4), size=2),  # one Jacobian, no flip picture
], ids=["conv-values", "conv-bias", "pool"])
def test_every_row_of_panels_fills_the_width(d):
    # No empty corner: in each row the panels reach from the left edge to the right edge.
    import matplotlib.pyplot as plt

    fig = plot.plot_figure(d)
    try:
        fig.canvas.draw()
        rows: dict[float, list[tuple[float, float]]] = {}
        for ax in fig.axes:
            box = ax.get_position()
            rows.setdefault(round(box.y0, 1), []).append((box.x0, box.x1))
    finally:
        plt.close(fig)
    for spans in rows.values():
        assert min(a for a, _ in spans) < 0.15 and max(b for _, b in spans) > 0.85, spans


def test_close_ups_of_large_grids_say_which_part_they_show():
    import matplotlib.pyplot as plt

    d = gradsym.conv(input=(50, 50), kernel=(3, 3))
    picture = plot.flip_picture(d, Catalogue("en"))
    assert picture is not None and picture.grid.shape == (52, 52)  # 48 + 2·(3−1) per side
    fig = plot.plot_figure(d)
    try:
        titles = [ax.get_title() for ax in fig.axes]
    finally:
        plt.close(fig)
    assert any("rows" in t and "of 52, columns" in t and "of 52" in t for t in titles)
    assert any("of 50, columns" in t for t in titles)  # the result ∂L/∂x is 50x50
    small = plot.plot_figure(gradsym.conv(input=(3, 3), kernel=(2, 2), x="arange", k="arange"))
    try:
        assert not any("part shown" in ax.get_title() for ax in small.axes)
    finally:
        plt.close(small)


def test_a_dense_jacobian_is_drawn_entry_by_entry_not_as_one_flat_colour():
    # ∂y/∂k of a large convolution: every entry is non-zero, so a density picture would be uniform.
    import matplotlib.pyplot as plt

    d = gradsym.conv(input=(50, 50), kernel=(3, 3))
    jac = d.jacobians["kernel"]
    picture = plot.jacobian_picture(d, "kernel")
    assert picture.mode == "symbols" and picture.image.shape == (plot.MAX_DENSE, 9)
    # each cell is coloured by the input element it is: y[o] reads x at o's window
    colours = {}
    for (o, w), p in jac.entries.items():
        if o < plot.MAX_DENSE:
            colours.setdefault(next(iter(p))[0], set()).add(picture.image[o, w])
    assert all(len(c) == 1 for c in colours.values())  # one colour per symbol
    assert len(set(np.unique(picture.image))) > 1
    fig = plot.plot_figure(d)
    try:
        titles = [ax.get_title() for ax in fig.axes]
    finally:
        plt.close(fig)
    assert any(f"rows 1–{plot.MAX_DENSE} of 2304" in t for t in titles)
