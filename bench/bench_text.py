"""Throughput of the language layer on one core: `python bench/bench_text.py [--calls N]`.

Generates a corpus of calls (20 utterances each by default: 20,000 calls ≈ 400k utterances)
from the act-training generator (phone / ASR / chat renderings, with PII sprinkled in),
then times normalize(), phrase scanning with a few hundred phrase lists, acts, emotion,
PII and similarity, printing utterances/s, chars/s and each rate relative to the bare
normalize() rate measured in the same run. `--e5` also times the optional e5 backend.
"""

from __future__ import annotations

import os

# One core: pin the BLAS / OpenMP pools before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402

from callqa.text import acts, emotion, pii, similarity  # noqa: E402
from callqa.text.normalize import clean, normalize  # noqa: E402
from callqa.text.phrases import Lexicon  # noqa: E402
from callqa.text.train import compose_acts, load_act_lines  # noqa: E402

UTTERANCES_PER_CALL = 20


def make_corpus(calls: int, seed: int = 7) -> list[list[str]]:
    """`calls` calls of utterances: a pool of generated lines, sampled, some with PII."""
    slots, lines = load_act_lines()
    pool = [s.text for s in compose_acts(lines, slots, 30000, seed)]
    rng = random.Random(seed)
    pii_lines = ["我的手机号是{m}", "身份证号11010519491231002X", "我叫{n}，电话{m}",
                 "手机 {m} 谢谢", "卡号6222021234567890128，工商银行的"]  # fmt: skip
    corpus = []
    for _ in range(calls):
        call = []
        for _ in range(UTTERANCES_PER_CALL):
            if rng.random() < 0.03:
                mobile = f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}"
                call.append(rng.choice(pii_lines).format(m=mobile, n=rng.choice(["张伟", "王芳"])))
            else:
                call.append(rng.choice(pool))
        corpus.append(call)
    return corpus


def phrase_lexicon(lists: int = 300) -> tuple[Lexicon, int]:
    """A few hundred phrase lists, like a standard's: act pools cut into lists of 4–12."""
    _, lines = load_act_lines()
    phrases = [line.template for line in lines if "{" not in line.template]
    rng = random.Random(3)
    lexicon = Lexicon()
    for i in range(lists):
        chosen = rng.sample(phrases, rng.randint(4, 12))
        lexicon.register(chosen, homophones=i % 3 == 0, fuzzy=i % 4 == 0)
    lexicon.compile()
    return lexicon, lists


def timed(label: str, func: Callable[[], object], n_utt: int, n_chars: int,
          base: float | None) -> float:  # fmt: skip
    started = time.perf_counter()
    func()
    seconds = time.perf_counter() - started
    rate = n_utt / seconds
    ratio = "" if base is None else f"{rate / base:8.3f}×"
    print(f"{label:<34} {rate:>12,.0f} utt/s {n_chars / seconds:>14,.0f} chars/s {ratio:>10}")
    return rate


def per_call(corpus: Sequence[Sequence[str]], func: Callable[[Sequence[str]], object]
             ) -> Callable[[], None]:  # fmt: skip
    def run() -> None:
        for call in corpus:
            func(call)

    return run


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--e5", action="store_true", help="also time the e5 backend")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    corpus = make_corpus(args.calls)
    flat = [u for call in corpus for u in call]
    n_utt, n_chars = len(flat), sum(map(len, flat))
    print(f"corpus: {args.calls} calls, {n_utt:,} utterances, {n_chars:,} chars "
          f"(mean {n_chars / n_utt:.1f}); generated in {time.perf_counter() - started:.1f} s")
    lexicon, lists = phrase_lexicon()
    act_model = acts.default_model()
    emotion_model = emotion.default_model()
    act_model.predict(["预热"])
    emotion_model.analyse(["预热"])
    examples = [line.template for line in load_act_lines()[1][:50]]
    sim = similarity.SimilarityIndex(examples)
    normalised = [[clean(u) for u in call] for call in corpus]

    print(f"\n{'stage':<34} {'utterances':>18} {'characters':>22} {'÷ normalize':>11}")
    base = timed("normalize()", lambda: [normalize(u) for u in flat], n_utt, n_chars, None)
    timed(f"phrase scan ({lists} lists, per call)", per_call(normalised, lexicon.scan),
          n_utt, n_chars, base)  # fmt: skip
    timed("acts (per call)", per_call(corpus, act_model.predict_proba), n_utt, n_chars, base)
    timed("acts (batches of 1000)",
          lambda: [act_model.predict_proba(flat[i : i + 1000]) for i in range(0, n_utt, 1000)],
          n_utt, n_chars, base)  # fmt: skip
    timed("emotion (per call)", per_call(corpus, emotion_model.analyse), n_utt, n_chars, base)
    timed("pii find_pii()", lambda: [pii.find_pii(u) for u in flat], n_utt, n_chars, base)
    timed(f"similarity ngram ({len(examples)} examples)",
          per_call(corpus, sim.score), n_utt, n_chars, base)  # fmt: skip
    if args.e5:
        sample = flat[:300]
        try:
            e5 = similarity.SimilarityIndex(examples, backend="e5")
        except ImportError as exc:
            print(f"e5: {exc}")
        else:
            e5.score(sample[:10])
            timed(f"similarity e5 ({len(sample)} texts)", lambda: e5.score(sample), len(sample),
                  sum(map(len, sample)), base)  # fmt: skip
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
