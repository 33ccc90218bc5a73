"""Profile summaries: what py-spy's collapsed stacks say, and a real recording."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.profile import Profiler, parse_frame, pyspy_path, read_collapsed, summarise
from tests.bench.fakes import FakeContext

UVICORN = 'process 10:"uvicorn";run (uvicorn/main.py:5)'
HANDLE = "handle (syllabus/web/app.py:10)"
WALK = "walk (syllabus/tree.py:1)"
COLLAPSED = "\n".join(
    [
        f"{UVICORN};{HANDLE};execute (sqlalchemy/engine/base.py:7) 60",
        f"{UVICORN};{HANDLE};render (syllabus/web/pages.py:3);render (jinja2/environment.py:9) 30",
        f"{UVICORN};{WALK};{WALK};loads (json/decoder.py:2) 10",
        f"{UVICORN};Condition.wait (threading.py:331) 500",
        "not a stack line",
    ]
)


def test_frames_are_split_into_function_file_and_package() -> None:
    frame = parse_frame("Connection.execute (sqlalchemy/engine/base.py:1418)")
    assert (frame.function, frame.file, frame.package) == (
        "Connection.execute",
        "sqlalchemy/engine/base.py",
        "sqlalchemy",
    )
    assert parse_frame("<module> (syllabus:6)").package == "syllabus"
    assert parse_frame("odd frame").file == "?"


def test_process_frames_and_junk_lines_are_dropped() -> None:
    stacks = read_collapsed(COLLAPSED)
    assert [count for _, count in stacks] == [60, 30, 10, 500]
    assert all(not f.function.startswith("process") for frames, _ in stacks for f in frames)


def test_summary_gives_own_time_by_package_and_function_and_our_code_inclusive() -> None:
    text = summarise(COLLAPSED, title="sqlite · 2 catalog · GET /x", seconds=10)
    assert text.startswith("### sqlite · 2 catalog · GET /x")
    assert "100 busy samples in 10 s" in text
    assert "(500 waiting samples left out)" in text
    assert "Own time by package: sqlalchemy 60.0%, jinja2 30.0%, json 10.0%." in text
    assert "| 60.0% | `execute (sqlalchemy/engine/base.py)` |" in text
    # Inclusive: handle() is under 90 of 100 samples; the recursive walk() counts once.
    assert "| 90.0% | `handle (syllabus/web/app.py)` |" in text
    assert "| 10.0% | `walk (syllabus/tree.py)` |" in text


def test_no_samples_is_said_plainly() -> None:
    assert "No samples" in summarise("", title="t", seconds=1)


def test_a_context_without_profiler_runs_the_block_once_and_records_nothing() -> None:
    ran = []
    with FakeContext().profiled(1.0, "GET /"):
        ran.append(1)
    assert ran == [1]


SPIN = """
import time
def spin_for_the_profiler():
    end = time.monotonic() + 20
    while time.monotonic() < end:
        pass
spin_for_the_profiler()
"""


@pytest.mark.skipif(pyspy_path() is None, reason="py-spy comes with the dev extra")
def test_a_real_recording_names_the_busy_function(tmp_path: Path) -> None:
    busy = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        time.sleep(0.3)
        profiler = Profiler(tmp_path / "profiles.md", tmp_path / "raw")
        profiler.start_file("Profiles")
        with profiler.record(busy.pid, 1.0, "spinning child"):
            time.sleep(1.0)
    finally:
        busy.kill()
        busy.wait()
    summary = (tmp_path / "profiles.md").read_text()
    assert summary.startswith("# Profiles")
    assert "### spinning child" in summary
    assert "spin_for_the_profiler" in summary, summary
    assert list((tmp_path / "raw").glob("01-spinning-child.txt"))
