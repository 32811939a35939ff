"""Shared fixtures: the default standard's engine and a way to write calls as transcripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callqa.model import Call
from callqa.standard import Engine, load_standard
from callqa.standard.ruletest import build_call

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(load_standard("default"))


def call_of(transcript: str, **fields: Any) -> Call:
    """A call from `坐席：…` / `客户：…` lines plus interchange-format fields."""
    return build_call(transcript, fields, fields.pop("call_id", "t"))


def verdict(engine: Engine, checkpoint_id: str, transcript: str, **fields: Any) -> str:
    result = engine.check(call_of(transcript, **fields))
    outcome = result.outcome(checkpoint_id)
    assert outcome is not None, checkpoint_id
    return outcome.status
