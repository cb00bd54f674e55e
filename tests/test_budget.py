"""The work budget (issue 13): every command estimates its whole cost first and refuses at once.

The run-away commands are run in a subprocess (with a generous timeout, so a regression fails
instead of hanging the suite); the tests assert exit codes and messages, never times.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gradsym
from gradsym import budget, progress
from gradsym.errors import SizeError

ROOT = Path(__file__).resolve().parents[1]
REFUSAL = re.compile(
    r"^error: this \w+( \w+)? is too large: it would take about [\d.]+ (ms|s|min|h|days)( \d+ s)? "
    r"and [\d.,]+ (kB|MB|GB) \(([\d,]+) terms of work\), over the budget of [\d,]+ terms "
    r"\(about .*\); raise it with --max-terms (\d+) or choose smaller sizes\n$"
)

RUNAWAY = [
    ["chain", "--input", "256x256", "--kernel", "3x3", "--padding", "1", "--depth", "20"],
    ["linear", "--in-features", "1000", "--out-features", "1000", "--batch", "20"],
    ["mlp", "--layers", "80,80,80"],
    ["conv", "--input", "400x400", "--kernel", "3x3", "--full", "--output", "OUT.txt"],
    ["matrix", "det(X)", "--shape", "X=40x40", "--wrt", "X"],
    ["conv", "--input", "512x512", "--kernel", "3x3", "--x", "arange", "--k", "ones"],
    ["pool", "--input", "512x512", "--size", "3x3", "--stride", "1", "--mode", "avg"],
]


def gradsym_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "gradsym", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


@pytest.mark.parametrize("argv", RUNAWAY, ids=lambda a: " ".join(a[:3]))
def test_runaway_commands_are_refused_at_once(argv: list[str], tmp_path: Path) -> None:
    argv = [str(tmp_path / "out.txt") if a == "OUT.txt" else a for a in argv]
    result = gradsym_cli(*argv)
    assert result.returncode == 2, result.stderr
    match = REFUSAL.match(result.stderr)
    assert match, result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "out.txt").exists()
    # The option it names is the estimate itself, in terms.
    assert match.group(5).replace(",", "") == match.group(6)


def test_a_command_the_budget_admits_runs(cli) -> None:
    result = cli("conv", "--input", "32x32", "--kernel", "3x3", "--format", "json")
    assert result.code == 0, result.err


def test_max_terms_raises_the_limit(cli) -> None:
    argv = ["conv", "--input", "12x12", "--kernel", "3x3", "--format", "json"]
    refused = cli(*argv, "--max-terms", "100")
    assert refused.code == 2
    match = REFUSAL.match(refused.err)
    assert match, refused.err
    needed = int(match.group(6))
    assert needed > 100
    # The number it suggests is exactly enough; one less is not.
    assert cli(*argv, "--max-terms", str(needed)).code == 0
    assert cli(*argv, "--max-terms", str(needed - 1)).code == 2


def _needed(cli, *argv: str) -> int:
    result = cli(*argv, "--max-terms", "1")
    match = REFUSAL.match(result.err)
    assert result.code == 2 and match, result.err
    return int(match.group(6))


def test_values_and_full_rendering_count(cli) -> None:
    base = ["conv", "--input", "20x20", "--kernel", "3x3"]
    plain = _needed(cli, *base, "--format", "text")
    with_values = _needed(cli, *base, "--format", "text", "--x", "arange", "--k", "ones")
    full = _needed(cli, *base, "--format", "text", "--full")
    full_json = _needed(cli, *base, "--format", "json", "--full")
    assert with_values > plain and full > plain
    assert full_json == plain  # JSON is always complete and cheap per term


def test_chain_is_budgeted_as_a_whole(cli) -> None:
    layer = ["--input", "256x256", "--kernel", "3x3", "--padding", "1"]
    # One layer of it is within the default budget; twenty stacked are not.
    assert _needed(cli, "conv", *layer) < budget.DEFAULT_MAX_TERMS
    assert _needed(cli, "chain", *layer, "--depth", "20") > 20 * _needed(cli, "conv", *layer) // 2


def test_python_api_refuses_with_the_same_estimate() -> None:
    with pytest.raises(SizeError, match=r"too large: it would take about .* raise it with max_terms="):
        gradsym.linear(in_features=1000, out_features=1000, batch=20)
    with pytest.raises(SizeError, match="this network is too large"):
        gradsym.mlp("80,80,80")


def test_max_terms_must_be_positive() -> None:
    with pytest.raises(gradsym.GradsymError, match="max_terms must be a whole number"):
        gradsym.conv(input="3x3", kernel="2x2", max_terms=0)


def test_text_of_an_estimate() -> None:
    cost = budget.Cost(40, 6.1e9)
    assert cost.text() == "40 s and 6.1 GB"
    assert budget.Cost(0.5, 10).terms == 12_500  # time is the larger share
    assert budget.Cost(0.001, 1e9).terms == 400_000  # memory is


def test_progress_names_the_numeric_check() -> None:
    seen: list[str] = []
    with progress.listening(lambda stage, done, total: seen.append(stage)):
        gradsym.conv(input="4x4", kernel="2x2", x="arange", k="ones")
    # Once the symbolic work is done, the bar names the check, not the last symbolic step.
    assert seen[-1] == "numeric check at the given values"
    first = seen.index("numeric check at the given values")
    assert "gradients (vector-Jacobian products)" in seen[:first]


def test_option_parsing_and_the_cost_model_are_pure() -> None:
    # gradsym.spec and gradsym.budget run before any work: no SymPy, no NumPy at import.
    code = ("import sys, gradsym.spec, gradsym.budget; "
            "print(sorted(m for m in ('sympy', 'numpy') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60, check=True).stdout
    assert out.strip() == "[]"


def test_conv_options_are_parsed_once_for_the_family() -> None:
    from gradsym.spec import ConvOptions

    options = ConvOptions(input="5x5", kernel="3x3", stride=2, padding=1)
    # sizes, conv and the deconv that inverts it read the same parsed configuration.
    assert gradsym.sizes(input="5x5", kernel="3x3", stride=2, padding=1).to_dict()["output"] == \
        list(options.config().output) == [3, 3]
    assert gradsym.conv(input="5x5", kernel="3x3", stride=2, padding=1).config == \
        options.config().to_json()
    assert options.changed(("groups", "in_channels", "stride")) == ["--stride"]
