"""Web fixtures: a prepared SQLite database (the samples, an untrusted call with a recording,
one user of each role), copied fresh for each test, and logged-in TestClients."""

from __future__ import annotations

import re
import shutil
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callqa.cli.demo import sample_calls
from callqa.model import Call
from callqa.standard import Engine
from callqa.store import open_database
from callqa.store.ingest import ingest
from callqa.store.users import create_user
from callqa.web import WebConfig, create_app

PASSWORDS = {"admin": "admin-pass", "lead": "lead-pass", "qa": "qa-passw", "agent1031": "agent-pass",
             "agent1024": "agent-pass"}
XSS = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss=2\">"
MOBILE = "13812345678"


def untrusted_call() -> Call:
    """An agent-1031 call whose transcript carries markup and a phone number, with a recording."""
    return Call.model_validate({
        "call_id": "web-untrusted", "channel": "phone", "direction": "inbound",
        "started_at": "2026-11-06T10:00:00+08:00", "agent_id": "1031", "team": "A",
        "events": [{"type": "ring", "t": 0.0}, {"type": "answer", "t": 2.0},
                   {"type": "hangup", "t": 30.0, "by": "agent"}],
        "utterances": [
            {"speaker": "agent", "start": 2.5, "end": 5.0, "text": "喂，什么事"},
            {"speaker": "customer", "start": 5.5, "end": 12.0, "text": f"{XSS} 我的手机号是{MOBILE}，帮我查一下"},
            {"speaker": "agent", "start": 12.5, "end": 16.0, "text": "不关我的事，你找别人去"},
            {"speaker": "customer", "start": 16.5, "end": 18.0, "text": "你什么态度"},
            {"speaker": "agent", "start": 18.5, "end": 20.0, "text": "就这样"},
        ],
        "audio": {"path": "rec/web-untrusted.wav"},
    })


def write_wav(path: Path, seconds: float = 32.0, rate: int = 8000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))



@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory, engine: Engine, fast_password_hashing: None) -> Path:
    folder = tmp_path_factory.mktemp("web")
    db = open_database(f"sqlite:///{folder / 'template.db'}")
    with db.transaction() as session:
        create_user(session, "admin", "admin", PASSWORDS["admin"])
        create_user(session, "lead", "supervisor", PASSWORDS["lead"])
        create_user(session, "qa", "qa", PASSWORDS["qa"], teams="A")
        create_user(session, "agent1031", "agent", PASSWORDS["agent1031"], agent_id="1031", teams="A")
        create_user(session, "agent1024", "agent", PASSWORDS["agent1024"], agent_id="1024", teams="A")
        report = ingest(session, [*sample_calls(), untrusted_call()], engine)
        assert not report.problems
    db.close()
    write_wav(folder / "audio" / "rec" / "web-untrusted.wav")
    return folder


@pytest.fixture
def config(prepared: Path, tmp_path: Path) -> WebConfig:
    shutil.copy(prepared / "template.db", tmp_path / "callqa.db")
    return WebConfig(db_url=f"sqlite:///{tmp_path / 'callqa.db'}", audio_dir=prepared / "audio")


@pytest.fixture
def app(config: WebConfig) -> Any:
    return create_app(config)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, name: str, password: str | None = None) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"name": name, "password": password or PASSWORDS[name],
                                           "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/calls").text)


@pytest.fixture
def client_for(app: Any) -> Callable[[str], tuple[TestClient, str]]:
    def make(name: str) -> tuple[TestClient, str]:
        client = TestClient(app)
        return client, login(client, name)

    return make
