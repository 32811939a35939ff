"""`callqa rules list | explain | validate | test`: the standard as documentation and tests."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from callqa.render import STATUS_STYLE, STATUS_ZH, console
from callqa.standard import Engine, Standard, load_standard
from callqa.standard.loader import BUILTIN_DIR
from callqa.standard.ruletest import CaseResult, collect_files, example_cases, file_cases, run_cases

rules = typer.Typer(help="检查点：列表、说明、校验与规则测试。Checkpoints: list, explain, validate, test.",
                    no_args_is_help=True)
StandardOpt = Annotated[str, typer.Option("--standard", "-s", help="规范：内置名称或 YAML 文件")]
SEVERITY_ZH = {"fatal": "一票否决", "major": "重要", "minor": "一般", "bonus": "加分"}


def register(app: typer.Typer) -> None:
    app.add_typer(rules, name="rules")


@rules.command("list")
def list_(
    standard: StandardOpt = "default",
    category: Annotated[str | None, typer.Option(help="只列出该类别")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出规范中的全部检查点。List the checkpoints."""
    std = load_standard(standard)
    cps = [c for c in std.checkpoints if category is None or c.spec.category == category]
    if as_json:
        rows = [{"id": c.id, "name": c.spec.name, "category": c.spec.category,
                 "severity": c.spec.severity, "points": c.spec.points, "enabled": c.spec.enabled,
                 "channel": c.spec.applies.channel, "direction": c.spec.applies.direction,
                 "signals": sorted(c.signals)} for c in cps]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{std.name} ({std.ref}) · 及格线 {std.pass_mark:g} 分", title_justify="left")
    widths = {"分值": 4, "适用": 9, "等级": 8}
    for col in ("id", "名称", "等级", "分值", "适用", "信号"):
        table.add_column(col, no_wrap=True, min_width=widths.get(col),
                         overflow="ellipsis" if col == "信号" else "fold")
    for c in cps:
        s = c.spec
        applies = _applies(s.applies.channel, s.applies.direction)
        points = "否决" if s.severity == "fatal" else f"{'+' if s.severity == 'bonus' else '-'}{s.points:g}"
        style = "" if s.enabled else "dim strike"
        table.add_row(Text(c.id, style=style), s.name, SEVERITY_ZH[s.severity], points,
                      applies, ",".join(sorted(c.signals - {"acts", "emotion"})))
    console().print(table)
    console().print(f"{len(cps)} 个检查点（{sum(c.spec.enabled for c in cps)} 个启用）")


@rules.command()
def operators() -> None:
    """规则可用的运算符及其参数。The operators a condition can use, with their parameters."""
    import callqa.standard.operators  # noqa: F401  (registers them)
    from callqa.standard.conditions import OPERATORS

    table = Table(title="运算符 operators", title_justify="left", show_lines=True)
    for col in ("operator", "parameters", "signals", "what"):
        table.add_column(col, overflow="fold")
    for name, cls in sorted(OPERATORS.items()):
        params = ", ".join(
            f"{field.alias or key}" + (f"={field.default!r}" if not field.is_required() else "")
            for key, field in cls.Params.model_fields.items())
        doc = " ".join((cls.__doc__ or "").split())
        table.add_row(name, params, ",".join(sorted(cls.signals)) or "—", doc)
    console().print(table)


_ZH = {"phone": "电话", "chat": "文字", "inbound": "呼入", "outbound": "呼出"}


def _applies(channels: list[str], directions: list[str]) -> str:
    parts = [_ZH[x] for x in channels] if len(channels) < 2 else []
    parts += [_ZH[x] for x in directions] if len(directions) < 2 else []
    return "·".join(parts) or "全部"


@rules.command()
def explain(
    checkpoint_id: Annotated[str, typer.Argument(help="检查点 id，例如 hold.thank_after")],
    standard: StandardOpt = "default",
) -> None:
    """检查点说明：为什么、如何判定、建议话术、示例。Explain one checkpoint (like `ruff rule`)."""
    std = load_standard(standard)
    cp = std.checkpoint(checkpoint_id)
    if cp is None:
        close = [c.id for c in std.checkpoints if checkpoint_id.split(".")[-1] in c.id]
        hint = f"；是否要找：{', '.join(close)}" if close else ""
        typer.secho(f"没有检查点 {checkpoint_id!r}{hint}", err=True, fg="red")
        raise typer.Exit(2)
    out = console()
    s = cp.spec
    points = "一票否决（得 0 分）" if s.severity == "fatal" else \
        f"{'加' if s.severity == 'bonus' else '扣'} {s.points:g} 分"
    out.print(Panel.fit(f"[bold]{s.name}[/bold]  {cp.id}\n{s.category} · {SEVERITY_ZH[s.severity]} · "
                        f"{points} · 适用 {_applies(s.applies.channel, s.applies.direction)}"
                        f"{'' if s.enabled else ' · [red]已停用[/red]'}"))
    out.print(Markdown(f"**不通过时提示**：{s.message}"))
    if s.docs:
        out.print(Markdown(s.docs.replace("\n", "  \n")))
    if s.fix:
        out.print(Markdown(f"**建议话术**：{s.fix}"))
    for i, ex in enumerate(s.examples, 1):
        label = Text(f"示例 {i}：{STATUS_ZH[ex.outcome]} {ex.outcome}", style=STATUS_STYLE[ex.outcome])
        body = ex.transcript.strip() + (f"\n（{ex.note}）" if ex.note else "")
        if ex.call:
            body = f"{json.dumps(ex.call, ensure_ascii=False, default=str)}\n{body}"
        out.print(Panel(body, title=label, title_align="left", expand=False))
    rule = _conditions_source(std, cp.line)
    if rule:
        out.print(Markdown("**判定规则** (YAML)"))
        out.print(Syntax(rule, "yaml", theme="ansi_dark", word_wrap=False, background_color="default"))


def _conditions_source(std: Standard, line: int) -> str:
    """The checkpoint's conditions as written in the standard (skip … unless)."""
    try:
        lines = Path(std.source).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    body: list[str] = []
    for text in lines[line:]:
        stripped = text.lstrip()
        if stripped.startswith("- id:") or (text and not text.startswith(" ")):
            break
        body.append(text)
    keys = ("skip:", "when:", "expect:", "forbid:", "unless:", "otherwise:", "for:")
    out, keep = [], False
    indent = len(body[0]) - len(body[0].lstrip()) if body else 0
    for text in body:
        at_key = len(text) - len(text.lstrip()) == indent and bool(text.strip())
        if at_key:
            keep = text.strip().startswith(keys)
        if keep:
            out.append(text[indent:])
    return "\n".join(out).rstrip()


@rules.command()
def validate(files: Annotated[list[Path], typer.Argument(help="规范 YAML 文件")]) -> None:
    """校验规范文件：逐条报告 文件:行: 字段: 问题。Validate standard files."""
    failed = False
    for path in files:
        try:
            std = load_standard(path)
        except Exception as exc:
            failed = True
            typer.secho(str(exc), err=True, fg="red")
            continue
        typer.secho(f"{path}: ok — {std.ref}, {len(std.checkpoints)} 个检查点"
                    f"（{len(std.enabled)} 个启用）", fg="green")
    if failed:
        raise typer.Exit(1)


@rules.command("test")
def test_(
    files: Annotated[list[Path] | None, typer.Argument(help="规则测试 YAML 文件或目录；默认为规范自带的测试")] = None,
    standard: StandardOpt = "default",
    coverage: Annotated[bool, typer.Option(help="显示每个检查点的通过/不通过用例数")] = False,
    min_cases: Annotated[int, typer.Option(help="每个检查点至少需要的 pass 与 fail 用例数（0 不检查）")] = 0,
) -> None:
    """运行规则测试（示例 + 测试文件）。Run rule tests: examples and annotated test calls."""
    std = load_standard(standard)
    engine = Engine(std)
    paths = collect_files(files or [default_tests(std)])
    cases = list(example_cases(std))
    for path in paths:
        cases += list(file_cases(path))
    results = list(run_cases(engine, cases))
    failures = [r for r in results if not r.ok]
    out = console()
    for r in failures:
        out.print(f"[red]✗[/red] {r.case.where} {r.case.name}: {r.checkpoint} expected "
                  f"[bold]{r.expected}[/bold], got [bold]{r.actual}[/bold]"
                  + (f" — {r.evidence}" if r.evidence else ""), highlight=False)
    counts = _coverage(results)
    thin = [cid for cid in (c.id for c in std.checkpoints)
            if min(counts[cid]["pass"], counts[cid]["fail"]) < min_cases] if min_cases else []
    if coverage or thin:
        out.print(_coverage_table(std, counts, min_cases))
    passed = len(results) - len(failures)
    out.print(f"{len(cases)} cases, {len(results)} checks: {passed} passed, {len(failures)} failed")
    if thin:
        out.print(f"[red]{len(thin)} checkpoints have fewer than {min_cases} pass and fail cases[/red]")
    if failures or thin:
        raise typer.Exit(1)


def default_tests(std: Standard) -> Path:
    return BUILTIN_DIR / "tests" / std.id


def _coverage(results: list[CaseResult]) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        counts[r.checkpoint][r.expected] += 1
    return counts


def _coverage_table(std: Standard, counts: dict[str, Counter], min_cases: int) -> Table:
    table = Table(title="规则测试覆盖 coverage", title_justify="left")
    for col in ("checkpoint", "pass", "fail", "na"):
        table.add_column(col, justify="right" if col != "checkpoint" else "left")
    for cp in std.checkpoints:
        c = counts[cp.id]
        low = min_cases and min(c["pass"], c["fail"]) < min_cases
        table.add_row(Text(cp.id, style="red" if low else ""), str(c["pass"]), str(c["fail"]),
                      str(c["na"]))
    return table
