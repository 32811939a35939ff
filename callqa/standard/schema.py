"""A loaded standard: its checkpoints with compiled conditions, variables and lexicon."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from callqa.model import Channel, Direction, Severity, Status
from callqa.standard.conditions import Condition
from callqa.text.phrases import Lexicon

CHECKPOINT_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
CONDITION_KEYS = ("skip", "when", "expect", "forbid", "unless")


class Applies(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: list[Channel] = ["phone", "chat"]
    direction: list[Direction] = ["inbound", "outbound"]


class Example(BaseModel):
    """A short call shown in `rules explain` and run by `rules test`."""

    model_config = ConfigDict(extra="forbid")

    outcome: Status
    transcript: str
    call: dict[str, Any] = Field(default_factory=dict)  # channel, direction, events, meta …
    note: str | None = None


class CheckpointSpec(BaseModel):
    """The plain fields of a checkpoint (its conditions are compiled separately)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=CHECKPOINT_ID)
    name: str
    category: str
    severity: Severity
    points: float = Field(ge=0)
    applies: Applies = Applies()
    message: str
    fix: str | None = None
    docs: str = ""
    examples: list[Example] = Field(default_factory=list)
    enabled: bool = True
    for_: Literal["each", "any"] = Field("each", alias="for")
    otherwise: Literal["na", "pass"] = "na"  # the verdict when `when` finds nothing


@dataclass
class Checkpoint:
    spec: CheckpointSpec
    skip: Condition | None = None  # true → na
    when: Condition | None = None  # false → na; its hits are the anchors
    expect: Condition | None = None  # must hold (per anchor), else fail
    forbid: Condition | None = None  # its hits are failures
    unless: Condition | None = None  # true → the failures are excused (pass)
    line: int = 0

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def signals(self) -> frozenset[str]:
        conds = (self.skip, self.when, self.expect, self.forbid, self.unless)
        return frozenset().union(*(c.signals for c in conds if c is not None))


@dataclass
class Standard:
    id: str
    version: str
    name: str
    base: float
    pass_mark: float
    variables: dict[str, Any]
    checkpoints: list[Checkpoint]
    lexicon: Lexicon
    source: str
    description: str = ""
    named: dict[str, Condition] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def enabled(self) -> list[Checkpoint]:
        return [c for c in self.checkpoints if c.spec.enabled]

    def checkpoint(self, checkpoint_id: str) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.id == checkpoint_id), None)
