"""CSV with one utterance per row: call_id, speaker, start, end, text (+ optional call fields).

Column names are configurable (`ReadOptions.csv_columns`, e.g. {"text": "内容"}); common
Chinese headers (通话ID, 角色, 开始时间, 结束时间, 内容 …) are recognised without configuration.
Rows of one call must be contiguous, which keeps reading streamed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.encoding import Undecodable, text_lines
from callqa.ingest.roles import role_of
from callqa.ingest.transcript import at_record_line, parse_time
from callqa.model import Call

_ALIASES = {
    "call_id": ("call_id", "callid", "通话id", "通话编号", "录音编号", "会话id"),
    "speaker": ("speaker", "role", "角色", "说话人", "发言人", "channel_role"),
    "start": ("start", "begin", "start_time", "开始时间", "开始"),
    "end": ("end", "end_time", "结束时间", "结束"),
    "text": ("text", "content", "内容", "文本", "话术"),
}
_CALL_FIELDS = ("channel", "direction", "agent_id", "team", "started_at")


@register("csv", suffixes=(".csv",), description="one utterance per row")
def read_csv(path: Path, options: ReadOptions) -> Iterator[Item]:
    lines = _decoded(path, options)
    try:
        first_no, header_line = next(lines)
    except StopIteration:
        return
    if isinstance(header_line, Problem):
        yield header_line
        return
    header = next(csv.reader([header_line]))
    try:
        columns = _columns(header, options.csv_columns)
    except KeyError as exc:
        yield Problem(str(path), first_no, str(exc.args[0]),
                      f"no such column (columns are: {', '.join(header)})")
        return
    current: _Rows | None = None
    finished: set[str] = set()
    for lineno, row in _rows(lines):
        if isinstance(row, Problem):
            yield row
            continue
        call_id = _cell(row, columns["call_id"]).strip()
        if current is None or call_id != current.call_id:
            if current is not None:
                yield current.call()
                finished.add(current.call_id)
            if call_id in finished:
                yield Problem(str(path), lineno, "call_id",
                              f"rows of call {call_id!r} are not contiguous; sort the file by call")
            current = _Rows(path, call_id, row, header, options, lineno)
        problem = current.add(row, columns, lineno)
        if problem:
            yield problem
    if current is not None:
        yield current.call()


def _decoded(path: Path, options: ReadOptions) -> Iterator[tuple[int, str | Problem]]:
    for lineno, line in text_lines(path, options.encoding):
        yield lineno, Problem(str(path), lineno, None, line) if isinstance(line, Undecodable) else line


def _rows(lines: Iterator[tuple[int, str | Problem]]) -> Iterator[tuple[int, list[str] | Problem]]:
    """Parse CSV rows, keeping each row's first line number (quoted cells may span lines)."""
    pending: list[str] = []
    start = 0
    for lineno, line in lines:
        if isinstance(line, Problem):
            yield lineno, line
            continue
        if not pending:
            start = lineno
        pending.append(line)
        joined = "\n".join(pending)
        if joined.count('"') % 2:  # inside a quoted cell
            continue
        pending = []
        if joined.strip():
            yield start, next(csv.reader([joined]))


def _columns(header: list[str], configured: dict[str, str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    columns: dict[str, int] = {}
    for field_name, aliases in _ALIASES.items():
        wanted = configured.get(field_name)
        names = (wanted.lower(),) if wanted else aliases
        index = next((lowered.index(n) for n in names if n in lowered), None)
        if index is None:
            if wanted or field_name in ("call_id", "speaker", "text"):
                raise KeyError(wanted or field_name)
            continue
        columns[field_name] = index
    for field_name in _CALL_FIELDS:
        if field_name in lowered:
            columns[field_name] = lowered.index(field_name)
    return columns


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


class _Rows:
    def __init__(self, path: Path, call_id: str, row: list[str], header: list[str],
                 options: ReadOptions, lineno: int) -> None:
        self.path, self.call_id, self.options = path, call_id, options
        self.record: dict[str, Any] = {"call_id": call_id, "utterances": []}
        if options.channel:
            self.record["channel"] = options.channel
        if options.direction:
            self.record["direction"] = options.direction
        self.first_line = lineno
        self.lines: list[int] = []
        self.broken = False

    def add(self, row: list[str], columns: dict[str, int], lineno: int) -> Problem | None:
        for field_name in _CALL_FIELDS:
            value = _cell(row, columns.get(field_name)).strip()
            if value and field_name not in self.record:
                self.record[field_name] = value
        speaker = _cell(row, columns["speaker"])
        role = role_of(speaker, self.options.roles)
        if role is None:
            self.broken = True
            return Problem(str(self.path), lineno, "speaker",
                           f"unknown role {speaker!r} (map it with --role {speaker}=agent)")
        utterance: dict[str, Any] = {"speaker": role, "text": _cell(row, columns["text"])}
        for key in ("start", "end"):
            value = _cell(row, columns.get(key)).strip()
            if value:
                try:
                    utterance[key] = parse_time(value)
                except ValueError:
                    self.broken = True
                    return Problem(str(self.path), lineno, key, f"not a time: {value!r}")
        self.record["utterances"].append(utterance)
        self.lines.append(lineno)
        return None

    def call(self) -> Item:
        if self.broken:
            return Problem(str(self.path), self.first_line, None,
                           f"call {self.call_id!r} skipped: it has bad rows (reported above)")
        try:
            return Call.model_validate(self.record)
        except ValidationError as exc:
            return at_record_line(problem_from_validation(str(self.path), self.first_line, exc),
                                  self.lines)
