"""`callqa check`: judge calls against a standard."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from callqa.batch import check_parallel, default_jobs, read_items
from callqa.errors import CallqaError, Problem
from callqa.ingest import ReadOptions
from callqa.model import Result
from callqa.render import Summary, console, scorecard_table, summary_table
from callqa.standard import Engine, load_standard


class OutputFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    json = "json"


def parse_pairs(values: list[str] | None, what: str) -> dict[str, str]:
    """`--role 0=customer --role 1=agent` → {"0": "customer", "1": "agent"}."""
    out = {}
    for value in values or []:
        for pair in value.split(","):
            key, sep, val = pair.partition("=")
            if not sep or not key.strip() or not val.strip():
                raise typer.BadParameter(f"{what} takes KEY=VALUE, got {pair!r}")
            out[key.strip().lower()] = val.strip()
    return out


def parse_vars(values: list[str] | None) -> dict:
    """`--var hold_max=90 --var "company_names=[星河电信]"`: values are YAML."""
    import yaml

    out = {}
    for value in values or []:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--var takes NAME=VALUE, got {value!r}")
        out[key.strip()] = yaml.safe_load(raw)
    return out


def read_options(encoding: str | None, roles: list[str] | None, columns: list[str] | None,
                 channel: str | None = None, direction: str | None = None) -> ReadOptions:
    role_map = parse_pairs(roles, "--role")
    bad = [v for v in role_map.values() if v not in ("agent", "customer")]
    if bad:
        raise typer.BadParameter(f"--role maps to agent or customer, not {bad[0]!r}")
    return ReadOptions(encoding=encoding, roles=role_map, csv_columns=parse_pairs(columns, "--column"),
                       channel=channel, direction=direction)


HELP = {
    "inputs": "通话文件或目录：JSONL(.gz)、文本转写、CSV …",
    "standard": "规范：内置名称或 YAML 文件",
    "format": "table（终端默认）| jsonl（管道默认）| json",
    "out": "写入文件而不是标准输出",
    "jobs": "并行进程数（0 = CPU 核数）",
    "input_format": "输入格式，默认按内容和扩展名自动识别（见 callqa formats）",
    "encoding": "输入编码，默认自动识别（UTF-8/GBK/UTF-16）",
    "role": "说话人映射，如 A=agent 或 0=customer,1=agent",
    "column": "CSV 列名，如 text=内容",
    "fail_under": "有通话低于该分数时以 3 退出",
    "quiet": "不显示进度与汇总",
    "var": "覆盖规范变量，如 hold_max=90 或 \"company_names=[星河电信]\"",
}


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        inputs: Annotated[list[Path], typer.Argument(help=HELP["inputs"])],
        standard: Annotated[str, typer.Option("--standard", "-s", help=HELP["standard"])] = "default",
        fmt: Annotated[OutputFormat | None, typer.Option("--format", "-f", help=HELP["format"])] = None,
        out: Annotated[Path | None, typer.Option("--out", "-o", help=HELP["out"])] = None,
        jobs: Annotated[int, typer.Option("--jobs", "-j", help=HELP["jobs"])] = 1,
        input_format: Annotated[str | None, typer.Option(help=HELP["input_format"])] = None,
        encoding: Annotated[str | None, typer.Option(help=HELP["encoding"])] = None,
        role: Annotated[list[str] | None, typer.Option("--role", help=HELP["role"])] = None,
        column: Annotated[list[str] | None, typer.Option("--column", help=HELP["column"])] = None,
        fail_under: Annotated[float | None, typer.Option(help=HELP["fail_under"])] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help=HELP["quiet"])] = False,
        var: Annotated[list[str] | None, typer.Option("--var", help=HELP["var"])] = None,
    ) -> None:
        """逐通质检并输出评分卡 (result format v1). Check calls against a standard."""
        options = read_options(encoding, role, column)
        engine = Engine(load_standard(standard, variables=parse_vars(var)))
        to_tty = out is None and sys.stdout.isatty()
        chosen = fmt or (OutputFormat.table if to_tty else OutputFormat.jsonl)
        jobs = default_jobs() if jobs == 0 else jobs
        items = read_items(inputs, input_format, options, raw_jsonl=jobs > 1)
        summary, lowest, io_errors = _run(engine, items, jobs, chosen, out, quiet)
        if chosen is not OutputFormat.table and not quiet and sys.stderr.isatty():
            console(stderr=True).print(summary_table(summary, engine.standard))
        if io_errors:
            raise typer.Exit(1)
        if fail_under is not None and lowest is not None and lowest < fail_under:
            raise typer.Exit(3)


def _run(engine: Engine, items, jobs: int, fmt: OutputFormat, out: Path | None,
         quiet: bool) -> tuple[Summary, float | None, int]:
    summary = Summary()
    err = console(stderr=True)
    screen = console()
    lowest: float | None = None
    io_errors = 0
    collected: list[dict] = []
    with ExitStack() as stack:
        sink = stack.enter_context(out.open("w", encoding="utf-8")) if out else sys.stdout
        progress = None
        if not quiet and err.is_terminal:
            progress = stack.enter_context(Progress(
                SpinnerColumn(), TextColumn("质检中 checking"), BarColumn(),
                TextColumn("{task.completed} 通"), TimeElapsedColumn(), console=err, transient=True))
            task = progress.add_task("check", total=None)
        for item in check_parallel(engine, items, jobs):
            if isinstance(item, Problem):
                summary.problems += 1
                io_errors += item.line is None
                message = typer.style("skipped ", fg="yellow") + str(item)
                if progress:
                    progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
                else:
                    typer.echo(message, err=True)
                continue
            summary.add(item)
            lowest = item.score if lowest is None else min(lowest, item.score)
            _emit(item, fmt, sink, screen, engine, collected)
            if progress:
                progress.advance(task)
        if fmt is OutputFormat.json:
            json.dump({"standard": engine.standard.ref, "results": collected,
                       "summary": summary.as_dict()}, sink, ensure_ascii=False, indent=2)
            sink.write("\n")
    if fmt is OutputFormat.table and not quiet:
        screen.print(summary_table(summary, engine.standard))
    return summary, lowest, io_errors


def _emit(result: Result, fmt: OutputFormat, sink, screen, engine: Engine,
          collected: list[dict]) -> None:
    if fmt is OutputFormat.jsonl:
        sink.write(result.to_json() + "\n")
    elif fmt is OutputFormat.json:
        collected.append(json.loads(result.to_json()))
    elif sink is sys.stdout:
        screen.print(scorecard_table(result, engine.standard))
    else:
        raise CallqaError("--format table writes to the terminal; use jsonl or json with --out")
