"""Subtitles with speaker tags: SubRip (.srt) and WebVTT (.vtt).

Speakers are read from WebVTT voice spans (`<v 坐席>…</v>`), from role prefixes
(`坐席：`, `客户:`, `Agent:`), from diarization tags (`[SPEAKER_00]`, `[SPEAKER_00]:`,
`SPEAKER_01:`, `Speaker 1:`), and a cue without a tag continues the previous speaker.
Role words need no mapping; other labels go through `--roles` or are guessed (see
`callqa.ingest.asr`). Styling tags (<i>, <b>, <c.x>, {\\an8}) are dropped. The call is
named after the file. Specs: https://www.w3.org/TR/webvtt1/ ,
https://en.wikipedia.org/wiki/SubRip#Format
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import Turn, head_text, make_call
from callqa.ingest.encoding import Undecodable, text_lines
from callqa.ingest.roles import AGENT_WORDS, CUSTOMER_WORDS

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_CUE = re.compile(rf"^\s*(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>|$)", re.DOTALL)
_ROLE_WORDS = "|".join(sorted((re.escape(w) for w in AGENT_WORDS + CUSTOMER_WORDS
                               if len(w) > 1), key=len, reverse=True))
_LABEL = rf"{_ROLE_WORDS}|SPEAKER_\d+|speaker\s*\d+|spk_?\d+|说话人\s*\d+"
_PREFIX = re.compile(rf"^\s*(?:-\s*)?(?:\[(?P<tag>{_LABEL})\]\s*[:：]?|(?P<label>{_LABEL})\s*[:：])"
                     rf"\s*(?P<text>.*)$", re.IGNORECASE)
_STYLE = re.compile(r"</?(?:i|b|u|c|ruby|rt|lang)(?:\.[^>\s]*)?(?:\s[^>]*)?>|\{\\[^}]*\}")


def _seconds(value: str) -> float:
    parts = value.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return round(total, 3)


def _sniff_vtt(path: Path) -> bool:
    return head_text(path, 64).lstrip("\ufeff").startswith("WEBVTT")


@register("vtt", suffixes=(".vtt",), sniff=_sniff_vtt, description="WebVTT with <v speaker>")
def read_vtt(path: Path, options: ReadOptions) -> Iterator[Item]:
    yield from _read(path, options, "vtt")


@register("srt", suffixes=(".srt",), description="SubRip subtitles with speaker prefixes")
def read_srt(path: Path, options: ReadOptions) -> Iterator[Item]:
    yield from _read(path, options, "srt")


def _read(path: Path, options: ReadOptions, source: str) -> Iterator[Item]:
    turns: list[Turn] = []
    speaker: str | None = None
    cue: tuple[float, float] | None = None
    text: list[str] = []

    def flush() -> None:
        nonlocal speaker
        if cue is None or not text:
            return
        for label, words in _speakers("\n".join(text)):
            speaker = label or speaker
            turns.append(Turn(speaker, words, cue[0], cue[1]))

    for lineno, line in text_lines(path, options.encoding):
        if isinstance(line, Undecodable):
            yield Problem(str(path), lineno, None, str(line))
            continue
        timing = _CUE.match(line)
        if timing:
            flush()
            cue, text = (_seconds(timing.group("start")), _seconds(timing.group("end"))), []
        elif not line.strip():
            flush()
            cue, text = None, []
        elif cue is not None:
            text.append(line)
    flush()
    if not turns:
        yield Problem(str(path), None, None, f"no {source.upper()} cues with text")
        return
    yield make_call(path, None, turns, options, source)


def _speakers(cue_text: str) -> list[tuple[str | None, str]]:
    """(speaker label or None, text) for each speaker in one cue."""
    voices = _VOICE.findall(cue_text)
    if voices:
        return [(label.strip(), _plain(words)) for label, words in voices]
    found: list[tuple[str | None, str]] = []
    for line in cue_text.splitlines():
        prefix = _PREFIX.match(line)
        if prefix:
            found.append(((prefix.group("tag") or prefix.group("label")).strip(),
                          _plain(prefix.group("text"))))
        elif found:
            found[-1] = (found[-1][0], found[-1][1] + _plain(line))
        else:
            found.append((None, _plain(line)))
    return found


def _plain(text: str) -> str:
    return _STYLE.sub("", text).strip()
