"""Call events from PBXs: Asterisk (CDR, CEL, AMI, queue_log) and FreeSWITCH (JSON CDR).

Events come out in interchange format v1: seconds from the start of the call as the PBX
saw it (t = 0 when the caller's channel was created or entered the queue), with `ring`
when the agent's phone started ringing (the callee's on outbound calls), `answer` when it
was answered, `hold_start` / `hold_end`, `transfer` (target, ok), `hangup` (by agent,
customer or system) and `dropped` (the line failed).

Which leg is the agent's is configuration: `PbxOptions.agent_channel` (CLI
`--agent-channel`), comma-separated channel-name patterns such as `PJSIP/agent-*` or
`SIP/1xxx` (glob wildcards; in the part after the last `/`, an `x` stands for a digit when
that part is only digits, x and wildcards). A roles entry whose key is a channel pattern
(`--roles "PJSIP/agent-*=agent"`) counts too. Without a pattern, the agent's leg is the one
the PBX dialled (Dial, Queue, bridge to an extension) on inbound calls, and the one that
started the call on outbound calls; the call's `meta.agent_leg` says which rule was used.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from callqa.errors import Problem
from callqa.ingest import ReadOptions
from callqa.ingest.encoding import content_lines


@dataclass
class PbxOptions(ReadOptions):
    agent_channel: str | None = None  # channel-name pattern(s), comma-separated


def agent_patterns(options: ReadOptions) -> list[str]:
    patterns = [p.strip() for p in (getattr(options, "agent_channel", None) or "").split(",")]
    patterns += [key for key, role in options.roles.items() if role == "agent" and "/" in key]
    return [p for p in patterns if p]


_SUFFIX = re.compile(r"-[0-9a-f]{6,}(?:;\d)?$")


def peer_of(channel: str) -> str:
    """The device part of a channel name: PJSIP/agent-00000001 → PJSIP/agent."""
    return _SUFFIX.sub("", channel)


def _regex(pattern: str) -> re.Pattern[str]:
    """Glob → regex; `x` is a digit in a last part made of digits, x and wildcards."""
    head, slash, tail = pattern.rpartition("/")
    digits = bool(re.fullmatch(r"[\dxX*?]*[xX][\dxX*?]*", tail))

    def glob(text: str, x_is_digit: bool) -> str:
        return "".join(".*" if c == "*" else "." if c == "?" else r"\d" if x_is_digit and
                       c in "xX" else re.escape(c) for c in text)

    return re.compile(glob(head + slash, False) + glob(tail, digits) + r"\Z", re.IGNORECASE)


def channel_matches(channel: str, pattern: str) -> bool:
    """Does the channel (or its device, without the unique suffix) match the pattern?"""
    regex = _regex(pattern)
    return bool(regex.match(channel) or regex.match(peer_of(channel)))


def is_internal(channel: str) -> bool:
    """Local channels and the like are the PBX talking to itself, not a party."""
    return channel.lower().startswith(("local/", "loopback/", "message/"))


def parse_time(value: str) -> tuple[float, bool] | None:
    """A PBX time → (seconds, aware). Epoch numbers are aware (UTC); 'YYYY-MM-DD HH:MM:SS'
    without an offset is naive and is counted as if it were UTC, so differences hold."""
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{9,}(?:\.\d+)?", value):
        return float(value), True
    try:
        parsed = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC).timestamp(), False
    return parsed.timestamp(), True


def as_datetime(seconds: float, aware: bool) -> datetime:
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment if aware else moment.replace(tzinfo=None)


def key_values(text: str) -> dict[str, str]:
    """'queue:sales|agent:1001' or 'queue=sales;agent=1001' → {'queue': 'sales', …}."""
    pairs = {}
    for part in re.split(r"[|;,&]", text or ""):
        pair = re.match(r"\s*([^:=]+?)\s*[:=]\s*(.*)$", part)
        if pair:
            pairs[pair.group(1)] = pair.group(2).strip()
    return pairs


def agent_number(*candidates: str | None) -> str | None:
    """An agent id from the first candidate that has one: digits of a device name
    (PJSIP/1001, Agent/1001, 1001@default) or the value itself."""
    for candidate in candidates:
        if not candidate or candidate.upper() == "NONE":
            continue
        device = peer_of(candidate).split("/")[-1].split("@")[0]
        if device.isdigit():
            return device
    return None


def csv_lines(path: Path, encoding: str | None) -> Iterator[tuple[int, list[str]] | Problem]:
    """(line number, CSV row) per non-blank line of an exported log; bad lines are Problems."""
    for item in content_lines(path, encoding):
        if isinstance(item, Problem):
            yield item
            continue
        lineno, line = item
        try:
            yield lineno, next(csv.reader([line]))
        except csv.Error as exc:
            yield Problem(str(path), lineno, None, f"bad CSV: {exc}")
