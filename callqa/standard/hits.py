"""What conditions evaluate to: hits with evidence, inside a scope of the call."""

from __future__ import annotations

from dataclasses import dataclass, field

WHOLE = 1 << 30  # "to the end of the utterance"


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence: a span of an utterance, a moment, or an interval.

    `start`/`end` are offsets in the *normalised* utterance text; the engine maps them back to
    the original text when it writes evidence. `utt_end` marks where an episode (a hold, a
    transfer) ends, so that windows "after" it start at the right place.
    """

    utt: int | None = None
    start: int = 0
    end: int = 0
    t: float | None = None
    t_end: float | None = None
    confidence: float = 1.0
    label: str | None = None  # evidence text when the hit is not an utterance span
    utt_end: int | None = None
    end_offset: int = 0  # with utt_end: where in that utterance the episode ends


@dataclass(frozen=True, slots=True)
class Region:
    """Part of one utterance (normalised offsets) that a text operator may look at."""

    utt: int
    lo: int = 0
    hi: int = WHOLE


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a condition looks: utterance regions, an optional time window, the anchor."""

    regions: tuple[Region, ...]
    t0: float | None = None
    t1: float | None = None
    anchor: Hit | None = None
    # False when only the truth matters (an `expect`), not every hit: `any` may stop at
    # its first true branch and skip costlier ones (the models).
    need_all: bool = True


@dataclass(slots=True)
class Match:
    """A condition's value: true/false/unknown (a needed signal is missing) and its hits."""

    ok: bool | None
    hits: list[Hit] = field(default_factory=list)
    near: float = 0.0  # best sub-threshold confidence seen, for "missing" verdicts

    @staticmethod
    def of(hits: list[Hit]) -> Match:
        return Match(bool(hits), hits)


UNKNOWN = Match(None)
FALSE = Match(False)
