"""The job queue: Huey on SQLite (`var/queue.db`) by default, on Redis when configured.

Tasks are registered on the module-level `huey` at import time, so every
process (web with in-process consumers, `syllabus worker`) builds the same
instance from the same settings.
"""

from __future__ import annotations

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from syllabus.config import Settings, get_settings


def build_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("syllabus", url=settings.redis_url, utc=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("syllabus", filename=str(settings.queue_path), utc=True, timeout=10)


huey: Huey = build_huey(get_settings())


def ping_queue() -> None:
    """Raises when the queue storage does not answer (used by /readyz)."""
    huey.pending_count()


class EmbeddedConsumer(Consumer):
    """A consumer living inside the web server: the server owns the signals."""

    def _set_signal_handlers(self) -> None:
        return None


def build_consumer(workers: int, *, embedded: bool = False) -> Consumer:
    # Threads, not processes: jobs are I/O bound (mail, storage, ffmpeg
    # subprocesses) and threads share the process's connection pools.
    cls = EmbeddedConsumer if embedded else Consumer
    return cls(huey, workers=workers, worker_type="thread", periodic=True, check_worker_health=True)


def drain(max_tasks: int = 1000) -> int:
    """Run queued tasks in this thread until the queue is empty; returns how many ran.

    Used by `syllabus jobs drain` and by tests to execute real queued work
    deterministically.
    """
    ran = 0
    while ran < max_tasks:
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task)
        ran += 1
    return ran
