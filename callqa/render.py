"""Terminal output: a scorecard table per call and a summary of the batch (rich)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table
from rich.text import Text

from callqa.model import Result
from callqa.standard import Standard

STATUS_STYLE = {"pass": "green", "fail": "bold red", "na": "dim"}
STATUS_ZH = {"pass": "通过", "fail": "不通过", "na": "不适用"}


@dataclass
class Summary:
    calls: int = 0
    passed: int = 0
    fatal: int = 0
    score_total: float = 0.0
    problems: int = 0
    fails: Counter = field(default_factory=Counter)

    def add(self, result: Result) -> None:
        self.calls += 1
        self.passed += result.passed
        self.fatal += result.fatal
        self.score_total += result.score
        self.fails.update(o.id for o in result.checkpoints if o.status == "fail")

    @property
    def average(self) -> float:
        return self.score_total / self.calls if self.calls else 0.0

    def as_dict(self) -> dict:
        return {"calls": self.calls, "passed": self.passed, "fatal": self.fatal,
                "average_score": round(self.average, 2), "skipped_records": self.problems,
                "fails_by_checkpoint": dict(self.fails.most_common())}


def scorecard_table(result: Result, standard: Standard) -> Table:
    verdict = Text("合格 PASS", style="bold green") if result.passed else \
        Text("不合格 FAIL", style="bold red")
    title = Text.assemble(f"{result.call_id}  ", (f"{result.score:g} 分 ", "bold"), verdict,
                          ("  一票否决" if result.fatal else "", "bold red"))
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("检查点 checkpoint", no_wrap=True)
    table.add_column("结果", no_wrap=True)
    table.add_column("分", justify="right")
    table.add_column("证据 evidence / 建议话术 fix")
    counts = Counter(o.status for o in result.checkpoints)
    for o in result.checkpoints:
        if o.status != "fail" and not (o.status == "pass" and o.points):
            continue
        cp = standard.checkpoint(o.id)
        name = f"{o.id}\n[dim]{cp.spec.name if cp else ''}[/dim]"
        evidence = "\n".join(_evidence_line(e) for e in (o.evidence or []))
        if o.fix:
            evidence += f"\n[green]→ {o.fix}[/green]"
        points = f"{o.points:+g}" if o.points else ("否决" if o.severity == "fatal" else "")
        table.add_row(name, Text(STATUS_ZH[o.status], style=STATUS_STYLE[o.status]), points,
                      evidence.strip())
    table.caption = (f"通过 {counts['pass']} · 不通过 {counts['fail']} · 不适用 {counts['na']}"
                     f"  ({standard.ref})")
    return table


def _evidence_line(e) -> str:
    where = f"#{e.utterance}" if e.utterance is not None else ""
    when = f" {e.t:.1f}s" if e.t is not None else ""
    text = (e.text or "").replace("[", "\\[")
    return f"[dim]{where}{when}[/dim] {text}".strip()


def summary_table(summary: Summary, standard: Standard, top: int = 10) -> Table:
    table = Table(title="汇总 Summary", title_justify="left")
    table.add_column("指标")
    table.add_column("值", justify="right")
    rate = summary.passed / summary.calls * 100 if summary.calls else 0
    for label, value in [
        ("通话数 calls", summary.calls),
        ("合格 passed", f"{summary.passed} ({rate:.1f}%)"),
        ("一票否决 fatal", summary.fatal),
        ("平均分 average", f"{summary.average:.1f}"),
        ("跳过的记录 skipped records", summary.problems),
    ]:
        table.add_row(label, str(value))
    for checkpoint_id, count in summary.fails.most_common(top):
        cp = standard.checkpoint(checkpoint_id)
        table.add_row(f"[red]✗[/red] {checkpoint_id} {cp.spec.name if cp else ''}", str(count))
    return table


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)
