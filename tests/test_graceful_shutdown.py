"""A web process told to stop (SIGTERM, as systemd and containers do) finishes the
request in flight, answers it in full, accepts no new connection, and exits cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.providers.loopback import unused_port

START_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 30.0


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYLLABUS_")}
    env.update(SYLLABUS_DATA_DIR=str(data_dir), SYLLABUS_LOG_LEVEL="WARNING")
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """`syllabus serve` on the embedded defaults, one process, jobs off."""
    env = _server_env(tmp_path / "var")
    cli = [sys.executable, "-m", "syllabus"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    port = unused_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1", "--no-jobs"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail(f"syllabus serve did not start: {(tmp_path / 'serve.log').read_text()}")
        yield process, port, tmp_path / "serve.log"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=EXIT_TIMEOUT_S)
        log.close()


def _read_response(sock: socket.socket) -> bytes:
    sock.settimeout(EXIT_TIMEOUT_S)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_a_request_in_flight_is_answered_in_full_after_sigterm(
    server: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    process, port, log = server
    body = json.dumps({"email": "nobody@example.com", "password": "not-the-password"}).encode()
    head = (
        f"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # Half the body is sent: the request is in flight when the signal comes.
        sock.sendall(head + body[:10])
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert process.poll() is None, "the server left with a request in flight"
        # A stopping server takes no new connection.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        sock.sendall(body[10:])
        answer = _read_response(sock)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 401 Unauthorized", answer[:300]
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert json.loads(payload)["code"] == "invalid_credentials"
    assert b"connection: close" in headers.lower()
    # uvicorn re-raises the signal once it has shut down, so the exit tells who
    # stopped it; systemd and container engines count that as a clean stop.
    assert process.wait(timeout=EXIT_TIMEOUT_S) in (0, -signal.SIGTERM)
    assert b"Traceback" not in log.read_bytes()
