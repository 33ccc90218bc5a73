"""What a scenario module sees: the result row, wrk results and the run context.

A scenario is `bench/scenarios/sNN_<name>.py` with `def run(ctx: Context) -> list[Row]`.
The backend runner hands it a live Context (servers started, data seeded); the
helpers at the bottom keep the rows of every scenario formatted alike.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import httpx

from bench.profile import Profiler
from bench.wrk import WrkError, WrkResult, run_wrk

__all__ = [
    "Context",
    "Row",
    "ScenarioCheckError",
    "ServerHandle",
    "WrkError",
    "WrkResult",
    "expect",
    "fmt_ms",
    "fmt_rps",
    "get_checked",
    "ratio",
    "ratio_row",
]

# wrk runs this long with the same settings before each measured run.
DEFAULT_WARMUP_S = 2.0


@dataclass
class Row:
    scenario: str  # e.g. "1 catalog API, page of 20, warm cache"
    backend: str  # "sqlite" | "postgresql"
    figure: str  # what is compared, e.g. "rps ÷ hello rps"
    ours: str  # human readable, e.g. "2,950 rps"
    reference: str  # e.g. "3,610 rps" or "—"
    value: float | None  # the number compared with the target (None: not measured)
    target: str  # e.g. "≥ 0.8"
    passed: bool | None  # None: not measured (note says why)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        return cls(**data)


class ServerHandle(Protocol):
    """A Syllabus server the scenario asked for (see Context.dataset_server)."""

    base_url: str

    def database_url(self) -> str: ...

    def stop(self) -> None: ...


class Context(abc.ABC):
    """One backend's run: a seeded database, a running Syllabus server and the hello figure."""

    backend: str  # "sqlite" | "postgresql"
    env: dict[str, str]  # the SYLLABUS_* env of this backend (also in os.environ)
    courses: int  # N of the generated catalog
    base_url: str  # the running Syllabus server
    hello_rps: float  # hello measured in this backend run, same wrk settings
    duration: float  # seconds per wrk run (BENCH_DURATION, default 10)
    connections: int  # default 32
    workers: int  # server worker processes
    threads: int = 2  # wrk threads for load runs
    warmup: float = DEFAULT_WARMUP_S
    profiler: Profiler | None = None  # set with BENCH_PROFILE=1
    scenario_label: str = ""  # the scenario running now, for profile titles

    def wrk(
        self,
        path: str,
        *,
        connections: int | None = None,
        duration: float | None = None,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        lua: str | None = None,
        lua_args: list[str] | None = None,
        threads: int | None = None,
        warmup: float | None = None,
        base_url: str | None = None,
        profile: bool = True,
    ) -> WrkResult:
        """Warm up (default 2 s, `warmup=0` skips it), then one measured wrk run.

        `lua` is a script under bench/lua/; it may print one `BENCH_JSON {...}` line
        from done(), which lands in WrkResult.extra. `base_url` targets another
        server (e.g. a dataset_server handle) with the same settings. With a
        profiler, a load run (more than one connection) on this server is repeated
        under py-spy; `profile=False` is for runs that must not be repeated.
        """
        url = (base_url or self.base_url).rstrip("/") + path
        settings: dict[str, Any] = {
            "threads": threads if threads is not None else self.threads,
            "connections": connections if connections is not None else self.connections,
            "method": method,
            "headers": headers,
            "body": body,
            "lua": lua,
            "lua_args": lua_args,
        }
        warm = self.warmup if warmup is None else warmup
        if warm > 0:
            run_wrk(url, duration=warm, **settings)
        measured = duration if duration is not None else self.duration
        result = run_wrk(url, duration=measured, **settings)
        repeat = self.profiler is not None and base_url is None and settings["connections"] > 1
        if profile and repeat:
            with self.profiled(measured, f"{method} {path}"):
                run_wrk(url, duration=measured, **settings)
        return result

    @contextmanager
    def profiled(self, seconds: float, what: str) -> Iterator[None]:
        """With BENCH_PROFILE=1, py-spy records this server while the block runs."""
        pids = self.server_pids() if self.profiler is not None else []
        if self.profiler is None or not pids:
            yield
            return
        title = f"{self.backend} · {self.scenario_label} · {what}"
        with self.profiler.record(pids[0], seconds, title):
            yield

    def single(self, path: str, **kw: Any) -> WrkResult:
        """The single-user reference: wrk with 1 connection and 1 thread."""
        kw.update(connections=1, threads=1)
        return self.wrk(path, **kw)

    def login(self, email: str, password: str) -> str:
        """Bearer access token from POST /api/v1/auth/login."""
        resp = httpx.post(
            f"{self.base_url}/api/v1/auth/login",
            json={"email": email, "password": password},
            timeout=30.0,
        )
        if resp.status_code != 200:
            raise RuntimeError(f"login of {email} answered {resp.status_code}: {resp.text[:300]}")
        return str(resp.json()["access_token"])

    @abc.abstractmethod
    def restart(self, extra_env: dict[str, str] | None = None) -> None:
        """Restart the Syllabus server with extra env; restart() brings back the defaults."""

    @abc.abstractmethod
    def server_pids(self) -> list[int]:
        """Master and worker pids of the running Syllabus server."""

    @abc.abstractmethod
    def database_url(self) -> str:
        """SQLAlchemy URL of this backend's database."""

    @abc.abstractmethod
    def dataset_server(self, courses: int, extra_env: dict[str, str] | None = None) -> ServerHandle:
        """Start (seeding first if needed) another Syllabus server on a catalog of that size.

        Same backend and worker count; `extra_env` as in restart() (e.g. the cache
        disabled). The caller stops it. Raises RuntimeError with a clear message when the
        dataset cannot be prepared (the scenario reports a not-measured row).
        """


# --- helpers shared by scenario modules ---------------------------------------


class ScenarioCheckError(RuntimeError):
    """The server's answer is not the expected one, so measuring it would mean nothing."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioCheckError(message)


def get_checked(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    status: int = 200,
    content_type: str = "application/json",
) -> httpx.Response:
    """GET once and check status and content type before a scenario measures the URL."""
    resp = httpx.get(url, headers=headers, timeout=30.0)
    expect(
        resp.status_code == status,
        f"GET {url} answered {resp.status_code}, expected {status}: {resp.text[:300]}",
    )
    got = resp.headers.get("content-type", "")
    expect(got.startswith(content_type), f"GET {url} sent {got!r}, expected {content_type}")
    return resp


def fmt_rps(rps: float) -> str:
    return f"{rps:,.0f} rps"


def fmt_ms(ms: float) -> str:
    return f"{ms:,.2f} ms" if ms < 100 else f"{ms:,.0f} ms"


def ratio(ours: float, reference: float) -> float | None:
    """ours ÷ reference rounded to 2 decimals; None when the reference is missing."""
    if reference <= 0:
        return None
    return round(ours / reference, 2)


def ratio_row(
    ctx: Context,
    *,
    scenario: str,
    result: WrkResult,
    minimum: float,
    note: str = "",
) -> Row:
    """The usual "rps ÷ hello rps ≥ minimum" row; request errors fail it."""
    value = ratio(result.rps, ctx.hello_rps)
    errors = result.errors_note()
    passed: bool | None
    if value is None:
        passed = None
        errors = "; ".join(x for x in (errors, "hello was not measured") if x)
    else:
        passed = value >= minimum and result.failed_requests == 0 and result.requests > 0
    return Row(
        scenario=scenario,
        backend=ctx.backend,
        figure="rps ÷ hello rps",
        ours=fmt_rps(result.rps),
        reference=fmt_rps(ctx.hello_rps),
        value=value,
        target=f"≥ {minimum}",
        passed=passed,
        note="; ".join(x for x in (note, errors) if x),
    )
