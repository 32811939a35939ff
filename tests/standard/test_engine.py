"""The engine end to end on the default standard: outcomes, evidence, scoring, live sessions."""

import json

from callqa.cli.demo import sample_calls
from callqa.model import Call, Utterance
from callqa.standard import Engine
from tests.conftest import call_of, verdict

GOOD = """[00:07.0-00:12.0] 坐席：您好，联合洲际客服中心，1024号为您服务，请问有什么可以帮您？
[00:12.5-00:16.0] 客户：我姓王，想问一下话费
[00:16.5-00:22.0] 坐席：王先生您好，您是想查询本月的话费对吗？
[00:22.5-00:23.0] 客户：对
[00:23.5-00:27.0] 坐席：好的，感谢您的来电，请问还有其他可以帮您的吗
[00:27.5-00:28.5] 客户：没有了
[00:29.0-00:33.0] 坐席：感谢您的来电，祝您生活愉快，再见"""
EVENTS = [{"type": "ring", "t": 0}, {"type": "answer", "t": 6}, {"type": "hangup", "t": 35, "by": "customer"}]


def test_every_checkpoint_appears_for_every_call(engine):
    for call in sample_calls():
        result = engine.check(call)
        assert [o.id for o in result.checkpoints] == [c.id for c in engine.checkpoints]
        assert all(o.status in ("pass", "fail", "na") for o in result.checkpoints)
        assert all(0 <= o.confidence <= 1 for o in result.checkpoints)


def test_a_good_call_passes_with_full_marks(engine):
    result = engine.check(call_of(GOOD, events=EVENTS))
    assert [o.id for o in result.checkpoints if o.status == "fail"] == []
    assert result.score == 100 and result.passed and not result.fatal


def test_missing_signals_give_na_never_fail(engine):
    bare = call_of("坐席：您好，联合洲际客服中心，1024号为您服务，请问有什么可以帮您？")
    result = engine.check(bare)
    for checkpoint_id in ("open.answer_promptly", "open.dead_air_at_start", "talk.no_interrupt",
                          "talk.speech_rate", "talk.volume", "hold.no_dead_air",
                          "close.customer_hangs_up_first", "out.call_window"):
        assert result.outcome(checkpoint_id).status == "na", checkpoint_id


def test_fatal_zeroes_the_score_and_deductions_add_up(engine):
    rude = GOOD.replace("好的，感谢您的来电", "你问我我问谁，感谢您的来电")
    result = engine.check(call_of(rude, events=EVENTS))
    assert result.fatal and result.score == 0 and not result.passed
    late = [{"type": "ring", "t": 0}, {"type": "answer", "t": 6.9 + 14}, *EVENTS[2:]]
    shifted = call_of(GOOD, events=late)  # answered after 20.9 s: two minor/major fails
    result = engine.check(shifted)
    failed = {o.id: o.points for o in result.checkpoints if o.status == "fail"}
    assert failed == {"open.answer_promptly": -5, "open.apologize_for_wait": -3}
    assert result.score == 92 and result.passed


def test_bonus_adds_points(engine):
    holiday = GOOD.replace("祝您生活愉快", "祝您国庆快乐")
    result = engine.check(call_of(holiday, events=EVENTS, started_at="2026-10-02T10:00:00+08:00"))
    assert result.outcome("bonus.holiday_greeting").status == "pass"
    assert result.score == 102


def test_evidence_points_into_the_original_text(engine):
    text = "客户：我要查订单\n坐席：你 有 完 没 完 啊"
    outcome = engine.check(call_of(text)).outcome("forbidden.arrogant")
    assert outcome.status == "fail" and outcome.severity == "fatal"
    e = outcome.evidence[0]
    original = "你 有 完 没 完 啊"
    assert e.utterance == 1 and original[e.span[0]:e.span[1]] == e.text == "你 有 完 没 完"


def test_result_json_is_format_v1(engine):
    line = engine.check(call_of(GOOD, events=EVENTS, call_id="c-9")).to_json()
    data = json.loads(line)
    assert {"call_id", "standard", "score", "passed", "fatal", "checkpoints"} <= set(data)
    assert data["standard"] == "default@1"
    assert data["checkpoints"][0] == {"id": "open.answer_promptly", "status": "pass", "confidence": 1.0}


def test_for_each_hold_every_hold_needs_thanks(engine):
    two_holds = ("坐席：请您稍等，我帮您查询一下好吗？\n坐席：感谢您的耐心等待，查到了\n"
                 "客户：那再帮我查下积分\n坐席：请您稍等，我帮您查一下好吗？\n坐席：您有三千积分")
    assert verdict(engine, "hold.thank_after", two_holds) == "fail"
    assert verdict(engine, "hold.thank_after", two_holds.replace("您有三千", "让您久等了，您有三千")) == "pass"


def _grow(engine: Engine, call: Call):
    header = call.model_copy(update={"utterances": []}, deep=True)
    session = engine.session(header)
    for u in call.utterances:
        session.add_utterance(Utterance.model_validate(u.model_dump()))
    return session


def test_incremental_and_whole_call_evaluation_agree(engine):
    for call in sample_calls():
        assert _grow(engine, call).finish() == engine.check(call), call.call_id


def test_live_session_flags_forbidden_language_when_said(engine):
    session = engine.session(Call(call_id="live", channel="phone"))
    assert session.add_utterance(Utterance(speaker="agent", text="您好，请问有什么可以帮您")) == []
    assert session.add_utterance(Utterance(speaker="customer", text="我要退款")) == []
    flagged = session.add_utterance(Utterance(speaker="agent", text="这是规定，我也没办法"))
    assert [o.id for o in flagged] == ["forbidden.shirk"]
    assert session.snapshot().outcome("forbidden.shirk").status == "fail"
