"""`make bench`: every PERFORMANCE.md scenario on every backend, one table, one report.

    python -m bench.run [--courses N] [--duration S] [--workers W] [--connections C]
                        [--scenarios 1,2,5] [--backends sqlite,postgresql] [--profile]

Each option defaults to its BENCH_* environment variable (BENCH_COURSES,
BENCH_DURATION, BENCH_WORKERS, BENCH_CONNECTIONS, BENCH_SCENARIOS,
BENCH_BACKENDS, BENCH_PROFILE=1). Each backend runs in its own `bench.backend_run` process;
the table goes to stdout and bench/results/latest.md (+ latest.json).
Exits 1 when a measured row failed its target.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import machine, report
from bench.harness import Row
from bench.servers import REPO_ROOT

# Seeding 100k courses (30 min at most) plus ten scenarios with their warm-ups.
DEFAULT_BACKEND_TIMEOUT_S = 5400.0
TERMINATE_GRACE_S = 60.0


def default_backends(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    backends = ["sqlite"]
    if environ.get("SYLLABUS_DATABASE_URL", "").startswith(("postgresql", "postgres://")):
        backends.append("postgresql")
    return backends


def parse_args(argv: list[str] | None, environ: dict[str, str] | os._Environ[str]) -> Any:
    env = environ.get
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Run the PERFORMANCE.md scenarios."
    )
    parser.add_argument("--courses", type=int, default=int(env("BENCH_COURSES", "100000")))
    parser.add_argument("--duration", type=float, default=float(env("BENCH_DURATION", "10")))
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "2")))
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "32")))
    parser.add_argument(
        "--scenarios", default=env("BENCH_SCENARIOS", ""), help="comma list, default all"
    )
    parser.add_argument(
        "--backends",
        default=env("BENCH_BACKENDS", ",".join(default_backends(environ))),
        help="comma list of sqlite, postgresql",
    )
    parser.add_argument(
        "--backend-timeout",
        type=float,
        default=float(env("BENCH_BACKEND_TIMEOUT", str(DEFAULT_BACKEND_TIMEOUT_S))),
        help="seconds one backend may take in all (seeding included)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        default=env("BENCH_PROFILE", "") == "1",
        help="repeat each load run under py-spy; summaries in bench/results/profiles-*.md",
    )
    return parser.parse_args(argv)


def redact(text: str) -> str:
    """Hide passwords in URLs (scheme://user:secret@host)."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def command_line(args: Any, argv: list[str]) -> str:
    settings = {
        "BENCH_COURSES": str(args.courses),
        "BENCH_DURATION": f"{args.duration:g}",
        "BENCH_WORKERS": str(args.workers),
        "BENCH_CONNECTIONS": str(args.connections),
        "BENCH_BACKENDS": args.backends,
    }
    if args.scenarios:
        settings["BENCH_SCENARIOS"] = args.scenarios
    if args.profile:
        settings["BENCH_PROFILE"] = "1"
    for key in ("SYLLABUS_DATABASE_URL", "SYLLABUS_REDIS_URL"):
        if key in os.environ and "postgresql" in args.backends:
            settings[key] = os.environ[key]
    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in settings.items())
    return redact(f"{prefix} python -m bench.run {' '.join(map(shlex.quote, argv))}".strip())


def failed_backend_row(backend: str, note: str) -> Row:
    return Row(
        scenario="backend run",
        backend=backend,
        figure="—",
        ours="—",
        reference="—",
        value=None,
        target="—",
        passed=None,
        note=note,
    )


def run_backend(backend: str, args: Any) -> tuple[list[Row], dict[str, Any]]:
    """Run one backend in a subprocess (output streamed) and read back its rows."""
    env = dict(os.environ)
    env.update(
        BENCH_COURSES=str(args.courses),
        BENCH_DURATION=f"{args.duration:g}",
        BENCH_WORKERS=str(args.workers),
        BENCH_CONNECTIONS=str(args.connections),
        BENCH_SCENARIOS=args.scenarios,
        BENCH_PROFILE="1" if args.profile else "",
    )
    with tempfile.TemporaryDirectory(prefix="bench-rows-") as tmp:
        out = Path(tmp) / "rows.json"
        argv = [sys.executable, "-m", "bench.backend_run", "--backend", backend, "--out", str(out)]
        print(f"\n[bench] === backend {backend} ===", flush=True)
        proc = subprocess.Popen(argv, env=env, cwd=REPO_ROOT)
        note = ""
        try:
            proc.wait(timeout=args.backend_timeout)
        except subprocess.TimeoutExpired:
            note = f"stopped after {args.backend_timeout:.0f}s (BENCH_BACKEND_TIMEOUT)"
            _terminate(proc)
        except KeyboardInterrupt:
            note = "interrupted"
            _terminate(proc)
        rows, meta = read_rows(out)
    if note:
        rows.append(failed_backend_row(backend, note))
    elif proc.returncode not in (0, 1) and not rows:
        rows.append(failed_backend_row(backend, f"backend run exited {proc.returncode}"))
    return rows, meta


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the backend run stop its servers; SIGKILL only if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=TERMINATE_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_rows(path: Path) -> tuple[list[Row], dict[str, Any]]:
    if not path.exists():
        return [], {}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError:
        return [], {}
    return [Row.from_json(r) for r in data.get("rows", [])], dict(data.get("meta", {}))


def backend_facts(meta: dict[str, Any]) -> dict[str, str]:
    facts = {str(k): str(v) for k, v in dict(meta.get("versions", {})).items()}
    hello = [meta.get(k) for k in ("hello_start_rps", "hello_end_rps")]
    if all(isinstance(h, int | float) for h in hello):
        facts["hello rps (start / end)"] = f"{hello[0]:,.0f} / {hello[1]:,.0f}"
    if "seed_seconds" in meta:
        facts["migrate + seed"] = f"{meta['seed_seconds']} s"
    return facts


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # SIGTERM and SIGINT (also when started in the background) stop the run cleanly.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    args = parse_args(argv, os.environ)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    rows: list[Row] = []
    metas: dict[str, dict[str, Any]] = {}
    interrupted = False
    for backend in backends:
        try:
            backend_rows, meta = run_backend(backend, args)
        except KeyboardInterrupt:
            interrupted = True
            break
        rows += backend_rows
        metas[backend] = meta
        if any(r.note == "interrupted" for r in backend_rows):
            interrupted = True
            break
    description = machine.describe(
        courses=args.courses,
        duration=args.duration,
        workers=args.workers,
        connections=args.connections,
        backends={b: backend_facts(m) for b, m in metas.items()},
        started=started,
    )
    path = report.write_results(
        rows, machine=description, command=command_line(args, argv), meta=metas
    )
    print("\n" + report.render_table(rows))
    print(f"\nWritten to {path.relative_to(REPO_ROOT)} (and latest.json)")
    if interrupted:
        return 130
    return 1 if any(r.passed is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
