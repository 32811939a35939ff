"""What Asterisk's CDR, CEL and AMI readers collect per call, and how it becomes a `Call`.

Each reader fills a `CallLog` (the call's channels with absolute times, plus holds and
transfers); `to_call` decides which leg is the agent's and turns it into v1 events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import Item, ReadOptions
from callqa.ingest.pbx import (
    agent_number,
    agent_patterns,
    as_datetime,
    channel_matches,
    is_internal,
    key_values,
    peer_of,
)
from callqa.model import Call

# Q.850 causes that mean the line failed rather than someone hanging up.
FAILURE_CAUSES = {27, 34, 38, 41, 42, 47}


@dataclass
class Leg:
    channel: str
    uniqueid: str
    start: float | None = None  # absolute seconds
    answer: float | None = None
    end: float | None = None
    dialled: bool = False  # the PBX dialled it (Dial, Queue), rather than it calling in
    hangup_source: str | None = None  # CEL: the channel that hung up
    cause: int | None = None


@dataclass
class Mark:
    type: str  # hold_start | hold_end | transfer | hangup_request
    t: float
    channel: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallLog:
    call_id: str
    source: str
    aware: bool = False  # absolute times are real UTC epochs (else naive local times)
    legs: dict[str, Leg] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)
    recording: str | None = None
    userfield: str | None = None
    line: int | None = None  # where the call starts in the file, for problems

    def leg(self, uniqueid: str, channel: str | None = None) -> Leg:
        if uniqueid not in self.legs:
            self.legs[uniqueid] = Leg(channel or "", uniqueid)
        leg = self.legs[uniqueid]
        if channel and not leg.channel:
            leg.channel = channel
        return leg


def split_legs(log: CallLog, options: ReadOptions) -> tuple[list[Leg], list[Leg], str]:
    """(agent legs, customer legs, the rule used)."""
    parties = [leg for leg in log.legs.values() if not is_internal(leg.channel)]
    patterns = agent_patterns(options)
    if patterns:
        agents = [leg for leg in parties if any(channel_matches(leg.channel, p) for p in patterns)]
        rule = f"channel pattern {', '.join(patterns)}"
    elif options.direction == "outbound":
        agents = [leg for leg in parties if not leg.dialled]
        rule = "default: the leg that started the outbound call"
    else:
        agents = [leg for leg in parties if leg.dialled]
        rule = "default: the leg the PBX dialled"
    customers = [leg for leg in parties if leg not in agents]
    return agents, customers, rule


def to_call(log: CallLog, options: ReadOptions, path: Path) -> Item:
    agents, customers, rule = split_legs(log, options)
    outbound = options.direction == "outbound"
    times = [t for leg in log.legs.values() for t in (leg.start, leg.answer, leg.end)
             if t is not None] + [m.t for m in log.marks]
    if not times:
        return Problem(str(path), log.line, None, f"call {log.call_id}: no event times")
    t0 = min(times)

    def rel(t: float) -> float:
        return round(max(t - t0, 0.0), 3)

    events: list[dict[str, Any]] = []
    ringing = customers if outbound else agents
    starts = [leg.start for leg in ringing if leg.start is not None]
    events.append({"type": "ring", "t": rel(min(starts)) if starts else 0.0})
    answers = [leg.answer for leg in ringing if leg.answer is not None]
    if answers:
        events.append({"type": "answer", "t": rel(min(answers))})
    events += [_mark_event(m, rel, log) for m in log.marks
               if m.type != "hangup_request"]
    hangup = _hangup(log, agents, customers, answered=bool(answers))
    if hangup:
        end, by, dropped = hangup
        if _open_hold(events):
            events.append({"type": "hold_end", "t": rel(end),
                           "meta": {"implied": "the call ended on hold"}})
        if dropped:
            events.append({"type": "dropped", "t": rel(end)})
        events.append({"type": "hangup", "t": rel(end), **({"by": by} if by else {})})
    fields = key_values(log.userfield or "")
    meta: dict[str, Any] = {
        "source": log.source,
        "uniqueids": [u for u in log.legs if ">" not in u],  # not the CDR's stand-ins
        "channels": {"agent": [leg.channel for leg in agents],
                     "customer": [leg.channel for leg in customers]},
        "agent_leg": rule,
    }
    if log.userfield:
        meta["userfield"] = fields or log.userfield
    if log.recording:
        meta["recording"] = log.recording
    record: dict[str, Any] = {
        "call_id": log.call_id, "direction": options.direction or "inbound",
        "channel": options.channel or "phone", "started_at": as_datetime(t0, log.aware),
        "events": events, "meta": meta,
        "agent_id": fields.get("agent") or agent_number(*(leg.channel for leg in agents)),
    }
    if fields.get("team"):
        record["team"] = fields["team"]
    if log.recording:
        record["audio"] = {"path": log.recording}
    try:
        return Call.model_validate(record)
    except ValidationError as exc:
        return problem_from_validation(str(path), log.line, exc)


def _mark_event(mark: Mark, rel: Callable[[float], float], log: CallLog) -> dict[str, Any]:
    event: dict[str, Any] = {"type": mark.type, "t": rel(mark.t)}
    meta = dict(mark.meta)
    if "t_range" in meta:  # an estimated time: when it happened at the earliest and latest
        meta["t_range"] = [rel(bound) for bound in meta["t_range"]]
    if mark.channel:
        meta["channel"] = mark.channel
    if mark.type == "transfer":
        event["target"] = meta.pop("target", None)
        ok = meta.pop("ok", None)
        if ok is None:  # a blind transfer worked when a leg created after it answered
            ok = any(leg.answer is not None and leg.start is not None and leg.start >= mark.t
                     for leg in log.legs.values())
        event["ok"] = ok
    if meta:
        event["meta"] = meta
    return event


def _hangup(log: CallLog, agents: list[Leg], customers: list[Leg],
            answered: bool) -> tuple[float, str | None, bool] | None:
    """(when the call ended for the customer, who ended it, whether the line failed)."""
    main = customers or agents
    ends = [leg for leg in main if leg.end is not None]
    if not ends:
        return None
    last = max(ends, key=lambda leg: leg.end or 0.0)
    end = last.end or 0.0
    requests = [m for m in log.marks if m.type == "hangup_request" and m.t <= end + 1.0]
    source = requests[-1].channel if requests else last.hangup_source
    by = None
    if source is not None:
        by = _party(source, agents, customers)
    dropped = answered and last.cause in FAILURE_CAUSES
    if dropped:
        by = "system"
    return end, by, dropped


def _party(channel: str, agents: list[Leg], customers: list[Leg]) -> str:
    if any(_same(channel, leg.channel) for leg in agents):
        return "agent"
    if any(_same(channel, leg.channel) for leg in customers):
        return "customer"
    return "system"  # the dialplan, a timeout, an internal channel


def _same(a: str, b: str) -> bool:
    return bool(a) and (a == b or peer_of(a) == b)


def _open_hold(events: list[dict[str, Any]]) -> bool:
    depth = 0
    for event in events:
        depth += {"hold_start": 1, "hold_end": -1}.get(event["type"], 0)
        depth = max(depth, 0)
    return depth > 0
