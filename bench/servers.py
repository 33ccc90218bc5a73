"""Starting and stopping the servers a bench run measures, without leaving orphans.

Each server runs in its own process group (so stopping it also stops uvicorn's
workers) and, on Linux, dies with the process that started it. Every started
server is tracked so `stop_all()` can clean up after Ctrl-C or an exception.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
LOG_DIR = REPO_ROOT / "var" / "bench" / "logs"
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
_PR_SET_PDEATHSIG = 1

_running: set[ManagedServer] = set()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the server if the bench process dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return preexec


class ServerStartError(RuntimeError):
    """The server exited or did not answer within the startup timeout."""


class ManagedServer:
    """One server process (group) on 127.0.0.1:<port>, ready once `ready_path` answers."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str],
        port: int,
        ready_path: str = "/",
        startup_timeout: float = STARTUP_TIMEOUT_S,
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.ready_path = ready_path
        self.startup_timeout = startup_timeout
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = LOG_DIR / f"{name}-{port}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> ManagedServer:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent(),  # only sets a signal: safe after fork
            )
        _running.add(self)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = self.base_url + self.ready_path
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise ServerStartError(f"{self.name} exited during startup:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2.0).status_code < 500:
                    return
            time.sleep(0.2)
        raise ServerStartError(
            f"{self.name} did not answer {url} within {self.startup_timeout:.0f}s:\n"
            f"{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def pids(self) -> list[int]:
        """The server's own pid followed by every descendant (uvicorn workers)."""
        if not self.running() or self._proc is None:
            return []
        return process_tree(self._proc.pid)

    def stop(self) -> None:
        proc = self._proc
        _running.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT_S)
        # Workers that outlived their master still belong to its group.
        _signal_group(proc.pid, signal.SIGKILL)
        self._proc = None


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_all() -> None:
    for server in list(_running):
        server.stop()


def process_tree(root: int) -> list[int]:
    """root and all its descendants, read from /proc (root first)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        tree.append(pid)
        todo.extend(sorted(children.get(pid, [])))
    return tree


def syllabus_server(
    env: dict[str, str], *, workers: int | None, port: int | None = None, name: str = "syllabus"
) -> ManagedServer:
    """`syllabus serve` as the bench runs it; workers=None keeps the default (`make run`)."""
    port = port or free_port()
    argv = [str(BIN_DIR / "syllabus"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None:
        argv += ["--workers", str(workers)]
    return ManagedServer(name, argv, env=env, port=port, ready_path="/healthz")


def hello_server(env: dict[str, str], *, workers: int, port: int | None = None) -> ManagedServer:
    """The reference app under the same uvicorn and worker count as Syllabus."""
    port = port or free_port()
    argv = [
        str(BIN_DIR / "uvicorn"),
        "bench.hello:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return ManagedServer("hello", argv, env=env, port=port, ready_path="/")
