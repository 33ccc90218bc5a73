"""Scenario 10: idle memory of `make run` (web + jobs in one process tree).

Starts `syllabus serve` as `make run` does (no --workers: the default, jobs in
process) on this backend's dataset, makes a few requests, idles, then sums
the memory of the process tree. The figure is PSS (shared pages divided
among the processes sharing them, so workers are not counted twice); the
note also gives RSS. Target ≤ 300 MiB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import Context, Row, get_checked
from bench.servers import process_tree, syllabus_server
from syllabus.benchdata.names import course_slug

SCENARIO = "10 idle memory of make run (web + jobs)"
MAX_MIB = 300.0
IDLE_SECONDS = 10.0
WARM_PATHS = ("/", "/courses", "/api/v1/courses", "/healthz")


@dataclass
class TreeMemory:
    processes: int
    rss_kib: int
    pss_kib: int

    @property
    def pss_mib(self) -> float:
        return self.pss_kib / 1024

    @property
    def rss_mib(self) -> float:
        return self.rss_kib / 1024


def _kib_field(text: str, name: str) -> int:
    """The `Name:   1234 kB` line of a /proc status or smaps_rollup file, in KiB."""
    for line in text.splitlines():
        if line.startswith(name + ":"):
            parts = line.split()
            return int(parts[1]) if len(parts) > 1 else 0
    return 0


def rss_kib(status_text: str) -> int:
    return _kib_field(status_text, "VmRSS")


def pss_kib(smaps_rollup_text: str) -> int:
    return _kib_field(smaps_rollup_text, "Pss")


def tree_memory(pids: list[int], proc: Path = Path("/proc")) -> TreeMemory:
    """Sum RSS and PSS over the pids (ones that exited meanwhile are skipped)."""
    rss = pss = count = 0
    for pid in pids:
        try:
            status = (proc / str(pid) / "status").read_text()
            rollup = (proc / str(pid) / "smaps_rollup").read_text()
        except OSError:
            continue
        rss += rss_kib(status)
        pss += pss_kib(rollup)
        count += 1
    return TreeMemory(processes=count, rss_kib=rss, pss_kib=pss)


def run(ctx: Context) -> list[Row]:
    # `make run` logs at the default level and runs one web process with jobs inside.
    env = {
        k: v for k, v in ctx.env.items() if k not in ("SYLLABUS_LOG_LEVEL", "SYLLABUS_WEB_WORKERS")
    }
    server = syllabus_server(env, workers=None, name="syllabus-make-run").start()
    try:
        for path in WARM_PATHS:
            kind = "application/json" if path.startswith(("/api", "/healthz")) else "text/html"
            get_checked(server.base_url + path, content_type=kind)
        get_checked(f"{server.base_url}/courses/{course_slug(1)}", content_type="text/html")
        time.sleep(IDLE_SECONDS)
        pid = server.pid
        memory = tree_memory(process_tree(pid) if pid else [])
    finally:
        server.stop()
    value = round(memory.pss_mib, 1)
    return [
        Row(
            scenario=SCENARIO,
            backend=ctx.backend,
            figure="PSS of the process tree, MiB",
            ours=f"{memory.pss_mib:,.0f} MiB",
            reference="—",
            value=value,
            target=f"≤ {MAX_MIB:g}",
            passed=memory.processes > 0 and value <= MAX_MIB,
            note=f"RSS {memory.rss_mib:,.0f} MiB; {memory.processes} process(es); "
            f"idle {IDLE_SECONDS:g} s after {len(WARM_PATHS) + 1} requests",
        )
    ]
