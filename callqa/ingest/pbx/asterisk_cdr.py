"""Asterisk CDR files: cdr_csv's Master.csv and cdr_custom's templated CSV.

cdr_csv writes no header, in a fixed order: accountcode, src, dst, dcontext, clid,
channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec,
disposition, amaflags, then uniqueid (loguniqueid = yes) and userfield (loguserfield =
yes), then peeraccount, linkedid, sequence (newcdrcolumns = yes). cdr_custom's columns
are read from its `cdr_custom.conf` template (see `asterisk_conf`).

A CDR row is one leg pair: `channel` called in (the customer on inbound calls), Asterisk
dialled `dstchannel` (the agent). Ring time = answer − start. A CDR says nothing about
holds or who hung up (`hangup` comes without `by`); CEL or AMI do. Rows sharing a linkedid
(a transferred call) make one call. Times are UTC when cdr.conf has `usegmtime = yes`.
`userfield` like `queue:sales|agent:1001` gives the agent id; a `recording` column (as
cdr_custom can add) becomes `audio.path`.
Doc: https://docs.asterisk.org/Configuration/Reporting/Call-Detail-Records-CDR/CDR-Specification/
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from callqa.errors import Problem
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.encoding import text_lines
from callqa.ingest.pbx import csv_lines, parse_time
from callqa.ingest.pbx.asterisk_conf import find_conf, mapping_columns, uses_gmt
from callqa.ingest.pbx.legs import CallLog, Mark, to_call

CDR_CSV = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
           "lastdata", "start", "answer", "end", "duration", "billsec", "disposition",
           "amaflags"]
DISPOSITIONS = {"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"}
_UNIQUEID = re.compile(r"^\d+\.\d+$")


def columns_for(path: Path, row: list[str]) -> list[str] | None:
    """The column names of a CDR row: cdr_csv's fixed order, or the cdr_custom template."""
    if len(row) >= 16 and row[14] in DISPOSITIONS and parse_time(row[9]):
        names = list(CDR_CSV)
        extra = row[16:]
        if extra and _UNIQUEID.match(extra[0]):
            names.append("uniqueid")
            extra = extra[1:]
        if extra:
            names.append("userfield")
        names += ["peeraccount", "linkedid", "sequence"][: max(len(row) - len(names), 0)]
        return names
    conf = find_conf(path, "cdr_custom.conf")
    names = mapping_columns(conf, path) if conf else None
    if names and len(names) == len(row) and "disposition" in names and \
            row[names.index("disposition")] in DISPOSITIONS:
        return names
    return None


def _first_row(path: Path) -> list[str] | None:
    try:
        for _, line in text_lines(path):
            if line.strip():
                return next(csv.reader([line]))
    except (OSError, csv.Error):
        return None
    return None


def _sniff(path: Path) -> bool:
    if not path.name.lower().endswith((".csv", ".log")):
        return False
    row = _first_row(path)
    return row is not None and columns_for(path, row) is not None


@register("asterisk-cdr", sniff=_sniff, description="Asterisk cdr_csv / cdr_custom CSV")
def read_cdr(path: Path, options: ReadOptions) -> Iterator[Item]:
    gmt = uses_gmt(path)
    calls: dict[str, CallLog] = {}
    names: list[str] | None = None
    for item in csv_lines(path, options.encoding):
        if isinstance(item, Problem):
            yield item
            continue
        lineno, row = item
        names = names if names and len(names) == len(row) else columns_for(path, row)
        if names is None:
            yield Problem(str(path), lineno, None,
                          f"not a CDR row ({len(row)} columns; cdr_custom needs its "
                          "cdr_custom.conf next to the file)")
            continue
        problem = _add(calls, dict(zip(names, row, strict=True)), path, lineno, gmt)
        if problem:
            yield problem
    for log in calls.values():
        yield to_call(log, options, path)


def _add(calls: dict[str, CallLog], cdr: dict[str, str], path: Path, lineno: int,
         gmt: bool) -> Problem | None:
    times = {}
    for key in ("start", "answer", "end"):
        value = cdr.get(key, "")
        parsed = parse_time(value)
        if value.strip() and parsed is None:
            return Problem(str(path), lineno, key, f"not a time: {value!r}")
        times[key] = parsed[0] if parsed else None
    if times["start"] is None:
        return Problem(str(path), lineno, "start", "no start time")
    uniqueid = cdr.get("uniqueid") or f"{path.stem}-{lineno}"
    call_id = cdr.get("linkedid") or uniqueid
    log = calls.get(call_id)
    if log is None:
        log = calls[call_id] = CallLog(call_id, "asterisk-cdr", aware=gmt, line=lineno)
    caller = log.leg(uniqueid, cdr.get("channel"))
    caller.start = caller.start if caller.start is not None else times["start"]
    caller.end = max(filter(None, (caller.end, times["end"])), default=None)
    if cdr.get("dstchannel"):
        agent = log.leg(f"{uniqueid}>{cdr['dstchannel']}", cdr["dstchannel"])  # no id of its own
        agent.dialled, agent.start, agent.end = True, times["start"], times["end"]
        if cdr.get("disposition") == "ANSWERED":
            agent.answer = times["answer"]
        if len(log.legs) > 2:  # a later leg of the same call: it was transferred there
            log.marks.append(Mark("transfer", times["start"] or 0.0, None, {
                "target": cdr.get("dst") or cdr["dstchannel"],
                "ok": cdr.get("disposition") == "ANSWERED"}))
    log.userfield = log.userfield or cdr.get("userfield") or None
    log.recording = log.recording or cdr.get("recording") or None
    return None
