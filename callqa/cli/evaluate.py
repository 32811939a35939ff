"""`callqa eval`: precision/recall of every checkpoint on a labelled corpus."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from callqa.batch import check_parallel, default_jobs
from callqa.cli.check import HELP, parse_vars
from callqa.errors import Problem
from callqa.evaluation import Report, evaluate
from callqa.ingest import read_calls
from callqa.model import Call
from callqa.render import console
from callqa.standard import Engine, load_standard


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_(
        corpus: Annotated[list[Path], typer.Argument(help="带标注的通话（每通带 expected：检查点 → pass/fail/na）")],
        standard: Annotated[str, typer.Option("--standard", "-s", help="规范：内置名称或 YAML 文件")] = "default",
        fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
        worst: Annotated[int, typer.Option(help="列出置信度最高的错判条数")] = 15,
        checkpoint: Annotated[list[str] | None, typer.Option("--checkpoint", "-c", help="只评估这些检查点")] = None,
        jobs: Annotated[int, typer.Option("--jobs", "-j", help="并行进程数（0 = CPU 核数）")] = 1,
        homophones: Annotated[bool, typer.Option(help="同音容错匹配（关闭以衡量其作用）")] = True,
        var: Annotated[list[str] | None, typer.Option("--var", help=HELP["var"])] = None,
    ) -> None:
        """在标注语料上评估每个检查点的准确率。Evaluate a standard on a labelled corpus."""
        if fmt not in ("table", "json"):
            raise typer.BadParameter("--format is table or json")
        engine = Engine(load_standard(standard, homophones=homophones, variables=parse_vars(var)))
        ids = [c.id for c in engine.checkpoints if not checkpoint or c.id in checkpoint]
        calls: list[Call] = []
        for item in read_calls(corpus):
            if isinstance(item, Problem):
                typer.secho(f"skipped {item}", err=True, fg="yellow")
            else:
                calls.append(item)
        results = check_parallel(engine, calls, default_jobs() if jobs == 0 else jobs)
        report = evaluate(zip(calls, results, strict=True), ids)
        if fmt == "json":
            json.dump(report.as_dict(worst), sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return
        print_report(report, engine.standard.ref, worst)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def print_report(report: Report, ref: str, worst: int) -> None:
    out = console()
    table = Table(title=f"callqa eval · {ref} · {report.calls} calls", title_justify="left")
    for col in ("checkpoint", "P(fail)", "R(fail)", "F1", "acc", "support", "labelled", "fp", "fn"):
        table.add_column(col, justify="left" if col == "checkpoint" else "right")
    for s in report.scores.values():
        f1 = s.f1
        style = "" if f1 is None else ("red" if f1 < 0.75 else ("yellow" if f1 < 0.9 else "green"))
        table.add_row(s.id, _pct(s.precision), _pct(s.recall), Text(_pct(f1), style=style),
                      _pct(s.accuracy), str(s.support), str(s.total), str(s.fp), str(s.fn))
    table.add_section()
    table.add_row(Text("macro (checkpoints with support)", style="bold"), _pct(report.macro("precision")),
                  _pct(report.macro("recall")), Text(_pct(report.macro("f1")), style="bold"),
                  _pct(report.accuracy), str(sum(s.support for s in report.with_support())), "", "", "")
    out.print(table)
    if report.unlabelled:
        out.print(f"[yellow]{report.unlabelled} calls had no `expected` labels and were ignored[/yellow]")
    confusions = report.worst(worst)
    if confusions:
        t = Table(title="最自信的错判 worst confusions", title_justify="left")
        for col in ("call", "checkpoint", "expected", "actual", "conf", "evidence"):
            t.add_column(col)
        for c in confusions:
            t.add_row(c.call_id, c.checkpoint, c.expected, c.actual, f"{c.confidence:.2f}", c.evidence)
        out.print(t)
