"""Shared fixtures: the default standard's engine and a way to write calls as transcripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

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


def skip_unless_strict(reason: str, *, module: bool = False) -> NoReturn:
    """Skip a test whose system dependency is missing — but fail in CI (`CALLQA_STRICT=1`,
    set by .ci/run), where a missing PostgreSQL, chromium or espeak-ng is a broken setup,
    not a reason to pass."""
    if os.environ.get("CALLQA_STRICT"):
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module)
