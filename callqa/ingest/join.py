"""One call from many sources: transcripts, PBX events and recordings, joined per call.

Keys that join (any shared key puts two records in the same call):
- the call id (interchange `call_id`, ASR task id, PBX linkedid / uniqueid / uuid);
- every PBX channel uniqueid of the call (`meta.uniqueids`), so a transcript named after
  the caller's uniqueid finds the CEL call named by its linkedid;
- the recording's file name without its audio extension (a CDR's recording column
  `/var/spool/asterisk/monitor/1795316185.0.wav` joins `1795316185.0.wav`, and a
  transcript `1795316185.0.json`);
- the file name (without extension) of a transcript or recording file that holds one call.

Merging: an interchange (JSONL) record is taken as complete and wins every field it has.
Otherwise utterances come from the transcript, events from the PBX sources (per event
type from the most detailed one: CEL or FreeSWITCH, then AMI, queue_log, CDR, with times
rebased onto one clock through their `started_at`; a hangup without `by` takes it from
another source), the recording from the recording file. `meta.sources` lists what went in.

Transcript and recording times count from the start of the recording, events from the
start of the call: `align` shifts the first onto the second (see `RecordingStart`).
"""

from __future__ import annotations

import json
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from callqa.ingest import Item, ReadOptions, register
from callqa.model import Audio, Call, Event

RecordingStart = Literal["auto", "answer", "call"]
AUDIO_SUFFIXES = (".wav", ".raw", ".gsm", ".mp3", ".ogg", ".sln", ".sln16", ".g729", ".ulaw",
                  ".alaw", ".flac", ".m4a", ".opus", ".wav49")
PBX_RANK = {"asterisk-cel": 0, "freeswitch": 0, "asterisk-ami": 1, "asterisk-queue-log": 2,
            "asterisk-cdr": 3}


@register("recording", suffixes=(".wav",), description="a call recording (WAV)")
def read_recording(path: Path, options: ReadOptions) -> Iterator[Item]:
    channels = channels_from_roles(options.roles)
    audio = Audio(path=str(path), channels=channels)  # type: ignore[arg-type]
    yield Call(call_id=recording_key(str(path)), audio=audio, meta={"source": "recording"},
               direction=options.direction or "inbound")  # type: ignore[arg-type]


def channels_from_roles(roles: dict[str, str]) -> dict[str, int] | None:
    """--roles 0=customer,1=agent (or left=/right=) as `Audio.channels`."""
    names = {"left": 0, "right": 1, "l": 0, "r": 1}
    channels: dict[str, int] = {}
    for key, role in roles.items():
        key = key.strip().lower()
        index = int(key) if key.isdigit() else names.get(key)
        if index is not None and role in ("agent", "customer"):
            channels[role] = index
    return channels if set(channels) == {"agent", "customer"} else None


def recording_key(path: str) -> str:
    name = Path(path.replace("\\", "/")).name
    for suffix in AUDIO_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Source:
    call: Call
    file: str
    one_per_file: bool  # the file held just this call

    @property
    def kind(self) -> str:
        source = self.call.meta.get("source")
        if source in PBX_RANK:
            return "pbx"
        if source == "recording":
            return "recording"
        if self.call.utterances and not self.call.events and not self.call.audio:
            return "transcript"  # any reader's, JSONL included: joins events and a recording
        return "interchange"  # a record that brings its own events or audio

    def join_keys(self) -> set[str]:
        call, meta = self.call, self.call.meta
        keys = {call.call_id}
        keys.update(str(u) for u in meta.get("uniqueids", []))
        for path in (meta.get("recording"), call.audio.path if call.audio else None):
            if path:
                keys.add(recording_key(str(path)))
        if self.one_per_file and self.kind in ("transcript", "recording"):
            keys.add(recording_key(self.file).rsplit(".", 1)[0] if self.kind == "transcript"
                     else recording_key(self.file))
        return {k.strip() for k in keys if k and k.strip()}


@dataclass
class Joined:
    call: Call
    sources: list[Source]
    needs_alignment: bool  # transcript/recording times still count from the recording start
    missing: str | None = None  # what could not be joined to it, for the report
    conflicts: list[str] = field(default_factory=list)
    audio_base: str = "."  # the folder a relative recording path is relative to


def join(items: Iterable[tuple[Call, str, bool]]) -> list[Joined]:
    """Group (call, file, one_per_file) records per call and merge each group."""
    sources = [Source(call, file, one) for call, file, one in items]
    parent = list(range(len(sources)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, source in enumerate(sources):
        for key in source.join_keys():
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[Source]] = {}
    for i, source in enumerate(sources):
        groups.setdefault(find(i), []).append(source)
    return [merge(group) for group in groups.values()]


def to_json(call: Call) -> str:
    """One JSONL line: no nulls, no empty `meta` objects."""
    return json.dumps(_prune(call.model_dump(mode="json", exclude_none=True)),
                      ensure_ascii=False)


def _prune(value: Any) -> Any:
    if isinstance(value, dict):  # meta last, and only when it has something
        pruned = {k: _prune(v) for k, v in value.items() if k != "meta"}
        if value.get("meta"):
            pruned["meta"] = _prune(value["meta"])
        return pruned
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def merge(group: list[Source]) -> Joined:
    by_kind: dict[str, list[Source]] = {}
    for source in group:
        by_kind.setdefault(source.kind, []).append(source)
    full = by_kind.get("interchange", [])
    pbx = sorted(by_kind.get("pbx", []), key=lambda s: PBX_RANK[s.call.meta["source"]])
    texts = by_kind.get("transcript", [])
    recordings = by_kind.get("recording", [])
    order = full + pbx + texts + recordings
    base = order[0].call
    record: dict[str, Any] = base.model_dump(exclude_none=True)
    conflicts = []
    from_recording_clock = False  # utterances or audio that count from the recording start
    if not record.get("utterances"):
        for source in texts:
            if source.call.utterances:
                record["utterances"] = [u.model_dump(exclude_none=True)
                                        for u in source.call.utterances]
                from_recording_clock = True
                break
    if len([s for s in texts if s.call.utterances]) + bool(full and base.utterances) > 1:
        conflicts.append("several transcripts: kept " + (full[0].file if full and
                                                         base.utterances else texts[0].file))
    if pbx and not (full and base.events):
        record["events"], record["started_at"] = merge_events([s.call for s in pbx])
    for name in ("agent_id", "team", "started_at"):
        if record.get(name) is None:
            record[name] = next((getattr(s.call, name) for s in order
                                 if getattr(s.call, name) is not None), None)
    # The recording: the interchange record's, else a recording file's, else the PBX's path.
    holder = next((s for s in full if s.call.audio and s.call.audio.path), None) or next(
        iter(recordings), None) or next((s for s in order if s.call.audio and s.call.audio.path),
                                        None)
    audio_base = "."
    if holder is not None and holder.call.audio is not None:
        record["audio"] = holder.call.audio.model_dump(exclude_none=True)
        audio_base = "." if holder.kind == "recording" else str(Path(holder.file).parent)
        from_recording_clock |= holder.kind == "recording"
    meta: dict[str, Any] = {}
    for source in order:
        for key, value in source.call.meta.items():
            meta.setdefault(key, value)
    meta["sources"] = [f"{s.kind}:{s.call.meta.get('source', s.kind)}:{s.file}" for s in order]
    ids = sorted({k for s in group for k in s.join_keys()} - {base.call_id})
    if ids:
        meta["ids"] = ids
    meta.pop("source", None)
    record["meta"] = meta
    call = Call.model_validate(record)
    needs_alignment = from_recording_clock and bool(call.events)
    return Joined(call, order, needs_alignment, _missing(full, pbx, texts, recordings), conflicts,
                  audio_base)


def _missing(full: list[Source], pbx: list[Source], texts: list[Source],
             recordings: list[Source]) -> str | None:
    if full:
        return None
    if pbx and not texts:
        return "events without transcript" + ("" if recordings else " or recording")
    if texts and not pbx:
        return "transcript without events"
    if recordings and not pbx and not texts:
        return "recording without transcript or events"
    return None


def merge_events(calls: list[Call]) -> tuple[list[dict[str, Any]], datetime | None]:
    """Events of several PBX records of one call on the clock of the first (best) one."""
    base = calls[0].started_at
    chosen: dict[str, list[Event]] = {}
    shifted: list[list[Event]] = [_rebased(call, base) for call in calls]
    for events in shifted:
        for kind in {e.type for e in events}:
            chosen.setdefault(kind, [e for e in events if e.type == kind])
    hangups = chosen.get("hangup", [])
    if hangups and hangups[-1].by is None:
        by = next((e.by for events in shifted for e in events if e.type == "hangup" and e.by),
                  None)
        if by:
            hangups[-1] = hangups[-1].model_copy(update={"by": by})
    events = sorted((e for kind in chosen.values() for e in kind), key=lambda e: e.t)
    return [e.model_dump(exclude_none=True) for e in events], base


def _rebased(call: Call, base: datetime | None) -> list[Event]:
    if base is None or call.started_at is None:
        return list(call.events)
    a, b = call.started_at, base
    if (a.tzinfo is None) != (b.tzinfo is None):  # naive local time vs UTC: drop the zone
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
        shift = (a - b).total_seconds()
        shift -= round(shift / 900) * 900
    else:
        shift = (a - b).total_seconds()
    if abs(shift) > 86400:
        return list(call.events)
    return [e.model_copy(update={"t": round(max(e.t + shift, 0.0), 3)}) for e in call.events]


def recording_duration(call: Call, base_dir: Path | str = ".") -> float | None:
    """How long the recording is: analysed, or from the WAV header, or as the ASR said."""
    audio = call.audio
    if audio is not None and audio.features is not None:
        return audio.features.duration
    if audio is not None and audio.path:
        path = Path(audio.path)
        path = path if path.is_absolute() else Path(base_dir) / path
        try:
            with wave.open(str(path), "rb") as w:
                return w.getnframes() / w.getframerate()
        except (OSError, wave.Error, EOFError):
            pass
    duration = call.meta.get("asr_duration")
    return float(duration) if duration else None


def align(call: Call, start: RecordingStart = "auto", base_dir: Path | str = ".") -> Call:
    """Shift utterance and audio-segment times from the recording's clock to the call's.

    `answer`: the recording starts when the call is answered (MixMonitor with the b
    option, FreeSWITCH RECORD_ANSWER_REQ, most recorders). `call`: it starts with the call.
    `auto`: whichever of the two fits the recording's length against answer → hangup and
    ring → hangup (closest wins); `answer` when the length is unknown. The decision is
    written to `meta.timeline`."""
    answer, hangup = call.event("answer"), call.event("hangup")
    offset, rule = 0.0, "the recording starts with the call"
    if start != "call" and answer is not None:
        offset, rule = answer.t, "the recording starts at answer"
        duration = recording_duration(call, base_dir)
        if start == "auto" and duration is not None and hangup is not None:
            if abs(duration - hangup.t) < abs(duration - (hangup.t - answer.t)):
                offset, rule = 0.0, "the recording starts with the call"
            rule += f" (its {duration:.1f} s fit the events best)"
        elif start == "auto":
            rule += " (assumed: the recording's length is unknown)"
    call.meta["timeline"] = {"offset": offset, "rule": rule}
    if offset:
        for u in call.utterances:
            if u.start is not None:
                u.start = round(u.start + offset, 3)
            if u.end is not None:
                u.end = round(u.end + offset, 3)
        if call.audio is not None and call.audio.features is not None:
            for s in call.audio.features.segments:
                s.start, s.end = round(s.start + offset, 3), round(s.end + offset, 3)
        if call.audio is not None and call.audio.meta.get("speech"):
            call.audio.meta["speech"] = [[round(a + offset, 3), round(b + offset, 3), level]
                                         for a, b, level in call.audio.meta["speech"]]
    return call

