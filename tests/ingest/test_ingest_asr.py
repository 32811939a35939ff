"""ASR vendor importers, each on a fixture written from the vendor's public documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callqa.errors import Problem
from callqa.ingest import ReadOptions, detect_format, read_calls
from callqa.model import Call

ASR = Path(__file__).resolve().parents[1] / "fixtures" / "asr"
AGENT_FIRST = ("您好，联合洲际客服中心", "你好，我想查一下我的订单")


def one(name: str, **options) -> Call:
    items = list(read_calls([ASR / name], options=ReadOptions(**options)))
    assert len(items) == 1, items
    assert isinstance(items[0], Call), items[0]
    return items[0]


def texts(call: Call) -> list[tuple[str, str]]:
    return [(u.speaker, u.text) for u in call.utterances]


@pytest.mark.parametrize(("name", "fmt", "call_id"), [
    ("aliyun.json", "aliyun", "10683ca4ad3f4f06bdf6e9dd1ed7a3cf"),
    ("tencent.json", "tencent", "1344462631"),
    ("iflytek.json", "iflytek", "DKHJQ202611221056257854"),
    ("funasr.json", "funasr", "c-0002"),
    ("whisperx.json", "whisper", "whisperx"),
    ("aws_segments.json", "aws-transcribe", "call-c-0004"),
    ("aws_items.json", "aws-transcribe", "call-c-0005"),
    ("aws_channels.json", "aws-transcribe", "call-c-0003"),
    ("call.srt", "srt", "call"),
    ("call.vtt", "vtt", "call"),
])
def test_each_vendor_reads_into_timed_turns(name, fmt, call_id):
    assert detect_format(ASR / name).name == fmt
    call = one(name)
    assert call.call_id == call_id and call.meta["source"] == fmt
    first, second = call.utterances[:2]
    assert (first.speaker, second.speaker) == ("agent", "customer")
    assert first.text.replace(",", "，").startswith(AGENT_FIRST[0])
    assert second.text.replace(",", "，").startswith(AGENT_FIRST[1])
    assert (first.start, first.end, second.start, second.end) == (1.02, 4.65, 5.3, 7.6)


def test_guessed_roles_are_said_and_configured_ones_are_not():
    guessed = one("aliyun.json")
    assert guessed.meta["role_mapping"] == "guessed: first speaker is the agent"
    assert guessed.meta["speakers"] == {"1": "agent", "0": "customer"}
    configured = one("aliyun.json", roles={"0": "customer", "1": "agent"})
    assert "role_mapping" not in configured.meta
    assert texts(configured) == texts(guessed)
    swapped = one("aliyun.json", roles={"0": "agent", "1": "customer"})
    assert swapped.utterances[0].speaker == "customer"
    # a number matches the vendor's spelled ids: spk_1, SPEAKER_01, ch_1
    assert one("aws_segments.json", roles={"0": "customer", "1": "agent"}).utterances[0].speaker \
        == "customer"
    assert one("whisperx.json", roles={"SPEAKER_01": "customer", "0": "agent"}).utterances[0] \
        .speaker == "customer"


def test_outbound_guess_is_the_callee_first():
    call = one("tencent.json", direction="outbound")
    assert call.direction == "outbound"
    assert call.utterances[0].speaker == "customer"
    assert call.meta["role_mapping"] == "guessed: first speaker is the customer (the callee answers)"


def test_vendor_details_are_kept():
    aliyun = one("aliyun.json")
    assert aliyun.meta["asr_duration"] == 14.2
    assert aliyun.utterances[0].meta == {"speech_rate": 280, "emotion_value": 6.5,
                                         "silence_duration": 1}
    # Aliyun lists one channel after the other; the call reads in time order.
    assert [u.start for u in aliyun.utterances] == [1.02, 5.3, 8.9, 12.8]
    assert one("tencent.json").utterances[0].meta["speech_speed"] == 4.6
    assert one("funasr.json").utterances[1].text == "你好，我想查一下我的订单。"  # spaces dropped
    assert one("iflytek.json").utterances[0].text == "您好，联合洲际客服中心，1024号为您服务。"


def test_subtitle_tags():
    srt = one("call.srt", roles={"0": "agent", "1": "customer"})
    assert texts(srt)[2:] == [("agent", "好的，请您稍等"), ("agent", "我帮您查一下")]
    vtt = one("call.vtt")
    assert "role_mapping" not in vtt.meta  # 坐席 / 客户 are roles already
    assert texts(vtt)[2:] == [("agent", "好的，请您稍等"), ("customer", "好的")]


def test_no_speaker_labels_is_a_problem_not_a_guess():
    items = list(read_calls([ASR / "whisper_plain.json"]))
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert "no speaker or channel labels" in items[0].message


def test_bad_vendor_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"TaskId": "t1", "Result": {"Sentences": [ {"BeginTime": 1,', "utf-8")
    [problem] = read_calls([broken], fmt="aliyun")
    assert isinstance(problem, Problem) and "invalid JSON at line 1" in problem.message
    failed = tmp_path / "failed.json"
    failed.write_text('{"TaskId": "t2", "StatusText": "FILE_DOWNLOAD_FAILED", '
                      '"Result": {"Sentences": [], "BeginTime": 0}}', "utf-8")
    [problem] = read_calls([failed])
    assert isinstance(problem, Problem) and "FILE_DOWNLOAD_FAILED" in problem.message
    gbk = tmp_path / "gbk.json"
    gbk.write_bytes('{"Response": {"Data": {"TaskId": 7, "Status": 2, "ResultDetail": ['
                    '{"FinalSentence": "您好", "StartMs": 0, "EndMs": 900, "SpeakerId": 0}, '
                    '{"FinalSentence": "你好", "StartMs": 1000, "EndMs": 1900, "SpeakerId": 1}'
                    ']}}}'.encode("gbk"))
    [call] = read_calls([gbk])
    assert isinstance(call, Call) and call.utterances[0].text == "您好"


def test_one_label_is_guessed_and_said(tmp_path):
    silent = tmp_path / "silent.json"  # a silent call: only the agent's channel has speech
    silent.write_text('{"TaskId": "s1", "StatusText": "SUCCESS", "Result": {"Sentences": ['
                      '{"BeginTime": 500, "EndTime": 2500, "Text": "您好，请讲", "ChannelId": 1},'
                      '{"BeginTime": 6000, "EndTime": 9000, "Text": "听不到您的声音，请您稍后再拨，再见",'
                      ' "ChannelId": 1}]}}', "utf-8")
    [call] = read_calls([silent])
    assert [u.speaker for u in call.utterances] == ["agent", "agent"]
    assert call.meta["role_mapping"].endswith("only one speaker label (1) in the transcript")


def test_iflytek_without_role_separation_is_refused(tmp_path):
    document = json.loads((ASR / "iflytek.json").read_text("utf-8"))
    result = json.loads(document["content"]["orderResult"])
    for item in result["lattice"]:
        best = json.loads(item["json_1best"])
        best["st"]["rl"] = "0"  # what LFASR writes when role separation is off
        item["json_1best"] = json.dumps(best, ensure_ascii=False)
    document["content"]["orderResult"] = json.dumps(result, ensure_ascii=False)
    path = tmp_path / "ifly.json"
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    [problem] = read_calls([path])
    assert isinstance(problem, Problem) and problem.field == "speaker"
