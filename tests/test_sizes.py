"""gradsym sizes: output sizes, unread positions and inverting output_padding, PyTorch as the oracle."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import GradsymError
from tests.conftest import require

dims = st.fixed_dictionaries(
    {
        "i": st.integers(1, 12),
        "k": st.integers(1, 4),
        "s": st.integers(1, 4),
        "d": st.integers(1, 4),
        "p": st.integers(0, 3),
    }
)


def _torch_conv_size(torch, i: int, k: int, s: int, p: int, d: int) -> int | None:
    try:
        y = torch.nn.functional.conv1d(torch.zeros(1, 1, i), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d)
    except RuntimeError:
        return None
    return int(y.shape[-1])


@settings(max_examples=30, deadline=None)
@given(st.lists(dims, min_size=1, max_size=3))
def test_conv_sizes_match_torch(per_dim):
    torch = require("torch")
    shape = lambda key: "x".join(str(c[key]) for c in per_dim)  # noqa: E731
    expected = [_torch_conv_size(torch, c["i"], c["k"], c["s"], c["p"], c["d"]) for c in per_dim]
    args = dict(input=shape("i"), kernel=shape("k"), stride=shape("s"), padding=shape("p"), dilation=shape("d"))
    if None in expected:
        with pytest.raises(GradsymError, match="larger than the padded input"):
            gradsym.sizes(**args)
        return
    d = gradsym.sizes(**args)
    doc = d.to_dict()
    assert doc["output"] == expected
    assert all(c["holds"] for c in doc["checks"])
    for c, formula, out in zip(per_dim, doc["formula"], expected):
        assert formula.endswith(f"= {out}") and f"({c['i']} + {c['p']} + {c['p']} −" in formula


@settings(max_examples=30, deadline=None)
@given(dims)
def test_unread_positions_and_inverse_output_padding_match_torch(c):
    torch = require("torch")
    i, k, s, p, dil = c["i"], c["k"], c["s"], c["p"], c["d"]
    if _torch_conv_size(torch, i, k, s, p, dil) is None:
        return
    doc = gradsym.sizes(input=i, kernel=k, stride=s, padding=p, dilation=dil).to_dict()
    # Unread: with all-ones weights, exactly the positions nobody reads get a zero gradient.
    x = torch.ones(1, 1, i, requires_grad=True)
    torch.nn.functional.conv1d(x, torch.ones(1, 1, k), stride=s, padding=p, dilation=dil).sum().backward()
    assert doc["unread"] == [[j for j in range(i) if x.grad[0, 0, j] == 0]]
    # Inverse: conv_transpose with each output_padding gives the listed size, which conv maps back.
    o = doc["output"][0]
    for row in doc["inverse"][0]:
        a = row["output_padding"]
        back = torch.nn.functional.conv_transpose1d(torch.zeros(1, 1, o), torch.zeros(1, 1, k), stride=s,
                                                    padding=p, dilation=dil, output_padding=a)
        assert back.shape[-1] == row["size"]
        assert _torch_conv_size(torch, row["size"], k, s, p, dil) == o
    a = doc["output_padding"][0]
    assert [row["size"] for row in doc["inverse"][0] if row["output_padding"] == a] == [i]
    # PyTorch's own choice, ConvTranspose(…)(y, output_size=i), picks the same output_padding.
    layer = torch.nn.ConvTranspose1d(1, 1, k, stride=s, padding=p, dilation=dil)
    assert layer._output_padding(torch.zeros(1, 1, o), [i], [s], [p], [k], 1, [dil]) == [a]


@settings(max_examples=30, deadline=None)
@given(dims, st.integers(0, 3))
def test_transposed_sizes_match_torch(c, a):
    torch = require("torch")
    i, k, s, p, dil = c["i"], c["k"], c["s"], c["p"], c["d"]
    args = dict(input=i, kernel=k, stride=s, padding=p, dilation=dil, transposed=True, output_padding=a)
    try:
        w = torch.ones(1, 1, k)
        x = torch.ones(1, 1, i, requires_grad=True)
        y = torch.nn.functional.conv_transpose1d(x, w, stride=s, padding=p, dilation=dil, output_padding=a)
        ok = y.shape[-1] > 0
    except RuntimeError:
        ok = False
    if not ok:
        with pytest.raises(GradsymError, match="output_padding|empty"):
            gradsym.sizes(**args)
        return
    doc = gradsym.sizes(**args).to_dict()
    assert doc["output"] == [y.shape[-1]]
    assert all(check["holds"] for check in doc["checks"])
    y.sum().backward()
    assert doc["unread"] == [[j for j in range(i) if x.grad[0, 0, j] == 0]]
    assert doc["unwritten"] == [[j for j in range(y.shape[-1]) if y[0, 0, j] == 0]]
    assert doc["conv_output"] == [_torch_conv_size(torch, y.shape[-1], k, s, p, dil)]
    for row in doc["inverse"][0]:
        assert _torch_conv_size(torch, row["size"], k, s, p, dil) == i


def test_the_issue_examples(cli):
    result = cli("sizes", "--input", "5x5", "--kernel", "3x3", "--stride", "2", "--padding", "1",
                 "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["command"] == "sizes" and doc["output"] == [3, 3]
    assert doc["formula"][0] == ("o = ⌊(i + p_b + p_a − d(k−1) − 1)/s⌋ + 1 = "
                                 "⌊(5 + 1 + 1 − 1·(3−1) − 1)/2⌋ + 1 = ⌊4/2⌋ + 1 = 3")
    transposed = json.loads(cli("sizes", "--input", "3x3", "--kernel", "3x3", "--stride", "2", "--padding",
                                "1", "--transposed", "--output-padding", "1", "--format", "json").out)
    assert transposed["output"] == [6, 6]
    assert transposed["formula"][1].endswith("= 2·(3−1) − 1 − 1 + 1·(3−1) + 1 + 1 = 6")
    # k=2, d=3, s=2 never reads index 1 (and here not index 6 either)
    gaps = cli("sizes", "--input", "8", "--kernel", "2", "--dilation", "3", "--stride", "2", "--format", "text")
    assert "in between: 1, 6" in gaps.out
    assert json.loads(cli("sizes", "--input", "8", "--kernel", "2", "--dilation", "3", "--stride", "2",
                          "--format", "json").out)["unread"] == [[1, 6]]


def test_floor_rounding_loses_the_end(cli):
    # 6 wide, kernel 3, stride 2: ⌊(6−3)/2⌋+1 = 2 windows read 0…4, position 5 is lost; r = 1.
    result = cli("sizes", "--input", "6", "--kernel", "3", "--stride", "2", "--format", "text")
    assert "at the end: 5, lost to floor rounding" in result.out and "= 1)" in result.out
    doc = gradsym.sizes(input=6, kernel=3, stride=2).to_dict()
    assert doc["remainder"] == [1] and doc["output_padding"] == [1]
    assert doc["inverse"] == [[{"output_padding": 0, "size": 5}, {"output_padding": 1, "size": 6}]]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_asymmetric_same_padding_is_exact(cli):
    torch = require("torch")
    doc = json.loads(cli("sizes", "--input", "6", "--kernel", "4", "--padding", "same", "--format", "json").out)
    assert doc["config"]["padding"] == [[1, 2]]
    x, w = torch.arange(1.0, 7).reshape(1, 1, 6), torch.tensor([[[1.0, 10, 100, 1000]]])
    y = torch.nn.functional.conv1d(x, w, padding="same")
    assert doc["output"] == [y.shape[-1]]
    # the values prove where the odd padding went (one before, two after)
    d = gradsym.conv(input=6, kernel=4, padding="same", x="arange", k="1,10,100,1000")
    assert d.numeric is not None and d.numeric.forward.tolist() == [int(v) for v in y.reshape(-1).tolist()]
    tf = json.loads(cli("sizes", "--input", "5", "--kernel", "4", "--stride", "2", "--padding", "same",
                        "--convention", "tensorflow", "--format", "json").out)
    assert tf["config"]["padding"] == [[1, 2]] and tf["output"] == [3]


def test_channels_give_the_full_shape_and_formats_work(cli, tmp_path):
    doc = gradsym.sizes(input="4x4", kernel="3x3", in_channels=2, out_channels=5, batch=3).to_dict()
    assert doc["output"] == [2, 2] and doc["shape"] == [3, 5, 2, 2]
    for fmt in ("text", "rich"):
        result = cli("sizes", "--input", "4", "--kernel", "3", "--format", fmt)
        assert result.code == 0 and "o₁ = 2" in result.out
    target = tmp_path / "sizes.json"
    assert cli("sizes", "--input", "4", "--kernel", "3", "--output", str(target)).code == 0
    assert json.loads(target.read_text())["output"] == [2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "3", "--kernel", "5"], "--kernel 5 (dilated extent 5) is larger than the padded input 3"),
        (["--input", "3", "--kernel", "2", "--output-padding", "1"], "--output-padding belongs to a transposed convolution"),
        (["--input", "3", "--kernel", "2", "--transposed", "--output-padding", "1"], "--output-padding 1 must be smaller than the stride (1)"),
        (["--input", "3", "--kernel", "2", "--transposed", "--padding", "2"], "output would be empty"),
        (["--input", "3", "--kernel", "2", "--stride", "2", "--padding", "same"], "--padding same needs --stride 1"),
        (["--kernel", "2"], "--input is required"),
    ],
)
def test_bad_input(cli, args, message):
    result = cli("sizes", *args)
    assert result.code == 2
    assert result.err.startswith("error: ") and message in result.err
