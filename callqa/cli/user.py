"""`callqa user`: console users (admin, supervisor, QA, agent) and their API tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from callqa.cli.db import DbOption
from callqa.errors import CallqaError
from callqa.render import console
from callqa.store import StoreError, open_database
from callqa.store.models import ROLES
from callqa.store.users import by_name, create_user, issue_token, list_users, set_active, set_password

user_app = typer.Typer(help="用户与权限：创建、列出、令牌。Users, roles and API tokens.", no_args_is_help=True)


def _password(password: str | None) -> str:
    if password is not None:
        return password
    return typer.prompt("密码 Password", hide_input=True, confirmation_prompt=True)


@user_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str | None, typer.Option(help=f"角色 role: {' | '.join(ROLES)}")] = None,
    team: Annotated[list[str] | None, typer.Option("--team", help="班组（质检员负责的班组，可多次或逗号分隔）")] = None,
    agent_id: Annotated[str | None, typer.Option(help="坐席工号（与通话的 agent_id 一致）")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="创建管理员 (same as --role admin)")] = False,
    password: Annotated[str | None, typer.Option(help="密码（脚本用；默认交互输入）")] = None,
    db: DbOption = None,
) -> None:
    """创建用户。Create a user: callqa user create admin --admin"""
    if admin:
        role = "admin"
    if role is None:
        raise typer.BadParameter("give --role ROLE or --admin")
    database = open_database(db)
    try:
        with database.transaction() as session:
            user = create_user(session, name, role, _password(password), teams=team, agent_id=agent_id)
            summary = user.summary()
    except StoreError as exc:
        raise CallqaError(str(exc)) from None
    finally:
        database.close()
    console().print(f"已创建 created: [bold]{summary['name']}[/bold] ({summary['role']})"
                    + (f" 班组 {','.join(summary['teams'])}" if summary["teams"] else "")
                    + (f" 工号 {summary['agent_id']}" if summary["agent_id"] else ""))


@user_app.command("list")
def list_(db: DbOption = None) -> None:
    """列出用户。List users."""
    database = open_database(db)
    table = Table("用户 name", "角色 role", "班组 teams", "工号 agent_id", "令牌 token", "状态")
    with database.session() as session:
        for user in list_users(session):
            table.add_row(user.name, user.role, user.teams or "", user.agent_id or "",
                          "yes" if user.token_hash else "", "active" if user.active else "disabled")
    database.close()
    console().print(table)


def _with_user(db: str | None, name: str, action: str, password: str | None = None) -> str | None:
    database = open_database(db)
    try:
        with database.transaction() as session:
            user = by_name(session, name)
            if action == "token":
                return issue_token(session, user)
            if action == "password":
                set_password(session, user, _password(password))
            else:
                set_active(session, user, action == "enable")
            return None
    except StoreError as exc:
        raise CallqaError(str(exc)) from None
    finally:
        database.close()


@user_app.command("token")
def token(name: str, db: DbOption = None) -> None:
    """生成新的 API 令牌（旧令牌失效）。Issue a new API token (the old one stops working)."""
    value = _with_user(db, name, "token")
    console().print("API 令牌（只显示一次）token, shown once:")
    typer.echo(value)


@user_app.command("password")
def password(name: str, password: Annotated[str | None, typer.Option(help="新密码")] = None,
             db: DbOption = None) -> None:
    """修改密码（该用户的会话全部失效）。Set a new password."""
    _with_user(db, name, "password", password)
    console().print(f"已修改 {name} 的密码。")


@user_app.command("disable")
def disable(name: str, db: DbOption = None) -> None:
    """停用用户。Disable a user (sessions and token stop working)."""
    _with_user(db, name, "disable")
    console().print(f"已停用 {name}。")


@user_app.command("enable")
def enable(name: str, db: DbOption = None) -> None:
    """启用用户。Enable a user."""
    _with_user(db, name, "enable")
    console().print(f"已启用 {name}。")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
