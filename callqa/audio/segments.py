"""Speech frames → speech segments: merge short gaps, drop blips, measure each level."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from callqa.audio.vad import to_db


@dataclass(frozen=True)
class Smoothing:
    min_gap: float = 0.30  # pauses shorter than this do not split a segment (s)
    min_speech: float = 0.12  # segments shorter than this are clicks and blips (s)


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    level: float | None  # speech level in dBFS over the segment's speech frames


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame index pairs of each run of True."""
    if len(flags) == 0:
        return []
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def smooth(flags: np.ndarray, frame_s: float, smoothing: Smoothing) -> np.ndarray:
    """Fill gaps shorter than min_gap, then drop runs shorter than min_speech."""
    out = flags.copy()
    spans = runs(out)
    max_gap = round(smoothing.min_gap / frame_s)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start - end < max_gap:
            out[end:start] = True
    min_len = round(smoothing.min_speech / frame_s)
    for start, end in runs(out):
        if end - start < min_len:
            out[start:end] = False
    return out


def spans(flags: np.ndarray, raw: np.ndarray, power: np.ndarray, frame_s: float,
          smoothing: Smoothing) -> list[Span]:
    """Speech spans of one channel; the level is taken over frames detected as speech
    (`raw`), not over the pauses that smoothing bridged."""
    smoothed = smooth(flags, frame_s, smoothing)
    result = []
    for start, end in runs(smoothed):
        voiced = power[start:end][raw[start:end]]
        level = round(float(to_db(float(voiced.mean()))), 1) if len(voiced) else None
        result.append(Span(round(start * frame_s, 3), round(end * frame_s, 3), level))
    return result
