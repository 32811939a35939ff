"""The nouns every part of callqa shares: a call (interchange format v1) and its result.

Input (`Call`) and output (`Result`) are contracts documented in docs/formats.md.
Unknown fields of a call, an utterance or an event are kept in that record's `meta`
instead of being dropped, so nothing a source system sent is lost on the way through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Speaker = Literal["agent", "customer"]
Channel = Literal["phone", "chat"]
Direction = Literal["inbound", "outbound"]
EventType = Literal["ring", "answer", "hold_start", "hold_end", "transfer", "hangup", "dropped"]
HangupBy = Literal["agent", "customer", "system"]
Status = Literal["pass", "fail", "na"]
Severity = Literal["fatal", "major", "minor", "bonus"]

SPEAKERS: tuple[Speaker, ...] = ("agent", "customer")
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]


class _Record(BaseModel):
    """A record that keeps fields it does not know in `meta`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _unknown_fields_to_meta(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        unknown = [k for k in data if k not in cls.model_fields]
        if not unknown:
            return data
        data = dict(data)
        meta = dict(data.get("meta") or {})
        for key in unknown:
            meta[key] = data.pop(key)
        data["meta"] = meta
        return data


class Utterance(_Record):
    speaker: Speaker
    text: str
    start: float | None = Field(default=None, ge=0)
    end: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _end_after_start(self) -> Utterance:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    @property
    def timed(self) -> bool:
        return self.start is not None and self.end is not None


class Event(_Record):
    type: EventType
    t: float = Field(ge=0)
    by: HangupBy | None = None  # hangup: who hung up
    target: str | None = None  # transfer: where to
    ok: bool | None = None  # transfer: did it connect


class Segment(BaseModel):
    """A stretch of speech found in the recording (not a transcript turn)."""

    speaker: Speaker
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    level: float | None = None  # speech level in dBFS


class AudioFeatures(BaseModel):
    """What audio analysis derived from the recording; feeds the timing operators."""

    duration: float = Field(ge=0)
    stereo: bool = True
    segments: list[Segment] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Audio(_Record):
    path: str | None = None
    channels: dict[Speaker, int] | None = None
    features: AudioFeatures | None = None


class Call(_Record):
    call_id: str = Field(min_length=1)
    channel: Channel = "phone"
    direction: Direction = "inbound"
    started_at: datetime | None = None
    agent_id: str | None = None
    team: str | None = None
    events: list[Event] = Field(default_factory=list)
    utterances: list[Utterance] = Field(default_factory=list)
    audio: Audio | None = None
    # Annotations for rule tests and labelled corpora: checkpoint id -> expected outcome.
    # `callqa check` ignores them; `callqa eval` and `callqa rules test` compare with them.
    expected: dict[str, Status] | None = None

    @field_validator("call_id", "agent_id", "team", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        # PBX exports often carry numeric ids; "1024" and 1024 are the same agent.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _in_time_order(self) -> Call:
        self.events.sort(key=lambda e: e.t)
        # Vendors often list one channel after the other; a transcript reads in time order.
        # Chats without times keep the order they came in.
        if self.utterances and all(u.start is not None for u in self.utterances):
            self.utterances.sort(key=lambda u: u.start)  # type: ignore[arg-type,return-value]
        return self

    # -- derived signals the operators ask for -------------------------------------------
    def event(self, type_: str) -> Event | None:
        """The first event of a type."""
        return next((e for e in self.events if e.type == type_), None)

    def events_of(self, type_: str) -> list[Event]:
        return [e for e in self.events if e.type == type_]

    @property
    def timed(self) -> bool:
        """True when every utterance has start and end times."""
        return bool(self.utterances) and all(u.timed for u in self.utterances)


class Evidence(BaseModel):
    utterance: int | None = None
    span: tuple[int, int] | None = None
    t: float | None = None
    text: str | None = None


class Outcome(BaseModel):
    """One checkpoint's verdict on one call (result format v1, `checkpoints[]`)."""

    id: str
    status: Status
    confidence: float = Field(ge=0, le=1)
    severity: Severity | None = None
    points: float | None = None
    message: str | None = None
    evidence: list[Evidence] | None = None
    fix: str | None = None


class Result(BaseModel):
    """Result format v1: one line of `callqa check --format jsonl`."""

    call_id: str
    standard: str
    score: float
    passed: bool
    fatal: bool
    checkpoints: list[Outcome]
    agent_id: str | None = None
    team: str | None = None
    started_at: datetime | None = None

    def outcome(self, checkpoint_id: str) -> Outcome | None:
        return next((o for o in self.checkpoints if o.id == checkpoint_id), None)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)
