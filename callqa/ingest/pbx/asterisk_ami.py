"""Asterisk Manager Interface (AMI) event logs: `Key: Value` blocks separated by blank lines.

Only AMI reports holds: `Hold` / `Unhold` become hold_start / hold_end. `HangupRequest`
is raised on the channel whose party hung up (SoftHangupRequest is Asterisk passing it on).
Newchannel starts a leg, DialBegin marks its DestChannel as dialled, Newstate "Up" is an
answer, Hangup ends a leg; BlindTransfer / AttendedTransfer are transfers (with Result);
`MIXMONITOR_FILENAME` is the recording. `Linkedid` joins the legs of a call.

When: with `timestampevents = yes` in manager.conf every event has `Timestamp:` (epoch
seconds) and every time is exact. Otherwise an event is placed between the nearest timed
events around it: CEL events carried over AMI (`EventTime`, whole seconds), `EventTV`, and
RTCPSent's `SentNTP`. Such events get `meta.t_range` (earliest, latest) and `t` is the
middle of it: turn `timestampevents` on to get exact times.
Doc: https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/AMI_Events/
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.asr import head_text
from callqa.ingest.encoding import Undecodable, text_lines
from callqa.ingest.pbx import parse_time
from callqa.ingest.pbx.asterisk_cel import add_event as add_cel_event
from callqa.ingest.pbx.legs import CallLog, Mark, to_call


@dataclass
class Block:
    line: int
    fields: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)


def _sniff(path: Path) -> bool:
    head = head_text(path, 4096)
    return "Event: " in head and ("Asterisk Call Manager" in head or "Privilege: " in head)


def blocks(path: Path, options: ReadOptions) -> Iterator[Block | Problem]:
    fields: dict[str, str] = {}
    start = 0
    for lineno, line in text_lines(path, options.encoding):
        if isinstance(line, Undecodable):
            yield Problem(str(path), lineno, None, str(line))
            continue
        if not line.strip():
            if fields:
                yield Block(start, fields)
            fields = {}
            continue
        key, sep, value = line.partition(":")
        if sep and key and " " not in key.strip():
            if not fields:
                start = lineno
            fields.setdefault(key.strip(), value.strip())
    if fields:
        yield Block(start, fields)


def anchor(block: Block) -> tuple[float, float, bool] | None:
    """(earliest, latest, aware) time of an event that says when it happened."""
    if block.get("Timestamp"):
        parsed = parse_time(block.get("Timestamp"))
        return (parsed[0], parsed[0], True) if parsed else None
    if block.get("EventTV"):
        parsed = parse_time(block.get("EventTV").replace("+0000", "+00:00"))
        return (parsed[0], parsed[0], parsed[1]) if parsed else None
    if block.get("Event") == "RTCPSent" and block.get("SentNTP"):
        return float(block.get("SentNTP")), float(block.get("SentNTP")), True
    if block.get("Event") == "CEL" and block.get("EventTime"):
        parsed = parse_time(block.get("EventTime"))
        if parsed:  # whole seconds unless it carries a fraction
            whole = "." not in block.get("EventTime")
            return parsed[0], parsed[0] + (1.0 if whole else 0.0), parsed[1]
    return None


@dataclass
class Clock:
    lo: np.ndarray  # earliest possible time of each event
    hi: np.ndarray  # latest possible time
    t: np.ndarray  # the estimate: the middle
    own: np.ndarray  # the event's own time where it carries one (CEL EventTime …), else nan
    aware: bool  # UTC epochs (else naive local times)


def estimate_times(events: list[Block]) -> Clock:
    """Place every event between the timed events around it."""
    anchors = [(i, a) for i, b in enumerate(events) if (a := anchor(b)) is not None]
    aware = [(i, a) for i, a in anchors if a[2]]
    naive = [(i, a) for i, a in anchors if not a[2]]
    offset = 0.0
    if aware and naive:  # naive local times vs UTC epochs: the offset in quarter hours
        i, a = min(naive, key=lambda p: min(abs(p[0] - j) for j, _ in aware))
        _, b = min(aware, key=lambda p: abs(p[0] - i))
        offset = round((b[0] - a[0]) / 900) * 900
    n = len(events)
    lo, hi, own = np.full(n, -np.inf), np.full(n, np.inf), np.full(n, np.nan)
    for i, (first, last, is_aware) in anchors:
        shift = 0.0 if is_aware else offset
        lo[i], hi[i], own[i] = first + shift, last + shift, first + shift
    lo = np.maximum.accumulate(lo)
    hi = np.maximum(np.minimum.accumulate(hi[::-1])[::-1], lo)
    finite_lo, finite_hi = np.isfinite(lo), np.isfinite(hi)
    both = finite_lo & finite_hi
    middle = (np.where(both, lo, 0.0) + np.where(both, hi, 0.0)) / 2
    t = np.where(both, middle, np.where(finite_lo, lo, hi))
    return Clock(lo, hi, t, own, bool(aware))


@register("asterisk-ami", sniff=_sniff, description="Asterisk AMI event log")
def read_ami(path: Path, options: ReadOptions) -> Iterator[Item]:
    events: list[Block] = []
    for item in blocks(path, options):
        if isinstance(item, Problem):
            yield item
        elif item.get("Event"):
            events.append(item)
    if not events:
        yield Problem(str(path), None, None, "no AMI events")
        return
    clock = estimate_times(events)
    calls: dict[str, CallLog] = {}
    for i, block in enumerate(events):
        linkedid = block.get("Linkedid") or block.get("LinkedID") or block.get("DestLinkedid")
        if not linkedid:
            continue
        log = calls.get(linkedid)
        if log is None:
            log = calls[linkedid] = CallLog(linkedid, "asterisk-ami", aware=clock.aware,
                                            line=block.line)
        if block.get("Event") == "CEL" and np.isfinite(clock.own[i]):
            add_cel_event(log, cel_record(block), float(clock.own[i]))
        elif np.isfinite(clock.t[i]):
            _add(log, block, float(clock.t[i]), (float(clock.lo[i]), float(clock.hi[i])))
    for log in calls.values():
        if not any(leg.start is not None for leg in log.legs.values()):
            yield Problem(str(path), log.line, None,
                          f"call {log.call_id}: no event times (set timestampevents = yes in "
                          "manager.conf, or send CEL events to AMI)")
            continue
        yield to_call(log, options, path)


def _add(log: CallLog, block: Block, t: float, bounds: tuple[float, float]) -> None:
    kind, channel, uniqueid = block.get("Event"), block.get("Channel"), block.get("Uniqueid")
    exact = bounds[1] - bounds[0] < 1e-6
    rng = {} if exact else {"t_range": [round(bounds[0], 3), round(bounds[1], 3)]}
    # CEL events, where the log has them, set the legs' times; AMI's own events fill gaps.
    if kind == "Newchannel":
        leg = log.leg(uniqueid, channel)
        leg.start = t if leg.start is None else leg.start
    elif kind == "DialBegin" and block.get("DestUniqueid"):
        leg = log.leg(block.get("DestUniqueid"), block.get("DestChannel"))
        leg.dialled = True
        leg.start = t if leg.start is None else leg.start
    elif kind == "Newstate" and block.get("ChannelState") == "6":
        leg = log.leg(uniqueid, channel)
        leg.answer = t if leg.answer is None else leg.answer
    elif kind == "Hangup":
        leg = log.leg(uniqueid, channel)
        leg.end = t if leg.end is None else leg.end
        cause = block.get("Cause")
        leg.cause = int(cause) if cause.isdigit() else None
    elif kind == "HangupRequest":
        log.marks.append(Mark("hangup_request", t, channel, rng))
    elif kind in ("Hold", "Unhold"):
        log.marks.append(Mark("hold_start" if kind == "Hold" else "hold_end", t, channel, rng))
    elif kind in ("BlindTransfer", "AttendedTransfer"):
        target = block.get("Extension") or block.get("TransferTargetChannel") or \
            block.get("SecondTransfererChannel") or None
        log.marks.append(Mark("transfer", t, block.get("TransfererChannel") or channel,
                              {"target": target, "ok": block.get("Result") == "Success", **rng}))
    elif kind == "VarSet" and block.get("Variable") == "MIXMONITOR_FILENAME":
        log.recording = block.get("Value") or log.recording


def cel_record(block: Block) -> dict[str, str]:
    """A CEL event carried over AMI, in the CEL reader's column names."""
    return {"eventtype": block.get("EventName"), "uniqueid": block.get("UniqueID"),
            "linkedid": block.get("LinkedID"), "channame": block.get("Channel"),
            "eventextra": block.get("Extra"), "userfield": block.get("Userfield")}
