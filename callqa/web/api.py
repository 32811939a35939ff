"""The JSON API (/api, OpenAPI at /docs). The same permissions as the pages.

Authenticate with `Authorization: Bearer <token>` (`callqa user token NAME`), or with the
console's session cookie plus the `X-CSRF-Token` header on changes.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field

from callqa.model import Call
from callqa.store import audit, queries, reviews, stats
from callqa.store.access import can_submit, require, sees_pii
from callqa.store.ingest import IngestReport, ingest, parse_calls
from callqa.web.auth import Actor, Ctx, User, csrf_token
from callqa.web.context import Context
from callqa.web.forms import call_filter
from callqa.web.present import call_json, result_json

router = APIRouter(prefix="/api", tags=["api"])
MAX_BATCH = 5000


class ReviewIn(BaseModel):
    checkpoint: str = Field(description="checkpoint id, e.g. hold.thank_after")
    verdict: Literal["true_hit", "false_hit"]
    comment: str = ""
    standard: str | None = Field(None, description="standard version (default: the server's)")


class AppealIn(BaseModel):
    checkpoint: str
    reason: str = Field(min_length=1)
    standard: str | None = None


class RulingIn(BaseModel):
    decision: Literal["upheld", "overturned"]
    comment: str = ""


def _submit(ctx: Context, user: Any, items: Any) -> IngestReport:
    require(can_submit(user), "只有主管和管理员可以提交通话 (only supervisors and admins submit calls)")
    with ctx.write_lock, ctx.db.transaction() as session:
        return ingest(session, items, ctx.engine, actor=user, source="request")


@router.get("/me", summary="The current user")
def me(request: Request, user: User) -> dict[str, Any]:
    return {**user.summary(), "csrf_token": csrf_token(request)}


@router.post("/calls", summary="Submit one call (interchange format v1); it is checked and stored")
def submit_call(user: Actor, ctx: Ctx, call: Call) -> dict[str, Any]:
    report = _submit(ctx, user, [call])
    out = report.as_dict()
    if report.stored:
        with ctx.db.session() as session:
            result = queries.get_result(session, call.call_id, ctx.standard.ref)
            if result is not None:
                out["result"] = result_json(result, not sees_pii(user))
    return out


@router.post("/calls/batch", summary="Submit many calls; bad ones are reported, the rest are stored")
def submit_batch(user: Actor, ctx: Ctx,
                 calls: list[dict[str, Any]] = Body(..., max_length=MAX_BATCH)) -> dict[str, Any]:  # noqa: B008
    return _submit(ctx, user, parse_calls(calls, "request")).as_dict()


@router.get("/calls", summary="List calls (filters as on the calls page)")
def list_calls(request: Request, user: User, ctx: Ctx, page: int = Query(1, ge=1),
               per_page: int = Query(50, ge=1, le=500),
               sort: Literal["newest", "oldest", "score", "-score"] = "newest") -> dict[str, Any]:
    f = call_filter(request.query_params)
    with ctx.db.session() as session:
        result = queries.list_calls(session, user, ctx.standard.ref, f, page=page, per_page=per_page, sort=sort)
    return {"standard": ctx.standard.ref, "total": result.total, "page": result.page,
            "per_page": result.per_page, "pages": result.pages,
            "items": [{**item.__dict__, "started_local": item.started_local.isoformat()
                       if item.started_local else None} for item in result.items]}


@router.get("/calls/{call_id}", summary="One call (transcript masked per role) and its results")
def get_call(call_id: str, user: User, ctx: Ctx) -> dict[str, Any]:
    with ctx.db.session() as session:
        row = queries.get_call(session, user, call_id)
        return {"call": call_json(queries.as_call(row), not sees_pii(user)),
                "results": [{"standard": r.standard, "score": r.score, "passed": r.passed, "fatal": r.fatal,
                             "auto_score": r.auto_score} for r in row.results]}


@router.get("/calls/{call_id}/result", summary="The result (format v1, with reviews and appeals)")
def get_result(call_id: str, user: User, ctx: Ctx, standard: str | None = None) -> dict[str, Any]:
    with ctx.db.session() as session:
        queries.get_call(session, user, call_id)
        result = queries.stored_result(session, call_id, standard or ctx.standard.ref)
        return result_json(result, not sees_pii(user))


@router.get("/calls/{call_id}/audit", summary="The call's audit log")
def call_audit(call_id: str, user: User, ctx: Ctx) -> list[dict[str, Any]]:
    with ctx.db.session() as session:
        queries.get_call(session, user, call_id)
        return [{"at": a.at.isoformat(), "user": a.user_name, "action": a.action, "entity": a.entity,
                 "entity_id": a.entity_id, "before": a.before, "after": a.after}
                for a in audit.for_call(session, call_id)]


@router.post("/calls/{call_id}/reviews", summary="Review a failed checkpoint (QA, supervisor, admin)")
def post_review(call_id: str, body: ReviewIn, user: Actor, ctx: Ctx) -> dict[str, Any]:
    with ctx.db.transaction() as session:
        queries.get_call(session, user, call_id)
        result = queries.stored_result(session, call_id, body.standard or ctx.standard.ref)
        reviews.review(session, user, result, body.checkpoint, body.verdict, body.comment, ctx.standards)
        return result_json(result, not sees_pii(user))


@router.post("/calls/{call_id}/appeals", summary="Appeal a failed checkpoint (the call's agent)")
def post_appeal(call_id: str, body: AppealIn, user: Actor, ctx: Ctx) -> dict[str, Any]:
    with ctx.db.transaction() as session:
        queries.get_call(session, user, call_id)
        result = queries.stored_result(session, call_id, body.standard or ctx.standard.ref)
        appeal = reviews.appeal(session, user, result, body.checkpoint, body.reason)
        session.flush()
        return {"appeal": appeal.id, "status": appeal.status}


@router.get("/appeals", summary="Appeals the user can see (open first)")
def list_appeals(user: User, ctx: Ctx,
                 status: Literal["open", "upheld", "overturned"] | None = None) -> list[dict[str, Any]]:
    with ctx.db.session() as session:
        return [a.as_dict() for a in reviews.list_appeals(session, user, status, ctx.standard.ref)]


@router.post("/appeals/{appeal_id}/ruling", summary="Rule on an appeal, finally (supervisor, admin)")
def post_ruling(appeal_id: int, body: RulingIn, user: Actor, ctx: Ctx) -> dict[str, Any]:
    with ctx.db.transaction() as session:
        appeal = reviews.get_appeal(session, user, appeal_id)
        reviews.rule(session, user, appeal, body.decision, body.comment, ctx.standards)
        return result_json(appeal.outcome.result, not sees_pii(user))


@router.get("/stats", summary="Dashboard numbers (filters as on the calls page)")
def get_stats(request: Request, user: User, ctx: Ctx) -> dict[str, Any]:
    with ctx.db.session() as session:
        overview = stats.overview(session, user, ctx.standard.ref, call_filter(request.query_params))
    return {"standard": ctx.standard.ref, **overview.as_dict()}


@router.get("/precision", summary="Per-checkpoint precision from reviews and rulings")
def get_precision(user: User, ctx: Ctx) -> list[dict[str, Any]]:
    with ctx.db.session() as session:
        return [p.as_dict() for p in reviews.precision(session, user, ctx.standard.ref)]
