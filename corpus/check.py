#!/usr/bin/env python3
"""Validate the labelled corpus and print its counts table.

Checks (exit status 1 when any fails):
* every line of corpus/dev.jsonl, corpus/heldout.jsonl, corpus/dev2.jsonl and corpus/dev3.jsonl
  validates as ``callqa.model.Call``;
* every record carries ``expected`` with exactly the 44 checkpoint ids, each pass | fail | na;
* call ids are unique across all files;
* no agent sentence (nor even comma-separated clause) of 6+ characters in heldout appears
  verbatim in dev (heldout must test wordings a rule author tuning on dev has not seen);
* the same for dev2 against dev and against heldout (dev2 is a second, independent sample of
  fresh wordings; the heldout comparison is done here so that its author never reads heldout);
* the same for dev3 against dev, dev2 and heldout (a third independent sample; again the
  heldout comparison is programmatic only, its author never reads heldout);
* every checkpoint has at least 10 pass and 10 fail labels per split (reported; talk.volume
  and other rare ones are allowed to fall short with a warning).

Usage: python corpus/check.py [--markdown]   (--markdown prints the table for README.md)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from callqa.model import Call  # noqa: E402

SPLITS = ("dev", "heldout", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7")
# (split, must not share agent sentences with) pairs
DISJOINT = [
    ("heldout", "dev"),
    ("dev2", "dev"),
    ("dev2", "heldout"),
    ("dev3", "dev"),
    ("dev3", "dev2"),
    ("dev3", "heldout"),
    ("dev4", "dev"),
    ("dev4", "dev2"),
    ("dev4", "dev3"),
    ("dev4", "heldout"),
    ("dev5", "dev"),
    ("dev5", "dev2"),
    ("dev5", "dev3"),
    ("dev5", "dev4"),
    ("dev5", "heldout"),
    ("dev6", "dev"),
    ("dev6", "dev2"),
    ("dev6", "dev3"),
    ("dev6", "dev4"),
    ("dev6", "dev5"),
    ("dev6", "heldout"),
    ("dev7", "dev"),
    ("dev7", "dev2"),
    ("dev7", "dev3"),
    ("dev7", "dev4"),
    ("dev7", "dev5"),
    ("dev7", "dev6"),
    ("dev7", "heldout"),
]
SENT_SPLIT = re.compile(r"[。！？!?；;~～\n]+")
CLAUSE_SPLIT = re.compile(r"[。！？!?；;~～\n，,、\s]+")
STRIP = re.compile(r"[\s，,、：:…“”\"'（）()\[\]【】]+")
MIN_EACH = 10
ALLOWED_SHORT = {"talk.volume"}


def checkpoint_ids() -> list[str]:
    """The 44 ids, in the order of docs/rulings.md (cross-checked with the spec when present)."""
    text = (HERE.parent / "docs" / "rulings.md").read_text("utf-8")
    ids = list(dict.fromkeys(re.findall(r"^(?:- )?\*\*([a-z]+\.[a-z_]+)\*\*", text, re.M)))
    spec = HERE.parent.parent / "shared" / "spec" / "checkpoints.md"
    if spec.exists():
        spec_ids = list(dict.fromkeys(re.findall(r"^\| `([a-z]+\.[a-z_]+)` \|", spec.read_text("utf-8"), re.M)))
        assert set(spec_ids) == set(ids), set(spec_ids) ^ set(ids)
    assert len(ids) == 44, len(ids)
    return ids


def sentences(text: str) -> list[str]:
    """Sentences and, stricter, comma/space-separated clauses (ASR text has no punctuation)."""
    out = []
    for s in SENT_SPLIT.split(text) + CLAUSE_SPLIT.split(text):
        s = STRIP.sub("", s)
        if len(s) >= 6:
            out.append(s)
    return out


def main(argv: list[str]) -> int:
    ids = checkpoint_ids()
    errors: list[str] = []
    data: dict[str, list[dict]] = {}
    seen_ids: set[str] = set()
    for split in SPLITS:
        path = HERE / f"{split}.jsonl"
        recs = []
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                Call.model_validate(rec)
            except Exception as e:
                errors.append(f"{split}:{n}: invalid call: {e}")
                continue
            exp = rec.get("expected")
            if not isinstance(exp, dict) or set(exp) != set(ids):
                missing = set(ids) - set(exp or {})
                extra = set(exp or {}) - set(ids)
                errors.append(
                    f"{split}:{n} {rec.get('call_id')}: expected ids missing {sorted(missing)} extra {sorted(extra)}"
                )
            elif any(v not in ("pass", "fail", "na") for v in exp.values()):
                errors.append(f"{split}:{n} {rec.get('call_id')}: bad outcome value")
            if rec["call_id"] in seen_ids:
                errors.append(f"{split}:{n}: duplicate call_id {rec['call_id']}")
            seen_ids.add(rec["call_id"])
            recs.append(rec)
        data[split] = recs

    # agent sentences of heldout must not occur in dev; those of dev2 neither in dev nor in heldout;
    # those of dev3 neither in dev, dev2 nor heldout
    def agent_sents(split):
        return [
            s for r in data[split] for u in r["utterances"] if u["speaker"] == "agent" for s in sentences(u["text"])
        ]

    for split, other in DISJOINT:
        seen = set(agent_sents(other))
        leaks = Counter(s for s in agent_sents(split) if s in seen)
        for s, k in leaks.most_common():
            errors.append(f"{split} agent sentence also in {other} ({k}x): {s}")
    # counts
    counts = {split: {ck: Counter(r["expected"][ck] for r in data[split]) for ck in ids} for split in SPLITS}
    warnings = []
    for split in SPLITS:
        for ck in ids:
            for o in ("pass", "fail"):
                if counts[split][ck][o] < MIN_EACH:
                    msg = f"{split}: {ck} has only {counts[split][ck][o]} {o}"
                    (warnings if ck in ALLOWED_SHORT else errors).append(msg)
    # report
    md = "--markdown" in argv
    if md:
        print("| checkpoint | " + " | ".join(f"{sp} {o}" for sp in SPLITS for o in ("pass", "fail", "na")) + " |")
        print("|---|" + "---:|" * (3 * len(SPLITS)))
        for ck in ids:
            cells = [str(counts[sp][ck][o]) for sp in SPLITS for o in ("pass", "fail", "na")]
            print(f"| `{ck}` | " + " | ".join(cells) + " |")
    else:
        print(f"{'checkpoint':32s}" + "".join(f"{sp + ' pass/fail/na':>22s}" for sp in SPLITS))
        for ck in ids:
            print(
                f"{ck:32s}"
                + "".join(
                    f"{counts[sp][ck]['pass']:11d}/{counts[sp][ck]['fail']:4d}/{counts[sp][ck]['na']:4d}"
                    for sp in SPLITS
                )
            )
    for split in SPLITS:
        recs = data[split]
        mix = Counter((r["channel"], r["direction"]) for r in recs)
        hand = sum(1 for r in recs if r["call_id"].startswith("hw-"))
        fails = Counter(sum(1 for v in r["expected"].values() if v == "fail") for r in recs)
        print(
            f"{split}: {len(recs)} calls ({hand} hand-written); "
            + ", ".join(f"{c}/{d} {n} ({n * 100 // len(recs)}%)" for (c, d), n in sorted(mix.items()))
            + "; fails per call: "
            + ", ".join(f"{k}:{v}" for k, v in sorted(fails.items()))
        )
    for w in warnings:
        print("warning:", w)
    for e in errors[:60]:
        print("ERROR:", e)
    if len(errors) > 60:
        print(f"... and {len(errors) - 60} more errors")
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
