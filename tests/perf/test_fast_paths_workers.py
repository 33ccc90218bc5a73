"""The web worker default, and one worker running the jobs however many there are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syllabus import config
from syllabus.app import claim_jobs
from syllabus.config import Settings


@pytest.mark.parametrize(("cpus", "workers"), [(1, 1), (2, 2), (8, 2)])
def test_the_default_is_one_worker_per_cpu_up_to_two(
    monkeypatch: pytest.MonkeyPatch, cpus: int, workers: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cpus)))
    monkeypatch.delenv("SYLLABUS_WEB_WORKERS", raising=False)
    assert config.default_web_workers() == workers
    assert Settings().web_workers == workers


def test_the_setting_still_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYLLABUS_WEB_WORKERS", "5")
    assert Settings().web_workers == 5


def test_only_one_worker_claims_the_jobs(tmp_path: Path) -> None:
    first = claim_jobs(tmp_path)
    assert first is not None
    assert claim_jobs(tmp_path) is None, "a second worker runs no jobs"
    first.close()  # the worker holding the jobs ended
    replacement = claim_jobs(tmp_path)
    assert replacement is not None, "the next worker takes them over"
    replacement.close()
