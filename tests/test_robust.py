"""Robustness: Ctrl-C, atomic output files, determinism across runs and hash seeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _gradsym(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradsym", *args], capture_output=True,
                          env={**os.environ, **(env or {})}, **kwargs)


def test_ctrl_c_exits_130_and_leaves_no_file(tmp_path: Path):
    target = tmp_path / "big.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradsym", "conv", "--input", "200x200", "--kernel", "3x3",
         "--output", str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    time.sleep(2.5)  # well into the derivation (it takes several seconds)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().strip() == "error: interrupted"
    assert "Traceback" not in err.decode()
    assert list(tmp_path.iterdir()) == []


def test_output_is_byte_identical_across_runs_and_hash_seeds():
    args = ("conv", "--input", "5x4", "--kernel", "2x3", "--stride", "2x1", "--padding", "1",
            "--bias", "--x", "random", "--k", "arange", "--b", "1/2", "--seed", "3")
    outputs = set()
    for seed in ("0", "1", "12345"):
        for fmt in ("json", "text"):
            proc = _gradsym(*args, "--format", fmt, env={"PYTHONHASHSEED": seed})
            assert proc.returncode == 0, proc.stderr
            outputs.add((fmt, proc.stdout))
    assert len(outputs) == 2  # one per format


# -- nothing silently wrong ------------------------------------------------------------------
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import stat  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import gradsym  # noqa: E402
from gradsym.errors import GradsymError, SpecError  # noqa: E402
from gradsym.spec import nest, parse_values  # noqa: E402

SHAPES = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=200, deadline=None)
@given(tensor=SHAPES, given_shape=SHAPES)
def test_a_nested_list_of_another_shape_is_refused_and_a_flat_list_accepted(tensor, given_shape):
    size = math.prod(given_shape)
    literal = json.dumps(nest(list(range(1, size + 1)), given_shape))
    if given_shape == tensor:
        assert parse_values(literal, tensor, "--x").flat == tuple(range(1, size + 1))
    elif len(given_shape) > 1:
        with pytest.raises(SpecError, match=r"^x is a nested list of shape .* but the tensor is"):
            parse_values(literal, tensor, "--x")
    flat = ",".join(str(v) for v in range(1, math.prod(tensor) + 1))
    assert parse_values(flat, tensor, "--x").flat == tuple(range(1, math.prod(tensor) + 1))
    assert parse_values(f"[{flat}]", tensor, "--x").flat == tuple(range(1, math.prod(tensor) + 1))


@pytest.mark.parametrize(("args", "message"), [
    (["linear", "--in-features", "3", "--out-features", "2", "--x", "1,2,3",
      "--w", "[[1,2],[3,4],[5,6]]"],
     "error: --w is a nested list of shape 3x2 but the tensor is 2x3; give a 2x3 nested list, "
     "or 6 values row-major"),
    (["conv", "--input", "4x4", "--kernel", "2x2",
      "--x", "[[1,2],[3,4],[5,6],[7,8],[9,10],[11,12],[13,14],[15,16]]"],
     "error: --x is a nested list of shape 8x2 but the tensor is 4x4"),
    (["mlp", "--layers", "3,2,1", "--at", "w_1=[[1,2,3],[4,5,6]]"],
     "the transpose of torch.nn.Linear.weight: give W.T (a 3x2 list)"),
    (["mlp", "--layers", "1,-2,1"], "error: --layers widths must be ≥ 1, got '1,-2,1'"),
    (["mlp", "--layers", "1,,1"], "error: --layers '1,,1' has an empty width"),
    (["conv", "--input", "4", "--kernel", "2", "--x", "1,,2,3", "--k", "1,1"],
     "error: --x '1,,2,3' has an empty entry (entry 2)"),
    (["conv", "--input", "4", "--kernel", "2", "--x", "1,2,3,4,", "--k", "1,1"],
     "has an empty entry (entry 5)"),
    (["expr", "sum(a)*1e5_0", "--shape", "a=2"], "error: number '1e5_0' has '_' in its exponent"),
    (["conv", "--input", "3", "--kernel", "2", "--bias", "--x", "1,2,3", "--k", "1,1"],
     "error: numeric values need --b as well (given: --x, --k)"),
    (["conv", "--input", "3", "--kernel", "2", "--x", "1,2,3"],
     "error: numeric values need --k as well (given: --x)"),
    (["chain", "--input", "4", "--kernel", "2", "--depth", "2", "--x", "1,2,3,4",
      "--k", "1,1", "--k", "1,2", "--k", "2,2"],
     "error: --k is given 3 times but there are 2 layers (--depth 2)"),
    # numbers too large to compute with or print
    (["conv", "--input", "1", "--kernel", "1", "--x", "1/" + "1" * 5000, "--k", "1"],
     "error: --x contains a number with 5,001 digits; at most 1,000 are supported"),
    (["expr", "2**99999*sum(a)", "--shape", "a=2"],
     "error: cannot evaluate '2 ** 99999': the number would have about 30103 digits"),
    (["expr", "sum(a)*9**9**9**9", "--shape", "a=2"], "error: cannot evaluate '9 ** 9 ** 9'"),
    (["expr", "2**10000*sum(a)*2**10000", "--shape", "a=2"],
     "error: a number in the result has more than 4,300 digits"),
    (["expr", "sum(a)", "--shape", "a=1", "--at", "a=1e400"],
     "error: --at a contains '1e400', whose exponent is too large (at most 300)"),
])
def test_silently_wrong_or_crashing_input_is_one_error_line(cli, args, message):
    result = cli(*args)
    assert result.code == 2, result
    assert result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("error: ")
    assert message in result.err


def test_parenthesised_function_name_is_the_same_call(cli):
    # Python reads (sum)(a) as sum(a): accepted deliberately (see the README).
    one = cli("expr", "(sum)(a)", "--shape", "a=2", "--at", "a=1,2", "--format", "json")
    two = cli("expr", "sum(a)", "--shape", "a=2", "--at", "a=1,2", "--format", "json")
    assert one.code == two.code == 0
    assert json.loads(one.out)["gradients"] == json.loads(two.out)["gradients"]


def test_chain_repeated_k_and_b_give_one_value_per_layer(cli):
    x, k1, k2, b1, b2 = [1, 2, 3, 4], [1, 2], [3, -1], 1, -2
    repeated = cli("chain", "--input", "4", "--kernel", "2", "--depth", "2", "--x", "1,2,3,4",
                   "--k", "1,2", "--k", "3,-1", "--b", "1", "--b", "-2", "--format", "json")
    stacked = cli("chain", "--input", "4", "--kernel", "2", "--depth", "2", "--x", "1,2,3,4",
                  "--k", "[[1,2],[3,-1]]", "--b", "1,-2", "--format", "json")
    assert repeated.code == stacked.code == 0
    assert repeated.out == stacked.out
    layers = json.loads(repeated.out)["numeric"]["layers"]
    first = np.correlate(x, k1, "valid") + b1
    second = np.correlate(first, k2, "valid") + b2
    assert layers[0]["forward"] == first.tolist()
    assert layers[1]["forward"] == second.tolist()


def test_python_evaluate_remembers_the_values_given_when_building():
    d = gradsym.conv(input=(3,), kernel=(2,), x=[1, 2, 3], k=[1, 1])
    ev = d.evaluate(g=[1, 2])
    assert ev.grad_values["input"].tolist() == np.convolve([1, 2], [1, 1]).tolist()
    assert ev.grad_values["kernel"].tolist() == np.correlate([1, 2, 3], [1, 2], "valid").tolist()
    assert d.evaluate(k=[2, 0]).forward_values.tolist() == [2, 4]
    with pytest.raises(GradsymError, match="numeric values need k as well"):
        gradsym.conv(input=(3,), kernel=(2,), x=[1, 2, 3])


# -- output files ----------------------------------------------------------------------------
def test_output_device_full_fifo_and_dev_null(cli, tmp_path: Path):
    result = cli("conv", "--input", "3", "--kernel", "2", "--output", "/dev/full", "--format", "json")
    assert (result.code, result.err) == (
        2, "error: --output /dev/full: cannot write /dev/full (no space left on the device)\n")
    result = cli("conv", "--input", "3", "--kernel", "2", "--output", "/dev/null", "--format", "json")
    assert result.code == 0 and result.err == ""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = cli("conv", "--input", "3", "--kernel", "2", "--output", str(fifo), "--format", "json")
    assert result.code == 2 and "is a named pipe (FIFO)" in result.err


def test_replacing_a_file_keeps_its_permissions(cli, tmp_path: Path):
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o600)
    assert cli("conv", "--input", "3", "--kernel", "2", "--output", str(target)).code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["command"] == "conv"


def test_missing_plot_folder_writes_nothing(cli, tmp_path: Path):
    result = cli("conv", "--input", "3", "--kernel", "2", "--output", str(tmp_path / "x.json"),
                 "--plot", str(tmp_path / "missing" / "dir" / "p.png"))
    assert result.code == 2 and "--plot" in result.err and "does not exist" in result.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("where", "error", "reason"), [
    ("write", 28, "no space left on the device"),
    ("mkstemp", 13, "permission denied"),
])
def test_full_disk_or_forbidden_folder_is_an_error_line_and_leaves_nothing(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, error: int, reason: str
):
    import tempfile

    if where == "write":
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, fd: int, mode: str) -> None:
                self.fh = real_fdopen(fd, mode)

            def __enter__(self):
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()

            def write(self, data: bytes) -> int:
                raise OSError(error, os.strerror(error))

        monkeypatch.setattr(os, "fdopen", Full)
    else:
        def refuse(*args: object, **kwargs: object):
            raise PermissionError(error, os.strerror(error))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    target = tmp_path / "out.json"
    result = cli("conv", "--input", "3", "--kernel", "2", "--output", str(target))
    assert result.code == 2
    assert result.err.startswith(f"error: --output {target}: cannot write") and reason in result.err
    assert list(tmp_path.iterdir()) == []


# -- signals ---------------------------------------------------------------------------------
def _wait_until_handled(pid: int, signum: int) -> None:
    """Wait until the process catches ``signum`` (its handlers are installed), then a bit more."""
    for _ in range(600):
        status = Path(f"/proc/{pid}/status").read_text()
        caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
        if caught >> (signum - 1) & 1:
            break
        time.sleep(0.05)
    time.sleep(1.0)  # well into the derivation


def test_sigterm_during_output_cleans_up_and_exits_143(tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradsym", "conv", "--input", "200x200", "--kernel", "3x3",
         "--output", str(tmp_path / "big.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    _wait_until_handled(proc.pid, signal.SIGTERM)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.decode() == "error: terminated\n"
    assert list(tmp_path.iterdir()) == []


def test_second_ctrl_c_while_cleaning_up_is_still_one_line(tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradsym", "conv", "--input", "200x200", "--kernel", "3x3",
         "--output", str(tmp_path / "big.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    _wait_until_handled(proc.pid, signal.SIGTERM)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode() == "error: interrupted\n"
    assert list(tmp_path.iterdir()) == []


# -- Python API: only GradsymError -----------------------------------------------------------
@pytest.mark.parametrize(("call", "message"), [
    (lambda: gradsym.conv(input=(3, 3), kernel=(2, 2), padding=((None, 0), (0, 0))),
     "padding pairs must be (before, after) whole numbers (int)"),
    (lambda: gradsym.conv(input=(3, 3), kernel=(2, 2), padding=((1.7, 0), (0, 0))),
     "padding pairs must be (before, after) whole numbers (int)"),
    (lambda: gradsym.conv(input=(3, 3), kernel=(2, 2), max_terms="10"),
     "max_terms must be a whole number ≥ 1 (int), got str '10'"),
    (lambda: gradsym.conv(input=(3, 3), kernel=(2, 2), max_terms=0), "got int 0"),
    (lambda: gradsym.conv(input=(3, 3), kernel=(2, 2), max_terms=True), "got bool True"),
    (lambda: gradsym.expr("sum(a)", shape=42), "shape must be NAME=SHAPE text"),
    (lambda: gradsym.mlp("1,2,1", at=5), "at must be NAME=VALUES text, a list of them or a dict"),
    (lambda: gradsym.expr("sum(a)", shape=["a=2"], at=5), "at must be NAME=VALUES text, a list of them or a dict"),
    (lambda: gradsym.matrix("trace(X)", shape=["X=2x2"], at=5), "at must be NAME=VALUES text"),
    (lambda: gradsym.net(input="1x2", layers="linear 1, mse", at=5), "at must be NAME=VALUES text"),
    (lambda: gradsym.conv(input=True, kernel=(2,)), "got bool True"),
    (lambda: gradsym.conv(input=b"3x3", kernel=(2, 2)), "got bytes b'3x3'"),
    (lambda: gradsym.conv(input={}, kernel=(2, 2)), "got dict {}"),
    (lambda: gradsym.conv(input=(3, 3), kernel=(2, 2), stride=1.5), "got float 1.5"),
    (lambda: gradsym.conv(input=(3, 3), kernel=(2, 2), stride=(1.5, 1)), "got float 1.5"),
    (lambda: gradsym.conv(input=(3,), kernel=(2,), bogus=1), "conv(): an argument has the wrong"),
])
def test_bad_python_arguments_raise_gradsym_error_naming_the_type(call, message):
    with pytest.raises(GradsymError) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize(("doc", "message"), [
    ({"command": "conv", "forward": ["9**9**9**9"]}, "computes a number of about"),
    ({"command": "conv", "forward": ["x_1*2**99999"]}, "computes a number of about"),
    ({"command": 5}, "'command' must be a string"),
    ({"command": "conv", "checks": [5]}, "every check needs a string 'name'"),
    ({"command": "conv", "checks": [{"name": "c"}]}, "every check needs a string 'name'"),
    ({"command": "conv", "checks": {"name": "c", "holds": True}}, "'checks' must be a list"),
    ({"command": "conv", "assumptions": 5}, "'assumptions' must map names"),
    ({"command": "conv", "assumptions": {"x": {"positive": "yes"}}}, "'assumptions' must map"),
    ({"command": "conv", "jacobian": {"input": {"shape": [2, 2], "nonzeros": [[[5], [0], "1"]]}}},
     "index [5, 0] is outside the shape [2, 2]"),
    ({"command": "conv", "jacobian": {"input": {"shape": [2]}}}, "needs a 'shape' list"),
    ({"command": "conv", "gradients": {"a": {}}}, "not a valid gradsym document"),
    ({"command": "conv", "symbols": []}, "'symbols' must be an object"),
])
def test_from_dict_validates_strictly_and_never_hangs(doc, message):
    with pytest.raises(GradsymError) as info:
        gradsym.from_dict(doc)
    assert message in str(info.value)


def test_from_dict_still_reads_real_documents():
    d = gradsym.conv(input=(3,), kernel=(2,), x=[1, 2, 3], k=[1, 1], bias=True, b=[1])
    loaded = gradsym.from_dict(d.to_dict())
    assert loaded.forward.tolist() == d.forward.tolist()
    assert loaded.holds


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(c) for c in text]
    return out


@pytest.mark.skipif(__import__("shutil").which("pdflatex") is None, reason="needs pdflatex")
def test_sigterm_during_pdf_build_kills_tex_and_leaves_nothing(tmp_path: Path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradsym", "conv", "--input", "12x12", "--kernel", "3x3", "--full",
         "--output", str(out / "x.pdf")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=out,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    tex = []
    for _ in range(3000):
        tex = _children(proc.pid)
        if tex or proc.poll() is not None:
            break
        time.sleep(0.01)
    assert tex, "pdflatex never started"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.decode() == "error: terminated\n"
    assert list(out.iterdir()) == [] and list(scratch.iterdir()) == []
    time.sleep(0.2)
    for child in tex:
        status = Path(f"/proc/{child}/status")
        assert not status.exists() or "zombie" in status.read_text()


def test_conv_help_has_no_short_k_and_shows_the_dims_default_once(cli):
    result = cli("conv", "--help")
    assert result.code == 0
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.out).split())
    assert " -k " not in text
    assert "the kernel's values are --k" in text
    assert text.count("(default 2)") == 1 and "[default: 2]" not in text
    result = cli("conv", "--input", "3", "-k", "2")
    assert result.code == 2 and result.err.startswith("error: No such option: -k")


def test_output_errors_are_translated(cli):
    result = cli("conv", "--input", "3", "--kernel", "2", "--output", "/dev/full", "--format", "json",
                 "--lang", "zh")
    assert (result.code, result.err) == (2, "error: --output /dev/full：无法写入 /dev/full（设备上没有剩余空间）\n")


@pytest.mark.parametrize("args", [("--help",), ("conv", "--help"), ("pool", "--help"),
                                  ("matrix", "--help"), ("chain", "--help")])
def test_flags_show_no_type_in_the_help(cli, args):
    result = cli(*args)
    assert result.code == 0
    assert "<bool>" not in result.out and "BOOLEAN" not in result.out
    # Options that take a value still show their type.
    # (Typer names them <str>/<int>; its older releases TEXT/INTEGER.)
    assert args == ("--help",) or any(t in result.out for t in ("<str>", "<int>", "TEXT", "INTEGER"))


@pytest.mark.parametrize("width", [60, 80])
def test_rich_at_narrow_widths_cuts_no_name_or_title(width):
    from gradsym.render.terminal import rich_text
    from gradsym.render.text import display_width

    text = rich_text(gradsym.conv(input=(11, 11), kernel=(2, 2)), width=width)
    assert max(display_width(line) for line in text.splitlines()) <= width
    for i in range(1, 11):  # every shown name whole (the 11th row/column is the elided corner)
        for j in range(1, 11):
            name = "x" + str(i).translate(SUB) + "," + str(j).translate(SUB)
            assert re.search(rf"[│ ]{re.escape(name)}[│ ]", text), name
    flat = " ".join(text.split())
    assert "columns 1–" in flat
    pooled = rich_text(gradsym.pool(input=(4, 4), size=(2, 2)), width=width)
    assert max(display_width(line) for line in pooled.splitlines()) <= width
    for title in ("∂y[1,1]/∂x", "∂y[2,2]/∂x"):
        assert title in pooled
    assert ("├" in pooled) == (width == 60)  # cells wrapped over several lines: rows ruled


SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@pytest.mark.parametrize(("call", "expected", "cli_args", "cli_expected"), [
    (lambda: gradsym.conv(input=(3,), kernel=(2,), stride=0), "stride values must be ≥ 1, got 0",
     ("conv", "--input", "3", "--kernel", "2", "--stride", "0"), "--stride values must be ≥ 1, got 0"),
    (lambda: gradsym.conv(input=(3,), kernel=(2,), groups=2),
     "groups=2 must divide both in_channels (1) and out_channels (1)",
     ("conv", "--input", "3", "--kernel", "2", "--groups", "2"),
     "--groups 2 must divide both --in-channels (1) and --out-channels (1)"),
    (lambda: gradsym.pool(input=(4, 4), size=(2, 2), x="1,2"), "x has 2 values",
     ("pool", "--input", "4x4", "--size", "2x2", "--x", "1,2"), "--x has 2 values"),
    (lambda: gradsym.conv(input=(8, 8), kernel=(3, 3), max_terms=1), "raise it with max_terms=",
     ("conv", "--input", "8x8", "--kernel", "3x3", "--max-terms", "1"), "raise it with --max-terms "),
])
def test_api_errors_name_parameters_and_cli_errors_name_options(cli, call, expected, cli_args, cli_expected):
    with pytest.raises(GradsymError) as caught:
        call()
    assert expected in str(caught.value) and "--" not in str(caught.value)
    result = cli(*cli_args)
    assert result.code == 2 and cli_expected in result.err
