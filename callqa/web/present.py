"""What the pages and the API show of a call: transcript pieces with evidence marks and
personal information masked for the roles that must not see it (docs/web.md)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from callqa.model import Call
from callqa.store.models import OutcomeRow, ResultRow
from callqa.text.pii import find_pii, mask, mask_span


@dataclass
class Piece:
    text: str
    marks: list[str] = field(default_factory=list)  # checkpoint ids whose evidence covers it
    masked: bool = False


@dataclass
class Line:
    """One row of the timeline: an utterance or a call event."""

    kind: str  # "utterance" | "event"
    index: int
    t: float | None
    speaker: str | None = None
    end: float | None = None
    pieces: list[Piece] = field(default_factory=list)
    event: dict[str, Any] | None = None
    marks: list[str] = field(default_factory=list)


def pieces(text: str, spans: list[tuple[int, int, str]], hide_pii: bool) -> list[Piece]:
    """Cut `text` at evidence span edges; a personal-information hit stays whole and masked."""
    hits = find_pii(text) if hide_pii and text else []
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    for hit in hits:
        cuts = {c for c in cuts if not hit.start < c < hit.end} | {hit.start, hit.end}
    edges = sorted(cuts)
    out: list[Piece] = []
    for a, b in pairwise(edges):
        if a == b:
            continue
        hit = next((h for h in hits if h.start == a and h.end == b), None)
        marks = sorted({cp for start, end, cp in spans if start < b and a < end})
        out.append(Piece(mask_span(hit.kind, text[a:b]) if hit else text[a:b], marks, hit is not None))
    return out


def evidence_spans(result: ResultRow | None) -> dict[int, list[tuple[int, int, str]]]:
    """Utterance index → (start, end, checkpoint id) of the evidence of current fails."""
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for o in result.outcomes if result else []:
        if o.auto_status != "fail":
            continue
        for e in o.evidence or []:
            if e.get("utterance") is None:
                continue
            start, end = e.get("span") or (0, 10**9)
            spans.setdefault(e["utterance"], []).append((start, end, o.checkpoint_id))
    return spans


def event_marks(result: ResultRow | None, call: Call) -> dict[int, list[str]]:
    """Event index → checkpoint ids whose evidence points at that event (by time, no utterance)."""
    marks: dict[int, list[str]] = {}
    for o in result.outcomes if result else []:
        if o.auto_status != "fail":
            continue
        for e in o.evidence or []:
            if e.get("utterance") is None and e.get("t") is not None:
                i = event_at(call, e["t"])
                if i is not None:
                    marks.setdefault(i, []).append(o.checkpoint_id)
    return marks


def event_at(call: Call, t: float) -> int | None:
    return next((i for i, ev in enumerate(call.events) if abs(ev.t - t) < 0.05), None)


def timeline(call: Call, result: ResultRow | None, hide_pii: bool) -> list[Line]:
    spans = evidence_spans(result)
    lines = [Line("utterance", i, u.start, u.speaker, u.end, pieces(u.text, spans.get(i, []), hide_pii),
                  marks=sorted({cp for _, _, cp in spans.get(i, [])}))
             for i, u in enumerate(call.utterances)]
    ev_marks = event_marks(result, call)
    events = [Line("event", i, e.t, event=e.model_dump(exclude_none=True, exclude={"meta"}),
                   marks=ev_marks.get(i, []))
              for i, e in enumerate(call.events)]
    if not call.timed:  # chats: no times to interleave by; events first
        return events + lines
    merged = lines + events
    merged.sort(key=lambda line: (line.t if line.t is not None else 0.0, line.kind == "utterance"))
    return merged


def evidence_target(call: Call, evidence: dict[str, Any]) -> str | None:
    """The timeline anchor an evidence item links to."""
    if evidence.get("utterance") is not None:
        return f"u-{evidence['utterance']}"
    if evidence.get("t") is not None:
        i = event_at(call, evidence["t"])
        return f"e-{i}" if i is not None else None
    return None


def masked_text(text: str | None, hide_pii: bool) -> str | None:
    return mask(text) if hide_pii and text else text


def call_json(call: Call, hide_pii: bool) -> dict[str, Any]:
    """The call as interchange JSON, utterance texts (and meta strings) masked if asked."""
    data = call.model_dump(mode="json", exclude_none=True)
    if not hide_pii:
        return data
    data = copy.deepcopy(data)
    for u in data.get("utterances", []):
        u["text"] = mask(u["text"])
    data["meta"] = {k: mask(v) if isinstance(v, str) else v for k, v in data.get("meta", {}).items()}
    return data


def outcome_json(o: OutcomeRow, hide_pii: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": o.checkpoint_id, "status": o.status, "confidence": o.confidence}
    for key in ("severity", "points", "message", "fix"):
        if getattr(o, key) is not None:
            out[key] = getattr(o, key)
    if o.evidence:
        out["evidence"] = [{**e, "text": masked_text(e.get("text"), hide_pii)} if e.get("text") else e
                           for e in o.evidence]
    if o.status != o.auto_status:
        out["auto_status"] = o.auto_status
    if o.review is not None:
        out["review"] = {"verdict": o.review.verdict, "comment": o.review.comment,
                         "reviewer": o.review.reviewer.name, "at": o.review.updated_at.isoformat()}
    if o.appeal is not None:
        a = o.appeal
        out["appeal"] = {"id": a.id, "status": a.status, "reason": a.reason, "appellant": a.appellant.name,
                         "at": a.created_at.isoformat(), "ruled_by": a.ruled_by.name if a.ruled_by else None,
                         "ruling_comment": a.ruling_comment,
                         "ruled_at": a.ruled_at.isoformat() if a.ruled_at else None}
    return out


def result_json(result: ResultRow, hide_pii: bool) -> dict[str, Any]:
    """Result format v1 (current verdicts) plus `auto_score` and each checkpoint's review/appeal."""
    call = result.call
    out: dict[str, Any] = {"call_id": result.call_id, "standard": result.standard, "score": result.score,
                           "passed": result.passed, "fatal": result.fatal, "auto_score": result.auto_score,
                           "checkpoints": [outcome_json(o, hide_pii) for o in result.outcomes]}
    for key in ("agent_id", "team"):
        if getattr(call, key) is not None:
            out[key] = getattr(call, key)
    if call.data.get("started_at"):
        out["started_at"] = call.data["started_at"]
    return out
