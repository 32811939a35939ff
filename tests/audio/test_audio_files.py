"""Reading recordings: PCM, G.711 (checked against sox), other rates, the real Asterisk one."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from callqa.audio import AudioError, analyze, analyze_call, read_wav
from callqa.audio.g711 import ALAW, ULAW
from callqa.model import Audio, Call

ASTERISK = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "asterisk"
needs_sox = pytest.mark.skipif(shutil.which("sox") is None,
                               reason="needs sox (apt-get install sox)")


def sox(*args: str | Path) -> None:
    subprocess.run(["sox", *map(str, args)], check=True, capture_output=True)


@needs_sox
@pytest.mark.parametrize("encoding", ["u-law", "a-law"])
def test_g711_decodes_like_sox(synth, tmp_path, encoding):
    coded, back = tmp_path / "coded.wav", tmp_path / "back.wav"
    sox(synth["clean"].path, "-e", encoding, "-b", "8", coded)
    sox(coded, "-e", "signed-integer", "-b", "16", back)
    ours, theirs = read_wav(coded), read_wav(back)
    assert ours.encoding == ("ulaw" if encoding == "u-law" else "alaw")
    assert ours.rate == 8000 and ours.channels == 2
    assert np.array_equal(ours.samples, theirs.samples)
    segments = analyze(coded, {"customer": 0, "agent": 1}).segments
    assert len(segments) == len(synth["clean"].turns)


def test_g711_tables_are_symmetric_and_span_the_range():
    assert ULAW.min() == -32124 and ULAW.max() == 32124
    assert ALAW.min() == -32256 and ALAW.max() == 32256
    flipped = np.arange(256) ^ 0x80  # the sign bit
    assert np.array_equal(ULAW, -ULAW[flipped]) and np.array_equal(ALAW, -ALAW[flipped])
    assert ULAW[0xFF] == 0 and ALAW[0xD5] == 8  # μ-law silence; A-law's smallest step


@needs_sox
@pytest.mark.parametrize("rate", [16000, 22050])
def test_other_sample_rates(synth, tmp_path, rate, f1):
    path = tmp_path / f"call-{rate}.wav"
    sox(synth["clean"].path, "-r", str(rate), path)
    call = synth["clean"]
    assert f1(call.turns, analyze(path, {"customer": 0, "agent": 1}).segments,
              call.duration) >= 0.9


def test_not_a_wav(tmp_path):
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"not a recording at all")
    with pytest.raises(AudioError, match=r"x\.wav"):
        read_wav(bad)


def test_analyze_call_resolves_relative_paths_and_reports_missing(tmp_path):
    path = tmp_path / "rec" / "c1.wav"
    path.parent.mkdir()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 2 * 8000)
    call = analyze_call(Call(call_id="c1", audio=Audio(path="rec/c1.wav")), base_dir=tmp_path)
    assert call.audio.features is not None and call.audio.features.duration == 1.0
    assert call.audio.features.segments == []
    gone = analyze_call(Call(call_id="c2", audio=Audio(path="rec/none.wav")), base_dir=tmp_path)
    assert gone.audio.features is None and "not found" in gone.audio.meta["error"]


@pytest.fixture
def asterisk_wav() -> Path:
    path = ASTERISK / "stereo.wav"
    if not path.exists():
        pytest.skip(f"the shared Asterisk fixture is not here ({path})")
    return path


def test_real_asterisk_recording(asterisk_wav):
    recording = read_wav(asterisk_wav)
    assert (recording.rate, recording.channels) == (8000, 2)
    spectrum = [np.abs(np.fft.rfft(recording.channel(c)[:8000].astype(float))) for c in (0, 1)]
    assert [int(np.argmax(s)) for s in spectrum] == [440, 880]  # 1 Hz bins over one second
    features = analyze(asterisk_wav, {"customer": 0, "agent": 1})
    assert features.notes == [] and features.duration == pytest.approx(11.02)
    by_role = {s.speaker: s for s in features.segments}
    assert len(features.segments) == 2  # each tone is one continuous "utterance"
    for segment in by_role.values():
        assert segment.start < 0.1 and segment.end == pytest.approx(11.02, abs=0.03)
        assert segment.level == pytest.approx(-9.0, abs=0.5)
    assert analyze(asterisk_wav).notes[0].startswith("channel mapping guessed: customer=0")
