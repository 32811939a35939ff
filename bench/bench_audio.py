"""How fast audio analysis runs, in × real time on one core.

    python bench/bench_audio.py [--calls 8] [--minutes 5] [--backend webrtc|silero] [--espeak]

Writes stereo 8 kHz calls (agent and customer taking turns, with a −60 dBFS line-noise
floor; with --espeak the turns are real Mandarin speech from espeak-ng, otherwise a
voice-like buzz), then times, on this one process: the bare WAV read of every file (the
baseline), and the full analysis (read + VAD on both channels + segments + levels).
Target: ≥ 500× real time per core.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callqa.audio import AnalysisOptions, VadOptions, analyze, read_wav

RATE = 8000


def buzz(seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = rng.uniform(110, 220) + 30 * np.sin(2 * np.pi * rng.uniform(0.3, 1.0) * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 16))
    return 0.05 * voice * (0.55 + 0.45 * np.sin(2 * np.pi * rng.uniform(3, 5) * t))


def espeak_clips(folder: Path) -> list[np.ndarray]:
    texts = ["您好联合洲际客服中心很高兴为您服务", "你好我想查一下我的订单", "好的请您稍等我帮您查一下",
             "感谢您的耐心等待您的订单已经发货了", "那什么时候能到呢", "请问还有其他可以帮您的吗"]
    clips = []
    for i, text in enumerate(texts):
        raw, out = folder / f"s{i}.wav", folder / f"s{i}-8k.wav"
        subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(out)], check=True)
        with wave.open(str(out)) as w:
            clips.append(np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32768 * 0.5)
    return clips


def make_call(path: Path, minutes: float, seed: int, clips: list[np.ndarray] | None) -> float:
    rng = np.random.default_rng(seed)
    n = int(minutes * 60 * RATE)
    sides = [rng.standard_normal(n) * 10 ** (-60 / 20) for _ in range(2)]  # line noise
    t, side = 0.5, 1  # the agent (right) speaks first
    while t < minutes * 60 - 10:
        clip = clips[rng.integers(len(clips))] if clips else buzz(rng.uniform(2, 8), rng)
        start = int(t * RATE)
        sides[side][start:start + len(clip)] += clip[: n - start]
        t += len(clip) / RATE + rng.uniform(0.3, 1.5)
        side = 1 - side if rng.random() < 0.8 else side
    data = np.clip(np.stack(sides, axis=1) * 32768, -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())
    return n / RATE


def timed(work, files: list[Path], repeat: int) -> float:
    """Best CPU seconds of `repeat` passes over the files."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for path in files:
            work(path)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--backend", choices=["webrtc", "silero"], default="webrtc")
    parser.add_argument("--espeak", action="store_true", help="real speech from espeak-ng")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    options = AnalysisOptions(vad=VadOptions(backend=args.backend))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = None
        if args.espeak:
            if not (shutil.which("espeak-ng") and shutil.which("sox")):
                sys.exit("--espeak needs espeak-ng and sox")
            clips = espeak_clips(folder)
        files = [folder / f"call-{i}.wav" for i in range(args.calls)]
        audio = sum(make_call(path, args.minutes, i, clips) for i, path in enumerate(files))
        read_s = timed(read_wav, files, args.repeat)
        analyse_s = timed(lambda p: analyze(p, {"customer": 0, "agent": 1}, options=options),
                          files, args.repeat)
        segments = sum(len(analyze(p, {"customer": 0, "agent": 1}, options=options).segments)
                       for p in files)
    print(f"{args.calls} stereo 8 kHz calls, {audio / 60:.0f} min of audio, backend "
          f"{args.backend}, {'espeak-ng speech' if clips else 'voice-like buzz'}; "
          f"{segments} segments found")
    print(f"{'step':<28}{'CPU s':>9}{'x real time':>14}")
    print(f"{'WAV read (baseline)':<28}{read_s:>9.3f}{audio / read_s:>14,.0f}")
    print(f"{'analysis (read+VAD+levels)':<28}{analyse_s:>9.3f}{audio / analyse_s:>14,.0f}")
    print(f"analysis costs {analyse_s / read_s:.0f}x the bare read; target >= 500x real time "
          f"per core: {'met' if audio / analyse_s >= 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
