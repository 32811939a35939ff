"""A recording with no transcript: the timing checkpoints are decided from the sound.

The synthetic call (tests/audio/synth_calls.py) has 4 s of dead air after answer, a 12 s
silence, the agent talking over the customer for 1.5 s and one agent turn 14 dB louder
than the others. Ingested as an audio-only call and checked with the default standard,
those four checkpoints must fail with times as evidence, and the text checkpoints must be
`na` (there is no transcript to judge).
"""

from __future__ import annotations

from callqa.audio import analyze_call
from callqa.model import Call
from tests.audio.synth_calls import DEAD_AIR


def _audio_only(path, answer_at: float) -> Call:
    return Call.model_validate({
        "call_id": "audio-only", "channel": "phone", "direction": "inbound",
        "events": [{"type": "ring", "t": 0.0}, {"type": "answer", "t": answer_at}],
        "audio": {"path": str(path), "channels": {"customer": 0, "agent": 1}},
    })


def test_audio_only_call_gets_its_timing_checkpoints_from_sound(synth, engine):
    synthetic = synth["clean"]
    first_agent = min(t.start for t in synthetic.turns if t.speaker == "agent")
    call = analyze_call(_audio_only(synthetic.path, first_agent - DEAD_AIR))
    result = engine.check(call)
    status = {o.id: o for o in result.checkpoints}
    for checkpoint_id in ("open.dead_air_at_start", "talk.no_interrupt", "hold.no_dead_air",
                          "talk.volume"):
        assert status[checkpoint_id].status == "fail", checkpoint_id
        assert status[checkpoint_id].evidence[0].t is not None
    dead_air = status["open.dead_air_at_start"].evidence[0].text
    assert f"{DEAD_AIR - 0.3:.1f}" <= dead_air.split("后 ")[1][:3] <= f"{DEAD_AIR + 0.3:.1f}"
    for text_checkpoint in ("open.greeting", "forbidden.arrogant", "special.silent_call",
                            "close.thanks_goodbye", "talk.confirm_understanding"):
        assert status[text_checkpoint].status == "na", text_checkpoint


def test_a_prompt_answer_and_no_long_silence_pass(synth, engine):
    synthetic = synth["clean"]
    first_agent = min(t.start for t in synthetic.turns if t.speaker == "agent")
    call = analyze_call(_audio_only(synthetic.path, first_agent - 1.0))
    assert engine.check(call).outcome("open.dead_air_at_start").status == "pass"


def test_mono_recording_cannot_tell_who_speaks(synth, engine):
    synthetic = synth["mono"]
    call = analyze_call(_audio_only(synthetic.path, 1.0))
    result = engine.check(call)
    for checkpoint_id in ("talk.no_interrupt", "talk.volume", "open.dead_air_at_start"):
        assert result.outcome(checkpoint_id).status == "na", checkpoint_id
