"""Readers: JSONL (also gzip), text transcripts, CSV; encodings; errors with file:line:field."""

import gzip
import json

from callqa.errors import Problem
from callqa.ingest import ReadOptions, read_calls
from callqa.model import Call

CALL = {"call_id": "c-1", "utterances": [{"speaker": "agent", "text": "您好", "start": 0, "end": 1}]}


def _split(items):
    items = list(items)
    return [x for x in items if isinstance(x, Call)], [x for x in items if isinstance(x, Problem)]


def test_jsonl_bad_records_are_reported_and_skipped(tmp_path):
    path = tmp_path / "calls.jsonl"
    lines = [json.dumps(CALL), "{not json", "", json.dumps({"call_id": "c-2", "utterances": [
        {"speaker": "agent", "text": "x", "start": 5, "end": 2}]}), json.dumps({**CALL, "call_id": "c-3"})]
    path.write_text("\n".join(lines), encoding="utf-8")
    calls, problems = _split(read_calls([path]))
    assert [c.call_id for c in calls] == ["c-1", "c-3"]
    assert [(p.line, p.field) for p in problems] == [(2, None), (4, "utterances.0")]
    assert str(problems[0]).startswith(f"{path}:2: invalid JSON")
    assert "end (2.0) is before start (5.0)" in str(problems[1])


def test_gzip_jsonl_is_read_by_content(tmp_path):
    path = tmp_path / "calls.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps(CALL, ensure_ascii=False) + "\n")
    calls, problems = _split(read_calls([path]))
    assert [c.call_id for c in calls] == ["c-1"] and not problems


TRANSCRIPT = """=== call c-7 ===
坐席工号：1024
方向：呼入
[00:08.0-00:11.2] 坐席：您好，联合洲际客服中心，1024号为您服务
[00:11.9-00:15.0] 客户: 你好我想查一下
我的订单
=== call c-8 ===
A：您好
00:00:05 B：在吗
"""


def test_text_transcripts_with_headers_times_and_metadata(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    calls, problems = _split(read_calls([path]))
    assert not problems
    first, second = calls
    assert (first.call_id, first.agent_id, first.direction) == ("c-7", "1024", "inbound")
    assert [(u.speaker, u.start, u.end) for u in first.utterances] == [
        ("agent", 8.0, 11.2), ("customer", 11.9, 15.0)]
    assert first.utterances[1].text == "你好我想查一下我的订单"  # wrapped line joined
    assert [(u.speaker, u.start, u.end) for u in second.utterances] == [
        ("agent", None, None), ("customer", 5.0, None)]


def test_text_encodings_gbk_utf8_bom_utf16(tmp_path):
    text = "坐席：您好，请问有什么可以帮您\n客户：我要退款\n"
    for name, data in [("gbk.txt", text.encode("gbk")), ("bom.txt", "\ufeff".encode() + text.encode()),
                       ("u16.txt", text.encode("utf-16")), ("gb18030.txt", text.encode("gb18030"))]:
        (tmp_path / name).write_bytes(data)
        calls, problems = _split(read_calls([tmp_path / name]))
        assert not problems, name
        assert [u.text for u in calls[0].utterances] == ["您好，请问有什么可以帮您", "我要退款"], name
        assert calls[0].call_id == name.removesuffix(".txt")


def test_text_line_without_role_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("随便写的一行\n坐席：您好\n", encoding="utf-8")
    calls, problems = _split(read_calls([path]))
    assert problems[0].line == 1 and problems[0].field == "speaker"
    assert [u.text for u in calls[0].utterances] == ["您好"]


def test_csv_with_chinese_headers_multiline_cells_and_gbk(tmp_path):
    rows = "通话ID,角色,开始时间,结束时间,内容\nx,坐席,0,1.5,您好\nx,客户,2,3,\"你好,\n我要退款\"\ny,客服,0,1,在的\n"
    path = tmp_path / "rows.csv"
    path.write_bytes(rows.encode("gbk"))
    calls, problems = _split(read_calls([path]))
    assert not problems
    assert [c.call_id for c in calls] == ["x", "y"]
    assert calls[0].utterances[1].text == "你好,\n我要退款"
    assert calls[0].utterances[1].start == 2.0


def test_csv_configurable_columns_and_role_mapping(tmp_path):
    path = tmp_path / "vendor.csv"
    path.write_text("session,who,said\ns1,0,您好\ns1,1,查话费\n", encoding="utf-8")
    options = ReadOptions(csv_columns={"call_id": "session", "speaker": "who", "text": "said"},
                          roles={"0": "agent", "1": "customer"})
    calls, problems = _split(read_calls([path], options=options))
    assert not problems
    assert [u.speaker for u in calls[0].utterances] == ["agent", "customer"]


def test_csv_unknown_role_skips_that_call_only(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("call_id,speaker,text\na,agent,hi\nb,robot,beep\nc,customer,hello\n", encoding="utf-8")
    calls, problems = _split(read_calls([path]))
    assert [c.call_id for c in calls] == ["a", "c"]
    assert problems[0].line == 3 and problems[0].field == "speaker"


def test_csv_missing_column_names_the_columns(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("id,role\n1,agent\n", encoding="utf-8")
    _, problems = _split(read_calls([path]))
    assert problems[0].field == "call_id" and "columns are: id, role" in problems[0].message


def test_missing_file_and_unknown_format_are_problems_not_crashes(tmp_path):
    (tmp_path / "notes.xyz").write_text("?", encoding="utf-8")
    _, problems = _split(read_calls([tmp_path / "nope.jsonl", tmp_path / "notes.xyz"]))
    assert [p.message.split(" (")[0] for p in problems] == ["no such file", "unknown format"]


def test_undecodable_line_costs_one_record(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(json.dumps(CALL).encode() + b"\n\xff\xfe\xfa{}\n" + json.dumps({**CALL, "call_id": "c-2"}).encode())
    calls, problems = _split(read_calls([path]))
    assert [c.call_id for c in calls] == ["c-1", "c-2"]
    assert problems[0].line == 2 and "not valid" in problems[0].message
