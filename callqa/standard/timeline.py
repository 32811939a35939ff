"""Who speaks when, for the timing operators: the call's speech as `Segment`s.

A call with timed utterances uses them (they carry text, so evidence and backchannel
exceptions work); a call whose utterances have no times but whose recording was analysed
uses the audio segments. Speech levels always come from the audio. The arithmetic
(silences, overlaps, levels) is callqa.audio.timeline's, shared with audio analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

from callqa.audio import timeline as tl
from callqa.model import Call, Segment


@dataclass(frozen=True, slots=True)
class Interruption:
    start: float
    seconds: float
    speaker: str  # who started second
    utt: int | None  # their utterance, when the timeline comes from the transcript
    duration: float  # of the second speaker's whole turn


class Timeline:
    def __init__(self, segments: list[Segment], utts: list[int | None], source: str) -> None:
        self.segments = segments
        self._utts = utts
        self.source = source  # "transcript" or "audio"

    @classmethod
    def of(cls, call: Call) -> Timeline | None:
        if call.timed:
            segments = [Segment(speaker=u.speaker, start=u.start, end=u.end)  # type: ignore[arg-type]
                        for u in call.utterances]
            return cls(segments, list(range(len(segments))), "transcript")
        features = call.audio.features if call.audio else None
        if features is not None and features.stereo:
            return cls(list(features.segments), [None] * len(features.segments), "audio")
        return None

    def _turn_at(self, speaker: str, start: float) -> int | None:
        """Index of the speaker's segment starting at `start` (overlap times are rounded)."""
        return next((i for i, s in enumerate(self.segments)
                     if s.speaker == speaker and abs(s.start - start) < 2e-3), None)

    def first(self, speaker: str, after: float = 0.0) -> tuple[float, int | None] | None:
        """Start (and utterance) of the speaker's first speech that ends after `after`."""
        start = tl.first_speech(self.segments, speaker, after)  # type: ignore[arg-type]
        if start is None:
            return None
        turn = next((i for i, s in enumerate(self.segments) if s.speaker == speaker and s.end > after),
                    None)
        return start, self._utts[turn] if turn is not None else None

    def silences(self) -> list[tuple[float, float]]:
        """Stretches where nobody speaks, between the first and the last speech."""
        if not self.segments:
            return []
        return tl.silences(self.segments, start=min(s.start for s in self.segments))

    def interruptions(self) -> list[Interruption]:
        """Each stretch where one party starts while the other is still speaking."""
        out = []
        for o in tl.overlaps(self.segments):
            turn = self._turn_at(o.second, o.start)
            seg = self.segments[turn] if turn is not None else None
            out.append(Interruption(o.start, o.duration, o.second,
                                    self._utts[turn] if turn is not None else None,
                                    seg.end - seg.start if seg else o.duration))
        return out


def audio_segments(call: Call) -> list[Segment]:
    """The recording's speech segments (stereo only: mono cannot tell who speaks)."""
    features = call.audio.features if call.audio else None
    return list(features.segments) if features is not None and features.stereo else []
