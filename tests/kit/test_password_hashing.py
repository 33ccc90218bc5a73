"""Password hashes: right answers, and bursts that queue instead of piling up."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from syllabus.kit import security


def test_a_hash_verifies_its_password_only() -> None:
    stored = security.hash_password("correct horse battery staple")
    assert security.verify_password("correct horse battery staple", stored)
    assert not security.verify_password("wrong horse", stored)
    assert not security.verify_password("anything", None)
    assert not security.verify_password("anything", "not-a-hash")


class _CountingHasher:
    """The real hasher, recording how many hashes run at the same moment."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def _track(self, work: Any) -> Any:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.02)  # keep the slot long enough for the others to pile up
            return work()
        finally:
            with self.lock:
                self.running -= 1

    def hash(self, password: str) -> str:
        return str(self._track(lambda: self.real.hash(password)))

    def verify(self, stored: str, password: str) -> bool:
        return bool(self._track(lambda: self.real.verify(stored, password)))


def test_a_burst_of_sign_ins_runs_at_most_the_slots_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = security.hash_password("s3cret-pass")
    counting = _CountingHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", counting)
    with ThreadPoolExecutor(max_workers=12) as pool:
        checks = list(
            pool.map(lambda _: security.verify_password("s3cret-pass", stored), range(12))
        )
        hashes = list(pool.map(lambda _: security.hash_password("another-pass"), range(4)))
    assert checks == [True] * 12
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert counting.most == security.HASH_SLOTS
