"""The server-rendered console (Chinese first): dashboard, calls, call detail with review,
appeal and ruling, appeals and precision, standard, phrase library, audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from callqa.model import Call
from callqa.store import audit, queries, reviews, stats
from callqa.store.access import can_appeal, can_review, can_rule, require, sees_pii
from callqa.store.errors import NotFound
from callqa.store.models import OutcomeRow, ResultRow, UserRow
from callqa.store.users import authenticate
from callqa.web import charts
from callqa.web.auth import Actor, Ctx, User, end_session, start_session, verify_csrf
from callqa.web.context import Context
from callqa.web.forms import call_filter, page_number, per_page, query_of
from callqa.web.present import evidence_target, masked_text, timeline
from callqa.web.templating import flash, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: not //host or /\\host (which browsers read as another host)."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target


def _names(ctx: Context) -> dict[str, str]:
    return {cp.id: cp.spec.name for cp in ctx.standard.checkpoints}


# -- login -----------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None, name="")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, ctx: Ctx, name: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    await verify_csrf(request)
    address = request.client.host if request.client else "?"
    key = ctx.limiter.key(name, address)
    wait = ctx.limiter.retry_after(key)
    if wait:
        return render(request, "login.html", None, 429, next=_safe_next(next), name=name,
                      error=f"登录失败次数过多，请 {wait} 秒后再试。Too many failed logins; try again later.")
    with ctx.db.transaction() as session:
        user = authenticate(session, name, password)
    if user is None:
        ctx.limiter.failed(key)
        return render(request, "login.html", None, 401, next=_safe_next(next), name=name,
                      error="用户名或密码错误。Wrong user name or password.")
    ctx.limiter.succeeded(key)
    start_session(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, user: Actor) -> RedirectResponse:
    end_session(request)
    return RedirectResponse("/login", status_code=303)


# -- dashboard -------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: User, ctx: Ctx) -> HTMLResponse:
    f = call_filter(request.query_params)
    with ctx.db.session() as session:
        overview = stats.overview(session, user, ctx.standard.ref, f)
        options = queries.filter_options(session, user)
        precision = reviews.precision(session, user, ctx.standard.ref)
        open_appeals = len(reviews.list_appeals(session, user, "open", ctx.standard.ref))
    names = _names(ctx)
    return render(request, "dashboard.html", user, overview=overview, f=f, options=options,
                  charts=charts.dashboard(overview, names, ctx.standard.pass_mark), names=names,
                  precision=precision, open_appeals=open_appeals, query=urlencode(query_of(f)))


# -- calls -----------------------------------------------------------------------------------
@router.get("/calls", response_class=HTMLResponse)
def calls(request: Request, user: User, ctx: Ctx) -> HTMLResponse:
    f = call_filter(request.query_params)
    sort = request.query_params.get("sort", "newest")
    sort = sort if sort in ("newest", "oldest", "score", "-score") else "newest"
    with ctx.db.session() as session:
        page = queries.list_calls(session, user, ctx.standard.ref, f, page=page_number(request.query_params),
                                  per_page=per_page(request.query_params), sort=sort)  # type: ignore[arg-type]
        options = queries.filter_options(session, user)
    query = query_of(f)
    return render(request, "calls.html", user, page=page, f=f, options=options, names=_names(ctx),
                  sort=sort, query=query, base_query=urlencode({**query, "sort": sort}))


def _scorecard(ctx: Context, call: Call, result: ResultRow | None, user: UserRow, hide: bool,
               call_appealable: bool) -> list[dict[str, Any]]:
    """The outcomes to show as cards: every checkpoint that failed (now or per the engine) and
    every bonus earned, failed ones first."""
    cards = []
    for o in result.outcomes if result else []:
        failed = "fail" in (o.auto_status, o.status)
        bonus = o.status == "pass" and (o.points or 0) > 0
        if not (failed or bonus):
            continue
        checkpoint = ctx.standards.get(o.result.standard, ctx.standard).checkpoint(o.checkpoint_id)
        final = o.appeal is not None and o.appeal.final
        cards.append({
            "o": o, "spec": checkpoint.spec if checkpoint else None,
            "evidence": [{"target": evidence_target(call, e), "t": e.get("t"),
                          "text": masked_text(e.get("text"), hide)} for e in o.evidence or []],
            "may_review": can_review(user) and o.auto_status == "fail" and not final,
            "may_appeal": call_appealable and o.status == "fail" and o.appeal is None,
            "may_rule": can_rule(user) and o.appeal is not None and not final,
        })
    cards.sort(key=lambda c: (c["o"].auto_status != "fail", c["o"].position))
    return cards


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_detail(request: Request, call_id: str, user: User, ctx: Ctx, standard: str | None = None) -> HTMLResponse:
    hide = not sees_pii(user)
    with ctx.db.session() as session:
        row = queries.get_call(session, user, call_id)
        call = queries.as_call(row)
        refs = [r.standard for r in row.results]
        ref = standard if standard in refs else ctx.standard.ref
        result = queries.get_result(session, call_id, ref)
        lines = timeline(call, result, hide)
        cards = _scorecard(ctx, call, result, user, hide, can_appeal(user, row))
        counts = {s: sum(o.status == s for o in result.outcomes) for s in ("pass", "fail", "na")} \
            if result else {}
        others = [{"standard": r.standard, "score": r.score, "passed": r.passed} for r in row.results]
        log = audit.for_call(session, call_id)
        table = [{"o": o, "name": _names(ctx).get(o.checkpoint_id, o.checkpoint_id)}
                 for o in (result.outcomes if result else [])]
        page = render(request, "call.html", user, row=row, call=call, result=result, lines=lines,
                      cards=cards, counts=counts, others=others, log=log, table=table, names=_names(ctx),
                      hide=hide, audio=bool(row.has_audio and ctx.audio_dir), ref=ref)
    return page


@router.get("/calls/{call_id}/audio")
def call_audio(call_id: str, user: User, ctx: Ctx) -> FileResponse:
    with ctx.db.session() as session:
        row = queries.get_call(session, user, call_id)
    path = (row.data.get("audio") or {}).get("path")
    if not path or ctx.audio_dir is None:
        raise NotFound("没有录音 (no recording)")
    resolved = (ctx.audio_dir / path).resolve()
    if not resolved.is_relative_to(ctx.audio_dir) or not resolved.is_file():
        raise NotFound("没有录音 (no recording)")
    return FileResponse(resolved, media_type=_audio_type(resolved))


def _audio_type(path: Path) -> str:
    return {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
            ".m4a": "audio/mp4", ".flac": "audio/flac"}.get(path.suffix.lower(), "application/octet-stream")


def _back(call_id: str, checkpoint: str) -> RedirectResponse:
    return RedirectResponse(f"/calls/{call_id}#cp-{checkpoint}", status_code=303)


@router.post("/calls/{call_id}/review")
def review_form(request: Request, call_id: str, user: Actor, ctx: Ctx, checkpoint: Annotated[str, Form()],
                verdict: Annotated[str, Form()], comment: Annotated[str, Form()] = "",
                standard: Annotated[str | None, Form()] = None) -> RedirectResponse:
    with ctx.db.transaction() as session:
        queries.get_call(session, user, call_id)
        result = queries.stored_result(session, call_id, standard or ctx.standard.ref)
        reviews.review(session, user, result, checkpoint, verdict, comment, ctx.standards)
        flash(request, f"已复核 {checkpoint}：{'误判' if verdict == 'false_hit' else '确认命中'}，"
                       f"当前得分 {result.score:g}")
    return _back(call_id, checkpoint)


@router.post("/calls/{call_id}/appeal")
def appeal_form(request: Request, call_id: str, user: Actor, ctx: Ctx, checkpoint: Annotated[str, Form()],
                reason: Annotated[str, Form()] = "", standard: Annotated[str | None, Form()] = None
                ) -> RedirectResponse:
    with ctx.db.transaction() as session:
        queries.get_call(session, user, call_id)
        result = queries.stored_result(session, call_id, standard or ctx.standard.ref)
        reviews.appeal(session, user, result, checkpoint, reason)
        flash(request, f"已提交申诉：{checkpoint}，等待主管裁定。")
    return _back(call_id, checkpoint)


@router.post("/appeals/{appeal_id}/rule")
def rule_form(request: Request, appeal_id: int, user: Actor, ctx: Ctx, decision: Annotated[str, Form()],
              comment: Annotated[str, Form()] = "") -> RedirectResponse:
    with ctx.db.transaction() as session:
        appeal = reviews.get_appeal(session, user, appeal_id)
        reviews.rule(session, user, appeal, decision, comment, ctx.standards)
        outcome: OutcomeRow = appeal.outcome
        call_id, checkpoint = outcome.result.call_id, outcome.checkpoint_id
        flash(request, f"已裁定（终审）：{'维持原判' if decision == 'upheld' else '改判通过'}，"
                       f"当前得分 {outcome.result.score:g}")
    return _back(call_id, checkpoint)



# -- appeals and precision ---------------------------------------------------------------------
@router.get("/appeals", response_class=HTMLResponse)
def appeals(request: Request, user: User, ctx: Ctx, status: str | None = None) -> HTMLResponse:
    status = status if status in ("open", "upheld", "overturned") else None
    with ctx.db.session() as session:
        items = reviews.list_appeals(session, user, status, ctx.standard.ref)
        precision = reviews.precision(session, user, ctx.standard.ref)
    return render(request, "appeals.html", user, items=items, status=status, precision=precision,
                  names=_names(ctx))


# -- standard and phrases --------------------------------------------------------------------
@router.get("/standard", response_class=HTMLResponse)
def standard_page(request: Request, user: User, ctx: Ctx) -> HTMLResponse:
    groups: dict[str, list[Any]] = {}
    for cp in ctx.standard.checkpoints:
        groups.setdefault(cp.spec.category, []).append(cp)
    with ctx.db.session() as session:
        precision = {p.checkpoint_id: p for p in reviews.precision(session, user, ctx.standard.ref)}
    return render(request, "standard.html", user, groups=groups, variables=ctx.standard.variables,
                  precision=precision)


@router.get("/phrases", response_class=HTMLResponse)
def phrases(request: Request, user: User, ctx: Ctx, q: str = "") -> HTMLResponse:
    q = q.strip()
    found = ctx.phrasebook.search(q) if q else ctx.phrasebook.scenarios
    return render(request, "phrases.html", user, q=q, scenarios=found, names=_names(ctx),
                  total=len(ctx.phrasebook.scenarios))


# -- audit log -------------------------------------------------------------------------------
@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: User, ctx: Ctx) -> HTMLResponse:
    require(user.role in ("admin", "supervisor"), "只有主管和管理员可以查看审计日志 (supervisors and admins only)")
    with ctx.db.session() as session:
        entries = audit.recent(session, 300)
    return render(request, "audit.html", user, entries=entries)
