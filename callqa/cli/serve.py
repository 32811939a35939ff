"""`callqa serve`: the web console and the JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callqa.cli.db import DbOption
from callqa.errors import CallqaError
from callqa.render import console


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="监听地址 (0.0.0.0 to listen on every interface)")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="端口")] = 8000,
        db: DbOption = None,
        standard: Annotated[list[str] | None, typer.Option(
            "--standard", "-s", help="规范（可多次；第一个用于新通话和页面，其余用于旧结果的复核）")] = None,
        audio_dir: Annotated[Path | None, typer.Option(help="录音目录：通话的 audio.path 相对于此目录")] = None,
        secure_cookies: Annotated[bool, typer.Option(help="仅通过 HTTPS 发送会话 Cookie")] = False,
    ) -> None:
        """启动质检控制台与 JSON API。Serve the web console and the API."""
        run_server(host, port, db, tuple(standard or ("default",)), audio_dir, secure_cookies)


def run_server(host: str, port: int, db: str | None, standards: tuple[str, ...] = ("default",),
               audio_dir: Path | None = None, secure_cookies: bool = False) -> None:
    try:
        import uvicorn

        from callqa.web import WebConfig, create_app
    except ImportError as exc:
        raise CallqaError(f"网页控制台需要 web 扩展 (the console needs the web extra: pip install "
                          f"'callqa[web]'): {exc}") from None
    from callqa.store.users import list_users

    web = create_app(WebConfig(db_url=db, standards=standards, audio_dir=audio_dir,
                               secure_cookies=secure_cookies))
    out = console()
    ctx = web.state.ctx
    with ctx.db.session() as session:
        if not list_users(session):
            out.print("[yellow]还没有用户：先运行 callqa user create admin --admin "
                      "(no users yet: create the first admin)[/yellow]")
    out.print(f"callqa 控制台 console: [bold]http://{host}:{port}/[/bold] · API docs: http://{host}:{port}/docs"
              f" · 数据库 {_safe_url(ctx.db.url)} · 规范 {ctx.standard.ref}")
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=False)


def _safe_url(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
