"""Running wrk and reading what it printed.

Every run goes through a Lua script that loads `bench/lua/report.lua`, whose
`done()` prints one `BENCH_JSON {...}` line with the percentiles, errors and
per-status counts; wrk's own text output is only a fallback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LUA_DIR = Path(__file__).resolve().parent / "lua"
REPORT_LUA = LUA_DIR / "report.lua"
JSON_PREFIX = "BENCH_JSON "
# Grace on top of -d before a hung wrk is killed (connect storms, slow done()).
WRK_TIMEOUT_GRACE_S = 30.0


class WrkError(RuntimeError):
    """wrk could not run, or printed nothing we can read."""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int
    statuses: dict[int, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_requests(self) -> int:
        """Responses outside 2xx/3xx plus socket errors: any of these fails a scenario."""
        return self.non_2xx_3xx + self.socket_errors

    def errors_note(self) -> str:
        """Human text for the table's note; empty when the run was clean."""
        parts = []
        if self.non_2xx_3xx:
            bad = {s: n for s, n in sorted(self.statuses.items()) if not 200 <= s < 400}
            detail = f" {bad}" if bad else ""
            parts.append(f"{self.non_2xx_3xx} non-2xx/3xx{detail}")
        if self.socket_errors:
            parts.append(f"{self.socket_errors} socket errors")
        return ", ".join(parts)


# The fields report.lua prints that map onto WrkResult; everything else goes to `extra`.
_KNOWN_KEYS = frozenset(
    {"requests", "duration_s", "p50_ms", "p95_ms", "p99_ms", "non_2xx_3xx", "socket_errors"}
)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str:
    exe = wrk_path()
    if exe is None:
        return "not installed"
    proc = subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=10, check=False)
    first = (proc.stdout + proc.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "unknown"


def parse_output(text: str) -> WrkResult:
    """Build a WrkResult from wrk's stdout (BENCH_JSON lines first, text as fallback)."""
    merged: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith(JSON_PREFIX):
            payload = json.loads(line[len(JSON_PREFIX) :])
            if isinstance(payload, dict):
                merged.update(payload)
    text_figures = _parse_text(text)
    if not merged and not text_figures:
        raise WrkError(f"wrk printed nothing readable:\n{text[-2000:]}")
    requests = int(merged.get("requests", text_figures.get("requests", 0)))
    seconds = float(merged.get("duration_s", text_figures.get("seconds", 0.0)))
    statuses = {int(k): int(v) for k, v in dict(merged.get("statuses", {})).items()}
    extra = {k: v for k, v in merged.items() if k not in _KNOWN_KEYS and k != "statuses"}
    return WrkResult(
        requests=requests,
        seconds=seconds,
        rps=requests / seconds if seconds > 0 else 0.0,
        p50_ms=float(merged.get("p50_ms", text_figures.get("p50_ms", 0.0))),
        p95_ms=float(merged.get("p95_ms", 0.0)),
        p99_ms=float(merged.get("p99_ms", text_figures.get("p99_ms", 0.0))),
        non_2xx_3xx=int(merged.get("non_2xx_3xx", text_figures.get("non_2xx_3xx", 0))),
        socket_errors=int(merged.get("socket_errors", text_figures.get("socket_errors", 0))),
        statuses=statuses,
        extra=extra,
    )


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def _parse_text(text: str) -> dict[str, Any]:
    """wrk's plain summary: '1234 requests in 10.00s', '--latency' percentiles, errors."""
    found: dict[str, Any] = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", text)
    if m:
        found["requests"] = int(m.group(1))
        found["seconds"] = _to_ms(m.group(2), m.group(3)) / 1000.0
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\b", text, re.MULTILINE)
        if m:
            found[key] = _to_ms(m.group(1), m.group(2))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        found["non_2xx_3xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        found["socket_errors"] = sum(int(g) for g in m.groups())
    return found


def build_command(
    url: str,
    *,
    threads: int,
    connections: int,
    duration: float,
    script: Path,
    headers: dict[str, str] | None = None,
    lua_args: list[str] | None = None,
    timeout_s: float = 10.0,
) -> list[str]:
    exe = wrk_path()
    if exe is None:
        raise WrkError("wrk is not installed (apt-get install wrk)")
    # wrk refuses more threads than connections.
    threads = max(1, min(threads, connections))
    cmd = [
        exe,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        str(script),
    ]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    if lua_args:
        cmd += ["--", *lua_args]
    return cmd


def run_wrk(
    url: str,
    *,
    threads: int = 2,
    connections: int = 32,
    duration: float = 10.0,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    lua: str | None = None,
    lua_args: list[str] | None = None,
) -> WrkResult:
    """One bounded wrk run; `lua` is a script name or path under bench/lua/."""
    script = _resolve_script(lua)
    env = dict(os.environ, BENCH_LUA_DIR=str(LUA_DIR), BENCH_METHOD=method.upper())
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        if body is not None:
            body_file = Path(tmp) / "body"
            body_file.write_bytes(body)
            env["BENCH_BODY_FILE"] = str(body_file)
        cmd = build_command(
            url,
            threads=threads,
            connections=connections,
            duration=duration,
            script=script,
            headers=headers,
            lua_args=lua_args,
        )
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                env=env,
                timeout=duration + WRK_TIMEOUT_GRACE_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            limit = duration + WRK_TIMEOUT_GRACE_S
            raise WrkError(f"wrk did not finish within {limit:.0f}s") from exc
    if proc.returncode != 0:
        raise WrkError(f"wrk exited {proc.returncode}: {proc.stderr.strip() or proc.stdout[-500:]}")
    return parse_output(proc.stdout)


def _resolve_script(lua: str | None) -> Path:
    if lua is None:
        return REPORT_LUA
    # Accept "name.lua", "bench/lua/name.lua" or an absolute path.
    path = Path(lua)
    if not path.is_absolute():
        in_repo = path.parts[:2] == ("bench", "lua")
        path = (LUA_DIR.parent.parent if in_repo else LUA_DIR) / path
    if not path.exists():
        raise WrkError(f"Lua script not found: {path}")
    return path
