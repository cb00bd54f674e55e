"""The command line: exit codes, one-line errors, formats, output files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import gradsym


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"gradsym {gradsym.__version__}"


def test_default_text_output_when_not_a_terminal(cli):
    result = cli("conv", "--input", "3x3", "--kernel", "2x2")
    assert result.code == 0
    assert "y₁,₁ = k₁,₁·x₁,₁ + k₁,₂·x₁,₂ + k₂,₁·x₂,₁ + k₂,₂·x₂,₂" in result.out
    assert "✓ grad_input_equals_full_conv_rot180_kernel" in result.out
    assert "All 2 checks hold" in result.out


def test_rich_format_renders_panels(cli):
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--format", "rich")
    assert result.code == 0
    assert "Forward pass" in result.out and "╭" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "3x3", "--kernel", "5x5"], r"--kernel 5 .* larger than the padded input 3"),
        (["--input", "0x3", "--kernel", "2x2"], r"--input sizes must be ≥ 1, got 0"),
        (["--input", "-3", "--kernel", "2"], r"--input sizes must be ≥ 1, got -3"),
        (["--input", "3y3", "--kernel", "2x2"], r"--input must be whole numbers, got '3y3'"),
        (["--input", "3x3", "--kernel", "2"], r"--kernel is 1-D but --input is 2-D"),
        (["--input", "3x3", "--kernel", "2x2", "--stride", "0"], r"--stride values must be ≥ 1, got 0"),
        (["--input", "3x3", "--kernel", "2x2", "--stride", "1x1x1"], r"--stride has 3 values"),
        (["--input", "4x4", "--kernel", "2x2", "--in-channels", "3", "--out-channels", "2",
          "--groups", "2"], r"--groups 2 must divide both --in-channels \(3\)"),
        (["--input", "3x3", "--kernel", "2x2", "--x", "1,2"], r"--x has 2 values but the tensor 3x3 needs 9"),
        (["--input", "3x3", "--kernel", "2x2", "--k", "[[1,2],[3]]"], r"--k is ragged"),
        (["--input", "3x3", "--kernel", "2x2", "--k", "1,2,3,x"], r"--k contains 'x', which is not a number"),
        (["--input", "3x3", "--kernel", "2x2", "--k", "1,2,3,nan"], r"--k contains 'nan'; values must be finite"),
        (["--input", "3x3", "--kernel", "2x2", "--k", "1,2,3,1/0"], r"division by zero"),
        (["--input", "5x5", "--kernel", "3x3", "--stride", "2", "--padding", "same"],
         r"--padding same needs --stride 1"),
        (["--input", "3x3", "--kernel", "2x2", "--foo"], r"No such option: --foo"),
        (["--input", "3x3", "--kernel", "2x2", "--groups", "x"], r"Invalid value for '--groups'"),
        (["--kernel", "2x2"], r"--input is required"),
        (["--input", "3x3", "--kernel", "2x2", "--format", "pdf"], r"--format must be one of"),
        (["--input", "3x3", "--kernel", "2x2", "--show", "everything"], r"--show 'everything': unknown section"),
        (["--input", "3x3", "--kernel", "2x2", "--convention", "keras"], r"--convention must be one of"),
        (["--input", "2x2x2x2", "--kernel", "1x1x1x1"], r"at most 3 are supported"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(cli, args, message):
    result = cli("conv", *args)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    import re

    assert re.search(message, lines[0]), lines[0]


def test_no_traceback_from_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "gradsym", "conv", "--input", "3x3", "--kernel", "9x9"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_json_to_file_by_suffix(cli, tmp_path: Path):
    target = tmp_path / "d.json"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--output", str(target))
    assert result.code == 0 and result.out == ""
    doc = json.loads(target.read_text())
    assert doc["command"] == "conv"
    assert list(tmp_path.iterdir()) == [target]


def test_explicit_format_wins_over_suffix(cli, tmp_path: Path):
    target = tmp_path / "d.json"
    assert cli("conv", "--input", "3", "--kernel", "2", "--format", "text", "--output", str(target)).code == 0
    assert target.read_text().startswith("gradsym conv")


def test_bad_input_leaves_no_output_file(cli, tmp_path: Path):
    target = tmp_path / "d.json"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--x", "1,2", "--output", str(target))
    assert result.code == 2
    assert list(tmp_path.iterdir()) == []


def test_unknown_suffix_is_an_error(cli, tmp_path: Path):
    result = cli("conv", "--input", "3", "--kernel", "2", "--output", str(tmp_path / "d.docx"))
    assert result.code == 2 and "unknown suffix .docx" in result.err
    assert list(tmp_path.iterdir()) == []


def test_show_filters_human_formats_not_json(cli):
    text = cli("conv", "--input", "3x3", "--kernel", "2x2", "--show", "grad").out
    assert "Gradients" in text and "Forward pass" not in text and "Jacobians" not in text
    doc = json.loads(cli("conv", "--input", "3x3", "--kernel", "2x2", "--show", "grad", "--format", "json").out)
    assert {"forward", "jacobian", "grad", "checks"} <= set(doc)


def test_large_derivations_are_summarised_unless_full(cli):
    short = cli("conv", "--input", "32x32", "--kernel", "3x3", "--show", "forward").out
    assert "more (use --full to show all)" in short
    assert "y₃₀,₃₀" not in short
    full = cli("conv", "--input", "32x32", "--kernel", "3x3", "--show", "forward", "--full").out
    assert "y₃₀,₃₀ = " in full


def test_natural_index_order(cli):
    doc = json.loads(cli("conv", "--input", "12", "--kernel", "11", "--format", "json").out)
    assert doc["forward"][0].startswith("k_1*x_1 + k_2*x_2 + k_3*x_3")
    assert doc["forward"][0].endswith("k_10*x_10 + k_11*x_11")


def test_exit_status_1_when_a_check_fails(cli, monkeypatch):
    from gradsym.layers import conv as conv_module
    from gradsym.proofs import Check

    monkeypatch.setattr(conv_module, "conv_checks",
                        lambda *a: [Check("grad_input_equals_full_conv_rot180_kernel", "forced", False)])
    result = cli("conv", "--input", "3", "--kernel", "2")
    assert result.code == 1
    assert "✗ grad_input_equals_full_conv_rot180_kernel" in result.out


def test_exact_values_and_decimals(cli):
    doc = json.loads(cli("conv", "--input", "2", "--kernel", "1", "--x", "1/3,0.5", "--k", "3",
                         "--format", "json").out)
    assert doc["numeric"]["forward"] == [1, 1.5]
    doc = json.loads(cli("conv", "--input", "2", "--kernel", "1", "--x", "1/3,1/7", "--k", "1/2",
                         "--format", "json").out)
    assert doc["numeric"]["forward"] == ["1/6", "1/14"]


def test_random_values_are_reproducible_with_seed(cli):
    a = cli("conv", "--input", "4", "--kernel", "2", "--x", "random", "--k", "random", "--seed", "7",
            "--format", "json").out
    b = cli("conv", "--input", "4", "--kernel", "2", "--x", "random", "--k", "random", "--seed", "7",
            "--format", "json").out
    c = cli("conv", "--input", "4", "--kernel", "2", "--x", "random", "--k", "random", "--seed", "8",
            "--format", "json").out
    assert a == b and a != c


def test_output_to_a_device_writes_to_it_and_keeps_it(cli):
    import stat

    if not stat.S_ISCHR(Path("/dev/null").stat().st_mode):
        pytest.skip("/dev/null is not a character device on this machine")
    assert cli("conv", "--input", "3", "--kernel", "2", "--format", "json", "--output", "/dev/null").code == 0
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


def test_output_through_a_symlink_replaces_the_target(cli, tmp_path: Path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert cli("conv", "--input", "3", "--kernel", "2", "--output", str(link)).code == 0
    assert link.is_symlink() and json.loads(target.read_text())["command"] == "conv"
