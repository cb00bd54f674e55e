"""What given values cost: the CLI with and without values, timed end to end. Not a test.

    python benchmarks/bench_values.py           # the sizes issue 13 names (a few minutes)
    python benchmarks/bench_values.py --quick   # small sizes, well under a minute (CI)

Each command runs in a fresh process (output discarded); the table gives wall seconds, CPU
seconds (user + system, steadier than wall time on a shared machine) and the peak resident
memory of that process, the ratio with values / without, and the target it is held to
(judged on CPU seconds, which stay meaningful when other work shares the machine):

- ``conv --input NxN --kernel 3x3 --x arange --k ones --format json``: at most 1.5x the
  same command without values (128x128); at 256x256 at most 30 s and 4 GB;
- ``matrix "log(det(X))" --shape X=8x8 --wrt X --at X=…`` (positive determinant), and the same
  for ``det(X)`` and ``trace(inv(X))``: ≤ 5 s each;
- every other command, at a size that takes a second or more without values: values add at
  most half again (1.5x), JSON rendering of the values included.

Exit status 1 when a full run misses a target; ``--quick`` only reports.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    code: int


def run_cli(args: list[str], timeout: float) -> Run:
    """One CLI run in a fresh process: wall and CPU seconds, peak RSS of that process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "gradsym", *args], stdout=sink,
                                stderr=subprocess.DEVNULL)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def positive_det_matrix(n: int) -> str:
    """A strictly diagonally dominant matrix with a positive diagonal: det > 0."""
    rows = [[10 if i == j else (i + 2 * j) % 3 - 1 for j in range(n)] for i in range(n)]
    return "[" + ",".join("[" + ",".join(map(str, r)) + "]" for r in rows) + "]"


# (command without values, the value options), one per command; --quick runs smaller sizes
EVERY_COMMAND = [
    ("pool --input 48x48 --size 2", "--x arange"),
    ("linear --in-features 40 --out-features 40 --batch 4 --bias", "--x arange --w ones --b ones --g ones"),
    ("upsample --input 32x32 --scale 2 --mode bilinear", "--x arange"),
    ("deconv --input 24x24 --kernel 3x3 --stride 2", "--x arange --k ones"),
    ("chain --input 12x12 --kernel 3x3 --depth 2", "--x arange --k ones"),
    ("batchnorm --batch 2 --features 2 --spatial 3x3", "--x arange"),
    ("layernorm --shape 4x16", "--x arange"),
    ("groupnorm --shape 2x4x8 --groups 2", "--x arange"),
    ("softmax --classes 20 --batch 4", "--x arange"),
    ("attention --seq 8 --dim 4", "--q arange --k ones --v arange"),
    ("rnn --steps 4 --input-size 3 --hidden 3", "--x arange --w-ih ones --w-hh ones --b ones"),
    ("mlp --layers 8,8,4 --activation tanh",
     "--at x=arange --at w_1=ones --at w_2=ones --at b_1=ones --at b_2=ones"),
    ('expr "sum(sigmoid(a*b) + log(1 + exp(a)))" --shape a=60 --shape b=60 --wrt a --wrt b',
     "--at a=arange --at b=ones"),
    ('matrix "sum(tanh(X*w))" --shape X=12x6 --shape w=6 --wrt w --wrt X', "--at X=arange --at w=ones"),
]
QUICK_COMMANDS = [
    ("pool --input 16x16 --size 2", "--x arange"),
    ("groupnorm --shape 2x4x4 --groups 2", "--x arange"),
    ("softmax --classes 8 --batch 2", "--x arange"),
    ('expr "sum(sigmoid(a*b) + log(1 + exp(a)))" --shape a=20 --shape b=20 --wrt a --wrt b',
     "--at a=arange --at b=ones"),
]


def show(label: str, run: Run) -> None:
    status = "" if run.code == 0 else f"  (exit {run.code})"
    print(f"  {label:<46} {run.wall:8.2f} s wall {run.cpu:8.2f} s cpu {run.peak_mb:8.0f} MB{status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, < 60 s (CI)")
    opts = parser.parse_args()
    missed: list[str] = []

    sides = [48] if opts.quick else [64, 128]
    limit_ratio = 1.5
    print("conv --kernel 3x3 --format json: with --x arange --k ones / without values")
    for n in sides:
        base = ["conv", "--input", f"{n}x{n}", "--kernel", "3x3", "--format", "json"]
        without = run_cli(base, timeout=600)
        with_values = run_cli([*base, "--x", "arange", "--k", "ones"], timeout=600)
        show(f"{n}x{n} without values", without)
        show(f"{n}x{n} with values", with_values)
        wall_ratio = with_values.wall / without.wall
        cpu_ratio = with_values.cpu / without.cpu
        verdict = "ok" if cpu_ratio <= limit_ratio and with_values.code == 0 else "MISSED"
        print(f"  ratio {n}x{n}: {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x cpu "
              f"(target ≤ {limit_ratio}x at 128x128): {verdict}")
        if n == 128 and verdict != "ok":
            missed.append(f"conv {n}x{n} ratio {cpu_ratio:.2f}x")

    big = 64 if opts.quick else 256
    run = run_cli(["conv", "--input", f"{big}x{big}", "--kernel", "3x3", "--x", "arange",
                   "--k", "ones", "--format", "json"], timeout=600)
    show(f"{big}x{big} with values", run)
    # CPU seconds: on a shared machine the wall time also counts other processes' turns.
    ok = run.code == 0 and run.cpu <= 30 and run.peak_mb <= 4096
    print(f"  target at 256x256: ≤ 30 s (cpu) and ≤ 4096 MB: {'ok' if ok else 'MISSED'}")
    if not opts.quick and not ok:
        missed.append(f"conv {big}x{big}: {run.cpu:.1f} s cpu, {run.peak_mb:.0f} MB")

    # From 5x5 on, det / inverse are checked at exact random points (nothing expanded).
    for text in ("log(det(X))", "det(X)", "trace(inv(X))"):
        print(f'matrix "{text}" --wrt X --at X=… (positive determinant)')
        sizes = [3, 8] if opts.quick else [4, 6, 8]
        for n in sizes:
            run = run_cli(["matrix", text, "--shape", f"X={n}x{n}", "--wrt", "X",
                           "--at", f"X={positive_det_matrix(n)}"], timeout=60 if opts.quick else 120)
            show(f"{n}x{n}", run)
            if n == 8:
                # CPU seconds, as above: the wall time counts other processes' turns too.
                ok = run.code == 0 and run.cpu <= 5
                print(f"  target at 8x8: ≤ 5 s (cpu; wall {run.wall:.1f} s): {'ok' if ok else 'MISSED'}")
                if not ok:
                    missed.append(f"matrix {text} 8x8: {run.cpu:.1f} s cpu (exit {run.code})")

    print("every command --format json: with values / without (target ≤ 1.5x, cpu)")
    for base, values in QUICK_COMMANDS if opts.quick else EVERY_COMMAND:
        args = [*shlex.split(base), "--format", "json"]
        without = run_cli(args, timeout=600)
        with_values = run_cli([*args, *shlex.split(values)], timeout=600)
        ratio = with_values.cpu / without.cpu
        ok = ratio <= limit_ratio and without.code == 0 and with_values.code == 0
        print(f"  {base[:60]:<60} {without.cpu:6.2f} s → {with_values.cpu:6.2f} s cpu  {ratio:5.2f}x "
              f"{'ok' if ok else 'MISSED'}")
        if not ok:
            missed.append(f"{base.split()[0]} values {ratio:.2f}x (exit {without.code}/{with_values.code})")

    if missed:
        print("missed: " + "; ".join(missed))
        return 0 if opts.quick else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
