"""Who speaks when: from timed utterances, or from the recording's speech segments.

A call with timed utterances uses them (they carry text, so evidence and backchannel
exceptions work); a call whose utterances have no times but whose recording was analysed
uses the audio segments. Speech levels always come from the audio.
"""

from __future__ import annotations

from dataclasses import dataclass

from callqa.model import Call


@dataclass(frozen=True, slots=True)
class Speech:
    speaker: str
    start: float
    end: float
    utt: int | None = None  # the utterance, when the timeline comes from the transcript
    level: float | None = None


@dataclass(frozen=True, slots=True)
class Overlap:
    first: Speech  # was speaking
    second: Speech  # started while `first` was still speaking
    seconds: float


class Timeline:
    def __init__(self, speech: list[Speech], source: str) -> None:
        self.speech = sorted(speech, key=lambda s: (s.start, s.end))
        self.source = source  # "transcript" or "audio"

    @classmethod
    def of(cls, call: Call) -> Timeline | None:
        if call.timed:
            return cls([Speech(u.speaker, u.start, u.end, i)  # type: ignore[arg-type]
                        for i, u in enumerate(call.utterances)], "transcript")
        features = call.audio.features if call.audio else None
        if features is not None and features.stereo:
            return cls([Speech(s.speaker, s.start, s.end, None, s.level)
                        for s in features.segments], "audio")
        return None

    def first(self, speaker: str, after: float = 0.0) -> Speech | None:
        """The first speech of `speaker` that ends after `after`."""
        return next((s for s in self.speech if s.speaker == speaker and s.end > after), None)

    def silences(self) -> list[tuple[float, float]]:
        """Stretches where nobody speaks, between the first and the last speech."""
        gaps = []
        reach = None
        for s in self.speech:
            if reach is not None and s.start > reach:
                gaps.append((reach, s.start))
            reach = s.end if reach is None else max(reach, s.end)
        return gaps

    def overlaps(self) -> list[Overlap]:
        """Each speech that starts while the other party is still speaking."""
        out = []
        running: list[Speech] = []
        for s in self.speech:
            running = [r for r in running if r.end > s.start]
            for r in running:
                if r.speaker != s.speaker:
                    out.append(Overlap(r, s, min(r.end, s.end) - s.start))
            running.append(s)
        return out


def levels(call: Call, speaker: str) -> list[Speech]:
    """The recording's speech segments of one role that have a level."""
    features = call.audio.features if call.audio else None
    if features is None or not features.stereo:
        return []
    return [Speech(s.speaker, s.start, s.end, None, s.level) for s in features.segments
            if s.speaker == speaker and s.level is not None]
