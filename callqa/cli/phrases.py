"""`callqa phrases`: browse the phrase library by scenario."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from callqa.render import console
from callqa.standard.phrasebook import Scenario, load_phrasebook


def register(app: typer.Typer) -> None:
    @app.command()
    def phrases(
        scenario: Annotated[str | None, typer.Argument(help="场景 id 或名称，例如 hold 或 等待前")] = None,
        search: Annotated[str | None, typer.Option("--search", "-q", help="按关键词搜索话术")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    ) -> None:
        """话术库：各场景的标准话术与忌语。Browse the phrase library."""
        book = load_phrasebook()
        if scenario:
            found = book.find(scenario)
            if found is None:
                known = "、".join(f"{s.id}({s.name})" for s in book.scenarios)
                typer.secho(f"没有场景 {scenario!r}。已有场景：{known}", err=True, fg="red")
                raise typer.Exit(2)
            chosen = [found]
        else:
            chosen = book.search(search) if search else book.scenarios
        if as_json:
            typer.echo(json.dumps([s.model_dump() for s in chosen], ensure_ascii=False, indent=2))
            return
        out = console()
        if scenario or search:
            for s in chosen:
                out.print(_panel(s))
            if not chosen:
                out.print(f"没有找到包含 {search!r} 的话术")
            return
        table = Table(title="话术库 Phrase library", title_justify="left")
        for col in ("场景", "名称", "适用情形", "检查点"):
            table.add_column(col)
        for s in chosen:
            table.add_row(s.id, s.name, s.when, ", ".join(s.checkpoints))
        out.print(table)
        out.print("查看某个场景：callqa phrases <场景>；搜索：callqa phrases -q 关键词")


def _panel(s: Scenario) -> Panel:
    lines = [f"[dim]{s.when}[/dim]", "", "[green]✓ 标准话术[/green]"]
    lines += [f"  {p}" for p in s.standard]
    if s.forbidden:
        lines += ["", "[red]✗ 避免[/red]"] + [f"  {p}" for p in s.forbidden]
    if s.checkpoints:
        lines += ["", f"[dim]检查点：{', '.join(s.checkpoints)}[/dim]"]
    if s.source:
        lines += [f"[dim]出处：{s.source}[/dim]"]
    return Panel("\n".join(lines), title=f"{s.name} ({s.id})", title_align="left", expand=False)
