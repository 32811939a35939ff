"""Optional transcription with a model the deployer supplies: FunASR or faster-whisper.

callqa never downloads a model: `--model` must point at a local copy (a FunASR model
folder such as paraformer-zh, or a CTranslate2 faster-whisper folder). The engines are
extras (`pip install callqa[funasr]` / `callqa[whisper]`).

Each party's channel is transcribed on its own: voice activity detection finds the
speech segments of the channel (`callqa.audio`), each segment goes to the engine, and
every piece of text comes back as an utterance of that channel's role with times from the
recording's start. Mono recordings are refused: one channel cannot say who spoke.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from callqa.audio.analysis import AnalysisOptions, analyze_recording, default_channels
from callqa.audio.wav import AudioError, Recording, read_wav
from callqa.errors import CallqaError
from callqa.model import Audio, Call, Utterance

RATE = 16000
Piece = tuple[float, float, str]  # start, end (seconds from the start of the audio), text


class Engine(Protocol):
    def transcribe(self, audio: np.ndarray) -> list[Piece]:
        """Text of 16 kHz mono float32 audio, as pieces with times relative to it."""
        ...


class EngineError(CallqaError):
    """The engine cannot be used: not installed, or no such model."""


@dataclass
class FunAsrEngine:
    model: Path
    language: str = "zh"

    def __post_init__(self) -> None:
        try:
            from funasr import AutoModel
        except ImportError as exc:
            raise EngineError("the funasr engine is not installed: pip install callqa[funasr]") \
                from exc
        self._model = AutoModel(model=str(self.model), disable_update=True, device="cpu")

    def transcribe(self, audio: np.ndarray) -> list[Piece]:
        results = self._model.generate(input=audio, batch_size_s=300)
        text = "".join(str(r.get("text", "")) for r in results)
        return [(0.0, len(audio) / RATE, text)] if text.strip() else []


@dataclass
class FasterWhisperEngine:
    model: Path
    language: str = "zh"

    def __post_init__(self) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise EngineError("the faster-whisper engine is not installed: "
                              "pip install callqa[whisper]") from exc
        self._model = WhisperModel(str(self.model), device="cpu", compute_type="int8",
                                   local_files_only=True)

    def transcribe(self, audio: np.ndarray) -> list[Piece]:
        segments, _ = self._model.transcribe(audio, language=self.language, beam_size=5,
                                             vad_filter=False, condition_on_previous_text=False)
        return [(s.start, s.end, s.text) for s in segments if s.text.strip()]


ENGINES: dict[str, Callable[[Path, str], Engine]] = {
    "funasr": FunAsrEngine,
    "faster-whisper": FasterWhisperEngine,
}


def load_engine(name: str, model: Path, language: str = "zh") -> Engine:
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
    if not model.exists():
        raise EngineError(f"model path does not exist: {model} (callqa never downloads "
                          "models: point --model at a local copy)")
    return ENGINES[name](model, language)


def to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    audio = samples.astype(np.float32) / 32768.0
    if rate == RATE:
        return audio
    from scipy.signal import resample_poly

    gcd = int(np.gcd(rate, RATE))
    return resample_poly(audio, RATE // gcd, rate // gcd).astype(np.float32)


def transcribe_recording(path: Path, engine: Engine, channels: dict[str, int] | None = None,
                         direction: str = "inbound", call_id: str | None = None,
                         options: AnalysisOptions | None = None) -> Call:
    """A call with the utterances of each party's channel, transcribed."""
    recording = read_wav(path)
    if recording.channels < 2:
        raise AudioError(f"{path}: mono recording: one channel cannot tell the agent from the "
                         "customer; transcribe needs one channel per party")
    analysis = analyze_recording(recording, channels, direction=direction, options=options)
    mapping = channels or default_channels(direction)
    utterances = []
    for role in ("agent", "customer"):
        utterances += _channel(recording, mapping[role], role, analysis.features.segments,
                               engine)
    meta = {"source": "transcribe", "notes": analysis.features.notes} if \
        analysis.features.notes else {"source": "transcribe"}
    return Call(call_id=call_id or path.stem, direction=direction,  # type: ignore[arg-type]
                utterances=utterances, meta=meta,
                audio=Audio(path=str(path), channels=channels,  # type: ignore[arg-type]
                            features=analysis.features))


def _channel(recording: Recording, index: int, role: str, segments: list,
             engine: Engine) -> list[Utterance]:
    audio = to_16k(recording.channel(index), recording.rate)
    found = []
    for segment in (s for s in segments if s.speaker == role):
        piece = audio[int(segment.start * RATE):int(segment.end * RATE)]
        for start, end, text in engine.transcribe(piece):
            if text.strip():
                found.append(Utterance(speaker=role, text=text.strip(),  # type: ignore[arg-type]
                                       start=round(segment.start + start, 3),
                                       end=round(min(segment.start + end, segment.end), 3)))
    return found
