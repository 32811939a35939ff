"""A recording → `AudioFeatures`: who speaks when, and how loud.

Stereo recordings carry one party per channel; `Audio.channels` says which
({"customer": 0, "agent": 1}). Without it the mapping is guessed and the guess is written
in `AudioFeatures.notes`: PBX recorders put the leg that started the call on the left
(Asterisk MixMonitor with the D option records the channel it runs on as left, the other
party as right; FreeSWITCH RECORD_STEREO likewise), so an inbound call defaults to
customer = 0 (left), agent = 1 (right), and an outbound call to agent = 0, customer = 1.

Mono recordings mix both parties: who speaks when is unknown, so no role segments come out
(talk.no_interrupt and talk.volume become `na`); the role-less speech stretches still show
the silences and are returned as `Analysis.speech` (`analyze_call` stores them in
`call.audio.meta["speech"]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from callqa.audio.segments import Smoothing, Span, spans
from callqa.audio.vad import (
    VAD_RATES,
    Detector,
    VadOptions,
    frame_power,
    loud_enough,
    not_crosstalk,
    to_db,
)
from callqa.audio.wav import AudioError, Recording, read_wav
from callqa.model import AudioFeatures, Call, Segment

INBOUND_CHANNELS: dict[str, int] = {"customer": 0, "agent": 1}
OUTBOUND_CHANNELS: dict[str, int] = {"agent": 0, "customer": 1}
MONO_NA = ("mono recording: who speaks when is unknown, so talk.no_interrupt and "
           "talk.volume (per-role levels) are na; silences come from the role-less speech "
           "in audio.meta.speech")


@dataclass(frozen=True)
class AnalysisOptions:
    vad: VadOptions = field(default_factory=VadOptions)
    smoothing: Smoothing = field(default_factory=Smoothing)


@dataclass
class Analysis:
    features: AudioFeatures
    speech: list[Span]  # role-less speech (mono recordings); empty for stereo


def default_channels(direction: str = "inbound") -> dict[str, int]:
    return dict(OUTBOUND_CHANNELS if direction == "outbound" else INBOUND_CHANNELS)


def analyze(path: Path | str, channels: dict[str, int] | None = None, *,
            direction: str = "inbound", options: AnalysisOptions | None = None) -> AudioFeatures:
    """Speech segments per role (with levels) of a WAV recording."""
    return analyze_recording(read_wav(path), channels, direction=direction,
                             options=options).features


def analyze_recording(recording: Recording, channels: dict[str, int] | None = None, *,
                      direction: str = "inbound",
                      options: AnalysisOptions | None = None) -> Analysis:
    options = options or AnalysisOptions()
    recording = _vad_rate(recording)
    notes: list[str] = []
    if recording.channels == 1:
        speech = _channel_spans(recording, 0, None, options)
        return Analysis(AudioFeatures(duration=round(recording.duration, 3), stereo=False,
                                      notes=[MONO_NA]), speech)
    if channels is None:
        channels = default_channels(direction)
        notes.append(f"channel mapping guessed: customer={channels['customer']}, "
                     f"agent={channels['agent']} (the {direction} default: the caller's leg is "
                     "left); set audio.channels to confirm")
    missing = [role for role in ("agent", "customer") if role not in channels]
    bad = [i for i in channels.values() if not 0 <= i < recording.channels]
    if missing or bad:
        raise AudioError(f"channel mapping {channels} does not fit a "
                         f"{recording.channels}-channel recording")
    if recording.channels > 2:
        notes.append(f"{recording.channels}-channel recording: only channels "
                     f"{sorted(channels.values())} were analysed")
    agent, customer = channels["agent"], channels["customer"]
    segments = [Segment(speaker="agent", start=s.start, end=s.end, level=s.level)
                for s in _channel_spans(recording, agent, customer, options)]
    segments += [Segment(speaker="customer", start=s.start, end=s.end, level=s.level)
                 for s in _channel_spans(recording, customer, agent, options)]
    segments.sort(key=lambda s: (s.start, s.speaker))
    if notes and notes[0].startswith("channel mapping guessed"):
        notes += _mapping_doubts(segments, direction)
    return Analysis(AudioFeatures(duration=round(recording.duration, 3), stereo=True,
                                  segments=segments, notes=notes), [])


def analyze_call(call: Call, base_dir: Path | str = ".",
                 options: AnalysisOptions | None = None) -> Call:
    """Fill `call.audio.features` from its recording (relative paths resolve against
    base_dir). A missing or unreadable recording is recorded in `call.audio.meta["error"]`
    and leaves the call otherwise as it was. The call is updated in place and returned."""
    if call.audio is None or not call.audio.path:
        return call
    path = Path(call.audio.path)
    if not path.is_absolute():
        path = Path(base_dir) / path
    if not path.exists():
        call.audio.meta["error"] = f"recording not found: {path}"
        return call
    try:
        result = analyze_recording(read_wav(path), call.audio.channels,
                                   direction=call.direction, options=options)
    except (AudioError, ValueError) as exc:
        call.audio.meta["error"] = str(exc)
        return call
    call.audio.features = result.features
    if result.speech:
        call.audio.meta["speech"] = [[s.start, s.end, s.level] for s in result.speech]
    return call


def _channel_spans(recording: Recording, index: int, other: int | None,
                   options: AnalysisOptions) -> list[Span]:
    vad = options.vad
    frame = recording.rate * vad.frame_ms // 1000
    samples = recording.channel(index)
    power = frame_power(samples, frame)
    levels = to_db(power)
    candidates = loud_enough(levels, vad)
    if other is not None:
        candidates &= not_crosstalk(levels, to_db(frame_power(recording.channel(other), frame)),
                                    vad)
    speech = Detector(recording.rate, vad)(samples, frame, candidates)
    return spans(speech, speech, power, vad.frame_ms / 1000, options.smoothing)


def _vad_rate(recording: Recording) -> Recording:
    """Resample to 16 kHz when the detector cannot take the recording's rate."""
    if recording.rate in VAD_RATES:
        return recording
    from scipy.signal import resample_poly

    gcd = np.gcd(recording.rate, 16000)
    resampled = resample_poly(recording.samples.astype(np.float32), 16000 // gcd,
                              recording.rate // gcd, axis=0)
    return Recording(np.clip(resampled, -32768, 32767).astype(np.int16), 16000,
                     recording.encoding)


def _mapping_doubts(segments: list[Segment], direction: str) -> list[str]:
    """A guessed mapping that the sound contradicts: the party expected to speak first
    (the agent on inbound calls, the callee on outbound ones) did not."""
    if not segments:
        return []
    expected = "agent" if direction == "inbound" else "customer"
    first = segments[0]
    if first.speaker != expected:
        return [f"check the channel mapping: the {first.speaker} channel speaks first "
                f"(at {first.start:.1f} s), the {expected} usually does on {direction} calls"]
    return []
