"""Operators on when people speak: delays, silences, overlaps, speech rate, level, duration.

They read the call's timeline (timed utterances, or speech segments from the recording;
see callqa.standard.timeline) and events. Without the signal they return unknown, so the
checkpoint becomes `na`, never `fail`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from callqa.audio import timeline as tl
from callqa.standard.conditions import Compiler, Operator, operator
from callqa.standard.context import CallContext
from callqa.standard.hits import UNKNOWN, Hit, Match, Scope
from callqa.standard.timeline import audio_segments


def _count_chars(text: str) -> int:
    """Spoken characters: CJK, letters and digits; no punctuation or spaces."""
    return sum(1 for ch in text if ch.isalnum())


def _utt_near(ctx: CallContext, t: float) -> int | None:
    """The utterance being spoken at (or next after) time t, for evidence."""
    for i, u in enumerate(ctx.call.utterances):
        if u.start is None:
            return None
        if u.start >= t or t <= (u.end or u.start):
            return i
    return None


@operator
class ResponseDelay(Operator):
    """Seconds from an event (default `answer`) to the first speech of `role`: true when
    longer than `over`."""

    name = "response_delay"
    shorthand = "over"
    signals = frozenset({"events", "time"})

    class Params(Operator.Params):
        over: float
        role: str = "agent"
        after: str = "answer"

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        event = ctx.call.event(self.params.after)
        timeline = ctx.timeline
        if event is None or timeline is None:
            return UNKNOWN
        first = timeline.first(self.params.role, after=event.t)
        if first is None:
            return UNKNOWN
        start, utt = first
        delay = max(0.0, start - event.t)
        if delay <= self.params.over:
            return Match(False)
        label = f"{self.params.after} 后 {delay:.1f} 秒才开口"
        utt = utt if utt is not None else _utt_near(ctx, start)
        end = len(ctx.norm[utt].text) if utt is not None else 0
        return Match(True, [Hit(utt, 0, end, t=event.t, t_end=start, label=label)])


@operator
class Silence(Operator):
    """Stretches where nobody speaks for more than `over` seconds, except inside the
    intervals of `outside` (e.g. announced holds and transfers)."""

    name = "silence"
    shorthand = "over"
    signals = frozenset({"time"})

    class Params(Operator.Params):
        over: float
        outside: Any = None

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        self.outside = compiler.condition(params.outside, "silence.outside") \
            if params.outside is not None else None

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        timeline = ctx.timeline
        if timeline is None:
            return UNKNOWN
        excused: list[tuple[float, float]] = []
        if self.outside is not None:
            m = self.outside.evaluate(ctx, ctx.whole)
            # An episode that never ended (a transfer that took the call away) excuses the rest.
            excused = [(h.t, h.t_end if h.t_end is not None else float("inf"))
                       for h in m.hits if h.t is not None]
        hits = []
        for start, end in timeline.silences():
            # Only the part of the silence outside announced holds/transfers counts.
            quiet = end - start - _covered(start, end, excused)
            if quiet <= self.params.over:
                continue
            utt = _utt_near(ctx, end)
            hits.append(Hit(utt, 0, len(ctx.norm[utt].text) if utt is not None else 0,
                            t=start, t_end=end, label=f"静默 {end - start:.1f} 秒"))
        return Match.of(hits)


def _covered(start: float, end: float, intervals: list[tuple[float, float]]) -> float:
    """Seconds of [start, end] inside the union of `intervals`."""
    covered, reach = 0.0, start
    for a, b in sorted(intervals):
        a, b = max(a, reach), min(b, end)
        if b > a:
            covered += b - a
            reach = b
    return covered


@operator
class Overlap(Operator):
    """`role` starts speaking while the other party is still speaking and both overlap for
    more than `over` seconds; short backchannels (≤ `backchannel_chars` characters, or
    ≤ `backchannel_seconds` long in audio-only calls) are not interruptions."""

    name = "overlap"
    shorthand = "over"
    signals = frozenset({"time"})

    class Params(Operator.Params):
        over: float = 1.0
        role: str = "agent"
        backchannel_chars: int = 4
        backchannel_seconds: float = 1.0

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        timeline = ctx.timeline
        if timeline is None:
            return UNKNOWN
        hits = []
        for o in timeline.interruptions():
            if o.speaker != self.params.role or o.seconds <= self.params.over:
                continue
            if o.utt is not None:
                if _count_chars(ctx.call.utterances[o.utt].text) <= self.params.backchannel_chars:
                    continue
            elif o.duration <= self.params.backchannel_seconds:
                continue
            hits.append(Hit(o.utt, 0, len(ctx.norm[o.utt].text) if o.utt is not None else 0,
                            t=o.start, t_end=o.start + o.seconds, label=f"抢话 {o.seconds:.1f} 秒"))
        return Match.of(hits)


@operator
class SpeechRate(Operator):
    """The role's average speech rate in characters per minute: true when outside the
    band `outside: [low, high]`. Uses utterance times, or the recording's speech time."""

    name = "speech_rate"
    shorthand = "outside"
    signals = frozenset({"text", "time"})

    class Params(Operator.Params):
        outside: tuple[float, float]
        role: str = "agent"
        min_chars: int = 20

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        turns = [u for u in ctx.call.utterances if u.speaker == self.params.role]
        chars = sum(_count_chars(u.text) for u in turns)
        if chars < self.params.min_chars:
            return UNKNOWN
        if turns and all(u.timed for u in turns):
            seconds = sum(u.end - u.start for u in turns)  # type: ignore[operator]
        else:
            timeline = ctx.timeline
            if timeline is None or timeline.source != "audio":
                return UNKNOWN
            seconds = tl.talk_time(timeline.segments)[self.params.role]  # type: ignore[index]
        if seconds <= 0:
            return UNKNOWN
        rate = chars / seconds * 60
        low, high = self.params.outside
        if low <= rate <= high:
            return Match(False)
        return Match(True, [Hit(label=f"平均语速 {rate:.0f} 字/分（标准 {low:.0f}–{high:.0f}）")])


@operator
class Level(Operator):
    """The role's speech level from the recording: true when the median is outside
    `outside: [low, high]` dBFS, or two consecutive segments differ by more than `jump` dB."""

    name = "level"
    shorthand = "outside"
    signals = frozenset({"audio"})

    class Params(Operator.Params):
        outside: tuple[float, float]
        role: str = "agent"
        jump: float | None = None

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        segments = tl.of(audio_segments(ctx.call), self.params.role)  # type: ignore[arg-type]
        median = tl.median_level(segments, self.params.role)  # type: ignore[arg-type]
        if median is None:
            return UNKNOWN
        low, high = self.params.outside
        hits = []
        if not low <= median <= high:
            hits.append(Hit(t=segments[0].start, label=f"音量中位数 {median:.1f} dBFS"
                            f"（标准 {low:.0f}～{high:.0f}）"))
        if self.params.jump is not None:
            jumps = tl.level_jumps(segments, self.params.role, self.params.jump)  # type: ignore[arg-type]
            if jumps:
                a, b = jumps[0].before, jumps[0].after
                hits.append(Hit(t=b.start, label=f"音量突变 {a.level:.0f}→{b.level:.0f} dBFS"))
        return Match.of(hits)


@operator
class Duration(Operator):
    """Seconds between two events (default answer → hangup): true when longer than `over`
    or shorter than `under`."""

    name = "duration"
    signals = frozenset({"events"})

    class Params(Operator.Params):
        model_config = ConfigDict(extra="forbid", populate_by_name=True)

        from_: str = Field("answer", alias="from")
        to: str = "hangup"
        over: float | None = None
        under: float | None = None

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        if params.over is None and params.under is None:
            raise ValueError("give `over` or `under`")

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        start, end = ctx.call.event(self.params.from_), ctx.call.event(self.params.to)
        if start is None or end is None:
            return UNKNOWN
        seconds = end.t - start.t
        over = self.params.over is not None and seconds > self.params.over
        under = self.params.under is not None and seconds < self.params.under
        if not (over or under):
            return Match(False)
        label = f"{self.params.from_}→{self.params.to} {seconds:.1f} 秒"
        return Match(True, [Hit(t=start.t, t_end=end.t, label=label)])
