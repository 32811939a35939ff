"""`callqa db`: the store — migrate, load calls (checked by the engine), re-check, info."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from callqa.cli.check import read_options
from callqa.ingest import read_calls
from callqa.render import console
from callqa.standard import Engine, load_standard
from callqa.store import open_database
from callqa.store.ingest import IngestReport, ingest, recheck
from callqa.store.models import AppealRow, CallRow, ResultRow, ReviewRow, UserRow

DB_HELP = "数据库 URL 或 SQLite 文件（默认 $CALLQA_DB 或 ./callqa.db）"
DbOption = Annotated[str | None, typer.Option("--db", help=DB_HELP, envvar="CALLQA_DB")]
StandardOption = Annotated[str, typer.Option("--standard", "-s", help="规范：内置名称或 YAML 文件")]

db_app = typer.Typer(help="数据库：迁移、导入通话、重新质检。The store: migrate, load, re-check.",
                     no_args_is_help=True)


def _print_report(report: IngestReport) -> None:
    out = console()
    for problem in report.problems:
        out.print(f"[yellow]跳过 skipped[/yellow] {problem}")
    out.print(f"新增 created {report.count('created')} · 更新 updated {report.count('updated')} · "
              f"补充质检 rechecked {report.count('rechecked')} · 未变 unchanged {report.count('unchanged')} · "
              f"问题 problems {len(report.problems)}")


@db_app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """应用数据库迁移（启动服务时也会自动执行）。Apply migrations."""
    database = open_database(db)
    console().print(f"数据库已是最新版本 schema at revision {database.revision()}")
    database.close()


@db_app.command("load")
def load(
    inputs: Annotated[list[Path], typer.Argument(help="通话文件或目录（JSONL、转写、CSV …）")],
    db: DbOption = None,
    standard: StandardOption = "default",
    input_format: Annotated[str | None, typer.Option("--input-format", "-F", help="输入格式，默认自动识别")] = None,
    encoding: Annotated[str | None, typer.Option(help="输入编码，默认自动识别")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="说话人映射，如 0=customer,1=agent")] = None,
) -> None:
    """质检通话并存入数据库（同一通话重复导入不会重复）。Check calls and store them."""
    engine = Engine(load_standard(standard))
    database = open_database(db)
    try:
        with database.transaction() as session:
            report = ingest(session, read_calls(inputs, input_format, read_options(encoding, role, None)),
                            engine, source="load")
    finally:
        database.close()
    _print_report(report)


@db_app.command("recheck")
def recheck_command(db: DbOption = None, standard: StandardOption = "default") -> None:
    """用该规范版本质检所有还没有其结果的通话。Check stored calls that lack a result under this standard."""
    engine = Engine(load_standard(standard))
    database = open_database(db)
    try:
        with database.transaction() as session:
            report = recheck(session, engine)
    finally:
        database.close()
    _print_report(report)


@db_app.command("info")
def info(db: DbOption = None) -> None:
    """数据库概况。What is in the store."""
    database = open_database(db)
    table = Table("项目", "值")
    table.add_row("URL", database.url.split("@")[-1] if "@" in database.url else database.url)
    table.add_row("revision", str(database.revision()))
    with database.session() as session:
        for label, model in (("calls", CallRow), ("results", ResultRow), ("reviews", ReviewRow),
                             ("appeals", AppealRow), ("users", UserRow)):
            table.add_row(label, str(session.scalar(select(func.count()).select_from(model))))
        for ref, n in session.execute(select(ResultRow.standard, func.count()).group_by(ResultRow.standard)):
            table.add_row(f"results {ref}", str(n))
    database.close()
    console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
