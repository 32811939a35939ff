"""Signals the timing checkpoints ask of the speech segments (`AudioFeatures.segments`).

Plain functions over `Segment`s, so the rule engine can call them on segments from audio
or on utterance times alike. Times are in the segments' own timeline (seconds from the
start of the call once `callqa.ingest.join` has aligned the recording with the events).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from callqa.model import Segment, Speaker


@dataclass(frozen=True)
class Overlap:
    start: float
    end: float
    first: Speaker  # who was speaking already
    second: Speaker  # who started while the other was speaking (the interrupter)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class LevelJump:
    before: Segment
    after: Segment

    @property
    def delta(self) -> float:
        return (self.after.level or 0.0) - (self.before.level or 0.0)


def of(segments: Iterable[Segment], speaker: Speaker) -> list[Segment]:
    return sorted((s for s in segments if s.speaker == speaker), key=lambda s: s.start)


def first_speech(segments: Iterable[Segment], speaker: Speaker, after: float = 0.0) -> float | None:
    """Start of the speaker's first segment that ends after `after`."""
    starts = [max(s.start, after) for s in segments if s.speaker == speaker and s.end > after]
    return min(starts) if starts else None


def dead_air_after_answer(segments: Iterable[Segment], answer: float,
                          speaker: Speaker = "agent") -> float | None:
    """Seconds from answer to the speaker's first words; None when they never speak."""
    start = first_speech(segments, speaker, after=answer)
    return None if start is None else round(start - answer, 3)


def _merged(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def silences(segments: Iterable[Segment], start: float = 0.0, end: float | None = None,
             min_length: float = 0.0) -> list[tuple[float, float]]:
    """Stretches where neither party speaks, between `start` and `end` (default: the end of
    the last segment), at least `min_length` long."""
    speech = _merged((s.start, s.end) for s in segments)
    end = end if end is not None else (speech[-1][1] if speech else start)
    gaps, cursor = [], start
    for s, e in speech:
        if s > cursor:
            gaps.append((cursor, min(s, end)))
        cursor = max(cursor, e)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(round(a, 3), round(b, 3)) for a, b in gaps if b - a >= min_length and b > a]


def overlaps(segments: Iterable[Segment], min_length: float = 0.0) -> list[Overlap]:
    """Stretches where both parties speak, with who started second."""
    agent, customer = of(segments, "agent"), of(segments, "customer")
    found = []
    for a in agent:
        for c in customer:
            if c.start >= a.end:
                break
            start, end = max(a.start, c.start), min(a.end, c.end)
            if end - start <= 0 or end - start < min_length:
                continue
            first, second = ("customer", "agent") if a.start > c.start else ("agent", "customer")
            found.append(Overlap(round(start, 3), round(end, 3), first, second))  # type: ignore[arg-type]
    return sorted(found, key=lambda o: o.start)


def talk_time(segments: Iterable[Segment]) -> dict[Speaker, float]:
    totals: dict[Speaker, float] = {"agent": 0.0, "customer": 0.0}
    for s in segments:
        totals[s.speaker] += s.end - s.start
    return {k: round(v, 3) for k, v in totals.items()}  # type: ignore[misc]


def talk_ratio(segments: Iterable[Segment]) -> float | None:
    """The agent's share of all speech (0…1); None when nobody speaks."""
    totals = talk_time(segments)
    whole = totals["agent"] + totals["customer"]
    return round(totals["agent"] / whole, 3) if whole else None


def levels(segments: Iterable[Segment], speaker: Speaker) -> list[float]:
    return [s.level for s in of(segments, speaker) if s.level is not None]


def median_level(segments: Iterable[Segment], speaker: Speaker) -> float | None:
    values = levels(segments, speaker)
    return round(statistics.median(values), 1) if values else None


def level_jumps(segments: Sequence[Segment], speaker: Speaker = "agent",
                threshold: float = 12.0) -> list[LevelJump]:
    """Consecutive segments of the speaker whose levels differ by more than `threshold` dB."""
    mine = [s for s in of(segments, speaker) if s.level is not None]
    return [LevelJump(a, b) for a, b in itertools.pairwise(mine)
            if abs((b.level or 0.0) - (a.level or 0.0)) > threshold]
