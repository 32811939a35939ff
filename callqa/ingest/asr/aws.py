"""Amazon Transcribe (batch) output JSON.

`results.audio_segments[]` (newer outputs) give each segment's `transcript`, `start_time`
/ `end_time` (seconds, as strings) and `speaker_label` (`spk_0` …, with ShowSpeakerLabels)
or `channel_label` (`ch_0` …, with ChannelIdentification). Older outputs only have the
words: `results.channel_labels.channels[].items` per channel, or `results.items` with a
`speaker_label` each (or `results.speaker_labels.segments` to look it up by time); words
are joined into turns at speaker changes and pauses over 1.5 s. The call is `jobName`.
Doc: https://docs.aws.amazon.com/transcribe/latest/dg/diarization.html and
https://docs.aws.amazon.com/transcribe/latest/dg/channel-id.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import BadJson, Turn, json_problem, load_json, looks_like_json, make_call, seconds

PAUSE = 1.5
_LATIN = re.compile(r"[A-Za-z0-9]$")


def _sniff(path: Path) -> bool:
    return looks_like_json(path, '"results"', '"transcripts"')


@register("aws-transcribe", sniff=_sniff, description="Amazon Transcribe output JSON")
def read_aws(path: Path, options: ReadOptions) -> Iterator[Item]:
    try:
        document = load_json(path)
    except BadJson as exc:
        yield json_problem(path, exc)
        return
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, dict):
        yield Problem(str(path), None, "results", "no results object")
        return
    if document.get("status") not in (None, "COMPLETED"):
        yield Problem(str(path), None, "status", f"the job is {document['status']}")
        return
    if results.get("audio_segments"):
        turns = [Turn(_label(s), s.get("transcript", ""), seconds(s.get("start_time")),
                      seconds(s.get("end_time"))) for s in results["audio_segments"]]
    elif results.get("channel_labels"):
        turns = [t for ch in results["channel_labels"].get("channels", [])
                 for t in _turns(ch.get("items", []), lambda _, c=ch: c.get("channel_label"))]
    else:
        turns = _turns(results.get("items", []), _speaker_lookup(results))
    yield make_call(path, document.get("jobName"), turns, options, "aws-transcribe")


def _label(record: dict[str, Any]) -> str | None:
    return record.get("speaker_label") or record.get("channel_label")


def _speaker_lookup(results: dict[str, Any]):
    segments = (results.get("speaker_labels") or {}).get("segments", [])

    def speaker(item: dict[str, Any]) -> str | None:
        if _label(item):
            return _label(item)
        t = float(item.get("start_time", -1))
        return next((s["speaker_label"] for s in segments
                     if float(s["start_time"]) <= t <= float(s["end_time"])), None)

    return speaker


def _turns(items: list[dict[str, Any]], speaker_of) -> list[Turn]:
    """Words → turns, split where the speaker changes or the speaker pauses."""
    turns: list[Turn] = []
    for item in items:
        word = (item.get("alternatives") or [{}])[0].get("content", "")
        if item.get("type") == "punctuation":
            if turns:
                turns[-1].text += word
            continue
        speaker, start, end = speaker_of(item), seconds(item.get("start_time")), \
            seconds(item.get("end_time"))
        last = turns[-1] if turns else None
        if last and last.speaker == speaker and start is not None and last.end is not None \
                and start - last.end <= PAUSE:
            joiner = " " if _LATIN.search(last.text) and word[:1].isascii() else ""
            last.text += joiner + word
            last.end = end
        else:
            turns.append(Turn(speaker, word, start, end))
    return turns
