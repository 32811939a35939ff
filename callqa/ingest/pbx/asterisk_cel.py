"""Asterisk CEL (Channel Event Logging) written by cel_custom as CSV.

Columns follow the `cel_custom.conf` template found next to the file (see
`asterisk_conf`), else Asterisk's sample order: eventtype, eventtime, CALLERID(name, num,
ANI, RDNIS, DNID), exten, context, channame, appname, appdata, amaflags, accountcode,
uniqueid, linkedid, BRIDGEPEER, userfield, userdeftype, eventextra.

`linkedid` joins the legs of one call. CHAN_START / ANSWER / HANGUP give each leg's
times; HANGUP's eventextra JSON names the channel that hung up (`hangupsource`) and the
cause; BLINDTRANSFER / ATTENDEDTRANSFER are transfers. CEL has no hold events (AMI has).
Event times are `dateformat` strings (cel.conf) or epoch seconds.
Doc: https://docs.asterisk.org/Configuration/Reporting/Channel-Event-Logging-CEL/
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.encoding import text_lines
from callqa.ingest.pbx import csv_lines, parse_time
from callqa.ingest.pbx.asterisk_conf import find_conf, mapping_columns
from callqa.ingest.pbx.legs import CallLog, Mark, to_call

SAMPLE_COLUMNS = ["eventtype", "eventtime", "cid_name", "cid_num", "cid_ani", "cid_rdnis",
                  "cid_dnid", "exten", "context", "channame", "appname", "appdata", "amaflags",
                  "accountcode", "uniqueid", "linkedid", "peer", "userfield", "userdeftype",
                  "eventextra"]
EVENTS = {"CHAN_START", "CHAN_END", "ANSWER", "HANGUP", "CONF_ENTER", "CONF_EXIT", "APP_START",
          "APP_END", "PARK_START", "PARK_END", "LINKEDID_END", "BRIDGE_ENTER", "BRIDGE_EXIT",
          "BLINDTRANSFER", "ATTENDEDTRANSFER", "PICKUP", "FORWARD", "USER_DEFINED",
          "LOCAL_OPTIMIZE", "LOCAL_OPTIMIZE_BEGIN", "STREAM_BEGIN", "STREAM_END", "DTMF"}


def columns(path: Path) -> list[str]:
    conf = find_conf(path, "cel_custom.conf")
    return (mapping_columns(conf, path) if conf else None) or SAMPLE_COLUMNS


def extra(value: str) -> dict[str, Any]:
    try:
        parsed = json.loads(value) if value.strip().startswith("{") else {}
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _sniff(path: Path) -> bool:
    if not path.name.lower().endswith((".csv", ".log")):
        return False
    try:
        for _, line in text_lines(path):
            if line.strip():
                row = next(csv.reader([line]))
                return len(row) >= 10 and row[0] in EVENTS
    except (OSError, csv.Error):
        return False
    return False


@register("asterisk-cel", sniff=_sniff, description="Asterisk CEL (cel_custom CSV)")
def read_cel(path: Path, options: ReadOptions) -> Iterator[Item]:
    names = columns(path)
    open_calls: dict[str, CallLog] = {}
    for item in csv_lines(path, options.encoding):
        if isinstance(item, Problem):
            yield item
            continue
        lineno, row = item
        if len(row) != len(names):
            yield Problem(str(path), lineno, None, f"{len(row)} columns, the cel_custom template "
                                                   f"has {len(names)}")
            continue
        record = dict(zip(names, row, strict=True))
        when = parse_time(record.get("eventtime", ""))
        if when is None:
            yield Problem(str(path), lineno, "eventtime", f"not a time: {record.get('eventtime')!r}")
            continue
        linkedid = record.get("linkedid") or record.get("uniqueid") or f"line-{lineno}"
        log = open_calls.get(linkedid)
        if log is None:
            log = open_calls[linkedid] = CallLog(linkedid, "asterisk-cel", aware=when[1],
                                                 line=lineno)
        add_event(log, record, when[0])
        if record.get("eventtype") == "LINKEDID_END":
            yield to_call(open_calls.pop(linkedid), options, path)
    for log in open_calls.values():
        yield to_call(log, options, path)


def add_event(log: CallLog, record: dict[str, str], t: float) -> None:
    """One CEL event into the call's log (also used for CEL events inside AMI logs)."""
    kind, uniqueid = record.get("eventtype", ""), record.get("uniqueid", "")
    leg = log.leg(uniqueid, record.get("channame"))
    info = extra(record.get("eventextra", ""))
    if kind == "CHAN_START":
        leg.start = t
        leg.dialled = bool(uniqueid) and uniqueid != record.get("linkedid")
    elif kind == "ANSWER" and leg.answer is None:
        leg.answer = t
    elif kind == "HANGUP":
        leg.end = t
        leg.hangup_source = info.get("hangupsource") or ""
        cause = info.get("hangupcause")
        leg.cause = int(cause) if str(cause).isdigit() else None
    elif kind == "CHAN_END" and leg.end is None:
        leg.end = t
    elif kind == "BLINDTRANSFER":
        target = info.get("extension", "")
        if info.get("context"):
            target = f"{target}@{info['context']}"
        log.marks.append(Mark("transfer", t, leg.channel, {"target": target or None,
                                                            "kind": "blind"}))
    elif kind == "ATTENDEDTRANSFER":
        target = info.get("transfer_target_channel_name") or info.get("channel2_name")
        log.marks.append(Mark("transfer", t, leg.channel, {"target": target, "ok": True,
                                                            "kind": "attended"}))
    if record.get("userfield") and not log.userfield:
        log.userfield = record["userfield"]
