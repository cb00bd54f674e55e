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
from gradsym.render import plot, plot_sizes
from gradsym.render.wording import Catalogue

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
    r_edges = -(-np.arange(plot.MAX_BINS + 1) * rows // plot.MAX_BINS)
    c_edges = -(-np.arange(plot.MAX_BINS + 1) * cols // plot.MAX_BINS)
    area = np.outer(np.diff(r_edges), np.diff(c_edges))
    assert round(float(np.nansum(picture.image * area))) == len(jac.entries) == 48 * 48 * 9
    assert plot.plot_png(d).startswith(PNG)


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
    assert shown == (list(range(count)) if count <= plot_sizes.MAX_ROWS else
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


# -- the fixes of issue 17: no empty panel, honest axes, a readable ∂y/∂k, every chain layer --------
def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def _panels(fig):
    """The drawing axes (colour bars aside: they have no title)."""
    return [ax for ax in fig.axes if ax.get_title()]


def test_no_panel_is_left_empty(seed003):
    fig = plot.plot_figure(seed003)
    try:
        # two Jacobians above three flipped-kernel panels: five panels, every one drawn on
        assert len(_panels(fig)) == 5
        assert all(ax.images or ax.patches for ax in fig.axes if ax.get_label() != "<colorbar>")
        widths = sorted(round(ax.get_position().width, 3) for ax in _panels(fig))
        assert widths[-1] > 1.3 * widths[0]  # the Jacobians take the whole row's width
    finally:
        _close(fig)


@pytest.fixture(scope="module")
def conv64():
    return gradsym.conv(input=(64, 64), kernel=(3, 3))


def test_downsampled_axes_count_elements_and_say_so(conv64):
    fig = plot.plot_figure(conv64)
    try:
        jx = next(ax for ax in fig.axes if ax.get_title().startswith("∂y/∂x"))
        # the axes run over the 4096 input and 3844 output elements, not 256 cells
        assert jx.get_xlim() == (0.5, 4096.5) and sorted(jx.get_ylim()) == [0.5, 3844.5]
        assert "downsampled" in jx.get_xlabel() and "16 elements" in jx.get_xlabel()
        assert "downsampled" in jx.get_ylabel()
        titles = [ax.get_title() for ax in _panels(fig)]
        assert any("top-left 12×12 corner of 66×66" in title for title in titles)  # g̃
        assert any("top-left 12×12 corner of 64×64" in title for title in titles)  # ∂L/∂x
    finally:
        _close(fig)


def test_the_kernel_jacobian_is_not_one_colour_and_shows_which_input_each_entry_is(conv64):
    picture = plot.jacobian_picture(conv64, "kernel")
    assert picture.mode == "mean-symbols"
    finite = picture.image[np.isfinite(picture.image)]
    assert len(np.unique(finite)) > 100
    # independently: entry (o, q) of ∂y/∂k is x at (oh + qh, ow + qw), row-major number n+1
    rows = np.arange(62 * 62)
    oh, ow = rows // 62, rows % 62
    bins = rows * plot.MAX_BINS // rows.size
    for q in range(9):
        qh, qw = divmod(q, 3)
        number = (oh + qh) * 64 + (ow + qw) + 1
        expected = np.bincount(bins, weights=number) / np.bincount(bins)
        assert np.allclose(picture.image[:, q], expected)


def test_the_kernel_jacobian_with_values_shows_their_mean():
    d = gradsym.conv(input=(20, 20), kernel=(2, 2), x="arange", k="ones")
    picture = plot.jacobian_picture(d, "kernel")
    assert picture.mode == "mean-values"
    # row o, tap (0, 0) holds x at (oh, ow) = oh·20 + ow + 1; bins of 361 rows into 256
    rows = np.arange(19 * 19)
    bins = rows * plot.MAX_BINS // rows.size
    value = (rows // 19) * 20 + rows % 19 + 1
    assert np.allclose(picture.image[:, 0], np.bincount(bins, weights=value) / np.bincount(bins))


def test_density_shares_never_exceed_one(conv64):
    picture = plot.jacobian_picture(conv64, "input")
    assert picture.mode == "density" and np.nanmax(picture.image) <= 1


def test_chain_draws_every_layer_with_its_values():
    d = gradsym.chain(input=(4, 4), kernel=(3, 3), padding=1, depth=3, x="arange", k="ones", b="1")
    pictures = plot.chain_flips(d, Catalogue("en"))
    assert [p.heading for p in pictures] == ["layer 1 of 3", "layer 2 of 3", "layer 3 of 3"]
    values = plot._point_values(d)
    for number, picture in enumerate(pictures, start=1):
        grads = d.numeric.layers[number - 1].grad_values["input"]
        assert picture.result_values is not None and np.array_equal(picture.result_values, grads)
        (r, c), (kh, kw) = picture.window, picture.kernel.shape
        window = picture.grid[r : r + kh, c : c + kw]
        total = sum(values[int(a)] * values[int(b)]
                    for a, b in zip(window.reshape(-1), picture.kernel.reshape(-1))
                    if a != ZERO and b != ZERO)
        assert total == grads[picture.entry]  # the layer's own numbers, not symbols
    fig = plot.plot_figure(d)
    try:
        titles = [ax.get_title() for ax in _panels(fig)]
        assert len(titles) == 9 and sum(title.startswith("layer ") for title in titles) == 3
        texts = {text.get_text() for ax in fig.axes for text in ax.texts}
        assert "1/16" in texts  # d₃ = ∂L/∂a₄ of the mean L1 loss over 16 outputs, drawn as a number
    finally:
        _close(fig)


def test_three_d_chain_draws_every_layer_by_depth_slices():
    d = gradsym.chain(input=(4, 4, 4), kernel=(2, 2, 2), depth=2, x="arange", k="ones")
    pictures = plot.chain_flips(d, Catalogue("en"))
    assert [p.heading for p in pictures] == ["layer 1 of 2", "layer 2 of 2"]
    for number, picture in enumerate(pictures, start=1):
        grads = d.numeric.layers[number - 1].grad_values["input"]
        assert picture.index_prefix == (number,) and picture.entry_depth is not None
        # the slice shown is the layer's own ∂L/∂a at the depth of the entry the window gives
        assert np.array_equal(picture.result_values, grads[picture.entry_depth])
        assert all(s.startswith("depth slice") for s in picture.slices)
    fig = plot.plot_figure(d)
    try:
        titles = [ax.get_title() for ax in _panels(fig)]
        assert len(titles) == 6 and sum(title.startswith("layer ") for title in titles) == 2
    finally:
        _close(fig)
