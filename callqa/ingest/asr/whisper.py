"""Whisper-family JSON: openai-whisper `--output_format json`, faster-whisper segments
dumped as JSON, WhisperX (which adds `speaker`: "SPEAKER_00" from pyannote diarization).

`segments[]` with `start` / `end` in seconds and `text`; the speaker comes from
`speaker` (WhisperX) or `channel` / `role` where a pipeline added one. Whisper has no task
id: the call is named after the file.
Doc: https://github.com/openai/whisper (transcribe output), https://github.com/m-bain/whisperX
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import (
    BadJson,
    Turn,
    head_text,
    json_problem,
    load_json,
    looks_like_json,
    make_call,
    seconds,
)

_SEGMENTS = re.compile(r'"segments"\s*:\s*\[\s*\{')


def _sniff(path: Path) -> bool:
    return looks_like_json(path, '"segments"', '"start"', '"text"') and bool(
        _SEGMENTS.search(head_text(path)))


@register("whisper", sniff=_sniff, description="Whisper / faster-whisper / WhisperX JSON segments")
def read_whisper(path: Path, options: ReadOptions) -> Iterator[Item]:
    try:
        document = load_json(path)
    except BadJson as exc:
        yield json_problem(path, exc)
        return
    segments = document.get("segments") if isinstance(document, dict) else document
    if not isinstance(segments, list):
        yield Problem(str(path), None, "segments", "no segments list")
        return
    turns = []
    for s in segments:
        speaker = s.get("speaker", s.get("channel", s.get("role")))
        turns.append(Turn(None if speaker is None else str(speaker), str(s.get("text", "")),
                          seconds(s.get("start")), seconds(s.get("end"))))
    meta = {"language": document["language"]} if isinstance(document, dict) and \
        document.get("language") else {}
    yield make_call(path, None, turns, options, "whisper", meta)
