"""Benchmark `callqa check` end to end against the bare JSONL parse of the same file.

    python bench/bench_check.py                 # N = 20000, jobs 1 and 2
    python bench/bench_check.py --n 200000      # memory stays flat as N grows

Each figure comes from a separate process (wall time and peak RSS of that process and its
workers). The baseline — reading the same file and `json.loads` on every line — is measured
in the same run, so the ratio is independent of how fast this machine is today.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARSE = "import json,sys\nfor line in open(sys.argv[1], encoding='utf-8'):\n    json.loads(line)\n"


# Runs a command and reports the peak RSS of its largest process (itself or a worker).
WRAP = ("import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one command, in a fresh process of its own."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAP, *cmd], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    return seconds, int(out.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[20000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    callqa = str(Path(sys.executable).with_name("callqa"))
    print(f"{'N':>8} {'what':<22} {'seconds':>8} {'calls/s':>9} {'ratio':>7} {'peak MiB':>9}")
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "calls.jsonl"
            with path.open("w", encoding="utf-8") as f:
                subprocess.run([sys.executable, str(HERE / "gen_calls.py"), str(n)], stdout=f, check=True)
            size = os.path.getsize(path) / 2**20
            parse_s, parse_mem = measure([sys.executable, "-c", PARSE, str(path)])
            print(f"{n:>8} {'json parse (baseline)':<22} {parse_s:>8.2f} {n / parse_s:>9.0f} {1:>7.2f} "
                  f"{parse_mem:>9.0f}   ({size:.0f} MiB file)")
            for jobs in args.jobs:
                s, mem = measure([callqa, "check", str(path), "-f", "jsonl", "-q", "-o", os.devnull,
                                  "--jobs", str(jobs)])
                print(f"{n:>8} {f'callqa check -j {jobs}':<22} {s:>8.2f} {n / s:>9.0f} "
                      f"{parse_s / s:>7.2f} {mem:>9.0f}")


if __name__ == "__main__":
    main()
