"""A throwaway real `redis-server` for tests, so Redis code is proven on Redis.

`redis_server_url` starts one server per test session on a free local port,
without persistence, in a temporary directory; `redis_url` empties it before
each test. Tests are skipped when no `redis-server` binary is installed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_ping(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited early:\n{log.read_text()}")
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer PING within {START_TIMEOUT}s")
    finally:
        client.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def running_redis_server(binary: str = "redis-server") -> Iterator[str]:
    """Start a private redis-server and yield its `redis://` URL until exit."""
    executable = shutil.which(binary)
    if executable is None:
        raise FileNotFoundError(f"{binary} is not installed")
    with tempfile.TemporaryDirectory(prefix="syllabus-redis-") as workdir:
        log = Path(workdir) / "redis.log"
        port = _free_port()
        command = [
            executable,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--dir", workdir,
            "--logfile", str(log),
            "--daemonize", "no",
        ]  # fmt: skip
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"redis://127.0.0.1:{port}/0"
            _wait_for_ping(url, process, log)
            yield url
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """One redis-server for the whole session."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with running_redis_server() as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> Iterator[str]:
    """The session server, emptied before the test so tests cannot leak into each other."""
    client = redis.Redis.from_url(redis_server_url, socket_timeout=2.0)
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server_url
