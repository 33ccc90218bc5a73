"""Annotated dependencies for the pages: cookie sign-in, CSRF, forms and flash messages.

The pages use the same token pair as the API, kept in HttpOnly cookies
(`syllabus.web.session`). An expired access cookie is renewed from the
refresh cookie on the way in; the new cookies, like every cookie a
dependency sets, are queued on the request and added to whatever response
goes out by `QueuedCookiesMiddleware`.

CSRF is a double-submit token: a random HttpOnly `syl_csrf` cookie whose
value the page also renders into each form (`csrf_token` field) and into
`<meta name="csrf-token">` for htmx (`X-CSRF-Token` header). A POST page
route depends on `verify_csrf`, which compares the two in constant time
and also checks `Origin`/`Referer` when the browser sends them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection
from starlette.responses import Response

from syllabus.accounts import sessions
from syllabus.accounts.actor import Actor
from syllabus.accounts.sessions import Principal, authenticate
from syllabus.api.deps import client_of
from syllabus.config import Settings
from syllabus.kit.errors import AppError, Forbidden
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.kit.security import InvalidToken, local_path, new_token, same
from syllabus.web.cookie_middleware import queue_cookie, queue_cookies
from syllabus.web.session import (
    access_cookie,
    clear_login_cookies,
    refresh_cookie,
    set_login_cookies,
)
from syllabus.web.templating import is_htmx, templates

CSRF_COOKIE = "syl_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FLASH_COOKIE = "syl_flash"
FORM_ERROR = "form"  # key of a form-level error in the errors dict

_CSRF_TOKEN_OK = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_FLASH_KEY_OK = re.compile(r"^[a-z0-9_]{1,40}$")
_UNSET = object()

M = TypeVar("M", bound=BaseModel)


# ------------------------------------------------------------------ database


def get_web_db() -> Iterator[Session]:
    """The request's unit of work, committed before the response is sent."""
    with get_runtime().db.session_scope() as session:
        yield session


WebDb = Annotated[Session, Depends(get_web_db, scope="function")]


# ---------------------------------------------------------------- refusals


class LoginRequired(AppError):
    """Not signed in: a 303 to the login page (for htmx, an `HX-Redirect`)."""

    code = "login_required"
    status = 303
    title = "Sign in required"

    def __init__(self, request: Request) -> None:
        target = login_url(_return_path(request))
        if is_htmx(request):
            super().__init__("Log in to continue.", status=401, headers={"HX-Redirect": target})
        else:
            super().__init__("Log in to continue.", headers={"Location": target})


class CsrfRefused(Forbidden):
    code = "csrf_failed"
    title = "Form expired"


def _return_path(request: Request) -> str:
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    return request.url.path


def safe_next(value: str | None) -> str | None:
    """`value` when it is a path on this site, else None (no open redirects)."""
    return local_path(value)


def login_url(next_path: str | None = None) -> str:
    target = safe_next(next_path)
    if not target or target == "/":
        return "/login"
    return "/login?" + urlencode({"next": target})


# ----------------------------------------------------------------- sign-in


def _queue_clear(request: Request, settings: Settings) -> None:
    scratch = Response()
    clear_login_cookies(scratch, settings)
    queue_cookies(request, scratch)


def _refresh(request: Request, rt: Runtime, token: str) -> Principal | None:
    try:
        with rt.db.session_scope() as session:
            pair = sessions.refresh(
                session, rt, refresh_token=token, client=client_of(request), tolerate_race=True
            )
            user = pair.user
            actor = Actor(id=user.id, role=user.role, name=user.name, email=user.email)
            active = user.status == "active"
    except AppError:
        _queue_clear(request, rt.settings)
        return None
    if not active:
        _queue_clear(request, rt.settings)
        return None
    scratch = Response()
    set_login_cookies(scratch, pair, rt.settings)
    queue_cookies(request, scratch)
    return Principal(actor=actor, session_id=pair.session_id)


def get_web_principal(request: Request) -> Principal | None:
    """Who is signed in through the cookies, renewing an expired access cookie.

    Sets `request.state.user` (the header's account menu) and
    `request.state.principal`.
    """
    cached = getattr(request.state, "principal", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    rt = get_runtime()
    principal: Principal | None = None
    access = access_cookie(request)
    if access:
        try:
            with rt.db.read_connection() as conn:
                principal = authenticate(conn, rt, access)
        except InvalidToken:
            principal = None
    if principal is None:
        refresh = refresh_cookie(request)
        if refresh:
            principal = _refresh(request, rt, refresh)
        elif access:
            _queue_clear(request, rt.settings)
    request.state.principal = principal
    request.state.user = principal.actor if principal else None
    return principal


OptionalWebPrincipal = Annotated[Principal | None, Depends(get_web_principal)]


def require_web_principal(request: Request, principal: OptionalWebPrincipal) -> Principal:
    if principal is None:
        raise LoginRequired(request)
    return principal


def get_web_actor_optional(principal: OptionalWebPrincipal) -> Actor | None:
    return principal.actor if principal else None


def get_web_actor(principal: Annotated[Principal, Depends(require_web_principal)]) -> Actor:
    return principal.actor


WebPrincipal = Annotated[Principal, Depends(require_web_principal)]
OptionalWebActor = Annotated[Actor | None, Depends(get_web_actor_optional)]
WebActor = Annotated[Actor, Depends(get_web_actor)]


# -------------------------------------------------------------------- CSRF


def _cookie_options(settings: Settings, max_age: int | None) -> dict[str, Any]:
    return {
        "max_age": max_age,
        "httponly": True,
        "secure": settings.cookie_secure,
        "samesite": "lax",
        "path": "/",
    }


def _issue_csrf_token(connection: HTTPConnection) -> str:
    settings = get_runtime().settings
    token = new_token()
    max_age = settings.refresh_token_ttl_days * 24 * 3600
    queue_cookie(connection, CSRF_COOKIE, token, **_cookie_options(settings, max_age))
    connection.state.csrf_token = token
    return token


def csrf_token_for(connection: HTTPConnection) -> str:
    """This visitor's CSRF token: the cookie's, or a new one queued as the cookie."""
    token = getattr(connection.state, "csrf_token", None)
    if isinstance(token, str):
        return token
    cookie = connection.cookies.get(CSRF_COOKIE, "")
    if _CSRF_TOKEN_OK.fullmatch(cookie):
        connection.state.csrf_token = cookie
        return cookie
    return _issue_csrf_token(connection)


def rotate_csrf_token(connection: HTTPConnection) -> str:
    """A new token for a new sign-in, so a token planted before login is worthless after."""
    return _issue_csrf_token(connection)


@pass_context
def _csrf_token_global(context: Context) -> str:
    request = context.get("request")
    return csrf_token_for(request) if isinstance(request, HTTPConnection) else ""


# Templates call `{{ csrf_token() }}`; base.html uses it for the logout form.
templates.env.globals["csrf_token"] = _csrf_token_global


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    try:
        port = parts.port or default
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


def _trusted_origins(request: Request) -> set[str]:
    trusted = {_origin_of(get_runtime().settings.base_url)}
    host = request.headers.get("host")
    if host:
        trusted.add(_origin_of(f"{request.url.scheme}://{host}"))
    return {origin for origin in trusted if origin}


def _check_origin(request: Request) -> None:
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return
    if _origin_of(source) not in _trusted_origins(request):
        raise CsrfRefused("This form was sent from another site, so it was not accepted.")


async def get_form(request: Request) -> FormData:
    """The request's form fields (url-encoded or multipart), parsed once."""
    return await request.form()


WebForm = Annotated[FormData, Depends(get_form)]


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose token does not match the cookie (403)."""
    _check_origin(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not same(cookie, sent):
        raise CsrfRefused(
            "This form has expired or did not come from this site. "
            "Go back, reload the page and try again."
        )


CsrfChecked = Depends(verify_csrf)


# ------------------------------------------------------------------- flash


def flash(connection: HTTPConnection, key: str) -> None:
    """Show the message named `key` on the next page (post/redirect/get)."""
    assert _FLASH_KEY_OK.fullmatch(key), key
    settings = get_runtime().settings
    queue_cookie(connection, FLASH_COOKIE, key, **_cookie_options(settings, 120))


def take_flash(connection: HTTPConnection) -> str | None:
    """The pending message key, if any, consumed so it shows once."""
    key = connection.cookies.get(FLASH_COOKIE)
    if key is None:
        return None
    settings = get_runtime().settings
    queue_cookie(connection, FLASH_COOKIE, "", **_cookie_options(settings, 0))
    return key if _FLASH_KEY_OK.fullmatch(key) else None


# ------------------------------------------------------------------- forms


def _friendly(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    message = str(error.get("msg", "This value is not valid."))
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "This field is required."
    if kind == "string_too_short":
        return f"Use at least {ctx.get('min_length')} characters."
    if kind == "string_too_long":
        return f"Use at most {ctx.get('max_length')} characters."
    if kind == "too_long":
        return f"Give at most {ctx.get('max_length')} entries."
    if kind.startswith("url_"):
        return "Enter a full web address starting with https://."
    if "valid email address" in message:
        return "Enter a valid email address."
    return message.removeprefix("Value error, ")


def form_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors as one message per form field (first error wins)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc", ())
        field = str(loc[0]) if loc else FORM_ERROR
        text = _friendly(error)
        if len(loc) > 1 and isinstance(loc[1], int):
            text = f"Entry {loc[1] + 1}: {text}"
        errors.setdefault(field, text)
    return errors


def validate_form(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The validated model, or None and the errors per field."""
    try:
        return model.model_validate(dict(data)), {}
    except ValidationError as exc:
        return None, form_errors(exc)


__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "FORM_ERROR",
    "CsrfChecked",
    "CsrfRefused",
    "LoginRequired",
    "OptionalWebActor",
    "OptionalWebPrincipal",
    "WebActor",
    "WebDb",
    "WebForm",
    "WebPrincipal",
    "csrf_token_for",
    "flash",
    "form_errors",
    "get_web_principal",
    "login_url",
    "rotate_csrf_token",
    "safe_next",
    "take_flash",
    "validate_form",
    "verify_csrf",
]
