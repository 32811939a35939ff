"""The phrase library (话术库): recommended and forbidden phrases per service scenario."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callqa.standard.loader import BUILTIN_DIR
from callqa.standard.yamlio import StandardError, load_yaml_file
from callqa.text.normalize import clean


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    when: str
    checkpoints: list[str] = Field(default_factory=list)
    standard: list[str]
    forbidden: list[str] = Field(default_factory=list)
    source: str = ""

    def matches(self, query: str) -> bool:
        """Does the query occur in any of the scenario's texts (normalised, so 繁/简 and
        punctuation do not matter)?"""
        needle = clean(query)
        texts = [self.id, self.name, self.when, *self.standard, *self.forbidden, *self.checkpoints]
        return any(needle in clean(t) for t in texts)


class Phrasebook(BaseModel):
    scenarios: list[Scenario]

    def find(self, key: str) -> Scenario | None:
        return next((s for s in self.scenarios if key in (s.id, s.name)), None)

    def search(self, query: str) -> list[Scenario]:
        return [s for s in self.scenarios if s.matches(query)]

    def for_checkpoint(self, checkpoint_id: str) -> list[Scenario]:
        return [s for s in self.scenarios if checkpoint_id in s.checkpoints]


@lru_cache(maxsize=4)
def load_phrasebook(path: Path = BUILTIN_DIR / "phrases.yaml") -> Phrasebook:
    raw = load_yaml_file(path)
    try:
        return Phrasebook.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise StandardError(str(path), 0, ".".join(map(str, err["loc"])), err["msg"]) from None
