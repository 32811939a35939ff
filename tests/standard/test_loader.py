"""Standard files: validation errors name file:line and field; extends/disable/override work."""

import textwrap

import pytest

from callqa.standard import load_standard
from callqa.standard.yamlio import StandardError

HEADER = "standard: {id: t, version: 1}\nvariables: {greet: [您好]}\ncheckpoints:\n"
CP = """  - id: open.greeting
    name: 问候
    category: 开头
    severity: minor
    points: 2
    message: 未问候
"""


def _load(tmp_path, body: str, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return load_standard(path)


def _error(tmp_path, body: str) -> StandardError:
    with pytest.raises(StandardError) as info:
        _load(tmp_path, body)
    return info.value


@pytest.mark.parametrize("condition, line, field, message", [
    ("    expect: {frobnicate: [您好]}", 10, "checkpoints[0](open.greeting).expect.frobnicate",
     "unknown operator 'frobnicate'"),
    ("    expect: {phrases: {any: 3}}", 10, "checkpoints[0](open.greeting).expect.phrases.any",
     "Input should be a valid list"),
    ("    expect: {phrases: \"{nope}\"}", 10, "checkpoints[0](open.greeting).expect.phrases.any",
     "unknown variable {nope}"),
    ("    expect: {regex: '(unclosed'}", 10, "checkpoints[0](open.greeting).expect.regex",
     "invalid regular expression"),
    ("    expect: {role: robot, phrases: [您好]}", 10, "checkpoints[0](open.greeting).expect.role",
     "must be agent or customer"),
    ("    expect:\n      all:\n        - phrases: [您好]\n        - not: {phrases: [您好]}", 10,
     "checkpoints[0](open.greeting).expect", "unreachable condition"),
    ("    expect: {phrases: [您好], turns: 1}", 10, "checkpoints[0](open.greeting).expect",
     "exactly one of"),
    ("    expect: {ref: missing}", 10, "checkpoints[0](open.greeting).expect.ref",
     "unknown condition 'missing'"),
])
def test_condition_errors_name_file_line_and_field(tmp_path, condition, line, field, message):
    err = _error(tmp_path, HEADER + CP + condition + "\n")
    assert err.file.endswith("s.yaml")
    assert err.line == line
    assert err.field == field
    assert message in str(err)


def test_duplicate_id_and_missing_expectation(tmp_path):
    err = _error(tmp_path, HEADER + CP + "    expect: {phrases: [您好]}\n" + CP + "    expect: {phrases: [您好]}\n")
    assert "duplicate id" in str(err) and err.line == 11
    err = _error(tmp_path, HEADER + CP)
    assert "needs `expect`" in str(err)


def test_bad_field_types_and_unknown_fields(tmp_path):
    err = _error(tmp_path, HEADER + CP.replace("points: 2", "points: lots") + "    expect: {turns: 1}\n")
    assert err.field == "checkpoints[0].points" and err.line == 8
    err = _error(tmp_path, HEADER + CP + "    colour: red\n    expect: {turns: 1}\n")
    assert "unknown field" in str(err) and err.line == 10


def test_unreachable_chat_only_timing_checkpoint(tmp_path):
    body = HEADER + CP + "    applies: {channel: [chat]}\n    forbid: {silence: {over: 10}}\n"
    err = _error(tmp_path, body)
    assert "unreachable" in str(err) and "times" in str(err)


def test_yaml_syntax_error_has_a_line(tmp_path):
    err = _error(tmp_path, HEADER + CP + "    expect: {phrases: [您好\n")
    assert err.line >= 10 and "not valid YAML" in str(err)


def test_variables_substitute_in_conditions_and_texts(tmp_path):
    std = _load(tmp_path, HEADER + CP.replace("message: 未问候", "message: 请说{greet}") +
                "    expect: {phrases: \"{greet}\"}\n")
    assert std.checkpoint("open.greeting").spec.message == "请说您好"


def test_extends_overrides_disables_and_adds(tmp_path):
    std = _load(tmp_path, """
        extends: default
        standard: {id: centre, version: "7", pass_mark: 90}
        variables: {company_names: [星河电信]}
        disable: [talk.volume]
        checkpoints:
          - id: open.greeting
            points: 9
          - id: centre.extra
            name: 额外
            category: 本中心
            severity: minor
            points: 1
            message: m
            expect: {phrases: [星河]}
    """)
    assert std.ref == "centre@7" and std.pass_mark == 90
    assert std.variables["company_names"] == ["星河电信"]
    assert std.checkpoint("talk.volume").spec.enabled is False
    assert std.checkpoint("open.greeting").spec.points == 9
    assert std.checkpoint("open.greeting").spec.message == "开头第一句没有问候语"  # inherited
    assert std.checkpoint("centre.extra") is not None
    assert len(std.checkpoints) == 45


def test_extends_errors_point_at_the_child_file(tmp_path):
    err = _error(tmp_path, "extends: default\ndisable: [no.such]\n")
    assert "no checkpoint 'no.such'" in str(err) and err.line == 2


def test_the_shipped_centre_example(engine):
    from callqa.standard.loader import BUILTIN_DIR

    centre = load_standard(BUILTIN_DIR / "examples" / "centre.yaml")
    assert centre.ref == "jinghua-bank@2026.11"
    assert centre.variables["company_names"] == ["京华银行", "京华信用卡"]
    assert centre.variables["hold_max"] == 60
    assert not centre.checkpoint("talk.speech_rate").spec.enabled
    assert centre.checkpoint("forbidden.private_info").spec.severity == "fatal"
    assert centre.checkpoint("bank.security_reminder") is not None
