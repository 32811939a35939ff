"""The FastAPI application: console pages, JSON API, static files, security headers.

`create_app(WebConfig(...))` opens the database (applying migrations), loads the
standards and returns the app; `callqa serve` runs it with uvicorn.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

import fastapi_offline
import plotly
from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callqa.store.errors import Conflict, Forbidden, Invalid, NotFound, StoreError
from callqa.store.settings import session_secret
from callqa.web import api, pages
from callqa.web.auth import CsrfFailed, LoginRequired
from callqa.web.context import Context, WebConfig
from callqa.web.templating import FAVICON, render

STATIC = Path(__file__).resolve().parent / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"  # Swagger UI, offline
SWAGGER_ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})
STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422}

# Pages run no inline script and load nothing from elsewhere; the API docs need inline init.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'")


class SecurityHeaders:
    """Pure ASGI middleware adding CSP and friends to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith("/docs") else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", csp.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    title = {401: "请登录", 403: "无权访问 Forbidden", 404: "未找到 Not found", 409: "无法执行 Conflict",
             422: "输入有误 Invalid input", 429: "请求过多"}.get(status, "出错了 Error")
    user = getattr(request.state, "user", None)
    return render(request, "error.html", user, status, title=title, message=message)


def create_app(config: WebConfig | None = None) -> FastAPI:
    ctx = Context(config or WebConfig())
    with ctx.db.transaction() as session:
        secret = session_secret(session)
    app = FastAPI(title="callqa", version=version("callqa"),
                  description="按服务规范质检每一通客服通话：提交通话、查询结果、复核与申诉。"
                              "Check calls against the service standard; review and appeal.",
                  docs_url=None, redoc_url=None)
    app.state.ctx = ctx
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="callqa_session",
                       max_age=int(ctx.config.session_hours * 3600), same_site="lax",
                       https_only=ctx.config.secure_cookies)
    app.add_middleware(SecurityHeaders)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/vendor/{name}", include_in_schema=False)
    def swagger_asset(name: str) -> FileResponse:
        if name not in SWAGGER_ASSETS:
            raise HTTPException(404)
        return FileResponse(SWAGGER_DIR / name, headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="callqa API",
                                   swagger_js_url="/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/vendor/swagger-ui.css",
                                   swagger_favicon_url=FAVICON)

    @app.exception_handler(LoginRequired)
    def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "请先登录或提供 API 令牌 (authentication required)"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303)

    @app.exception_handler(CsrfFailed)
    def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        return _error(request, 403, "CSRF 校验失败，请刷新页面后重试 (CSRF token missing or wrong)")

    @app.exception_handler(StoreError)
    def _store_error(request: Request, exc: StoreError) -> Response:
        return _error(request, STATUS.get(type(exc), 400), str(exc))

    @app.exception_handler(HTTPException)
    def _http_error(request: Request, exc: HTTPException) -> Response:
        if _is_api(request) or exc.status_code == 401:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(request, 422, f"{where}: {first.get('msg', '')}")

    return app

