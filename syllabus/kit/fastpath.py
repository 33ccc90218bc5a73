"""Fast paths: the hottest GET requests answered from the cache before routing.

A warm catalog page, an anonymous course landing page and a playback grant
are pure cache reads, yet through FastAPI they would pay for matching the
path against every route, resolving dependencies and a hop to the thread
pool: about ten times the read itself. A fast path is a coroutine function that
gets the ASGI scope and returns the finished response, or None when it
cannot answer (cache miss, unusual query, signed-in visitor, ...); then the
request goes on to its route as usual, which answers and warms the cache.

So a fast path must answer exactly like its route would: same status, body
and headers. Each one is tested against its route (tests/perf).

Fast paths read stamped cache entries (`Cache.get_stamped`): one read gets
the entry and the versions of the namespaces it depends on. On a miss the
fast path leaves the versions it read on the request (`note_miss`), and the
route, having answered, stores its answer stamped with them (`missed_stamp`):
versions read before the route read anything, so an answer built across a
concurrent write is stored already stale.

`FastPathMiddleware` sits innermost, inside the request id, security
headers, cookie and error middlewares, so its answers carry the same
headers and are counted and logged like any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from syllabus.kit.memo import BoundedMemo

__all__ = [
    "BoundedMemo",
    "FastPathMiddleware",
    "FastResponse",
    "FastRoute",
    "header",
    "missed_stamp",
    "note_miss",
    "to_response",
]

_MISS = "fast_path_miss"

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class FastResponse:
    status: int
    headers: Headers
    body: bytes = b""


FastHandler = Callable[[Scope], Awaitable["FastResponse | None"]]


@dataclass(frozen=True, slots=True)
class FastRoute:
    """GET requests whose path starts with `prefix` and ends with `suffix`.

    `path` is the route's template, the label its requests are counted
    under in the metrics, as when the route itself answers. With an empty
    `suffix` and `exact`, only the prefix itself matches.
    """

    path: str
    prefix: str
    handler: FastHandler
    suffix: str = ""
    exact: bool = False

    def matches(self, path: str) -> bool:
        if self.exact:
            return path == self.prefix
        return (
            len(path) > len(self.prefix) + len(self.suffix)
            and path.startswith(self.prefix)
            and path.endswith(self.suffix)
        )


class FastPathMiddleware:
    def __init__(self, app: ASGIApp, routes: Sequence[FastRoute]) -> None:
        self.app = app
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            for route in self.routes:
                if route.matches(path):
                    response = await route.handler(scope)
                    if response is not None:
                        scope["route"] = route
                        await send(
                            {
                                "type": "http.response.start",
                                "status": response.status,
                                "headers": response.headers,
                            }
                        )
                        await send({"type": "http.response.body", "body": response.body})
                        return
                    break
        await self.app(scope, receive, send)


def to_response(answer: FastResponse) -> Response:
    """The same answer as a Starlette response, for the route that shares a fast path's logic."""
    response = Response(answer.body, status_code=answer.status)
    response.raw_headers = list(answer.headers)
    return response


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a (lower-case) request header, as sent."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def note_miss(scope: Scope, key: str, stamp: bytes) -> None:
    """Tell the route which entry the fast path missed, and the versions it read."""
    scope.setdefault("state", {})[_MISS] = (key, stamp)


def missed_stamp(scope: Scope, key: str) -> bytes | None:
    """The stamp to store `key` with, if the fast path missed exactly that entry."""
    missed = scope.get("state", {}).get(_MISS)
    if missed is None or missed[0] != key:
        return None
    stamp: bytes = missed[1]
    return stamp
