"""Accuracy of a standard on a labelled corpus: every accuracy claim goes through here.

For each checkpoint, the `fail` verdict is the positive class: precision, recall and F1 of
fail, accuracy over pass/fail/na, and support (labelled fails). Macro averages are over
checkpoints with support. The worst confusions are the wrong verdicts given with the
highest confidence, with their evidence, so a rule owner sees what to fix first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from callqa.model import Call, Result


@dataclass
class CheckpointScore:
    id: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    correct: int = 0
    total: int = 0
    confusion: Counter = field(default_factory=Counter)  # (expected, actual) → count

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if self.support == 0:
            return None
        if not p or not r:
            return 0.0
        return 2 * p * r / (p + r)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None

    def as_dict(self) -> dict:
        return {"id": self.id, "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "accuracy": self.accuracy, "support": self.support, "labelled": self.total,
                "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "confusion": {f"{e}->{a}": n for (e, a), n in sorted(self.confusion.items())}}


@dataclass(frozen=True)
class Confusion:
    call_id: str
    checkpoint: str
    expected: str
    actual: str
    confidence: float
    evidence: str


@dataclass
class Report:
    scores: dict[str, CheckpointScore]
    confusions: list[Confusion]
    calls: int
    unlabelled: int

    def with_support(self) -> list[CheckpointScore]:
        return [s for s in self.scores.values() if s.support]

    def macro(self, metric: str) -> float | None:
        values = [getattr(s, metric) for s in self.with_support()]
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else None

    @property
    def accuracy(self) -> float | None:
        total = sum(s.total for s in self.scores.values())
        return sum(s.correct for s in self.scores.values()) / total if total else None

    def worst(self, n: int) -> list[Confusion]:
        return sorted(self.confusions, key=lambda c: -c.confidence)[:n]

    def as_dict(self, worst: int = 20) -> dict:
        return {
            "calls": self.calls, "unlabelled_calls": self.unlabelled,
            "macro": {m: self.macro(m) for m in ("precision", "recall", "f1")},
            "accuracy": self.accuracy,
            "checkpoints": [s.as_dict() for s in self.scores.values()],
            "worst": [c.__dict__ for c in self.worst(worst)],
        }


def evaluate(pairs: Iterable[tuple[Call, Result]], checkpoint_ids: list[str]) -> Report:
    scores = {cid: CheckpointScore(cid) for cid in checkpoint_ids}
    confusions: list[Confusion] = []
    calls = unlabelled = 0
    for call, result in pairs:
        calls += 1
        if not call.expected:
            unlabelled += 1
            continue
        for outcome in result.checkpoints:
            expected = call.expected.get(outcome.id)
            if expected is None or outcome.id not in scores:
                continue
            s = scores[outcome.id]
            actual = outcome.status
            s.total += 1
            s.correct += expected == actual
            s.confusion[(expected, actual)] += 1
            if actual == "fail":
                if expected == "fail":
                    s.tp += 1
                else:
                    s.fp += 1
            elif expected == "fail":
                s.fn += 1
            if expected != actual:
                evidence = "；".join(e.text or "" for e in outcome.evidence or [])[:160]
                confusions.append(Confusion(call.call_id, outcome.id, expected, actual,
                                            outcome.confidence, evidence))
    return Report(scores, confusions, calls, unlabelled)
