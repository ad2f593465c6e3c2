"""Security headers on every response, and the optional token login (bearer header or login cookie).

The cookie never holds the token itself, only an HMAC of it, and every comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from monitor.web.deps import render, web_state

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
COOKIE = "policywatch_login"
COOKIE_MAX_AGE = 30 * 86400
#: Reachable without logging in: the login form, logging out, and the stylesheet the form uses.
OPEN_PATHS = frozenset({"/login", "/logout"})
MAX_FORM_BYTES = 4096


def cookie_value(token: str) -> str:
    return hmac.new(token.encode("utf-8"), b"policywatch-login-v1", hashlib.sha256).hexdigest()


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def authorised(token: str, authorization: str | None, cookie: str | None) -> bool:
    """A request carries ``Authorization: Bearer <token>`` or the login cookie."""
    if authorization is not None:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() == "bearer" and _equal(credential.strip(), token):
            return True
    return cookie is not None and _equal(cookie, cookie_value(token))


def safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send anyone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith("/static/")


def _wants_page(path: str) -> bool:
    return not path.startswith(("/api/", "/feed", "/openapi.json"))


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


class RequireLogin(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        token = web_state(request).token
        path = request.url.path
        if token is None or _is_open(path):
            return await call_next(request)
        if authorised(token, request.headers.get("authorization"), request.cookies.get(COOKIE)):
            return await call_next(request)
        if _wants_page(path) and request.method == "GET":
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return JSONResponse(
            {"detail": "authentication required: send 'Authorization: Bearer <token>'"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="policywatch"'},
        )


router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if web_state(request).token is None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html.j2", next=safe_next(next), failed=False)


@router.post("/login")
async def login(request: Request) -> Response:
    token = web_state(request).token
    body = await request.body()
    form = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", errors="replace"))
    target = safe_next(form.get("next", ["/"])[0])
    if token is None:
        return RedirectResponse(target, status_code=303)
    if not _equal(form.get("token", [""])[0], token):
        return render(request, "login.html.j2", status_code=401, next=target, failed=True)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, cookie_value(token), max_age=COOKIE_MAX_AGE, httponly=True, samesite="strict",
        secure=web_state(request).settings.web.base_url.startswith("https://"), path="/",
    )  # fmt: skip
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def install(app: FastAPI) -> None:
    # Added last = outermost: the headers also go on login redirects and 401s.
    app.include_router(router)
    app.add_middleware(RequireLogin)
    app.add_middleware(SecurityHeaders)
