"""Jinja2 templates: autoescaped always (transcripts are untrusted), a few display filters."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from callqa.store.models import UserRow
from callqa.web.auth import csrf_token

TEMPLATES = Path(__file__).resolve().parent / "templates"

ROLE_ZH = {"admin": "管理员", "supervisor": "主管", "qa": "质检员", "agent": "坐席"}
STATUS_ZH = {"pass": "通过", "fail": "不通过", "na": "不适用"}
SEVERITY_ZH = {"fatal": "一票否决", "major": "重要", "minor": "一般", "bonus": "加分"}
SPEAKER_ZH = {"agent": "坐席", "customer": "客户"}
CHANNEL_ZH = {"phone": "电话", "chat": "在线"}
DIRECTION_ZH = {"inbound": "呼入", "outbound": "外呼"}
APPEAL_ZH = {"open": "待裁定", "upheld": "维持原判", "overturned": "改判通过"}
VERDICT_ZH = {"true_hit": "确认命中", "false_hit": "误判"}
EVENT_ZH = {"ring": "振铃", "answer": "接听", "hold_start": "开始保持", "hold_end": "结束保持",
            "transfer": "转接", "hangup": "挂机", "dropped": "断线"}
# The icon as a data URI: nothing to ship or fetch (the CSP allows data: images).
FAVICON = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect "
           "width='32' height='32' rx='7' fill='%232563eb'/%3E%3Ctext x='16' y='21.5' font-family='Arial' "
           "font-size='13' font-weight='700' fill='white' text-anchor='middle'%3EQA%3C/text%3E%3C/svg%3E")
BY_ZH = {"agent": "坐席", "customer": "客户", "system": "系统"}


def clock(seconds: float | None) -> str:
    """83.9 → 01:23."""
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 60:02d}:{total % 60:02d}"


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    env.filters.update(clock=clock, when=when, score=score, percent=percent)
    env.globals.update(ROLE_ZH=ROLE_ZH, STATUS_ZH=STATUS_ZH, SEVERITY_ZH=SEVERITY_ZH, SPEAKER_ZH=SPEAKER_ZH,
                       CHANNEL_ZH=CHANNEL_ZH, DIRECTION_ZH=DIRECTION_ZH, APPEAL_ZH=APPEAL_ZH,
                       VERDICT_ZH=VERDICT_ZH, EVENT_ZH=EVENT_ZH, BY_ZH=BY_ZH, FAVICON=FAVICON)
    return env


templates = Jinja2Templates(env=environment())


def render(request: Request, template: str, user: UserRow | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    ctx = request.app.state.ctx
    flash = request.session.pop("flash", None) if "session" in request.scope else None
    base = {"user": user, "csrf": csrf_token(request), "standard": ctx.standard, "flash": flash,
            "path": request.url.path}
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}
