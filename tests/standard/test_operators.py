"""Each operator on its own: built from YAML, evaluated on a small call."""

import pytest

from callqa.standard.conditions import Compiler
from callqa.standard.context import CallContext
from callqa.standard.variables import Variables
from callqa.standard.yamlio import load_yaml
from callqa.text.phrases import Lexicon
from tests.conftest import call_of


def run(condition_yaml: str, transcript: str = "", **fields):
    """(ok, [(utterance, matched text or label)]) of one condition on one call."""
    lexicon = Lexicon()
    compiler = Compiler(lexicon, Variables({"x": ["稍等"]}), {})
    cond = compiler.condition(load_yaml(condition_yaml, "t.yaml"), "c")
    lexicon.compile()
    ctx = CallContext(call_of(transcript, **fields), lexicon)
    m = cond.evaluate(ctx, ctx.whole)
    out = []
    for h in m.hits:
        if h.utt is None:
            out.append((None, h.label))
        else:
            lo, hi = ctx.norm[h.utt].span(h.start, min(h.end, len(ctx.norm[h.utt].text)))
            out.append((h.utt, h.label or ctx.call.utterances[h.utt].text[lo:hi]))
    return m.ok, out


CHAT = "客户：在吗\n坐席：亲您好，请稍等\n坐席：正在为您查询\n客户：好的谢谢"


def test_phrases_any_all_none_min_exclude():
    assert run("phrases: [稍等, 查询]", CHAT) == (True, [(1, "稍等"), (2, "查询")])
    assert run("{role: customer, phrases: [稍等]}", CHAT) == (False, [])
    assert run("phrases: {all: [[您好, 你好], 稍等]}", CHAT)[0] is True
    assert run("phrases: {all: [您好, 查询]}", CHAT)[0] is False          # not in one turn
    assert run("phrases: {all: [您好, 查询], same_turn: false}", CHAT)[0] is True
    assert run("phrases: {none: [投诉]}", CHAT) == (True, [])
    assert run("phrases: {none: [查询]}", CHAT)[0] is False
    assert run("phrases: {any: [稍等, 查询], min: 3}", CHAT)[0] is False
    assert run("phrases: {any: [稍等], exclude: [亲]}", CHAT)[0] is False
    assert run("phrases: \"{x}\"", CHAT)[0] is True                      # variable


def test_phrases_match_asr_homophones_unless_turned_off():
    asr = "坐席：您烧等我帮您茶询一下"
    assert run("phrases: [稍等]", asr)[0] is True
    assert run("phrases: {any: [稍等], homophones: false}", asr)[0] is False


def test_scope_role_first_last():
    assert run("{role: agent, first: 1, phrases: [查询]}", CHAT)[0] is False
    assert run("{role: agent, last: 1, phrases: [查询]}", CHAT)[0] is True
    assert run("{last: 1, role: customer, turns: 1}", CHAT)[0] is True


def test_regex_normalised_raw_and_exclusion():
    t = "坐席：您好，幺零二四号为您服务\n坐席：宝宝喂养要注意"
    assert run(r"regex: '\d{4}号'", t) == (True, [(0, "幺零二四号")])
    assert run(r"regex: {pattern: '\d{4}号', raw: true}", t)[0] is False
    assert run("regex: {pattern: 喂, exclude: 喂养}", t)[0] is False


def test_turns_counts_turns_with_content():
    assert run("{role: customer, turns: {min: 2}}", CHAT)[0] is True
    assert run("{role: customer, turns: {min: 1, max: 1}}", CHAT)[0] is False


def test_after_and_before_windows():
    t = "客户：我要查订单\n坐席：请您稍等\n客户：好\n坐席：感谢您的耐心等待\n坐席：再见"
    # relation: every hold request is followed by thanks within 1 agent turn
    assert run("after: {of: {phrases: [稍等]}, turns: 1, role: agent, for: each}\n"
               "phrases: [感谢您的耐心等待]", t)[0] is True
    assert run("after: {of: {phrases: [稍等]}, turns: 1, role: agent}\nphrases: [再见]", t)[0] is False
    assert run("before: {of: {phrases: [感谢]}, turns: 1, role: customer}\nphrases: [好]", t)[0] is True


def test_keep_and_drop_filter_hits_by_their_surroundings():
    t = "客户：麻烦帮我查一下谢谢\n坐席：好的\n客户：太感谢了"
    ok, hits = run("role: customer\nphrases: [谢谢, 感谢]\ndrop: {phrases: [麻烦]}", t)
    assert ok and hits == [(2, "感谢")]
    ok, hits = run("role: customer\nphrases: [谢谢, 感谢]\n"
                   "keep: {before: {turns: 1, role: agent}, phrases: [好的]}", t)
    assert hits == [(2, "感谢")]


def test_all_any_not_propagate_unknown_signals():
    t = "坐席：您好"
    # no events at all: the event operator cannot know → unknown, and so is `not`
    assert run("event: {type: hangup, by: agent}", t)[0] is None
    assert run("not: {event: answer}", t)[0] is None
    assert run("any: [{event: answer}, {phrases: [您好]}]", t)[0] is True
    assert run("all: [{event: answer}, {phrases: [再见]}]", t)[0] is False


EVENTS = [{"type": "ring", "t": 0}, {"type": "answer", "t": 18}, {"type": "hangup", "t": 60, "by": "agent"}]


def test_event_and_duration():
    assert run("event: {type: hangup, by: agent}", "坐席：您好", events=EVENTS)[0] is True
    assert run("event: {type: hangup, by: customer}", "坐席：您好", events=EVENTS)[0] is False
    ok, hits = run("duration: {from: ring, to: answer, over: 15}", "坐席：您好", events=EVENTS)
    assert ok and hits == [(None, "ring→answer 18.0 秒")]
    assert run("duration: {from: answer, to: hangup, under: 30}", "坐席：您好", events=EVENTS)[0] is False


def test_response_delay_from_transcript_times():
    t = "[00:22.5-00:25.0] 坐席：您好"
    ok, hits = run("response_delay: 3", t, events=EVENTS)
    assert ok and hits[0][0] == 0 and "4.5 秒" in hits[0][1]
    assert run("response_delay: 5", t, events=EVENTS)[0] is False
    assert run("response_delay: 3", "坐席：您好", events=EVENTS)[0] is None  # no times


def test_silence_overlap_and_speech_rate():
    t = ("[00:01.0-00:05.0] 坐席：您好联合洲际客服中心请问有什么可以帮您\n"
         "[00:04.0-00:09.0] 客户：我想问一下我的话费为什么这么多\n"
         "[00:07.0-00:09.5] 坐席：您先听我说好吗这个\n"
         "[00:21.0-00:23.0] 坐席：查到了")
    ok, hits = run("silence: 10", t)
    assert ok and "静默 11.5 秒" in hits[0][1]
    assert run("silence: 12", t)[0] is False
    ok, hits = run("overlap: {over: 1.0, role: agent}", t)
    assert ok and hits[0][0] == 2                         # the agent talked over the customer
    assert run("speech_rate: {outside: [180, 280], min_chars: 5}", t)[0] is False  # 35 chars / 9.5 s
    assert run("speech_rate: {outside: [100, 200], min_chars: 5}", t)[0] is True


def test_overlap_ignores_backchannels():
    t = "[00:01.0-00:09.0] 客户：我想问一下我的话费为什么这么多\n[00:03.0-00:05.0] 坐席：是的是的"
    assert run("overlap: 1.0", t)[0] is False


def test_audio_features_give_timing_and_level_without_a_transcript():
    features = {"duration": 60, "stereo": True, "segments": [
        {"speaker": "agent", "start": 8.0, "end": 12.0, "level": -20},
        {"speaker": "customer", "start": 12.5, "end": 20.0, "level": -22},
        {"speaker": "agent", "start": 35.0, "end": 40.0, "level": -4}]}
    audio = {"path": None, "features": features}
    assert run("silence: 10", "坐席：您好\n客户：你好\n坐席：好的", audio=audio)[0] is True
    answered = [{"type": "ring", "t": 0}, {"type": "answer", "t": 6}]
    assert run("response_delay: 3", "坐席：您好", audio=audio, events=answered)[0] is False
    assert run("response_delay: 1", "坐席：您好", audio=audio, events=answered)[0] is True
    ok, hits = run("level: {outside: [-35, -6], jump: 12}", "坐席：您好", audio=audio)
    assert ok and "音量突变" in hits[0][1]
    assert run("level: {outside: [-35, -6]}", "坐席：您好")[0] is None  # no recording


def test_local_time_holiday_meta_call():
    assert run("local_time: ['07:30-12:30', '14:00-21:00']", started_at="2026-11-02T13:00:00+08:00")[0]
    assert not run("local_time: ['07:30-12:30']", started_at="2026-11-02T10:00:00+08:00")[0]
    # 10:00 UTC is 18:00 in China: naive means +08:00, aware times keep their own offset
    assert run("local_time: ['07:30-12:30']", started_at="2026-11-02T10:00:00+00:00")[0] is False
    assert run("local_time: ['07:30-12:30']")[0] is None
    assert run("holiday: {dates: {国庆: [2026-10-01..2026-10-07]}}", started_at="2026-10-03T09:00:00")[1] == \
        [(None, "2026-10-03 国庆")]
    assert run("holiday: [2026-10-01]", started_at="2026-10-02T09:00:00")[0] is False
    assert run("meta: {key: callback_of}", meta={"callback_of": "c1"})[0] is True
    assert run("meta: {key: called_back, equals: false}", meta={"called_back": False})[0] is True
    assert run("call: {direction: outbound}", direction="outbound")[0] is True


def test_addresses_customer_uses_the_surname_when_known():
    assert run("addresses_customer: {}", "客户：我姓王\n坐席：好的王先生")[0] is True
    assert run("addresses_customer: {}", "客户：我姓王\n坐席：好的先生")[0] is False
    assert run("addresses_customer: {}", "客户：查话费\n坐席：好的女士")[0] is True
    assert run("addresses_customer: {}", "客户：查话费\n坐席：谢谢先生")[0] is True   # 谢谢 is no surname
    assert run("addresses_customer: {}", "客户：查话费\n坐席：好的")[0] is False


HOLD_YAML = ("hold: {spoken: {role: agent, phrases: [请稍等, 稍等, 我帮您查]}, "
             "continues: {phrases: [好吗, 查询]}}")


def test_hold_episodes_spoken_same_turn_and_pbx():
    ok, hits = run(HOLD_YAML, "坐席：请您稍等，我帮您查询一下好吗\n坐席：还在查，请稍等\n坐席：查到了")
    assert ok and len(hits) == 1                       # the second turn continues the hold
    ok, hits = run(HOLD_YAML, "坐席：请稍等…已经为您取消了", channel="chat")
    assert ok and len(hits) == 1
    t = "[00:05.0-00:08.0] 坐席：请您稍等好吗\n[00:30.0-00:32.0] 坐席：感谢您的耐心等待"
    pbx = [{"type": "hold_start", "t": 9}, {"type": "hold_end", "t": 29.5}]
    ok, hits = run(HOLD_YAML, t, events=pbx)
    assert ok and len(hits) == 1 and hits[0][0] == 0   # announced by turn 0, not a second hold
    assert run(HOLD_YAML.replace("}}", "}, max_gap_over: 15}"), t, events=pbx)[0] is True
    assert run(HOLD_YAML.replace("}}", "}, longer_than: 30}"), t, events=pbx)[0] is False


@pytest.mark.parametrize("events, outcome, expected", [
    ([{"type": "transfer", "t": 10, "target": "技术部", "ok": False}], "failed", True),
    ([{"type": "transfer", "t": 10, "target": "技术部", "ok": True}], "failed", False),
    ([{"type": "transfer", "t": 10, "target": "技术部", "ok": True}], "succeeded", True),
])
def test_transfer_outcome_from_events(events, outcome, expected):
    t = "[00:05.0-00:08.0] 坐席：我帮您转接技术部，请稍等"
    cond = f"transfer: {{spoken: {{phrases: [转接]}}, outcome: {outcome}}}"
    assert run(cond, t, events=events)[0] is expected


def test_transfer_failure_spoken():
    t = "坐席：我帮您转接技术部请稍等\n坐席：很抱歉转接不成功"
    cond = "transfer: {spoken: {phrases: {any: [转接], exclude: [不成功]}}, failed: {phrases: [不成功]}, outcome: failed}"
    assert run(cond, t)[0] is True


def test_similar_finds_paraphrases_of_the_examples():
    examples = "similar: {to: [请问还有其他可以帮您的吗, 您看还有别的问题吗], threshold: 0.3}"
    assert run(examples, "坐席：您还有其他问题吗")[0] is True
    assert run(examples, "坐席：您的订单明天送达")[0] is False


def test_act_operator_uses_the_dialog_act_model():
    assert run("{role: agent, act: offer_help}", "坐席：您好，请问有什么可以帮您")[0] is True
    assert run("{role: agent, act: offer_help}", "坐席：您的快递明天到")[0] is False
    assert run("{role: customer, act: offer_help}", "坐席：您好，请问有什么可以帮您")[0] is False


def test_emotion_and_pii_operators():
    assert run("{role: customer, emotion: angry}", "客户：你们这什么破服务，气死我了，我要投诉！")[0] is True
    assert run("{role: customer, emotion: angry}", "客户：好的，谢谢你")[0] is False
    assert run("pii: [mobile]", "坐席：我的手机是13812345678")[1] == [(0, "13812345678")]
    assert run("pii: {kinds: [mobile], not_said_by: customer}",
               "客户：我号码13812345678\n坐席：13812345678对吧")[0] is False


def test_text_operators_are_unknown_without_a_transcript():
    assert run("phrases: [您好]", "", events=EVENTS)[0] is None
    assert run("not: {role: customer, turns: 1}", "", events=EVENTS)[0] is None
