"""The standard's own rule tests (Semgrep style) are part of the suite."""

from typer.testing import CliRunner

from callqa.cli import _register_all, app
from callqa.standard import load_standard
from callqa.standard.loader import BUILTIN_DIR
from callqa.standard.ruletest import collect_files, example_cases, file_cases

_register_all()


def test_callqa_rules_test_passes_with_three_pass_and_three_fail_cases_per_checkpoint():
    result = CliRunner().invoke(app, ["rules", "test", "--min-cases", "3"])
    assert result.exit_code == 0, result.output[-3000:]
    assert " 0 failed" in result.output


def test_every_checkpoint_is_covered_and_examples_explain_themselves():
    std = load_standard("default")
    cases = list(example_cases(std))
    for path in collect_files([BUILTIN_DIR / "tests" / "default"]):
        cases += list(file_cases(path))
    covered = {cid for case in cases for cid in case.expected}
    assert covered == {c.id for c in std.checkpoints}
    assert all(c.spec.examples for c in std.checkpoints if c.id != "talk.volume")
