"""PostgreSQL dumped with `pg_dump -Fc` and put back with `pg_restore`.

The client binaries must be at least as new as the server: the newest of
Debian's /usr/lib/postgresql/<version>/bin is preferred, then PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from syllabus.backup.archive import BackupError

DUMP_TIMEOUT_SECONDS = 6 * 3600


def find_binary(name: str) -> str:
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found; install the PostgreSQL client (postgresql-client)")
    return found


def _libpq_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for the client binaries; the password goes in the environment."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    args = [f"--dbname={parsed.database or 'postgres'}"]
    if parsed.host:
        args.append(f"--host={parsed.host}")
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--username={parsed.username}")
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed binary, arguments built above
            command, env=env, capture_output=True, text=True, timeout=DUMP_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} did not finish within {DUMP_TIMEOUT_SECONDS} s") from exc
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


def dump(url: str, target: Path) -> None:
    """A custom-format dump of the database at `url` (one consistent snapshot)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    args, env = _libpq_args(url)
    command = [find_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    _run([*command, f"--file={target}", *args], env, "pg_dump")


def restore(url: str, source: Path) -> None:
    """Load the dump into the database at `url`, replacing what it already holds.

    One transaction: a failed restore leaves the database as it was.
    """
    args, env = _libpq_args(url)
    command = [
        find_binary("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
    ]
    _run([*command, *args, str(source)], env, "pg_restore")
