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
