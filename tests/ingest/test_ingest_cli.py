"""`callqa ingest`: mixed inputs joined per call; `join.align`; what is reported."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from callqa.cli import ingest as ingest_cli
from callqa.ingest.join import align, recording_key
from callqa.model import Call

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIRST = "1795316185.0"


def app() -> typer.Typer:
    cli = typer.Typer()
    ingest_cli.register(cli)

    @cli.command("version")  # a second command keeps `ingest` a subcommand
    def version() -> None:
        pass

    return cli


def voice_call(path: Path, duration: float, agent: tuple[float, float],
               customer: tuple[float, float]) -> None:
    """Stereo 8 kHz, customer left, agent right: a voice-like buzz (harmonics of a gliding
    pitch, syllable-rate loudness) where each one speaks, silence elsewhere."""
    rate = 8000
    t = np.arange(int(duration * rate)) / rate
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    buzz = sum(np.sin(k * phase) / k for k in range(1, 20))
    syllables = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    channels = [0.05 * buzz * syllables * ((t >= start) & (t < end))
                for start, end in (customer, agent)]
    data = (np.stack(channels, axis=1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())


@pytest.fixture
def centre(tmp_path: Path) -> Path:
    """What a centre hands over: PBX logs, a vendor transcript and a recording named after
    the call's uniqueid, one broken transcript, and PBX configuration."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "asterisk", folder)
    (folder / "queue_log").unlink()
    transcript = json.loads((FIXTURES / "asr" / "aliyun.json").read_text("utf-8"))
    (folder / f"{FIRST}.json").write_text(json.dumps(transcript, ensure_ascii=False), "utf-8")
    # the recording starts at answer (MixMonitor b option) and lasts until hangup: 11 s
    voice_call(folder / f"{FIRST}.wav", 11.0, agent=(1.0, 4.6), customer=(5.3, 7.6))
    (folder / "broken.json").write_text('{"TaskId": "x", "Result": {"Sentences": [{"BeginTime": 1',
                                         "utf-8")
    return folder


def test_ingest_joins_events_transcript_and_recording(centre, tmp_path):
    out = tmp_path / "calls.jsonl"
    result = CliRunner().invoke(app(), ["ingest", str(centre), "--out", str(out),
                                        "--roles", "0=customer,1=agent"])
    assert result.exit_code == 1, result.output  # the broken transcript was skipped
    assert "broken.json:" in result.stderr and "invalid JSON" in result.stderr
    calls = {c["call_id"]: Call.model_validate(c) for c in map(json.loads, out.open())}
    call = calls[FIRST]
    assert [e.type for e in call.events] == ["ring", "answer", "hold_start", "hold_end", "hangup"]
    assert call.event("hangup").by == "agent"
    assert call.event("answer").t - call.event("ring").t == pytest.approx(3.0, abs=0.5)
    # transcript and audio were on the recording's clock, which starts at answer (t = 3)
    assert call.meta["timeline"]["offset"] == 3.0
    assert call.utterances[0].start == pytest.approx(1.02 + 3.0)
    assert "role_mapping" not in call.meta  # --roles said which channel is whom
    segments = call.audio.features.segments
    assert [(s.speaker, round(s.start, 1)) for s in segments] == [("agent", 4.0),
                                                                 ("customer", 8.3)]
    assert call.audio.features.notes == []  # the mapping came from --roles
    assert any(s.startswith("transcript:aliyun:") for s in call.meta["sources"])
    assert "10683ca4ad3f4f06bdf6e9dd1ed7a3cf" in call.meta["ids"]  # the ASR task id
    # the second captured call has events only, and the table says so
    assert "1795316295.3" in calls and not calls["1795316295.3"].utterances
    assert "events without transcript" in result.stderr
    assert "2 calls written, 1 problems" in result.stderr


def test_ingest_to_stdout_without_audio(centre):
    (centre / "broken.json").unlink()
    result = CliRunner().invoke(app(), ["ingest", str(centre / "cel_custom_Master.csv"),
                                        str(centre / f"{FIRST}.wav"), "--no-audio"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    [call] = [c for c in lines if c["call_id"] == FIRST]
    assert "features" not in call["audio"] and call["audio"]["path"].endswith(f"{FIRST}.wav")


def test_roles_must_be_roles():
    result = CliRunner().invoke(app(), ["ingest", ".", "--roles", "0=boss"])
    assert result.exit_code == 2 and "ID=agent or ID=customer" in result.output


def test_missing_inputs_are_reported(tmp_path):
    result = CliRunner().invoke(app(), ["ingest", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_align_decides_where_the_recording_starts():
    def call(duration: float) -> Call:
        return Call.model_validate({
            "call_id": "c", "events": [{"type": "ring", "t": 0}, {"type": "answer", "t": 10},
                                       {"type": "hangup", "t": 70}],
            "utterances": [{"speaker": "agent", "text": "您好", "start": 1.0, "end": 2.0}],
            "meta": {"asr_duration": duration}})

    from_answer = align(call(60.5))
    assert from_answer.utterances[0].start == 11.0
    assert from_answer.meta["timeline"]["rule"].startswith("the recording starts at answer")
    from_ring = align(call(70.2))
    assert from_ring.utterances[0].start == 1.0
    assert align(call(70.2), "answer").utterances[0].start == 11.0


def test_recording_keys():
    assert recording_key("/var/spool/asterisk/monitor/1795316185.0.wav") == FIRST
    assert recording_key(f"{FIRST}.raw") == FIRST
    assert recording_key(FIRST) == FIRST
