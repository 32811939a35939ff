"""Shared fixtures: the default standard's engine and a way to write calls as transcripts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from argon2 import PasswordHasher

from callqa.model import Call
from callqa.standard import Engine, load_standard
from callqa.standard.ruletest import build_call
from callqa.store import users as users_module

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters for tests (production keeps argon2-cffi's defaults, ~0.2 s a hash)."""
    original = users_module._hasher
    users_module._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users_module._hasher = original


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
