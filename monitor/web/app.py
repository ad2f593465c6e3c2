"""The change-history browser: ``create_app(settings)`` builds the ASGI app that ``policywatch serve`` runs.

Read-only by construction: it opens its own engine with ``readonly=True`` (deferred SQLite transactions,
so reads never wait behind a worker's write lock) and, on SQLite, ``PRAGMA query_only``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from monitor import __version__
from monitor.config import Settings, secret_from_env
from monitor.errors import ConfigError, NotFound, StorageError
from monitor.web import api, feeds, pages, security
from monitor.web.deps import WebState, make_templates, render
from monitor.web.head import HeadAsGet
from storage.engine import is_sqlite, make_engine
from storage.migrations import ensure_current

STATIC = Path(__file__).resolve().parent / "static"


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def readonly_engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url, readonly=True)
    if is_sqlite(engine):
        sa.event.listen(engine, "connect", _query_only)
    return engine


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request) or request.url.path.startswith("/feed"):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html.j2", status_code=status, status=status, message=message)


async def _not_found(request: Request, error: Exception) -> Response:
    return _error(request, 404, str(error))


async def _storage_error(request: Request, error: Exception) -> Response:
    return _error(request, 503, f"the database cannot be read: {error}")


async def _database_error(request: Request, error: Exception) -> Response:
    orig = getattr(error, "orig", None) or error
    return _error(request, 503, f"the database cannot be read: {orig}")


async def _out_of_range(request: Request, error: Exception) -> Response:
    # A number no database row can have (SQLite's integers stop at 2^63 - 1; the driver refuses to bind
    # a larger one): nothing has that id, which is a 404, not a server error.
    return _error(request, 404, "no such page" if not _is_api(request) else "not found")


async def _server_error(request: Request, error: Exception) -> Response:
    # Starlette answers a 500 outside every middleware, so the security headers are added here; the
    # error is still logged with its traceback by the server, as a bug should be.
    headers = dict(security.SECURITY_HEADERS)
    if _is_api(request) or request.url.path.startswith(("/feed", "/static")):
        return JSONResponse({"detail": "internal server error"}, status_code=500, headers=headers)
    response = render(request, "error.html.j2", status_code=500, status=500, message="internal server error")
    response.headers.update(headers)
    return response


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _is_api(request) or request.url.path.startswith(("/feed", "/static")):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
    message = "no such page" if error.status_code == 404 else str(error.detail)
    return render(
        request, "error.html.j2", status_code=error.status_code, status=error.status_code, message=message
    )


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if _is_api(request):
        return await request_validation_exception_handler(request, error)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in item['loc'][1:])}: {item['msg']}" for item in error.errors()
    )
    return render(request, "error.html.j2", status_code=400, status=400, message=f"bad request: {problems}")


def create_app(settings: Settings, *, engine: Engine | None = None, notice: str | None = None) -> FastAPI:
    """The web UI, JSON API and feeds over the database of ``settings`` (or the given engine)."""
    token = secret_from_env(settings.web.token_env, key="web.token_env")
    if token is not None and not token.strip():
        raise ConfigError(f"web.token_env: environment variable {settings.web.token_env} is empty")
    engine = engine if engine is not None else readonly_engine(settings)
    ensure_current(engine)
    app = FastAPI(
        title="policywatch",
        version=__version__,
        description="Browse privacy-policy histories: versions, clause-level changes, search and feeds.",
        # The interactive docs pages load scripts from a CDN, which the CSP (rightly) refuses.
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebState(settings=settings, engine=engine, templates=make_templates(), token=token,
                                 notice=notice)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(StorageError, _storage_error)
    app.add_exception_handler(sa.exc.OperationalError, _database_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(Exception, _server_error)
    security.install(app)
    app.add_middleware(HeadAsGet)  # outermost: every route, mount and error page answers HEAD
    return app
