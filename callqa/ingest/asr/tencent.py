"""Tencent Cloud ASR, 录音文件识别 (CreateRecTask → DescribeTaskStatus) results.

`Response.Data.ResultDetail[]` holds one `SentenceDetail` per sentence: `FinalSentence`,
`StartMs` / `EndMs` (milliseconds from the start of the audio), `SpeakerId` (the channel
with ChannelNum=2, or the diarized speaker), `SpeechSpeed`, `EmotionalEnergy`,
`EmotionType`. `Status` 2 is success, 3 failure; the task id is `TaskId`. A bare `Data`
object, and the callback's `resultDetail` (a JSON string) are read too.
Doc: https://cloud.tencent.com/document/api/1093/37822 (data types:
https://cloud.tencent.com/document/api/1093/37824#SentenceDetail)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import (
    Turn,
    json_records,
    looks_like_json,
    make_call,
    ms,
    pick,
    seconds,
)


def _sniff(path: Path) -> bool:
    return (looks_like_json(path, '"ResultDetail"') or looks_like_json(path, '"FinalSentence"')
            or looks_like_json(path, '"resultDetail"'))


@register("tencent", sniff=_sniff, description="Tencent Cloud 录音文件识别 JSON (ResultDetail)")
def read_tencent(path: Path, options: ReadOptions) -> Iterator[Item]:
    for record in json_records(path):
        yield record if isinstance(record, Problem) else _call(path, record.value, options, record.line)


def _call(path: Path, result: Any, options: ReadOptions, line: int | None) -> Item:
    if not isinstance(result, dict):
        return Problem(str(path), line, None, "expected a DescribeTaskStatus response")
    data = result.get("Response", result)
    data = data.get("Data", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        return Problem(str(path), line, "Response.Data", "no task data")
    if data.get("Status") == 3 or data.get("StatusStr") == "failed":
        return Problem(str(path), line, "Status", f"the task failed: {data.get('ErrorMsg', '')}")
    details = pick(data, "ResultDetail", "resultDetail")
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except json.JSONDecodeError:
            return Problem(str(path), line, "resultDetail", "not a JSON list")
    if not isinstance(details, list):
        return Problem(str(path), line, "ResultDetail",
                       "no sentence details (create the task with ResTextFormat ≥ 1)")
    turns = []
    for d in details:
        speaker = pick(d, "SpeakerId", "speakerId")
        meta = {k: v for k, v in {
            "speech_speed": pick(d, "SpeechSpeed"), "emotional_energy": pick(d, "EmotionalEnergy"),
            "emotion_type": pick(d, "EmotionType"), "silence_time": pick(d, "SilenceTime"),
        }.items() if v not in (None, [], "")}
        turns.append(Turn(None if speaker is None else str(speaker),
                          str(pick(d, "FinalSentence", "finalSentence", default="")),
                          ms(pick(d, "StartMs", "startMs")), ms(pick(d, "EndMs", "endMs")), meta))
    meta: dict[str, Any] = {}
    duration = seconds(pick(data, "AudioDuration", "audioTime"))
    if duration:
        meta["asr_duration"] = duration
    task = pick(data, "TaskId", "taskId", "requestId")
    return make_call(path, None if task is None else str(task), turns, options, "tencent", meta,
                     line)
