"""iFlytek 讯飞开放平台 录音文件转写 (LFASR) results.

getResult answers `content.orderResult`, a JSON *string* whose `lattice[]` items carry
`json_1best` (itself a JSON string; in `lattice2[]` an object) with `st`: `bg` / `ed`
(milliseconds, as strings), `rl` (the speaker with role separation on: "1", "2" …; "0"
when it was off, which leaves the roles unknown) and `rt[].ws[].cw[].w` (the words; `wp`
"p" is punctuation, "g" a paragraph marker). The order id is `content.orderInfo.orderId`;
`orderInfo.status` 4 is done. The older API's `data` (a JSON string of
`{bg, ed, onebest, speaker}`) is read too.
Doc: https://www.xfyun.cn/doc/asr/ifasr_new/API.html
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import Turn, json_records, looks_like_json, make_call, ms


def _sniff(path: Path) -> bool:
    return (looks_like_json(path, '"orderResult"') or looks_like_json(path, "json_1best")
            or looks_like_json(path, "onebest"))


@register("iflytek", sniff=_sniff, description="iFlytek 录音文件转写 JSON (orderResult lattice)")
def read_iflytek(path: Path, options: ReadOptions) -> Iterator[Item]:
    for record in json_records(path):
        yield record if isinstance(record, Problem) else _call(path, record.value, options)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _call(path: Path, document: Any, options: ReadOptions) -> Item:
    if not isinstance(document, dict):
        return Problem(str(path), None, None, "expected a getResult response object")
    content = document.get("content", document)
    info = content.get("orderInfo", {}) if isinstance(content, dict) else {}
    if info.get("status") not in (None, 4):
        return Problem(str(path), None, "orderInfo.status",
                       f"the order is not done (status {info.get('status')}, "
                       f"failType {info.get('failType')})")
    try:
        if isinstance(content, dict) and "orderResult" in content:
            turns = _lattice(_json(content["orderResult"]))
        elif "data" in document:
            turns = [Turn(_speaker(s.get("speaker")), str(s.get("onebest", "")), ms(s.get("bg")),
                          ms(s.get("ed"))) for s in _json(document["data"])]
        else:
            return Problem(str(path), None, "content.orderResult", "no transcription result")
    except (json.JSONDecodeError, TypeError, AttributeError) as exc:
        return Problem(str(path), None, "content.orderResult", f"unreadable result: {exc}")
    meta = {}
    if info.get("originalDuration"):
        meta["asr_duration"] = ms(info["originalDuration"])
    order = info.get("orderId") or document.get("orderId")
    return make_call(path, order, turns, options, "iflytek", meta)


def _speaker(value: Any) -> str | None:
    return None if value in (None, "", "0", 0) else str(value)


def _lattice(result: dict[str, Any]) -> list[Turn]:
    lattice = result.get("lattice") or result.get("lattice2") or []
    turns = []
    for item in lattice:
        st = _json(item["json_1best"])["st"]
        words = [ws["cw"][0] for rt in st.get("rt", []) for ws in rt.get("ws", []) if ws.get("cw")]
        text = "".join(w.get("w", "") for w in words if w.get("wp") != "g")
        # rl "0": role separation was off
        turns.append(Turn(_speaker(st.get("rl")), text, ms(st.get("bg")), ms(st.get("ed"))))
    return turns
