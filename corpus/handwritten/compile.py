#!/usr/bin/env python3
"""Compile the hand-written calls (handwritten/src/<split>.yaml) into handwritten/<split>.jsonl.

Splits: dev, heldout, dev2, dev3 (each compiled from its own source; the outputs are deterministic).

The dialogues and their labels are written by hand. Each call lists its ``pass`` and ``fail``
checkpoints (short names below); every other checkpoint is ``na``. The compiler does not
decide any label: it only refuses labels that are mechanically impossible (a phone-only
checkpoint that is not na on a chat, an inbound checkpoint on an outbound call, an occasion
with both na and a signal that forces a verdict …) and recomputes the arithmetic ones
(ring time, first words, overlaps, speech rate, silences, levels, call window, duration,
ring patience) from the written times to catch slips of the pen.

Turn lines: ``A: text`` / ``C: text`` or, with times, ``A 8.0-11.2: text``.
Events: ``ring 0``, ``answer 7.5``, ``hold_start 61``, ``hold_end 83``, ``transfer 120 技术部 ok|fail``,
``hangup 131.4 customer|agent|system``, ``dropped 50``.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import sys
from datetime import datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from callqa.model import Call  # noqa: E402

SHORT = {
    "answer": "open.answer_promptly",
    "apology": "open.apologize_for_wait",
    "greeting": "open.greeting",
    "self_id": "open.self_identify",
    "offer": "open.offer_help",
    "dead_start": "open.dead_air_at_start",
    "address": "talk.address_customer",
    "confirm": "talk.confirm_understanding",
    "interrupt": "talk.no_interrupt",
    "filler": "talk.no_filler",
    "rate": "talk.speech_rate",
    "volume": "talk.volume",
    "jargon": "talk.no_jargon",
    "correct": "talk.correct_with_apology",
    "praise": "talk.praise_response",
    "hold_ask": "hold.ask_permission",
    "hold_thank": "hold.thank_after",
    "hold_update": "hold.update_interval",
    "hold_max": "hold.max_duration",
    "dead_air": "hold.no_dead_air",
    "xfer": "transfer.explain_and_consent",
    "xfer_fail": "transfer.failed_fallback",
    "ask_more": "close.ask_more_help",
    "bye": "close.thanks_goodbye",
    "hangup": "close.customer_hangs_up_first",
    "arrogant": "forbidden.arrogant",
    "rebuke": "forbidden.rebuke",
    "command": "forbidden.command",
    "shirk": "forbidden.shirk",
    "hey": "forbidden.hey",
    "private": "forbidden.private_info",
    "silent": "special.silent_call",
    "poor": "special.poor_line",
    "dialect": "special.dialect",
    "angry": "special.angry_customer",
    "complaint": "special.complaint_followup",
    "callback": "special.callback_commitment",
    "nuisance": "special.nuisance_call",
    "dropped": "special.dropped_call_callback",
    "identify": "out.identify_and_purpose",
    "window": "out.call_window",
    "duration": "out.duration",
    "ring": "out.ring_patience",
    "holiday": "bonus.holiday_greeting",
}
PHONE_ONLY = {
    "answer",
    "apology",
    "self_id",
    "dead_start",
    "address",
    "interrupt",
    "filler",
    "rate",
    "volume",
    "hold_update",
    "hold_max",
    "dead_air",
    "hangup",
    "hey",
    "silent",
    "poor",
    "dialect",
    "nuisance",
    "dropped",
}
INBOUND_ONLY = {"answer", "apology", "self_id", "offer", "confirm"}
OUTBOUND_ONLY = {"identify", "window", "duration", "ring", "dropped"}
TURN = re.compile(r"^(A|C)(?:\s+([\d.]+)-([\d.]+))?(?:\s*\[(-?[\d.]+)\])?:\s?(.*)$")
sys.path.insert(0, str(HERE.parent))

from build import HOLIDAY_DATES, cjk_count, in_window  # noqa: E402


def parse(c: dict) -> tuple[dict, list[str]]:
    problems = []
    rec: dict = {"call_id": c["id"], "channel": c.get("channel", "phone"), "direction": c.get("direction", "inbound")}
    if c.get("started_at"):
        rec["started_at"] = c["started_at"]
    rec["agent_id"], rec["team"] = str(c.get("agent_id", "1024")), c.get("team", "A")
    levels = []
    if c.get("events"):
        evs = []
        for e in c["events"]:
            p = e.split()
            ev = {"type": p[0], "t": float(p[1])}
            if p[0] == "hangup":
                ev["by"] = p[2]
            if p[0] == "transfer":
                ev["target"], ev["ok"] = p[2], p[3] == "ok"
            evs.append(ev)
        rec["events"] = evs
    utts = []
    for line in c["turns"].strip().splitlines():
        m = TURN.match(line.strip())
        if not m:
            raise SystemExit(f"{c['id']}: bad turn line: {line}")
        u = {"speaker": "agent" if m.group(1) == "A" else "customer", "text": m.group(5)}
        if m.group(2):
            u["start"], u["end"] = float(m.group(2)), float(m.group(3))
        if m.group(4):
            levels.append((u, float(m.group(4))))
        utts.append(u)
    if c.get("audio_only"):
        segs = [
            {"speaker": u["speaker"], "start": u.pop("start"), "end": u.pop("end"), "level": lv} for u, lv in levels
        ]
        rec["audio"] = {"path": None, "features": {"duration": c["audio_duration"], "stereo": True, "segments": segs}}
    elif levels:
        segs = [{"speaker": u["speaker"], "start": u["start"], "end": u["end"], "level": lv} for u, lv in levels]
        rec["audio"] = {"path": None, "features": {"duration": c["audio_duration"], "stereo": True, "segments": segs}}
    rec["utterances"] = utts
    if c.get("meta"):
        rec["meta"] = c["meta"]
    exp = {}
    for o in ("pass", "fail"):
        for k in c.get(o, []):
            if k not in SHORT:
                raise SystemExit(f"{c['id']}: unknown checkpoint {k}")
            if SHORT[k] in exp:
                raise SystemExit(f"{c['id']}: {k} listed twice")
            exp[SHORT[k]] = o
    rec["expected"] = {full: exp.get(full, "na") for full in SHORT.values()}
    return rec, problems


def sanity(c: dict, rec: dict) -> list[str]:
    """Mechanical checks of the hand labels."""
    P = []
    E = {k: rec["expected"][v] for k, v in SHORT.items()}
    chat, inbound = rec["channel"] == "chat", rec["direction"] == "inbound"
    A = [u for u in rec["utterances"] if u["speaker"] == "agent"]
    for k in PHONE_ONLY:
        if chat and E[k] != "na":
            P.append(f"{k} must be na on a chat")
    for k in INBOUND_ONLY if not inbound else OUTBOUND_ONLY:
        if E[k] != "na":
            P.append(f"{k} must be na on this direction")
    if A:
        for k in ("greeting", "jargon", "arrogant", "rebuke", "command", "shirk", "private"):
            if E[k] == "na":
                P.append(f"{k} cannot be na when the agent speaks")
        if not chat and E["hey"] == "na":
            P.append("hey cannot be na on a phone call with agent speech")
        if not chat and E["filler"] == "na":
            P.append("filler cannot be na on a phone call with agent speech")
        if inbound and E["offer"] == "na":
            P.append("offer cannot be na on an inbound call")
        if inbound and not chat and E["self_id"] == "na":
            P.append("self_id cannot be na on an inbound phone call")
    ev = {}
    for e in rec.get("events", []):
        ev.setdefault(e["type"], e)
    seg = rec.get("audio", {}).get("features", {}).get("segments") if rec.get("audio") else None
    timed = [u for u in rec["utterances"] if "start" in u] or None
    times = timed or (
        seg
        and [
            {"speaker": s["speaker"], "start": s["start"], "end": s["end"], "text": u["text"]}
            for s, u in zip(seg, rec["utterances"], strict=False)
        ]
    )

    def want(k, v):
        if E[k] != v:
            P.append(f"{k}: hand label {E[k]}, arithmetic says {v}")

    if inbound and not chat and "ring" in ev and "answer" in ev:
        late = ev["answer"]["t"] - ev["ring"]["t"] > 15
        want("answer", "fail" if late else "pass")
        if not late:
            want("apology", "na")
    if not chat and times and "answer" in ev:
        fa = next(u for u in times if u["speaker"] == "agent")
        want("dead_start", "fail" if fa["start"] - ev["answer"]["t"] > 3 else "pass")
    if not chat and times:
        bad = any(
            c_["start"] < a["start"] < c_["end"]
            and min(a["end"], c_["end"]) - a["start"] > 1.0
            and cjk_count(a["text"]) > 4
            for a in times
            if a["speaker"] == "agent"
            for c_ in times
            if c_["speaker"] == "customer"
        )
        want("interrupt", "fail" if bad else "pass")
        ag = [u for u in times if u["speaker"] == "agent"]
        ch = sum(cjk_count(u["text"]) for u in ag)
        if ch >= 20:
            rate = ch / sum(u["end"] - u["start"] for u in ag) * 60
            want("rate", "pass" if 180 <= rate <= 280 else "fail")
            c["_rate"] = round(rate)
        else:
            want("rate", "na")
        spans = [tuple(x) for x in c.get("excused", [])]
        us = sorted(times, key=lambda u: u["start"])
        mend, dead = us[0]["end"], False
        for u in us[1:]:
            if u["start"] - mend > 10 and not any(a <= mend and u["start"] <= b for a, b in spans):
                dead = True
            mend = max(mend, u["end"])
        want("dead_air", "fail" if dead else "pass")
    if seg:
        lv = [s["level"] for s in seg if s["speaker"] == "agent"]
        bad = (
            statistics.median(lv) < -35
            or statistics.median(lv) > -6
            or any(abs(x - y) > 12 for x, y in itertools.pairwise(lv))
        )
        want("volume", "fail" if bad else "pass")
    elif not chat:
        want("volume", "na")
    if not inbound and rec.get("started_at"):
        want("window", "pass" if in_window(datetime.fromisoformat(rec["started_at"])) else "fail")
    if not inbound and "answer" in ev and "hangup" in ev:
        d = ev["hangup"]["t"] - ev["answer"]["t"]
        if d <= 300:
            want("duration", "pass")
        c["_duration"] = round(d)
    if not inbound and rec.get("events") and "answer" not in ev:
        h = ev.get("hangup")
        want("ring", "fail" if h and h["by"] == "agent" and h["t"] < 30 else "pass")
    if rec.get("started_at") and A:
        day = datetime.fromisoformat(rec["started_at"]).date()
        if day not in HOLIDAY_DATES:
            want("holiday", "na")
        elif E["holiday"] == "na":
            P.append("holiday cannot be na on a holiday")
    elif E["holiday"] != "na":
        P.append("holiday must be na without a start time / agent speech")
    if not rec.get("events"):
        for k in ("answer", "apology", "hangup", "dead_start", "ring", "duration"):
            if E[k] != "na":
                P.append(f"{k} needs events")
    if not times:
        for k in ("interrupt", "rate", "dead_air", "dead_start", "hold_update", "hold_max"):
            if E[k] != "na":
                P.append(f"{k} needs times")
    return P


def main() -> int:
    bad = 0
    for split in ("dev", "heldout", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7"):
        src = HERE / "src" / f"{split}.yaml"
        if not src.exists():
            continue
        calls = yaml.safe_load(src.read_text("utf-8"))
        out = []
        for c in calls:
            rec, probs = parse(c)
            Call.model_validate(rec)
            probs += sanity(c, rec)
            for p in probs:
                print(f"{c['id']}: {p}")
                bad += 1
            out.append(rec)
        with (HERE / f"{split}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
            for r in out:
                f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n")
        print(f"{split}: {len(out)} hand-written calls")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
