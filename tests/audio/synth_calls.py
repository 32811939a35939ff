"""Synthetic calls with real Mandarin speech (espeak-ng, voice cmn) and a known layout.

Each utterance is spoken by espeak-ng, converted to 8 kHz by sox, trimmed to its voiced
part and placed on the agent's or the customer's channel of a stereo recording at a known
time and level. The layout has dead air after answer, a long silence, an interruption and
one agent turn much louder than the others. Variants add white noise at a given SNR, or
the agent leaking into the customer's channel at −20 dB. Generated once per session.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 8000
AGENT_DB, CUSTOMER_DB, LOUD_DB = -24.0, -28.0, -10.0
DEAD_AIR, LONG_SILENCE, OVERLAP = 4.0, 12.0, 1.5
NOISE_SNR_DB, LEAK_DB = 10.0, -20.0


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start: float
    end: float
    level: float  # dBFS of its voiced frames


@dataclass(frozen=True)
class SynthCall:
    path: Path
    turns: list[Turn]
    duration: float


def tools_missing() -> str | None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    return f"needs {' and '.join(missing)} (apt-get install espeak-ng sox)" if missing else None


def speak(text: str, workdir: Path, name: str) -> np.ndarray:
    """Mandarin speech at 8 kHz, trimmed to its voiced part, as float samples."""
    raw, converted = workdir / f"{name}-22k.wav", workdir / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", "190", "-w", str(raw), text], check=True,
                   capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(converted)],
                   check=True, capture_output=True)
    x = read_mono(converted)
    frame = RATE // 100
    n = len(x) // frame
    power = (x[: n * frame].reshape(n, frame) ** 2).mean(axis=1)
    voiced = np.flatnonzero(power > power.max() * 1e-4)  # within 40 dB of the loudest frame
    return x[voiced[0] * frame:(voiced[-1] + 1) * frame]


def read_mono(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768


def voiced_level(x: np.ndarray) -> float:
    frame = RATE // 50
    n = len(x) // frame
    power = (x[: n * frame].reshape(n, frame) ** 2).mean(axis=1)
    return float(10 * np.log10(power[power > power.max() * 1e-4].mean()))


def at_level(x: np.ndarray, db: float) -> np.ndarray:
    return x * 10 ** ((db - voiced_level(x)) / 20)


def write_wav(path: Path, channels: list[np.ndarray]) -> None:
    data = np.stack(channels, axis=1)
    pcm = np.clip(np.round(data * 32768), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


SCRIPT = [  # speaker, text, level, when: ("after", gap) | ("at", t) | ("overlap", seconds)
    ("agent", "您好联合洲际客服中心很高兴为您服务", AGENT_DB, ("at", DEAD_AIR)),
    ("customer", "你好我想查一下我的订单", CUSTOMER_DB, ("after", 0.7)),
    ("agent", "好的请您稍等我帮您查一下", AGENT_DB, ("after", 0.6)),
    ("agent", "感谢您的耐心等待您的订单已经发货了", AGENT_DB, ("after", LONG_SILENCE)),
    ("customer", "那什么时候能到呢我有点着急", CUSTOMER_DB, ("after", 0.5)),
    ("agent", "您别着急明天就能送到", AGENT_DB, ("overlap", OVERLAP)),
    ("customer", "好的谢谢", CUSTOMER_DB, ("after", 0.6)),
    ("agent", "请问还有其他可以帮您的吗", LOUD_DB, ("after", 0.5)),
]


def layout(workdir: Path) -> tuple[list[Turn], dict[str, np.ndarray], float]:
    """Place the script: the turns with their times, and the clean channel signals."""
    clips = [at_level(speak(text, workdir, f"u{i}"), db)
             for i, (_, text, db, _) in enumerate(SCRIPT)]
    turns: list[Turn] = []
    for (speaker, text, db, (how, value)), clip in zip(SCRIPT, clips, strict=True):
        if how == "at":
            start = value
        elif how == "after":
            start = turns[-1].end + value
        else:  # start `value` seconds before the previous turn ends
            start = turns[-1].end - value
        start = round(start * RATE) / RATE
        turns.append(Turn(speaker, text, start, start + len(clip) / RATE, db))
    duration = turns[-1].end + 1.0
    signal = {role: np.zeros(int(duration * RATE)) for role in ("agent", "customer")}
    for turn, clip in zip(turns, clips, strict=True):
        i = round(turn.start * RATE)
        signal[turn.speaker][i:i + len(clip)] += clip
    return turns, signal, duration


def white_noise(n: int, db: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n) * 10 ** (db / 20)


def frame_f1(turns: list[Turn], segments: list, duration: float, step: float = 0.01) -> float:
    """Frame-level F1 of detected speech against the layout, both roles pooled."""
    n = int(duration / step) + 1
    tp = fp = fn = 0
    for role in ("agent", "customer"):
        truth, found = np.zeros(n, bool), np.zeros(n, bool)
        for t in turns:
            if t.speaker == role:
                truth[round(t.start / step):round(t.end / step)] = True
        for s in segments:
            if s.speaker == role:
                found[round(s.start / step):round(s.end / step)] = True
        tp += int((truth & found).sum())
        fp += int((~truth & found).sum())
        fn += int((truth & ~found).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def voice_call(path: Path, duration: float, agent: list[tuple[float, float]],
               customer: list[tuple[float, float]], channels: int = 2) -> None:
    """A voice-like buzz (harmonics of a gliding pitch, syllable-rate loudness) where each
    party speaks: customer left, agent right (or both mixed when channels=1). For tests
    that need speech-like sound but not words, without espeak-ng."""
    t = np.arange(int(duration * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(140 + 30 * np.sin(2 * np.pi * 0.7 * t)) / RATE
    buzz = sum(np.sin(k * phase) / k for k in range(1, 20)) * \
        (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * 0.05
    sides = [sum(((t >= a) & (t < b)).astype(float) for a, b in spans) * buzz
             for spans in (customer, agent)]
    write_wav(path, sides if channels == 2 else [sides[0] + sides[1]])
