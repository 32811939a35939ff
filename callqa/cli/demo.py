"""`callqa demo`: the bundled sample calls through the default standard, then the console.

After printing the scorecards, the demo loads the samples into a fresh SQLite database in
the data directory (`$CALLQA_HOME`, else `~/.local/share/callqa`), creates demo users and
serves the web console on 127.0.0.1 (unless `--no-serve`); see docs/web.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from callqa.ingest import read_calls
from callqa.model import Call
from callqa.render import Summary, console, scorecard_table, summary_table
from callqa.standard import Engine, load_standard

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "calls.jsonl"


def sample_calls() -> list[Call]:
    return [c for c in read_calls([SAMPLES]) if isinstance(c, Call)]


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        standard: Annotated[str, typer.Option("--standard", "-s", help="规范：内置名称或 YAML 文件")] = "default",
        serve: Annotated[bool, typer.Option("--serve/--no-serve", help="启动网页控制台 (serve the console)")] = True,
        port: Annotated[int, typer.Option(help="控制台端口 (127.0.0.1 only)")] = 8000,
        data_dir: Annotated[Path | None, typer.Option(
            help="演示数据库目录（默认 $CALLQA_HOME 或 ~/.local/share/callqa）")] = None,
    ) -> None:
        """演示：用默认规范质检自带的示例通话并显示评分卡，然后启动网页控制台。Score the bundled sample calls
        and open the console."""
        engine = Engine(load_standard(standard))
        out = console()
        out.print(f"[bold]callqa demo[/bold] — {len(sample_calls())} 通示例通话 × {engine.standard.name} "
                  f"（{len(engine.checkpoints)} 个检查点）\n数据：{SAMPLES}\n")
        summary = Summary()
        for result in engine.check_many(sample_calls()):
            summary.add(result)
            out.print(scorecard_table(result, engine.standard))
        out.print(summary_table(summary, engine.standard))
        out.print("\n下一步：callqa rules list · callqa rules explain hold.thank_after · "
                  "callqa check 你的通话.jsonl")
        _console_demo(engine, serve, port, data_dir)


def _console_demo(engine: Engine, serve: bool, port: int, data_dir: Path | None) -> None:
    """Load the samples into a fresh demo database, print the logins, serve the console."""
    out = console()
    try:
        from callqa.cli.serve import run_server
        from callqa.web.demo import DEMO_USERS, ROLE_NAMES, build_demo
    except ImportError as exc:
        out.print(f"\n网页控制台需要 web 扩展 (the console needs the web extra: pip install 'callqa[web]'): {exc}")
        return
    demo = build_demo(sample_calls(), engine, data_dir)
    url = f"http://127.0.0.1:{port}/"
    out.print(f"\n[bold]网页控制台 Web console[/bold]：{url}  （API 文档 {url}docs）")
    out.print(f"演示数据库 demo database：{demo.db_path}（{demo.report.count('created')} 通通话，每次运行重建）")
    users = Table("角色 role", "用户名 user", "密码 password", "可见范围 sees", title="演示账号 demo users",
                  title_justify="left")
    for name, role, teams, agent_id, password in DEMO_USERS:
        scope = f"班组 {teams}" if role == "qa" else (f"工号 {agent_id} 的通话" if agent_id else "全部通话")
        users.add_row(ROLE_NAMES[role], f"[bold]{name}[/bold]", password, scope)
    out.print(users)
    if not serve:
        out.print(f"启动：callqa serve --db {demo.url}")
        return
    out.print("按 Ctrl+C 停止。Press Ctrl+C to stop.\n")
    run_server("127.0.0.1", port, demo.url, (engine.standard.source,))
