"""Asterisk app_queue's queue_log: `time|callid|queue|agent|event|data1|data2|…`.

ENTERQUEUE starts the call (t = 0); CONNECT is the answer (data1 = seconds waited in the
queue, data3 = seconds the agent's phone rang, so ring = CONNECT − data3); COMPLETEAGENT
/ COMPLETECALLER end it, hung up by the agent / the customer; ABANDON is the customer
giving up in the queue; EXITWITHTIMEOUT / EXITEMPTY / EXITWITHKEY are the queue ending it
(system); TRANSFER / BLINDTRANSFER / ATTENDEDTRANSFER are transfers (data1 = extension).
`callid` is the caller channel's uniqueid, which joins with CDR/CEL. Queue "HoldTime" is
time waiting in the queue, not time on hold.
Doc: https://docs.asterisk.org/Configuration/Applications/Queues/Queue-Logs/
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import head_text
from callqa.ingest.encoding import content_lines
from callqa.ingest.pbx import agent_number, as_datetime
from callqa.model import Call

_LINE = re.compile(r"^\d{9,}(?:\.\d+)?\|[^|]*\|[^|]*\|[^|]*\|[A-Z_]+")
_ENDS = {"COMPLETEAGENT": "agent", "COMPLETECALLER": "customer", "ABANDON": "customer",
         "EXITWITHTIMEOUT": "system", "EXITEMPTY": "system", "EXITWITHKEY": "system"}
_TRANSFERS = {"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}


def _sniff(path: Path) -> bool:
    lines = [line for line in head_text(path, 4096).splitlines() if line.strip()][:3]
    return bool(lines) and all(_LINE.match(line) for line in lines)


@register("asterisk-queue-log", sniff=_sniff, description="Asterisk queue_log")
def read_queue_log(path: Path, options: ReadOptions) -> Iterator[Item]:
    calls: dict[str, list[tuple[int, float, list[str]]]] = {}
    for item in content_lines(path, options.encoding):
        if isinstance(item, Problem):
            yield item
            continue
        lineno, line = item
        fields = line.split("|")
        if len(fields) < 5 or not _LINE.match(line):
            yield Problem(str(path), lineno, None, "not a queue_log line "
                                                   "(time|callid|queue|agent|event|data…)")
            continue
        callid, event = fields[1], fields[4]
        if callid in ("", "NONE"):  # queue and member bookkeeping, not a call
            continue
        calls.setdefault(callid, []).append((lineno, float(fields[0]), fields))
        if event in _ENDS or event in _TRANSFERS:
            yield _call(callid, calls.pop(callid), options, path)
    for callid, rows in calls.items():
        yield _call(callid, rows, options, path)


def _call(callid: str, rows: list[tuple[int, float, list[str]]], options: ReadOptions,
          path: Path) -> Item:
    t0 = rows[0][1]
    events: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"source": "asterisk-queue-log", "uniqueids": [callid]}
    agent = None
    for lineno, t, fields in rows:
        event, data = fields[4], fields[5:]
        at = round(t - t0, 3)
        if event == "CONNECT" and _number(data, 0) is None:
            return Problem(str(path), lineno, "data1",
                           f"CONNECT without the seconds waited (call {callid}): {data[:3]}")
        if event == "ENTERQUEUE":
            meta["queue"] = fields[2]
        elif event == "RINGNOANSWER":
            meta["ring_no_answer"] = meta.get("ring_no_answer", 0) + 1
        elif event == "CONNECT":
            agent = fields[3]
            ring = _number(data, 2)
            events.append({"type": "ring", "t": round(max(at - (ring or 0.0), 0.0), 3)})
            events.append({"type": "answer", "t": at})
            meta["queue_wait"] = _number(data, 0)
            if len(data) > 1 and data[1]:  # the agent leg's uniqueid: joins its CDR/CEL
                meta["uniqueids"].append(data[1])
        elif event in _TRANSFERS:
            events.append({"type": "transfer", "t": at, "target": data[0] if data else None,
                           "ok": True})
        elif event in _ENDS:
            if event == "ABANDON":
                meta["abandoned"] = True
            events.append({"type": "hangup", "t": at, "by": _ENDS[event]})
    if not any(e["type"] == "ring" for e in events):
        events.insert(0, {"type": "ring", "t": 0.0})
    if agent and agent != "NONE":
        meta["agent"] = agent
    record = {"call_id": callid, "direction": options.direction or "inbound",
              "channel": options.channel or "phone", "started_at": as_datetime(t0, True),
              "events": events, "agent_id": agent_number(agent), "meta": meta}
    try:
        return Call.model_validate(record)
    except ValidationError as exc:
        return problem_from_validation(str(path), rows[0][0], exc)


def _number(data: list[str], index: int) -> float | None:
    try:
        return float(data[index])
    except (IndexError, ValueError):
        return None
