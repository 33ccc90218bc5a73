"""A description of the machine and software a run measured, for the top of latest.md.

Figures are only comparable on the same machine and versions, so every
report starts with them.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from pathlib import Path

from bench.wrk import wrk_version

REPO_ROOT = Path(__file__).resolve().parent.parent


def cpu_model(cpuinfo: str | None = None) -> str:
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return platform.processor() or "unknown"
    for line in cpuinfo.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_total(meminfo: str | None = None) -> str:
    if meminfo is None:
        try:
            meminfo = Path("/proc/meminfo").read_text()
        except OSError:
            return "unknown"
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            kib = int(line.split()[1])
            return f"{kib / 1024 / 1024:.1f} GiB"
    return "unknown"


def os_name() -> str:
    pretty = ""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                pretty = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{pretty or platform.system()} (kernel {platform.release()})"


def git_revision(repo: Path = REPO_ROOT) -> str:
    """The checked-out commit, read from .git directly (no git process needed)."""
    git_dir = repo / ".git"
    try:
        head = (git_dir / "HEAD").read_text().strip()
    except OSError:
        return "unknown"
    if not head.startswith("ref: "):
        return head[:12]
    ref = head[5:]
    ref_file = git_dir / ref
    if ref_file.exists():
        return ref_file.read_text().strip()[:12]
    packed = git_dir / "packed-refs"
    if packed.exists():
        for line in packed.read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12]
    return f"{ref} (no commits)"


def git_dirty(repo: Path = REPO_ROOT) -> str:
    """'dirty' when tracked files differ from the commit; BENCH_GIT_STATUS=0 skips the check."""
    exe = shutil.which("git")
    if os.environ.get("BENCH_GIT_STATUS", "1") == "0" or exe is None:
        return "not checked"
    try:
        proc = subprocess.run(
            [exe, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "not checked"
    if proc.returncode != 0:
        return "not checked"
    return "dirty" if proc.stdout.strip() else "clean"


def postgres_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, pool_pre_ping=False)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"
    finally:
        engine.dispose()


def redis_version(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        info = client.info("server")
        client.close()
        return str(info.get("redis_version", "unknown"))
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"


def describe(
    *,
    courses: int,
    duration: float,
    workers: int,
    connections: int,
    backends: dict[str, dict[str, str]],
    started: str,
) -> list[tuple[str, str]]:
    """(label, value) pairs; `backends` maps a backend to versions its run reported."""
    lines = [
        ("CPU", f"{cpu_model()}, {os.cpu_count()} CPUs"),
        ("Memory", memory_total()),
        ("OS", os_name()),
        ("Python", platform.python_version()),
        ("SQLite library", sqlite3.sqlite_version),
        ("wrk", wrk_version()),
        ("Revision", f"{git_revision()} ({git_dirty()})"),
        ("Date", started),
        ("Catalog size N", f"{courses:,} courses"),
        ("wrk settings", f"{duration:g} s per run after a warm-up, {connections} connections"),
        ("Server workers", str(workers)),
    ]
    for backend, facts in backends.items():
        for key, value in facts.items():
            lines.append((f"{backend}: {key}", value))
    return lines
