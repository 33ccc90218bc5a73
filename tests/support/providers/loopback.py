"""Loopback HTTP servers that speak a payment provider's API, for tests: shared machinery."""

from __future__ import annotations

import json
import re
import secrets
import socket
import string
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_ALNUM = string.ascii_letters + string.digits
_UPPER = string.ascii_uppercase + string.digits


def _token(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def unused_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- shared machinery ------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request as the server saw it; `params` is the parsed form or JSON body."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: Any = None
    status: int = 0
    raw_query: str = ""  # the query string as sent (signature schemes hash it)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    method: str
    path_prefix: str
    reply: Reply
    times: int


Route = Callable[..., Reply]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with a request log and scripted failures."""

    label = "provider"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.port = 0
        self.lock = threading.RLock()
        self._failures: list[_Failure] = []
        self._routes: list[tuple[str, re.Pattern[str], Route]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, method: str, pattern: str, handler: Route) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with this error instead."""
        with self.lock:
            reply = Reply(status, body, headers or {})
            self._failures.append(_Failure(method, path_prefix, reply, times))

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def parse_body(self, request: RecordedRequest) -> Any:
        content_type = request.header("content-type") or ""
        if not request.body:
            return None
        if "json" in content_type:
            try:
                return json.loads(request.body)
            except ValueError:
                return None
        return {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}

    def dispatch(self, request: RecordedRequest) -> Reply:
        request.params = self.parse_body(request)
        with self.lock:
            self.requests.append(request)
            for failure in self._failures:
                if (
                    failure.times > 0
                    and request.method == failure.method
                    and request.path.startswith(failure.path_prefix)
                ):
                    failure.times -= 1
                    return failure.reply
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                with self.lock:
                    return handler(request, **match.groupdict())
        return self.not_found(request)

    def not_found(self, request: RecordedRequest) -> Reply:
        return Reply(404, {"error": "not_found", "path": request.path})


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query={k: v[-1] for k, v in parse_qs(url.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            raw_query=url.query,
        )
        try:
            reply = self.server.app.dispatch(request)
        except Exception as exc:  # a bug in the fake must show, not hang the client
            reply = Reply(500, {"error": f"loopback server failed: {exc!r}"})
        request.status = reply.status
        if isinstance(reply.body, bytes | str):
            raw = reply.body.encode() if isinstance(reply.body, str) else reply.body
            content_type = "text/html"
        else:
            raw = json.dumps(reply.body, indent=2).encode()
            content_type = "application/json"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: LoopbackServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app


@contextmanager
def serving(app: LoopbackServer) -> Iterator[LoopbackServer]:
    """Serve `app` on a free loopback port in a background thread."""
    server = _HTTPServer(app)
    app.port = int(server.server_address[1])
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=app.label, daemon=True
    )
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        items = {k: _listify(v) for k, v in value.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items
    return value


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}
