"""Transcripts from ASR vendors: each module reads one vendor's JSON (or subtitles).

What they share lives here: sniffing a file's first bytes, loading JSON in whatever
encoding it came in, and turning the vendor's speaker or channel ids into roles.

Speaker/channel id → role comes from `ReadOptions.roles` (`--roles 0=customer,1=agent`).
A key matches the vendor's id as written (`spk_1`, `SPEAKER_01`, `ch_0`, `2`) or its
number (`1` matches `spk_1`, `SPEAKER_01` and `ch_1`); labels that are role words
(坐席, 客户, agent …) need no mapping. Ids left unmapped are guessed by who speaks first
(inbound: the agent answers first; outbound: the callee says 喂 first) and the call says so
in `meta.role_mapping` ("guessed: first speaker is the agent").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import Item, ReadOptions
from callqa.ingest.encoding import detect, open_binary
from callqa.ingest.roles import role_of
from callqa.model import Call

_HEAD = 16 * 1024
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


@dataclass
class Turn:
    """One vendor sentence before roles are known."""

    speaker: str | None  # the vendor's speaker/channel id, or a role word
    text: str
    start: float | None  # seconds from the start of the recording
    end: float | None
    meta: dict[str, Any] = field(default_factory=dict)


def head_text(path: Path, size: int = _HEAD) -> str:
    """The file's first bytes as text ('' when unreadable), for sniffers."""
    try:
        with open_binary(path) as raw:
            head = raw.read(size)
    except OSError:
        return ""
    if b"\0" in head[:512] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ""  # binary (a recording, an archive)
    return head.decode(detect(head), errors="ignore")


def looks_like_json(path: Path, *needles: str) -> bool:
    """A JSON document (not JSON Lines) whose head holds every needle."""
    if path.name.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        return False
    head = head_text(path).lstrip("\ufeff \t\r\n")
    return head[:1] in ("{", "[") and all(needle in head for needle in needles)


class BadJson(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def load_json(path: Path) -> Any:
    """The whole JSON document; `BadJson` with the line when it is not JSON."""
    with open_binary(path) as raw:
        data = raw.read()
    text = data.decode(detect(data[:_HEAD]), errors="replace").lstrip("\ufeff")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadJson(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                      exc.lineno) from exc


def json_problem(path: Path, error: BadJson) -> Problem:
    return Problem(str(path), error.line, None, str(error))


@dataclass(frozen=True)
class JsonRecord:
    """One result of a vendor file: the file is one result, or a list of them."""

    value: Any
    line: int | None  # its number in the list (None when the file is a single result)
    count: int  # how many results the file holds


def json_records(path: Path) -> Iterator[JsonRecord | Problem]:
    """The results a vendor JSON file holds; a file that is not JSON is one Problem."""
    try:
        document = load_json(path)
    except BadJson as exc:
        yield json_problem(path, exc)
        return
    results = document if isinstance(document, list) else [document]
    for number, result in enumerate(results, 1):
        yield JsonRecord(result, number if isinstance(document, list) else None, len(results))


def pick(record: dict[str, Any], *keys: str, default: Any = None) -> Any:
    """The first of several spellings of a field (BeginTime, begin_time, beginTime)."""
    for key in keys:
        if key in record and record[key] is not None:
            return record[key]
    return default


def ms(value: Any) -> float | None:
    """Milliseconds (number or numeric string) → seconds."""
    if value is None or value == "":
        return None
    return round(float(value) / 1000.0, 3)


def seconds(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return round(float(value), 3)


def clean_text(text: str) -> str:
    """Trim, and drop the spaces some engines put between Chinese characters (欢 迎)."""
    return _CJK_SPACE.sub("", text.strip())


def speaker_keys(raw: str) -> list[str]:
    """The spellings a roles mapping may use for one vendor id: as written, lower-case,
    and its number (spk_1, SPEAKER_01, ch_1 → 1)."""
    keys = [raw, raw.lower()]
    number = re.search(r"(\d+)$", raw)
    if number:
        keys.append(str(int(number.group(1))))
    return keys


def assign_roles(speakers: Iterable[str], options: ReadOptions) -> tuple[dict[str, str], str | None]:
    """Role of each vendor id (in order of first appearance), and a note when guessed."""
    ordered = list(dict.fromkeys(speakers))
    roles = {k.strip().lower(): v for k, v in options.roles.items()}
    mapping: dict[str, str] = {}
    for raw in ordered:
        keys = [k.lower() for k in speaker_keys(raw) if k.lower() in roles]
        role = (role_of(roles[keys[0]]) or roles[keys[0]]) if keys else None
        if role is None:
            role = role_of(raw)
        if role is not None:
            mapping[raw] = role
    unmapped = [raw for raw in ordered if raw not in mapping]
    if not unmapped:
        return mapping, None
    opener = "customer" if options.direction == "outbound" else "agent"
    other = "agent" if opener == "customer" else "customer"
    first = unmapped[0]
    mapping[first] = opener if opener not in mapping.values() else other
    for raw in unmapped[1:]:
        mapping[raw] = other if mapping[first] == opener else opener
    who = "the agent" if opener == "agent" else "the customer (the callee answers)"
    note = f"guessed: first speaker is {who}"
    if len(unmapped) < len(ordered):
        note = f"guessed for {', '.join(unmapped)}: first unmapped speaker is {who}"
    return mapping, note


def make_call(path: Path, call_id: str | None, turns: list[Turn], options: ReadOptions,
              source: str, meta: dict[str, Any] | None = None, line: int | None = None) -> Item:
    """A `Call` from vendor sentences, or a `Problem` saying why not."""
    turns = sorted((t for t in turns if clean_text(t.text)),
                   key=lambda t: (t.start is None, t.start or 0.0))
    if not turns:
        return Problem(str(path), line, "utterances", "the transcript has no sentences")
    labelled = [t.speaker for t in turns if t.speaker is not None]
    if len(labelled) < len(turns):
        return Problem(str(path), line, "speaker",
                       "no speaker or channel labels to tell the agent from the customer: "
                       "use dual-channel recognition or speaker diarization")
    mapping, note = assign_roles(labelled, options)
    if note and len(set(labelled)) == 1:  # a silent call, or a mono transcript not diarized
        note += f"; only one speaker label ({labelled[0]}) in the transcript"
    record_meta: dict[str, Any] = {"source": source, "speakers": mapping}
    if note:
        record_meta["role_mapping"] = note
    record_meta.update(meta or {})
    record: dict[str, Any] = {
        "call_id": call_id or path.stem,
        "utterances": [
            {"speaker": mapping[t.speaker], "text": clean_text(t.text), "start": t.start,  # type: ignore[index]
             "end": t.end, "meta": t.meta} for t in turns],
        "meta": record_meta,
    }
    if options.channel:
        record["channel"] = options.channel
    if options.direction:
        record["direction"] = options.direction
    try:
        return Call.model_validate(record)
    except ValidationError as exc:
        return problem_from_validation(str(path), line, exc)

