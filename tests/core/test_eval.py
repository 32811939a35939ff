"""`callqa eval`: per-checkpoint precision/recall/F1 of `fail`, macro averages, confusions."""

import json
from pathlib import Path

from typer.testing import CliRunner

from callqa.cli import _register_all, app

_register_all()
runner = CliRunner()
CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _call(call_id: str, agent: str, expected: dict | None) -> str:
    record = {"call_id": call_id, "channel": "phone", "direction": "inbound",
              "utterances": [{"speaker": "customer", "text": "那我再问一下流量包的事"},
                             {"speaker": "agent", "text": agent}]}
    if expected is not None:
        record["expected"] = expected
    return json.dumps(record, ensure_ascii=False)


def _corpus(tmp_path: Path) -> Path:
    lines = [
        _call("tp", "你烦不烦啊，我都跟你说了", {"forbidden.arrogant": "fail", "forbidden.hey": "pass"}),
        _call("fn", "好的，我帮您查一下流量包。", {"forbidden.arrogant": "fail", "forbidden.hey": "pass"}),
        _call("fp", "规定就是要带，爱办不办。", {"forbidden.arrogant": "pass", "forbidden.hey": "fail"}),
        _call("unlabelled", "好的。", None),
        '{"call_id": "broken", "utterances": [',
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _eval(*args) -> tuple[int, str, str]:
    result = runner.invoke(app, ["eval", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_scores_count_fail_as_the_positive_class(tmp_path):
    code, out, err = _eval(_corpus(tmp_path), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["calls"] == 4 and report["unlabelled_calls"] == 1
    scores = {c["id"]: c for c in report["checkpoints"]}
    arrogant = scores["forbidden.arrogant"]
    assert (arrogant["tp"], arrogant["fp"], arrogant["fn"]) == (1, 1, 1)
    assert arrogant["precision"] == arrogant["recall"] == arrogant["f1"] == 0.5
    assert arrogant["accuracy"] == 1 / 3 and arrogant["support"] == 2
    assert arrogant["confusion"] == {"fail->fail": 1, "fail->pass": 1, "pass->fail": 1}
    hey = scores["forbidden.hey"]  # one labelled fail, never found: recall 0, F1 0
    assert (hey["tp"], hey["fn"], hey["f1"]) == (0, 1, 0.0)
    # macro F1 over the checkpoints with support only (arrogant 0.5, hey 0.0)
    assert report["macro"]["f1"] == 0.25
    # the worst confusions carry the call, the verdicts and the evidence
    fp = next(w for w in report["worst"] if w["call_id"] == "fp")
    assert (fp["expected"], fp["actual"]) == ("pass", "fail") and "爱办不办" in fp["evidence"]
    # the broken line is reported with its place and skipped
    assert "labelled.jsonl:5" in err


def test_checkpoint_filter_and_table(tmp_path):
    code, out, _ = _eval(_corpus(tmp_path), "--format", "json", "-c", "forbidden.arrogant")
    assert [c["id"] for c in json.loads(out)["checkpoints"]] == ["forbidden.arrogant"]
    code, out, _ = _eval(_corpus(tmp_path), "-c", "forbidden.arrogant")
    assert code == 0 and "forbidden.arrogant" in out and "0.500" in out


def test_the_dev_split_stays_accurate():
    """A rule change that breaks what the standard was tuned on shows up here."""
    code, out, _ = _eval(CORPUS / "dev.jsonl", "--format", "json", "--jobs", "2")
    report = json.loads(out)
    assert code == 0 and report["calls"] >= 400
    assert report["macro"]["f1"] >= 0.98
    assert min(c["f1"] for c in report["checkpoints"] if c["support"]) >= 0.9
