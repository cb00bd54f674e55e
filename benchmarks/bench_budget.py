"""Calibrate the work budget: estimate vs measured time and peak memory, per command.

For each command a ladder of sizes is run twice in a subprocess: once with ``--max-terms 1``
(the refusal carries the estimate, without doing any work) and once with an unlimited
budget, measuring wall time and peak resident memory. A ratio near 1 means the rate in
``gradsym/budget.py`` is right; refit a rate when its ratios drift.

    python benchmarks/bench_budget.py            # the full ladder (several minutes)
    python benchmarks/bench_budget.py --quick    # one or two sizes per command (< 60 s)
    python benchmarks/bench_budget.py conv mlp   # only these commands
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ESTIMATE = re.compile(r"it would take about (.+?) and ([\d.,]+) (kB|MB|GB) \(([\d,]+) terms")
UNITS = {"kB": 1e3, "MB": 1e6, "GB": 1e9}
# Start-up (interpreter, imports) is not work; it is measured once and subtracted.
BASELINE = ["conv", "--input", "2x2", "--kernel", "1x1", "--format", "json"]

LADDERS: dict[str, list[list[str]]] = {
    "conv": [["conv", "--input", f"{n}x{n}", "--kernel", "3x3"] for n in (32, 64, 128, 192)],
    "conv values": [["conv", "--input", f"{n}x{n}", "--kernel", "3x3", "--x", "arange", "--k", "ones"]
                    for n in (16, 64, 128)],
    "conv --full": [["conv", "--input", f"{n}x{n}", "--kernel", "3x3", "--full", "--format", "text"]
                    for n in (12, 24, 40)],
    "linear": [["linear", "--in-features", str(n), "--out-features", "100", "--batch", "10"]
               for n in (25, 50, 100)],
    "chain": [["chain", "--input", f"{n}x{n}", "--kernel", "3x3", "--padding", "1", "--depth", "3"]
              for n in (16, 32, 64)],
    "mlp": [["mlp", "--layers", f"{n},{n},{n}"] for n in (10, 20, 30)],
    "pool avg": [["pool", "--input", f"{n}x{n}", "--size", "3x3", "--stride", "1", "--mode", "avg"]
                 for n in (32, 64, 96)],
    "batchnorm": [["batchnorm", "--batch", str(n), "--features", "2"] for n in (8, 12, 16)],
    "matrix det": [["matrix", "det(X)", "--shape", f"X={n}x{n}", "--wrt", "X"] for n in (4, 5, 6)],
    "attention": [["attention", "--seq", str(n), "--dim", str(n)] for n in (4, 6, 8)],
    "attention json": [["attention", "--seq", str(n), "--dim", str(n), "--format", "json"] for n in (3, 5, 8)],
}
QUICK = {"conv": [2], "conv values": [0], "conv --full": [0], "linear": [0], "chain": [0],
         "mlp": [0], "pool avg": [0], "batchnorm": [0], "matrix det": [1],
         "attention": [0], "attention json": [1]}


def seconds_of(text: str) -> float:
    total = 0.0
    for value, unit in re.findall(r"([\d.]+) (ms|s|min|h|days)", text):
        total += float(value) * {"ms": 1e-3, "s": 1, "min": 60, "h": 3600, "days": 86400}[unit]
    return total


# Runs gradsym in a fresh interpreter and reports that interpreter's own peak memory.
MEASURE = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "f'\\nMAXRSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} CPU '"
    "f'{resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime}\\n'))\n"
    "sys.argv = ['gradsym', *sys.argv[1:]]\n"
    "runpy.run_module('gradsym', run_name='__main__')\n"
)


def run(argv: list[str]) -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of one gradsym run in a fresh interpreter (CPU time, not
    wall time: the machine may be shared, and the estimate is for one core)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", MEASURE, *argv, "--max-terms", str(10**15),
                           "--output", os.devnull], env=env, capture_output=True, text=True)
    peak = re.search(r"MAXRSS (\d+) CPU ([\d.]+)", proc.stderr)
    if proc.returncode not in (0, 1) or peak is None:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.strip()}")
    return float(peak.group(2)), int(peak.group(1)) / 1024


def estimate(argv: list[str]) -> tuple[float, float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "gradsym", *argv, "--max-terms", "1",
                           "--output", os.devnull], env=env, capture_output=True, text=True)
    match = ESTIMATE.search(proc.stderr)
    if not match:
        raise SystemExit(f"{' '.join(argv)}: no estimate in {proc.stderr.strip()!r}")
    memory = float(match.group(2).replace(",", "")) * UNITS[match.group(3)] / 1e6
    return seconds_of(match.group(1)), memory, int(match.group(4).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commands", nargs="*", help="ladders to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="one or two sizes per command")
    args = parser.parse_args()
    names = args.commands or list(LADDERS)
    base_s, base_mb = run(BASELINE)
    print(f"start-up (subtracted below): {base_s:.2f} s, {base_mb:.0f} MB")
    print(f"{'command':52} {'terms':>11} {'est s':>8} {'cpu s':>8} {'ratio':>6} "
          f"{'est MB':>8} {'real MB':>8} {'ratio':>6}")
    for name in names:
        ladder = LADDERS[name]
        steps = [ladder[i] for i in QUICK[name]] if args.quick else ladder
        for argv in steps:
            if "--format" not in argv:
                argv = [*argv, "--format", "json"]
            est_s, est_mb, terms = estimate(argv)
            real_s, real_mb = run(argv)
            real_s, work_mb = max(real_s - base_s, 0.0), max(real_mb - base_mb, 1)
            print(f"{' '.join(argv)[:52]:52} {terms:>11,} {est_s:>8.2f} {real_s:>8.2f} "
                  f"{real_s / max(est_s, 1e-3):>6.2f} {est_mb:>8.0f} {work_mb:>8.0f} "
                  f"{work_mb / max(est_mb, 1):>6.2f}", flush=True)


if __name__ == "__main__":
    main()
