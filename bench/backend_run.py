"""One backend's bench run: seed, measure hello, start Syllabus, run the scenarios.

    python -m bench.backend_run --backend sqlite|postgresql --out rows.json

Started by bench.run with the BENCH_* settings in the environment. Rows are
written to --out after every scenario, so an interrupted run still reports
what it measured; servers are always stopped (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from bench import machine
from bench.harness import Context, Row, fmt_rps, ratio
from bench.profile import Profiler
from bench.servers import (
    BIN_DIR,
    REPO_ROOT,
    ManagedServer,
    hello_server,
    stop_all,
    syllabus_server,
)
from bench.wrk import run_wrk

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
BENCH_DATA_DIR = REPO_ROOT / "var" / "bench"
MIGRATE_TIMEOUT_S = 600.0
SEED_TIMEOUT_S = 1800.0
HELLO_FIGURE = "rps ÷ hello rps"

# Fixed for every bench server: login storms must not hit the rate limits, logs stay
# quiet, and webhook scenarios sign events with a known secret.
BENCH_SERVER_ENV = {
    "SYLLABUS_LOGIN_RATE_PER_IP": "1000000/minute",
    "SYLLABUS_LOGIN_RATE_PER_ACCOUNT": "1000000/minute",
    "SYLLABUS_LOG_LEVEL": "WARNING",
    "SYLLABUS_SANDBOX_WEBHOOK_SECRET": "bench-sandbox-webhook-secret-0123456789",
    "SYLLABUS_ENV": "development",
}


@dataclass
class BenchConfig:
    courses: int = 100_000
    duration: float = 10.0
    workers: int = 2
    connections: int = 32
    warmup: float = 2.0
    scenarios: set[int] | None = None  # None: all
    profile: bool = False  # repeat each load run under py-spy (BENCH_PROFILE=1)

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str]) -> BenchConfig:
        picked = environ.get("BENCH_SCENARIOS", "").strip()
        return cls(
            courses=int(environ.get("BENCH_COURSES", "100000")),
            duration=float(environ.get("BENCH_DURATION", "10")),
            workers=int(environ.get("BENCH_WORKERS", "2")),
            connections=int(environ.get("BENCH_CONNECTIONS", "32")),
            warmup=float(environ.get("BENCH_WARMUP", "2")),
            scenarios=parse_scenarios(picked) if picked else None,
            profile=environ.get("BENCH_PROFILE", "") == "1",
        )


def parse_scenarios(text: str) -> set[int]:
    """'1,2, 5' -> {1, 2, 5}; also accepts '01'."""
    return {int(part) for part in re.split(r"[,\s]+", text.strip()) if part}


def data_dir(backend: str, courses: int) -> Path:
    return BENCH_DATA_DIR / f"{backend}-{courses}"


def backend_env(backend: str, courses: int, base: dict[str, str]) -> dict[str, str]:
    """The full environment of this backend's servers and commands.

    sqlite: no database or Redis URL (embedded defaults under the data dir).
    postgresql: the SYLLABUS_DATABASE_URL / SYLLABUS_REDIS_URL given in `base`.
    Media always stays in the local folder of the data dir.
    """
    env = {k: v for k, v in base.items() if not k.startswith("SYLLABUS_S3_")}
    if backend == "sqlite":
        env.pop("SYLLABUS_DATABASE_URL", None)
        env.pop("SYLLABUS_REDIS_URL", None)
    elif backend == "postgresql":
        url = env.get("SYLLABUS_DATABASE_URL", "")
        if not url.startswith(("postgresql", "postgres://")):
            raise ValueError("the postgresql backend needs a postgresql SYLLABUS_DATABASE_URL")
    else:
        raise ValueError(f"unknown backend {backend!r}")
    env.update(BENCH_SERVER_ENV)
    env["SYLLABUS_DATA_DIR"] = str(data_dir(backend, courses))
    return env


def sqlalchemy_url(env: dict[str, str]) -> str:
    """The URL Syllabus itself would use (plain postgresql:// means psycopg 3)."""
    url = env.get("SYLLABUS_DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(env['SYLLABUS_DATA_DIR']) / 'syllabus.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sibling_database_url(url: str, courses: int) -> str:
    """Same server, database `<dbname>_c<courses>` (query string kept)."""
    base, sep, query = url.partition("?")
    head, _, dbname = base.rpartition("/")
    if not dbname or "://" not in head:
        raise ValueError(f"cannot find the database name in {url!r}")
    return f"{head}/{dbname}_c{courses}{sep}{query}"


def sibling_redis_url(url: str) -> str:
    """Another Redis database (cache keys and the job queue are not per SQL database)."""
    override = os.environ.get("BENCH_DATASET_REDIS_URL")
    if override:
        return override
    m = re.match(r"^(redis(?:s)?://[^/?]*)(?:/(\d+))?(\?.*)?$", url)
    if not m:
        raise ValueError(f"cannot pick a sibling database for Redis URL {url!r}")
    index = int(m.group(2) or 0)
    return f"{m.group(1)}/{(index + 1) % 16}{m.group(3) or ''}"


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE when it is missing (connecting to the server's `postgres` database)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(sqlalchemy_url({"SYLLABUS_DATABASE_URL": url}))
    name = target.database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise RuntimeError(f"refusing to create a database with the name {name!r}")
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        raise RuntimeError(f"cannot prepare PostgreSQL database {name!r}: {exc}") from exc
    finally:
        engine.dispose()


def run_command(argv: list[str], env: dict[str, str], timeout: float, what: str) -> None:
    """A syllabus CLI step with its output streamed (seeding shows a progress bar)."""
    print(f"[bench] {what}: {' '.join(argv[1:])}", flush=True)
    try:
        proc = subprocess.run(argv, env=env, cwd=REPO_ROOT, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{what} did not finish within {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}); see its output above")


def prepare_dataset(env: dict[str, str], courses: int) -> None:
    """Migrate and seed (the generator returns quickly when already seeded with this N)."""
    Path(env["SYLLABUS_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if env.get("SYLLABUS_DATABASE_URL"):
        ensure_postgres_database(env["SYLLABUS_DATABASE_URL"])
    cli = str(BIN_DIR / "syllabus")
    run_command([cli, "migrate"], env, MIGRATE_TIMEOUT_S, "migrate")
    run_command([cli, "seed-bench", "--courses", str(courses)], env, SEED_TIMEOUT_S, "seed-bench")


@dataclass
class DatasetServer:
    """A Syllabus server on another catalog size (Context.dataset_server)."""

    server: ManagedServer
    url: str
    base_url: str = field(init=False)

    def __post_init__(self) -> None:
        self.base_url = self.server.base_url

    def database_url(self) -> str:
        return self.url

    def stop(self) -> None:
        self.server.stop()


class LiveContext(Context):
    def __init__(self, backend: str, env: dict[str, str], config: BenchConfig) -> None:
        self.backend = backend
        self.env = env
        self.config = config
        self.courses = config.courses
        self.duration = config.duration
        self.connections = config.connections
        self.workers = config.workers
        self.warmup = config.warmup
        self.hello_rps = 0.0
        self.base_url = ""
        self.extra_env: dict[str, str] = {}
        self._server: ManagedServer | None = None
        self._port: int | None = None
        if config.profile:
            self.profiler = Profiler(
                REPO_ROOT / "bench" / "results" / f"profiles-{backend}.md",
                BENCH_DATA_DIR / "profiles" / backend,
            )
            self.profiler.start_file(
                f"Profiles, {backend}, {config.courses:,} courses "
                f"({config.workers} workers, {config.connections} connections)"
            )

    # --- servers ---------------------------------------------------------------
    def start(self, extra_env: dict[str, str] | None = None) -> None:
        self.extra_env = dict(extra_env or {})
        server = syllabus_server(
            {**self.env, **self.extra_env}, workers=self.workers, port=self._port
        )
        self._server = server.start()
        self._port = server.port
        self.base_url = server.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def restart(self, extra_env: dict[str, str] | None = None) -> None:
        self.stop()
        self.start(extra_env)

    def healthy(self) -> bool:
        return self._server is not None and self._server.running()

    def server_pids(self) -> list[int]:
        return self._server.pids() if self._server else []

    def database_url(self) -> str:
        return sqlalchemy_url(self.env)

    def dataset_server(
        self, courses: int, extra_env: dict[str, str] | None = None
    ) -> DatasetServer:
        env = dict(self.env)
        env["SYLLABUS_DATA_DIR"] = str(data_dir(self.backend, courses))
        if self.backend == "postgresql":
            env["SYLLABUS_DATABASE_URL"] = sibling_database_url(
                self.env["SYLLABUS_DATABASE_URL"], courses
            )
            if env.get("SYLLABUS_REDIS_URL"):
                env["SYLLABUS_REDIS_URL"] = sibling_redis_url(env["SYLLABUS_REDIS_URL"])
        prepare_dataset(env, courses)
        env.update(extra_env or {})
        server = syllabus_server(env, workers=self.workers, name=f"syllabus-c{courses}")
        return DatasetServer(server.start(), sqlalchemy_url(env))

    # --- hello ratios measured against the mean of start and end ----------------
    def measure_hello(self) -> float:
        server = hello_server(self.env, workers=self.workers).start()
        try:
            url = server.base_url + "/"
            settings: dict[str, Any] = {"threads": self.threads, "connections": self.connections}
            if self.warmup > 0:
                run_wrk(url, duration=self.warmup, **settings)
            return run_wrk(url, duration=self.duration, **settings).rps
        finally:
            server.stop()


# Start and end hello runs further apart than this make every hello ratio doubtful.
HELLO_SPREAD_WARNING = 1.5


def rescale_hello_rows(rows: list[Row], start: float, end: float) -> None:
    """Re-base 'rps ÷ hello rps' rows measured against the start hello onto the mean.

    The pass/fail is recomputed only when it followed from the ratio alone (a
    row failed for errors stays failed). When the two hello runs disagree a
    lot (a noisy machine), each such row says so.
    """
    if start <= 0 or end <= 0:
        return
    mean = (start + end) / 2
    spread = max(start, end) / min(start, end)
    warning = (
        f"hello unsteady: {fmt_rps(start)} at start, {fmt_rps(end)} at end"
        if spread > HELLO_SPREAD_WARNING
        else ""
    )
    for row in rows:
        if row.figure != HELLO_FIGURE or row.value is None or row.passed is None:
            continue
        minimum = _minimum(row.target)
        if minimum is None:
            continue
        ratio_alone = (row.value >= minimum) == row.passed
        new_value = ratio(row.value * start, mean)
        if new_value is None:
            continue
        row.value = new_value
        row.reference = fmt_rps(mean)
        if ratio_alone:
            row.passed = new_value >= minimum
        if warning:
            row.note = "; ".join(x for x in (row.note, warning) if x)


def _minimum(target: str) -> float | None:
    m = re.fullmatch(r"\s*≥\s*([\d.]+)\s*", target)
    return float(m.group(1)) if m else None


@dataclass
class ScenarioModule:
    number: int
    name: str  # module name, e.g. "s01_catalog_warm"

    @property
    def label(self) -> str:
        return f"{self.number} {self.name.split('_', 1)[1].replace('_', ' ')}"


def discover_scenarios(
    selected: set[int] | None, directory: Path = SCENARIO_DIR
) -> list[ScenarioModule]:
    found = []
    for path in sorted(directory.glob("s[0-9][0-9]_*.py")):
        number = int(path.stem[1:3])
        if selected is None or number in selected:
            found.append(ScenarioModule(number, path.stem))
    return sorted(found, key=lambda s: (s.number, s.name))


def error_row(label: str, backend: str, exc: BaseException) -> Row:
    summary = f"{type(exc).__name__}: {exc}".strip()
    return Row(
        scenario=label,
        backend=backend,
        figure="—",
        ours="—",
        reference="—",
        value=None,
        target="—",
        passed=None,
        note="error: " + " ".join(summary.split())[:400],
    )


def write_rows(out: Path, rows: list[Row], meta: dict[str, Any]) -> None:
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows": [r.to_json() for r in rows], "meta": meta}, indent=2))
    tmp.replace(out)


def run_backend(backend: str, config: BenchConfig, out: Path) -> int:
    env = backend_env(backend, config.courses, dict(os.environ))
    # Scenario modules read the backend's settings from os.environ too.
    for key in [k for k in os.environ if k.startswith("SYLLABUS_") and k not in env]:
        del os.environ[key]
    os.environ.update(env)
    ctx = LiveContext(backend, env, config)
    rows: list[Row] = []
    meta: dict[str, Any] = {"backend": backend, "versions": {}}
    write_rows(out, rows, meta)
    try:
        started = time.monotonic()
        prepare_dataset(env, config.courses)
        meta["seed_seconds"] = round(time.monotonic() - started, 1)
        if backend == "postgresql":
            meta["versions"]["PostgreSQL"] = machine.postgres_version(ctx.database_url())
            if env.get("SYLLABUS_REDIS_URL"):
                meta["versions"]["Redis"] = machine.redis_version(env["SYLLABUS_REDIS_URL"])
        hello_start = ctx.measure_hello()
        ctx.hello_rps = hello_start
        meta["hello_start_rps"] = round(hello_start, 1)
        ctx.start()
    except Exception as exc:
        traceback.print_exc()
        rows.append(error_row("setup (seed, hello, start)", backend, exc))
        write_rows(out, rows, meta)
        return 1
    for scenario in discover_scenarios(config.scenarios):
        print(f"[bench] {backend}: scenario {scenario.label}", flush=True)
        rows.extend(run_scenario(ctx, scenario))
        write_rows(out, rows, meta)
    ctx.stop()
    try:
        hello_end = ctx.measure_hello()
        meta["hello_end_rps"] = round(hello_end, 1)
        meta["hello_mean_rps"] = round((hello_start + hello_end) / 2, 1)
        rescale_hello_rows(rows, hello_start, hello_end)
    except Exception as exc:
        meta["hello_end_error"] = str(exc)
    write_rows(out, rows, meta)
    return 0


def run_scenario(ctx: LiveContext, scenario: ScenarioModule) -> list[Row]:
    try:
        # Every scenario starts on a healthy server with the default settings.
        if not ctx.healthy() or ctx.extra_env:
            ctx.restart()
        ctx.scenario_label = scenario.label
        module = importlib.import_module(f"bench.scenarios.{scenario.name}")
        result = module.run(ctx)
        return [r for r in result if isinstance(r, Row)]
    except Exception as exc:
        traceback.print_exc()
        return [error_row(scenario.label, ctx.backend, exc)]


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", required=True, choices=["sqlite", "postgresql"])
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        return run_backend(args.backend, BenchConfig.from_env(os.environ), args.out)
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
