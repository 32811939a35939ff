"""Rule tests, Semgrep style: example calls annotated with the outcome each checkpoint must give.

Two sources:
- each checkpoint's own `examples` in the standard (shown by `rules explain`);
- test files (YAML): a list of cases, each a short call and its expected outcomes::

      - name: 请稍等 without 好吗 is not consent
        expected: {hold.ask_permission: fail, hold.thank_after: pass}
        call: {channel: phone}            # optional: any interchange-format field
        transcript: |
          客户：我想查一下积分。
          坐席：请稍等，我帮您查一下。
          坐席：感谢您的耐心等待，您有三千分。
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callqa.ingest.transcript import parse_transcript
from callqa.model import Call
from callqa.standard.engine import Engine
from callqa.standard.schema import Standard
from callqa.standard.variables import plain
from callqa.standard.yamlio import LineDict, StandardError, fail, load_yaml_file

OUTCOMES = ("pass", "fail", "na")


@dataclass(frozen=True)
class Case:
    name: str
    where: str  # file:line
    call: Call
    expected: dict[str, str]


@dataclass(frozen=True)
class CaseResult:
    case: Case
    checkpoint: str
    expected: str
    actual: str
    evidence: str = ""

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def build_call(transcript: str, fields: dict[str, Any], name: str) -> Call:
    """A call from a transcript plus interchange-format fields (events, channel …)."""
    parsed = [c for c in parse_transcript(transcript, name) if isinstance(c, Call)]
    utterances = [u.model_dump(exclude_none=True) for c in parsed for u in c.utterances]
    record = {"call_id": name, "utterances": utterances, **fields}
    return Call.model_validate(record)


def example_cases(standard: Standard, ids: Iterable[str] | None = None) -> Iterator[Case]:
    wanted = set(ids) if ids else None
    for cp in standard.checkpoints:
        if wanted and cp.id not in wanted:
            continue
        for i, ex in enumerate(cp.spec.examples):
            name = f"{cp.id} example {i + 1}"
            yield Case(name, f"{standard.source}:{cp.line}", build_call(ex.transcript, ex.call, name),
                       {cp.id: ex.outcome})


def file_cases(path: Path) -> Iterator[Case]:
    raw = load_yaml_file(path)
    if not isinstance(raw, list):
        raise StandardError(str(path), 1, "", "a rule test file is a YAML list of cases")
    for i, entry in enumerate(raw):
        field = f"[{i}]"
        if not isinstance(entry, LineDict):
            raise fail(raw, field, "each case is a mapping with name, expected, transcript")
        for key in entry:
            if key not in ("name", "expected", "transcript", "call"):
                raise fail(entry, f"{field}.{key}", "unknown key", key)
        expected = entry.get("expected")
        if not isinstance(expected, dict) or not expected:
            raise fail(entry, f"{field}.expected", "map checkpoint ids to pass/fail/na", "expected")
        bad = [v for v in expected.values() if v not in OUTCOMES]
        if bad:
            raise fail(expected, f"{field}.expected", f"{bad[0]!r} is not pass, fail or na")
        name = str(entry.get("name") or f"case {i + 1}")
        try:
            call = build_call(str(entry.get("transcript", "")), plain(entry.get("call") or {}), name)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise fail(entry, f"{field}.call.{'.'.join(map(str, err['loc']))}", err["msg"],
                       "call") from None
        yield Case(name, f"{path}:{entry.line}", call, dict(expected))


def collect_files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out += sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    return out


def run_cases(engine: Engine, cases: Iterable[Case]) -> Iterator[CaseResult]:
    by_id = {cp.id: cp for cp in engine.standard.checkpoints}
    for case in cases:
        ctx = engine.context(case.call)
        for checkpoint_id, expected in case.expected.items():
            cp = by_id.get(checkpoint_id)
            if cp is None:
                yield CaseResult(case, checkpoint_id, expected, "unknown checkpoint")
                continue
            outcome = engine.outcome(cp, ctx)
            evidence = "; ".join(e.text or "" for e in outcome.evidence or [])
            yield CaseResult(case, checkpoint_id, expected, outcome.status, evidence)
