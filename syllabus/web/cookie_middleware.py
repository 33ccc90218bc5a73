"""Set-Cookie headers queued during a request, added to whatever response goes out.

A page dependency (a refreshed sign-in, a new CSRF token, a flash message)
often has to set a cookie, but FastAPI drops the headers of an injected
`Response` when the route returns a response of its own, and an error
page is built by an exception handler that never sees the route. So the
cookies are queued on the request's state and this middleware appends
them at `http.response.start`, for every response: page, redirect, error.

A cookie the response sets itself wins over a queued one of the same name
(a login route's fresh cookies over a queued deletion of stale ones).
"""

from __future__ import annotations

import re
from functools import lru_cache

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATE_KEY = "queued_cookies"


def _cookie_name(header_value: bytes) -> str:
    return header_value.split(b"=", 1)[0].strip().decode("latin-1")


def queue_cookies(connection: HTTPConnection, scratch: Response) -> None:
    """Queue every Set-Cookie header of `scratch` (a throwaway response) on the request.

    A later cookie of the same name replaces an earlier queued one.
    """
    state = connection.scope.setdefault("state", {})
    queued: dict[str, bytes] = state.setdefault(STATE_KEY, {})
    for key, value in scratch.raw_headers:
        if key == b"set-cookie":
            queued.pop(_cookie_name(value), None)
            queued[_cookie_name(value)] = value


def queue_cookie(connection: HTTPConnection, name: str, value: str, **options: object) -> None:
    """Queue one cookie; `options` are those of `Response.set_cookie`."""
    if _PLAIN_VALUE.fullmatch(value):
        # A new CSRF token on every new visitor's page: the header comes from a
        # template Starlette wrote once, not from a SimpleCookie each time.
        before, after = _header_template(name, tuple(sorted(options.items())))
        state = connection.scope.setdefault("state", {})
        queued: dict[str, bytes] = state.setdefault(STATE_KEY, {})
        queued.pop(name, None)
        queued[name] = before + value.encode("latin-1") + after
        return
    scratch = Response()
    scratch.set_cookie(name, value, **options)  # type: ignore[arg-type]
    queue_cookies(connection, scratch)


# Values Starlette (http.cookies) writes as they are, without quoting.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~:]+")
_MARK = "cookie-value-mark"


@lru_cache(maxsize=64)
def _header_template(name: str, options: tuple[tuple[str, object], ...]) -> tuple[bytes, bytes]:
    """The Set-Cookie value Starlette writes for `name` with `options`, split at the value."""
    scratch = Response()
    scratch.set_cookie(name, _MARK, **dict(options))  # type: ignore[arg-type]
    header = next(value for key, value in scratch.raw_headers if key == b"set-cookie")
    before, after = header.split(_MARK.encode(), 1)
    return before, after


class QueuedCookiesMiddleware:
    """Appends the Set-Cookie headers queued on `scope["state"]` to the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                queued: dict[str, bytes] = scope.get("state", {}).get(STATE_KEY) or {}
                if queued:
                    headers = list(message.get("headers", []))
                    own = {_cookie_name(v) for k, v in headers if k.lower() == b"set-cookie"}
                    headers.extend(
                        (b"set-cookie", value) for name, value in queued.items() if name not in own
                    )
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookies)
