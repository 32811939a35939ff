"""Alibaba Cloud Intelligent Speech Interaction, 录音文件识别 (file transcription) results.

GetTaskResult and the callback carry `Result.Sentences[]`, each with `BeginTime` and
`EndTime` in milliseconds, `ChannelId` (the audio track: 0 = left, 1 = right on a
dual-channel recording), `Text`, and `SpeechRate` / `EmotionValue` / `SilenceDuration`.
The task id is `TaskId`. Older callbacks spell the fields in snake_case (`begin_time`,
`channel_id`); both are read. Doc: https://help.aliyun.com/document_detail/90727.html
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import Turn, json_records, looks_like_json, make_call, ms, pick

_OK = {"SUCCESS", "SUCCESS_WITH_NO_VALID_FRAGMENT"}


def _sniff(path: Path) -> bool:
    return (looks_like_json(path, '"Sentences"', '"BeginTime"')
            or looks_like_json(path, '"sentences"', '"begin_time"', '"channel_id"'))


@register("aliyun", sniff=_sniff, description="Alibaba Cloud 录音文件识别 JSON (Result.Sentences)")
def read_aliyun(path: Path, options: ReadOptions) -> Iterator[Item]:
    for record in json_records(path):
        yield record if isinstance(record, Problem) else _call(path, record.value, options, record.line)


def _call(path: Path, result: Any, options: ReadOptions, line: int | None) -> Item:
    if not isinstance(result, dict):
        return Problem(str(path), line, None, "expected a task result object")
    status = pick(result, "StatusText", "status_text")
    if status is not None and status not in _OK:
        return Problem(str(path), line, "StatusText", f"the task did not succeed: {status}")
    body = pick(result, "Result", "result", default={})
    sentences = pick(body, "Sentences", "sentences") if isinstance(body, dict) else None
    if not isinstance(sentences, list):
        return Problem(str(path), line, "Result.Sentences", "no sentences in the result")
    turns = []
    for s in sentences:
        channel = pick(s, "ChannelId", "channel_id", "channelId")
        meta = {k: v for k, v in {
            "speech_rate": pick(s, "SpeechRate", "speech_rate", "speechRate"),
            "emotion_value": pick(s, "EmotionValue", "emotion_value", "emotionValue"),
            "silence_duration": pick(s, "SilenceDuration", "silence_duration", "silenceDuration"),
        }.items() if v is not None}
        turns.append(Turn(None if channel is None else str(channel),
                          str(pick(s, "Text", "text", default="")),
                          ms(pick(s, "BeginTime", "begin_time", "beginTime")),
                          ms(pick(s, "EndTime", "end_time", "endTime")), meta))
    meta: dict[str, Any] = {}
    duration = ms(pick(result, "BizDuration", "biz_duration"))
    if duration:
        meta["asr_duration"] = duration
    task = pick(result, "TaskId", "task_id")
    return make_call(path, None if task is None else str(task), turns, options, "aliyun", meta,
                     line)
