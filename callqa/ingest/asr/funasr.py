"""FunASR (ModelScope) recognition results.

`AutoModel.generate(...)` with a VAD, punctuation and speaker model returns a list with one
result per input: `{"key", "text", "sentence_info": [{"text", "start", "end", "spk"}]}`,
times in milliseconds, `spk` the diarized speaker (0, 1 …). A file holds that list (or one
result); each result is a call named by its `key`.
Doc: https://github.com/modelscope/FunASR/blob/main/README.md (speaker diarization example)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import Turn, json_records, looks_like_json, make_call, ms


def _sniff(path: Path) -> bool:
    return looks_like_json(path, '"sentence_info"')


@register("funasr", sniff=_sniff, description="FunASR generate() output (sentence_info)")
def read_funasr(path: Path, options: ReadOptions) -> Iterator[Item]:
    for record in json_records(path):
        yield record if isinstance(record, Problem) else \
            _call(path, record.value, options, record.line, record.count)


def _call(path: Path, result: Any, options: ReadOptions, line: int | None, count: int) -> Item:
    if not isinstance(result, dict) or not isinstance(result.get("sentence_info"), list):
        return Problem(str(path), line, "sentence_info",
                       "no sentence_info (run FunASR with a VAD, punctuation and spk model)")
    turns = [Turn(None if s.get("spk") is None else str(s["spk"]), str(s.get("text", "")),
                  ms(s.get("start")), ms(s.get("end"))) for s in result["sentence_info"]]
    key = result.get("key")
    call_id = str(key) if key else (path.stem if count == 1 else f"{path.stem}-{line}")
    return make_call(path, call_id, turns, options, "funasr", line=line)
