"""FreeSWITCH JSON CDR (mod_json_cdr), one file per call leg.

Read from `variables`: `start_uepoch` / `answer_uepoch` / `bridge_uepoch` /
`end_uepoch` (microseconds; `answersec` and `callflow[].times` as fallbacks),
`sip_hangup_disposition` (send_bye / recv_bye / send_cancel / recv_cancel / send_refuse /
recv_refuse: who sent the BYE), `hold_accum_seconds` with `callflow[].times.last_hold_time`
(microseconds), `transfer_history`, `last_bridge_to` (the other leg's uuid), `hangup_cause`,
`cc_agent` (mod_callcenter) and the recording path (`record_path` …).

Which leg is the agent's: a channel pattern (`--agent-channel "sofia/internal/1???@*"`)
matched against `channel_name`, else FreeSWITCH's own direction: the leg it placed
(`direction: outbound`) is the agent's on inbound calls. A leg that *received* the BYE
(recv_bye) was hung up by its own party; one that *sent* it was hung up by the far end
(the other party when bridged, else the system). A FreeSWITCH CDR knows only the last
hold's start and the total time on hold: one hold is exact; with several, only the last
one's start is known and the call says so in `meta.holds`.
Doc: https://developer.signalwire.com/freeswitch/FreeSWITCH-Explained/Modules/mod_json_cdr_1049064/
and https://developer.signalwire.com/freeswitch/Channel-Variables-Catalog/
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import json_records, looks_like_json
from callqa.ingest.pbx import agent_number, agent_patterns, as_datetime, channel_matches
from callqa.model import Call

FAILURES = {"NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER", "RECOVERY_ON_TIMER_EXPIRE",
            "MEDIA_TIMEOUT", "NORMAL_TEMPORARY_FAILURE", "SWITCH_CONGESTION"}
RECORDING_KEYS = ("record_path", "recording_file", "record_file", "record_file_name",
                  "RECORD_FILE", "execute_on_answer_record")


def _sniff(path: Path) -> bool:
    return looks_like_json(path, '"variables"') and (
        looks_like_json(path, '"callflow"') or looks_like_json(path, '"channel_data"')
        or looks_like_json(path, '"core-uuid"'))


@register("freeswitch", sniff=_sniff, description="FreeSWITCH JSON CDR (one leg per file)")
def read_freeswitch(path: Path, options: ReadOptions) -> Iterator[Item]:
    for record in json_records(path):
        yield record if isinstance(record, Problem) else _call(path, record.value, options, record.line)


def _micro(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number / 1e6 if number > 0 else None


def _times(cdr: dict[str, Any]) -> dict[str, Any]:
    flows = cdr.get("callflow") or []
    flows = flows if isinstance(flows, list) else [flows]
    return (flows[0] if flows else {}).get("times", {}) if flows else {}


def _call(path: Path, cdr: Any, options: ReadOptions, line: int | None) -> Item:
    if not isinstance(cdr, dict) or not isinstance(cdr.get("variables"), dict):
        return Problem(str(path), line, "variables", "not a FreeSWITCH JSON CDR")
    v: dict[str, Any] = cdr["variables"]
    times = _times(cdr)
    start = _micro(v.get("start_uepoch")) or _micro(times.get("created_time"))
    if start is None:
        return Problem(str(path), line, "variables.start_uepoch", "no start time")
    answer = _micro(v.get("answer_uepoch")) or _micro(times.get("answered_time"))
    if answer is None and str(v.get("answersec", "")).isdigit() and v.get("billsec") != "0":
        answer = start + float(v["answersec"])
    bridge = _micro(v.get("bridge_uepoch")) or _micro(times.get("bridged_time"))
    end = _micro(v.get("end_uepoch")) or _micro(times.get("hangup_time"))
    channel = v.get("channel_name", "")
    leg_direction = v.get("direction") or (cdr.get("channel_data") or {}).get("direction", "")
    patterns = agent_patterns(options)
    outbound_call = options.direction == "outbound"
    if patterns:
        is_agent = any(channel_matches(channel, p) for p in patterns)
        rule = f"channel pattern {', '.join(patterns)}"
    else:
        is_agent = (leg_direction == "outbound") != outbound_call
        rule = ("default: the leg FreeSWITCH placed" if not outbound_call
                else "default: the leg that started the outbound call")
    this, other = ("agent", "customer") if is_agent else ("customer", "agent")

    def rel(t: float) -> float:
        return round(max(t - start, 0.0), 3)

    events: list[dict[str, Any]] = [{"type": "ring", "t": 0.0}]
    # On the caller's leg the agent answers when the legs are bridged (an IVR may have
    # answered the caller before that).
    answered = (bridge or answer) if not is_agent and not outbound_call else answer
    if answered:
        events.append({"type": "answer", "t": rel(answered)})
    meta: dict[str, Any] = {"source": "freeswitch", "agent_leg": rule, "leg": this,
                            "uniqueids": list(dict.fromkeys(
                                x for x in (v.get("uuid"), v.get("call_uuid"),
                                            v.get("last_bridge_to"), v.get("originating_leg_uuid"),
                                            v.get("signal_bond")) if x)),
                            "channels": {this: [channel]}}
    events += _holds(v, times, start, end, meta)
    events += _transfers(v, start)
    if end is not None:
        disposition = v.get("sip_hangup_disposition", "")
        bridged = bool(v.get("last_bridge_to") or bridge)
        if disposition.startswith("recv_"):
            by: str | None = this
        elif disposition.startswith("send_"):
            by = other if bridged else "system"
        else:
            by = None
        if answered and v.get("hangup_cause") in FAILURES:
            events.append({"type": "dropped", "t": rel(end)})
            by = "system"
        events.append({"type": "hangup", "t": rel(end), **({"by": by} if by else {})})
        meta["hangup_disposition"] = disposition or None
    recording = next((v[k] for k in RECORDING_KEYS if v.get(k)), None)
    call_id = (v.get("call_uuid") or (v.get("last_bridge_to") if is_agent and not outbound_call
                                      else None) or v.get("uuid") or path.stem)
    record: dict[str, Any] = {
        "call_id": call_id, "direction": options.direction or "inbound",
        "channel": options.channel or "phone", "started_at": as_datetime(start, True),
        "events": events, "meta": meta,
        "agent_id": agent_number(v.get("cc_agent"), channel if is_agent else None,
                                 v.get("agent_id")),
    }
    if recording:
        record["audio"] = {"path": recording}
        meta["recording"] = recording
    try:
        return Call.model_validate(record)
    except ValidationError as exc:
        return problem_from_validation(str(path), line, exc)


def _holds(v: dict[str, Any], times: dict[str, Any], start: float, end: float | None,
           meta: dict[str, Any]) -> list[dict[str, Any]]:
    total = _micro(v.get("hold_accum_usec")) or float(v.get("hold_accum_seconds") or 0) or \
        _micro(times.get("hold_accum_time"))
    last = _micro(times.get("last_hold_time")) or _micro(v.get("last_hold_epoch"))
    if not total or not last:
        return []
    hold_end = last + total
    if end is not None and hold_end > end + 1.0:  # several holds: only the last start is known
        meta["holds"] = {"total_seconds": round(total, 3), "last_start": round(last - start, 3),
                         "note": "several holds; FreeSWITCH keeps only the last one's start"}
        return [{"type": "hold_start", "t": round(last - start, 3)}]
    return [{"type": "hold_start", "t": round(last - start, 3)},
            {"type": "hold_end", "t": round(min(hold_end, end or hold_end) - start, 3)}]


def _transfers(v: dict[str, Any], start: float) -> list[dict[str, Any]]:
    """`transfer_history`: epoch:uuid:kind:destination entries, `|:` separated (ARRAY::)."""
    history = str(v.get("transfer_history") or "")
    entries = history.removeprefix("ARRAY::").split("|:") if history else []
    found = []
    for entry in entries:
        parts = entry.split(":", 3)
        if len(parts) == 4 and parts[0].isdigit():
            found.append({"type": "transfer", "t": round(max(float(parts[0]) - start, 0.0), 3),
                          "target": parts[3], "ok": True, "meta": {"kind": parts[2]}})
    return found
