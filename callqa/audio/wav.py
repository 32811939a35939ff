"""Read call recordings: WAV with PCM (8/16/24/32-bit), A-law or μ-law samples.

PCM goes through the stdlib `wave`; G.711 and WAVE_FORMAT_EXTENSIBLE files (which `wave`
rejects before Python 3.12) are read chunk by chunk here. Samples come back as 16-bit
integers, one column per channel, which is what the voice-activity detectors take.
"""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callqa.audio.g711 import decode_alaw, decode_ulaw
from callqa.errors import CallqaError

PCM, FLOAT, ALAW, ULAW, EXTENSIBLE = 1, 3, 6, 7, 0xFFFE


class AudioError(CallqaError):
    """A recording that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Recording:
    samples: np.ndarray  # int16, shape (frames, channels)
    rate: int
    encoding: str  # pcm16, alaw, ulaw …

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.rate

    def channel(self, index: int) -> np.ndarray:
        """One channel as a contiguous int16 array."""
        return np.ascontiguousarray(self.samples[:, index])


def read_wav(path: Path | str) -> Recording:
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            frames = w.readframes(w.getnframes())
            return _pcm(path, frames, w.getnchannels(), w.getsampwidth() * 8, w.getframerate())
    except wave.Error as exc:
        if "unknown format" not in str(exc):
            raise AudioError(f"{path}: not a WAV file ({exc})") from exc
    except EOFError as exc:
        raise AudioError(f"{path}: truncated WAV file") from exc
    return _read_chunks(path)


def _read_chunks(path: Path) -> Recording:
    """RIFF/WAVE parsed by hand for the formats `wave` refuses."""
    data = path.read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"{path}: not a WAV file")
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8:pos + 8 + size]
        if chunk == b"fmt ":
            tag, channels, rate = struct.unpack_from("<HHI", body, 0)
            bits = struct.unpack_from("<H", body, 14)[0]
            if tag == EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack_from("<H", body, 24)[0]  # first two bytes of SubFormat
            fmt = (tag, channels, rate, bits)
        elif chunk == b"data":
            if fmt is None:
                raise AudioError(f"{path}: data chunk before fmt chunk")
            tag, channels, rate, bits = fmt
            if tag == PCM:
                return _pcm(path, body, channels, bits, rate)
            if tag in (ALAW, ULAW):
                decode = decode_alaw if tag == ALAW else decode_ulaw
                usable = len(body) - len(body) % channels
                samples = decode(body[:usable]).reshape(-1, channels)
                return Recording(samples, rate, "alaw" if tag == ALAW else "ulaw")
            if tag == FLOAT and bits == 32:
                usable = len(body) - len(body) % (4 * channels)
                floats = np.frombuffer(body[:usable], dtype="<f4").reshape(-1, channels)
                return Recording(_to_int16(floats), rate, "float32")
            raise AudioError(f"{path}: WAV format {tag:#x} is not supported "
                             "(use PCM, A-law or μ-law)")
        pos += 8 + size + (size & 1)
    raise AudioError(f"{path}: no audio data")


def _pcm(path: Path, frames: bytes, channels: int, bits: int, rate: int) -> Recording:
    width = bits // 8
    usable = len(frames) - len(frames) % (width * channels)
    frames = frames[:usable]
    if bits == 16:
        samples = np.frombuffer(frames, dtype="<i2")
    elif bits == 8:  # unsigned, centred on 128
        samples = ((np.frombuffer(frames, dtype=np.uint8).astype(np.int16) - 128) << 8)
    elif bits == 24:
        raw = np.frombuffer(frames, dtype=np.uint8).reshape(-1, 3)
        samples = (raw[:, 1].astype(np.int16) | (raw[:, 2].astype(np.int16) << 8))
    elif bits == 32:
        samples = (np.frombuffer(frames, dtype="<i4") >> 16).astype(np.int16)
    else:
        raise AudioError(f"{path}: {bits}-bit PCM is not supported")
    return Recording(samples.astype(np.int16, copy=False).reshape(-1, channels), rate,
                     f"pcm{bits}")


def _to_int16(values: np.ndarray) -> np.ndarray:
    return (np.clip(values, -1.0, 1.0) * 32767).astype(np.int16)
