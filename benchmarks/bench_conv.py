"""Timings of the convolution engine, printed as tables. Not part of the test run.

    python benchmarks/bench_conv.py           # the full set (about a minute)
    python benchmarks/bench_conv.py --quick   # small sizes: proves the script works

Prints:
1. the CLI end to end (``gradsym conv … --format json > /dev/null``), wall time and peak
   memory, for the sizes the issues name (64x64 at stride 1 and 2, 256x256);
2. in-process speed-up over a naive SymPy baseline (dense ``Matrix.jacobian`` of the
   flattened outputs, then the VJP) at 20x20, both with SymPy already imported;
3. cost per non-zero Jacobian entry for inputs 8…256 (it should stay flat: linear growth);
4. ``gradsym --help`` against ``python -c "import sympy"``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def _wall(fn: Callable[[], Any], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _run_cli(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one CLI run, output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.run([sys.executable, "-m", "gradsym", *args], stdout=sink, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"gradsym {' '.join(args)} failed: {proc.stderr.decode()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def cli_table(quick: bool) -> None:
    cases: list[tuple[str, list[str], float | None]] = [
        ("conv 64x64 k3x3 s1", ["conv", "--input", "64x64", "--kernel", "3x3"], 2.0),
        ("conv 64x64 k3x3 s2", ["conv", "--input", "64x64", "--kernel", "3x3", "--stride", "2"], 2.0),
        ("conv 256x256 k3x3", ["conv", "--input", "256x256", "--kernel", "3x3"], 60.0),
    ]
    if _has_command("deconv"):
        cases[2:2] = [
            ("deconv 64x64 k3x3 s1", ["deconv", "--input", "64x64", "--kernel", "3x3"], 2.0),
            ("deconv 64x64 k3x3 s2", ["deconv", "--input", "64x64", "--kernel", "3x3", "--stride", "2"], 2.0),
        ]
    if quick:
        cases = [(name.replace("64x64", "8x8").replace("256x256", "16x16"),
                  [a.replace("64x64", "8x8").replace("256x256", "16x16") for a in args], None)
                 for name, args, _ in cases]
    print(f"{'CLI, --format json > /dev/null':34} {'wall s':>8} {'target s':>9} {'peak MB':>9}")
    for name, args, target in cases:
        wall, peak = _run_cli([*args, "--format", "json"])
        goal = f"{target:9.1f}" if target else f"{'-':>9}"
        print(f"{name:34} {wall:8.2f} {goal} {peak:9.0f}")
    print()


def _has_command(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(f"gradsym.cli.{name}") is not None


def naive_baseline(n: int, k: int) -> Any:
    """Dense SymPy: every output as an expression, Matrix.jacobian, then gᵀJ."""
    import sympy

    x = sympy.Matrix(n, n, lambda i, j: sympy.Symbol(f"x_{i + 1}_{j + 1}"))
    w = sympy.Matrix(k, k, lambda i, j: sympy.Symbol(f"k_{i + 1}_{j + 1}"))
    out = n - k + 1
    y = [
        sum(x[i + a, j + b] * w[a, b] for a in range(k) for b in range(k))
        for i in range(out)
        for j in range(out)
    ]
    g = sympy.Matrix(1, out * out, lambda _, o: sympy.Symbol(f"g_{o}"))
    variables = list(x) + list(w)
    jac = sympy.Matrix(y).jacobian(variables)
    return (g * jac).applyfunc(sympy.expand)


def speedup_table(quick: bool) -> None:
    import sympy  # noqa: F401  (both sides run with SymPy imported)

    import gradsym

    n = 8 if quick else 20
    ours = _wall(lambda: gradsym.conv(input=(n, n), kernel=(3, 3)).to_dict(), repeat=3)
    naive = _wall(lambda: naive_baseline(n, 3))
    title = f"in-process, {n}x{n} input, 3x3 kernel"
    print(f"{title:34} {'seconds':>8}")
    print(f"{'gradsym.conv(...).to_dict()':34} {ours:8.3f}")
    print(f"{'naive SymPy Matrix.jacobian + VJP':34} {naive:8.3f}")
    print(f"{'speed-up (target ≥ 50×)':34} {naive / ours:8.0f}×")
    print()


def scaling_table(quick: bool) -> None:
    import gradsym

    sizes = [8, 16, 32] if quick else [8, 16, 32, 64, 128, 256]
    print(f"{'input':>8} {'non-zeros':>11} {'seconds':>9} {'µs / non-zero':>14}")
    for n in sizes:
        start = time.perf_counter()
        d = gradsym.conv(input=(n, n), kernel=(3, 3))
        d.to_dict()
        seconds = time.perf_counter() - start
        nnz = sum(len(j.entries) for j in d.jacobians.values())
        print(f"{n:>5}x{n:<3} {nnz:11,} {seconds:9.3f} {seconds / nnz * 1e6:14.2f}")
    print()


def help_table() -> None:
    help_s = min(_wall(lambda: subprocess.run([sys.executable, "-m", "gradsym", "--help"],
                                              capture_output=True, check=True)) for _ in range(3))
    sympy_s = min(_wall(lambda: subprocess.run([sys.executable, "-c", "import sympy"],
                                               capture_output=True, check=True)) for _ in range(3))
    print(f"{'startup':34} {'seconds':>8}")
    print(f"{'gradsym --help':34} {help_s:8.3f}")
    label = 'python -c "import sympy"'
    print(f"{label:34} {sympy_s:8.3f}")
    print(f"{'ratio (target < 1)':34} {help_s / sympy_s:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes only (CI smoke run)")
    args = parser.parse_args()
    cli_table(args.quick)
    speedup_table(args.quick)
    scaling_table(args.quick)
    help_table()


if __name__ == "__main__":
    main()
