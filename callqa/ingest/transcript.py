"""Plain-text transcripts as centres export them.

    === call c-0001 ===            (optional header: starts a new call)
    坐席工号：1024                   (optional key: value lines before the first turn)
    [00:08.0-00:11.2] 坐席：您好，联合洲际客服中心，1024号为您服务
    00:00:12 客户: 你好我想查一下我的订单
    A: ...                         (A/B, agent/customer, 客服/用户 … full- or half-width colon)

A file without headers is one call named after the file. `[start-end]` ranges give start and
end; a single time gives only the start (the end stays unknown rather than guessed). A line
without a role continues the previous turn (exports wrap long turns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.encoding import Undecodable, text_lines
from callqa.ingest.roles import AGENT_WORDS, CUSTOMER_WORDS, role_of
from callqa.model import Call

_TIME = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d+)?|\d+(?:\.\d+)?"
_ROLE_WORDS = "|".join(sorted((re.escape(w) for w in AGENT_WORDS + CUSTOMER_WORDS), key=len,
                              reverse=True))
_TURN = re.compile(
    rf"^\s*(?:\[\s*(?P<start>{_TIME})\s*(?:[-–~至]\s*(?P<end>{_TIME}))?\s*\]|(?P<at>{_TIME}))?"
    rf"\s*(?P<role>{_ROLE_WORDS}|[^\s:：\[\]]{{1,12}})\s*[:：]\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"^\s*(?:={2,}|#{1,}|-{3,})\s*(?:call[ _-]?id|call|通话(?:ID|编号)?|录音(?:编号)?)?\s*[:：]?\s*"
    r"(?P<id>[^\s=#-][^\s=#]*)\s*(?:={2,}|#+|-{3,})?\s*$",
    re.IGNORECASE,
)
_META_KEYS = {
    "call_id": "call_id", "通话id": "call_id", "通话编号": "call_id",
    "agent_id": "agent_id", "坐席工号": "agent_id", "工号": "agent_id",
    "team": "team", "班组": "team", "组别": "team",
    "channel": "channel", "渠道": "channel",
    "direction": "direction", "方向": "direction", "呼叫方向": "direction",
    "started_at": "started_at", "开始时间": "started_at", "通话时间": "started_at",
}  # fmt: skip
_VALUES = {"呼入": "inbound", "呼出": "outbound", "外呼": "outbound", "电话": "phone",
           "在线": "chat", "文字": "chat", "聊天": "chat"}


def parse_time(value: str) -> float:
    """'83.9', '01:23.9' or '00:01:23' → seconds."""
    seconds = 0.0
    for part in value.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


@register("text", suffixes=(".txt", ".text"), description="role-prefixed transcript lines")
def read_transcript(path: Path, options: ReadOptions) -> Iterator[Item]:
    yield from _parse(path, text_lines(path, options.encoding), options)


def parse_transcript(text: str, name: str = "transcript", options: ReadOptions | None = None,
                     ) -> Iterator[Item]:
    """Calls from transcript text held in memory (rule examples, tests, the web form)."""
    lines = enumerate(text.splitlines(), 1)
    yield from _parse(Path(name), lines, options or ReadOptions())


def _parse(path: Path, lines, options: ReadOptions) -> Iterator[Item]:
    builder = _CallBuilder(path, options)
    for lineno, line in lines:
        if isinstance(line, Undecodable):
            yield Problem(str(path), lineno, None, str(line))
            continue
        if not line.strip():
            continue
        header = _HEADER.match(line)
        if header and not _TURN.match(line):
            yield from builder.finish()
            builder.start(header.group("id"), lineno)
            continue
        problem = builder.add_line(line, lineno)
        if problem:
            yield problem
    yield from builder.finish()


class _CallBuilder:
    """Collects one call's lines; `finish()` validates and yields it."""

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path, self.options = path, options
        self.headers_seen = False
        self.start(None, 1)

    def start(self, call_id: str | None, lineno: int) -> None:
        if call_id is not None:
            self.headers_seen = True
        self.record: dict[str, Any] = {"call_id": call_id, "utterances": []}
        if self.options.channel:
            self.record["channel"] = self.options.channel
        if self.options.direction:
            self.record["direction"] = self.options.direction
        self.first_line = lineno
        self.lines: list[int] = []  # source line of each utterance, for error messages

    def add_line(self, line: str, lineno: int) -> Problem | None:
        utterances = self.record["utterances"]
        turn = _TURN.match(line)
        role = role_of(turn.group("role"), self.options.roles) if turn else None
        if turn and role is None and not utterances:
            key = _META_KEYS.get(turn.group("role").strip().lower())
            if key:
                value = turn.group("text").strip()
                self.record[key] = _VALUES.get(value, value)
                return None
        if turn and role is not None:
            utterance: dict[str, Any] = {"speaker": role, "text": turn.group("text").strip()}
            self.lines.append(lineno)
            start = turn.group("start") or turn.group("at")
            if start:
                utterance["start"] = parse_time(start)
            if turn.group("end"):
                utterance["end"] = parse_time(turn.group("end"))
            utterances.append(utterance)
            return None
        if utterances:  # a wrapped line continues the turn before it
            utterances[-1]["text"] += line.strip()
            return None
        return Problem(str(self.path), lineno, "speaker",
                       f"no role prefix (expected e.g. 坐席： or 客户：), got {line.strip()[:20]!r}")

    def finish(self) -> Iterator[Item]:
        record = self.record
        if not record["utterances"]:
            return
        if record["call_id"] is None:
            record["call_id"] = self.path.stem if not self.headers_seen else f"{self.path.stem}-1"
        try:
            yield Call.model_validate(record)
        except ValidationError as exc:
            problem = problem_from_validation(str(self.path), self.first_line, exc)
            yield at_record_line(problem, self.lines)


def at_record_line(problem: Problem, lines: list[int]) -> Problem:
    """Report an utterance's error at that utterance's own source line."""
    parts = (problem.field or "").split(".")
    if len(parts) >= 2 and parts[0] == "utterances" and parts[1].isdigit():
        return Problem(problem.file, lines[int(parts[1])], problem.field, problem.message)
    return problem
