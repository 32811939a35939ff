"""`callqa transcribe`: error paths, and the wiring with a fake engine (no model installed)."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from callqa.audio import transcribe as engines
from callqa.cli import transcribe as transcribe_cli
from tests.audio.synth_calls import voice_call

AGENT, CUSTOMER = [(1.0, 3.0), (6.0, 8.0)], [(3.5, 5.5)]


def app() -> typer.Typer:
    cli = typer.Typer()
    transcribe_cli.register(cli)

    @cli.command("version")
    def version() -> None:
        pass

    return cli


class FakeEngine:
    """Says how much audio it heard; checks it gets 16 kHz float samples."""

    def __init__(self, model, language) -> None:
        self.model, self.language = model, language

    def transcribe(self, audio: np.ndarray) -> list[tuple[float, float, str]]:
        assert audio.dtype == np.float32 and np.abs(audio).max() <= 1.0
        seconds = len(audio) / 16000
        return [(0.0, seconds, f"听到{seconds:.1f}秒")]


@pytest.fixture
def recording(tmp_path):
    path = tmp_path / "c-0001.wav"
    voice_call(path, 9.0, agent=AGENT, customer=CUSTOMER)
    return path


def test_model_path_must_exist(recording, tmp_path):
    result = CliRunner().invoke(app(), ["transcribe", str(recording), "--engine", "funasr",
                                        "--model", str(tmp_path / "no-model")])
    assert result.exit_code == 2
    assert "model path does not exist" in result.stderr and "never downloads" in result.stderr


@pytest.mark.parametrize(("engine", "module", "extra"), [
    ("funasr", "funasr", "callqa[funasr]"), ("faster-whisper", "faster_whisper", "callqa[whisper]")])
def test_missing_extra_says_what_to_install(recording, tmp_path, engine, module, extra):
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed here")
    result = CliRunner().invoke(app(), ["transcribe", str(recording), "--engine", engine,
                                        "--model", str(tmp_path)])
    assert result.exit_code == 2 and f"pip install {extra}" in result.stderr


def test_unknown_engine(recording, tmp_path):
    result = CliRunner().invoke(app(), ["transcribe", str(recording), "--engine", "kaldi",
                                        "--model", str(tmp_path)])
    assert result.exit_code == 2 and "unknown engine 'kaldi'" in result.stderr


def test_each_channel_is_transcribed_with_its_role(recording, tmp_path, monkeypatch):
    monkeypatch.setitem(engines.ENGINES, "funasr", FakeEngine)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app(), ["transcribe", str(recording), "--model", str(tmp_path),
                                        "--roles", "0=customer,1=agent", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [call] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert call["call_id"] == "c-0001"
    said = [(u["speaker"], round(u["start"], 1), round(u["end"], 1), u["text"])
            for u in call["utterances"]]
    assert said == [("agent", 1.0, 3.0, "听到2.0秒"), ("customer", 3.5, 5.5, "听到2.0秒"),
                    ("agent", 6.0, 8.0, "听到2.0秒")]
    assert call["audio"]["channels"] == {"customer": 0, "agent": 1}


def test_mono_is_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(engines.ENGINES, "funasr", FakeEngine)
    mono = tmp_path / "mono.wav"
    voice_call(mono, 9.0, agent=AGENT, customer=CUSTOMER, channels=1)
    result = CliRunner().invoke(app(), ["transcribe", str(mono), "--model", str(tmp_path)])
    assert result.exit_code == 1 and "one channel per party" in result.stderr
