"""Readers: every source format becomes `Call` records, one call at a time.

A reader is a generator `reader(path, options)` yielding `Call` objects and, for records it
cannot read, `Problem`s naming file, line and field; the caller reports those and goes on.
Formats register themselves with `@register` (like Presidio's recognizer registry), so a
new vendor format is one small module added to `_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from callqa.errors import Problem
from callqa.model import Call

Item = Call | Problem


@dataclass
class ReadOptions:
    encoding: str | None = None  # None: detect
    roles: dict[str, str] = field(default_factory=dict)  # source speaker/channel id → role
    csv_columns: dict[str, str] = field(default_factory=dict)  # our field → CSV column
    channel: str | None = None  # default for formats that do not say (text, CSV, ASR)
    direction: str | None = None


Reader = Callable[[Path, ReadOptions], Iterator[Item]]


@dataclass(frozen=True)
class Format:
    name: str
    reader: Reader
    suffixes: tuple[str, ...]
    sniff: Callable[[Path], bool] | None
    description: str


FORMATS: dict[str, Format] = {}
_MODULES = ("jsonl", "transcript", "csvfile",
            "asr.aliyun", "asr.tencent", "asr.iflytek", "asr.funasr", "asr.aws", "asr.whisper",
            "asr.subtitles", "pbx.asterisk_cdr", "pbx.asterisk_cel", "pbx.asterisk_ami",
            "pbx.asterisk_queue_log", "pbx.freeswitch", "join")


def register(name: str, *, suffixes: Iterable[str] = (), sniff: Callable[[Path], bool] | None = None,
             description: str = "") -> Callable[[Reader], Reader]:
    def add(reader: Reader) -> Reader:
        FORMATS[name] = Format(name, reader, tuple(suffixes), sniff, description)
        return reader

    return add


def load_formats() -> dict[str, Format]:
    """Import every reader module so that all formats are registered."""
    _load()
    return FORMATS


def _load() -> None:
    for module in _MODULES:
        importlib.import_module(f"callqa.ingest.{module}")


def detect_format(path: Path) -> Format | None:
    """By content sniffers first (vendor JSON all ends in .json), then by suffix."""
    _load()
    for fmt in FORMATS.values():
        if fmt.sniff is not None and fmt.sniff(path):
            return fmt
    name = path.name.lower()
    for fmt in FORMATS.values():
        if any(name.endswith(suffix) for suffix in fmt.suffixes):
            return fmt
    return None


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and the files inside folders named (sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not
                              any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            yield path


def read_calls(paths: Iterable[Path | str], fmt: str | None = None,
               options: ReadOptions | None = None) -> Iterator[Item]:
    """Calls (and problems) from files and folders, streamed in order."""
    _load()
    options = options or ReadOptions()
    for path in expand(Path(p) for p in paths):
        if not path.exists():
            yield Problem(str(path), None, None, "no such file")
            continue
        chosen = FORMATS.get(fmt) if fmt else detect_format(path)
        if chosen is None:
            known = ", ".join(sorted(FORMATS))
            yield Problem(str(path), None, None,
                          f"unknown format (use --input-format; known: {known})")
            continue
        try:
            yield from chosen.reader(path, options)
        except OSError as exc:
            yield Problem(str(path), None, None, f"cannot read: {exc.strerror or exc}")
