"""The `callqa` command as a user runs it (Typer's runner, real files)."""

import json

import pytest
from typer.testing import CliRunner

from callqa.cli import _register_all, app
from callqa.cli.demo import SAMPLES

_register_all()
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _results(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture
def inputs(tmp_path):
    text = "坐席：您好，联合洲际客服中心，1024号为您服务，请问有什么可以帮您？\n客户：我想查一下话费\n坐席：好的\n"
    (tmp_path / "utf8.txt").write_text(text, encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    (tmp_path / "rows.csv").write_bytes("通话ID,角色,内容\nr1,坐席,您好\nr1,客户,查话费\n".encode("gbk"))
    return tmp_path


def test_check_jsonl_text_csv_utf8_and_gbk(inputs, engine):
    result = invoke("check", SAMPLES, inputs / "utf8.txt", inputs / "gbk.txt", inputs / "rows.csv",
                    "--format", "jsonl")
    assert result.exit_code == 0
    rows = _results(result.output)
    assert [r["call_id"] for r in rows][-3:] == ["utf8", "gbk", "r1"]
    n = len(engine.checkpoints)
    assert all(len(r["checkpoints"]) == n and r["standard"] == "default@1" for r in rows)
    assert rows[-3]["checkpoints"] == rows[-2]["checkpoints"]  # same words, other encoding


def test_bad_records_are_skipped_and_reported_batch_goes_on(tmp_path):
    path = tmp_path / "calls.jsonl"
    good = SAMPLES.read_text(encoding="utf-8").splitlines()[0]
    path.write_text("\n".join([good, '{"call_id": "x", "utterances": [{"speaker": 1}]}', good]) + "\n",
                    encoding="utf-8")
    result = invoke("check", path, "-f", "jsonl")
    assert result.exit_code == 0
    assert len(_results(result.output)) == 2
    assert f"{path}:2: utterances.0.speaker" in result.output


def test_missing_file_is_an_io_error_but_others_are_checked(tmp_path):
    result = invoke("check", SAMPLES, tmp_path / "nope.jsonl", "-f", "jsonl")
    assert result.exit_code == 1
    assert len(_results(result.output)) == 12
    assert "nope.jsonl: no such file" in result.output


def test_invalid_standard_is_a_precise_usage_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("standard: {id: b}\ncheckpoints:\n  - id: x.y\n    name: n\n    category: c\n"
                   "    severity: major\n    points: 1\n    message: m\n    expect: {phrasez: [a]}\n",
                   encoding="utf-8")
    result = runner.invoke(app, ["check", str(SAMPLES), "--standard", str(bad)])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception)
    assert f"{bad}:9: checkpoints[0](x.y).expect.phrasez: unknown operator" in str(result.exception)


def test_fail_under_and_output_file(tmp_path):
    out = tmp_path / "results.jsonl"
    result = invoke("check", SAMPLES, "--out", out, "--fail-under", "50")
    assert result.exit_code == 3  # demo-006 is a fatal 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 12
    assert invoke("check", SAMPLES, "-o", out, "--fail-under", "0").exit_code == 0


def test_json_format_has_summary(tmp_path):
    data = json.loads(invoke("check", SAMPLES, "-f", "json").output)
    assert data["summary"]["calls"] == 12 and data["summary"]["fatal"] == 1
    assert len(data["results"]) == 12


def test_parallel_jobs_give_the_same_results():
    one = invoke("check", SAMPLES, "-f", "jsonl").output
    two = invoke("check", SAMPLES, "-f", "jsonl", "--jobs", "2").output
    assert one == two


def test_rules_list_explain_validate():
    listed = invoke("rules", "list", "--json")
    assert len(json.loads(listed.output)) == 44
    page = invoke("rules", "explain", "hold.thank_after")
    assert "等待后致谢" in page.output and "感谢您的耐心等待" in page.output and "示例" in page.output
    assert invoke("rules", "explain", "no.such").exit_code == 2
    assert invoke("rules", "validate", "callqa/standards/examples/centre.yaml").exit_code == 0


def test_rules_test_reports_a_wrong_expectation(tmp_path):
    case = tmp_path / "cases.yaml"
    case.write_text("- name: wrong on purpose\n  expected: {open.greeting: fail}\n"
                    "  transcript: \"坐席：您好\"\n", encoding="utf-8")
    result = invoke("rules", "test", case)
    assert result.exit_code == 1
    assert "open.greeting expected fail, got pass" in result.output


def test_phrases_and_demo(tmp_path, monkeypatch):
    assert "感谢您的耐心等待" in invoke("phrases", "hold_resume").output
    assert invoke("phrases", "nothing-like-this").exit_code == 2
    monkeypatch.setenv("CALLQA_HOME", str(tmp_path))
    demo = invoke("demo", "--no-serve")
    assert demo.exit_code == 0 and "demo-006" in demo.output and "汇总" in demo.output


def test_var_overrides_a_threshold_without_a_file():
    strict = _results(invoke("check", SAMPLES, "-f", "jsonl").output)
    lenient = _results(invoke("check", SAMPLES, "-f", "jsonl", "--var", "answer_within=25").output)

    def answered(rows):
        return {r["call_id"]: next(o["status"] for o in r["checkpoints"] if o["id"] == "open.answer_promptly")
                for r in rows}

    assert answered(strict)["demo-002"] == "fail" and answered(lenient)["demo-002"] == "pass"
    bad = runner.invoke(app, ["check", str(SAMPLES), "--var", "no_such_thing=1"])
    assert bad.exit_code != 0 and "no such variable" in str(bad.exception)
