"""The job queues: Huey on SQLite (`var/queue.db`) by default, on Redis when configured.

Two queues, so video transcoding (minutes of CPU per job) never holds up
mail and the outbox: `default` (outbox messages, mail, the periodic jobs)
and `media` (transcoding). Tasks are registered on the module-level
`huey` / `media_huey` at import time, so every process (web with
in-process consumers, `syllabus worker`) builds the same instances from
the same settings. `syllabus worker --queue media` runs transcoding on its
own machines.
"""

from __future__ import annotations

import datetime
import os
import signal
import threading
from collections.abc import Iterable
from types import FrameType
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from syllabus.config import Settings, get_settings
from syllabus.kit.logging import get_logger

log = get_logger("syllabus.queue")

QUEUE_NAMES = {"default": "syllabus", "media": "syllabus-media"}
QUEUES = tuple(QUEUE_NAMES)
# Periodic-task claims older than this are deleted as new ticks are claimed.
CLAIM_KEEP_MINUTES = 10
HEALTH_CHECK_SECONDS = 10.0


class _OncePerTick:
    """Periodic tasks enqueued once per minute however many consumers run.

    Every consumer's scheduler looks at the clock each minute; the first to
    claim `periodic:<task>:<minute>` in the queue's own storage enqueues the
    task, the others skip it. Without this, N workers run each sweep N times.
    """

    storage: Any

    def read_periodic(self, timestamp: datetime.datetime | None) -> list[Any]:
        tasks = super().read_periodic(timestamp)  # type: ignore[misc]
        if not tasks:
            return []
        now = timestamp or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        tick = now.replace(second=0, microsecond=0)
        stale = tick - datetime.timedelta(minutes=CLAIM_KEEP_MINUTES)
        claimed = []
        for task in tasks:
            if self.storage.put_if_empty(_claim_key(task.name, tick), b"1"):
                claimed.append(task)
            self.storage.delete_data(_claim_key(task.name, stale))
        return claimed


def _claim_key(task_name: str, tick: datetime.datetime) -> str:
    return f"periodic:{task_name}:{tick:%Y%m%d%H%M}"


class _RedisHuey(_OncePerTick, RedisHuey):
    pass


class _SqliteHuey(_OncePerTick, SqliteHuey):
    pass


def build_huey(settings: Settings, queue: str = "default") -> Huey:
    name = QUEUE_NAMES[queue]
    if settings.redis_url:
        return _RedisHuey(name, url=settings.redis_url, utc=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return _SqliteHuey(name, filename=str(settings.queue_path), utc=True, timeout=10)


huey: Huey = build_huey(get_settings())
media_huey: Huey = build_huey(get_settings(), "media")


def queue_instance(queue: str) -> Huey:
    return {"default": huey, "media": media_huey}[queue]


def ping_queue() -> None:
    """Raises when the queue storage does not answer (used by /readyz)."""
    huey.pending_count()


class _QuietConsumer(Consumer):
    """A consumer that leaves the process's signals to its owner (the server, the group)."""

    def _set_signal_handlers(self) -> None:
        return None


class ConsumerGroup:
    """The consumers of one process: one per queue, each with its own threads."""

    def __init__(self, consumers: list[Consumer]) -> None:
        self.consumers = consumers
        self._stop = threading.Event()
        self._signals = 0

    def start(self) -> None:
        for consumer in self.consumers:
            consumer.start()

    def stop(self, *, graceful: bool = True) -> None:
        """Stop taking jobs; with `graceful`, return when the jobs in hand are finished."""
        for consumer in self.consumers:
            consumer.stop_flag.set()
        if graceful:
            for consumer in self.consumers:
                consumer.stop(graceful=True)

    def run(self) -> None:
        """Consume until SIGTERM or SIGINT, then finish the jobs in hand and return.

        A second signal exits at once: the interrupted job's outbox row or
        media claim is picked up again by the sweeps (its work rolls back).
        """
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        self.start()
        log.info("worker.started", queues=[c.huey.name for c in self.consumers])
        while not self._stop.wait(HEALTH_CHECK_SECONDS):
            for consumer in self.consumers:
                consumer.check_worker_health()
        log.info("worker.stopping", graceful=True)
        self.stop(graceful=True)
        log.info("worker.stopped")

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals += 1
        if self._signals > 1:
            log.warning("worker.stopped_now", signal=signal.Signals(signum).name)
            os._exit(1)
        self._stop.set()


def build_consumers(
    settings: Settings, queues: Iterable[str] = QUEUES, *, threads: int | None = None
) -> ConsumerGroup:
    # Threads, not processes: jobs are I/O bound (mail, storage, ffmpeg
    # subprocesses) and threads share the process's connection pools.
    counts = {"default": threads or settings.job_workers, "media": settings.media_job_workers}
    return ConsumerGroup(
        [
            _QuietConsumer(
                queue_instance(queue),
                workers=counts[queue],
                worker_type="thread",
                periodic=True,
                check_worker_health=True,
            )
            for queue in dict.fromkeys(queues)
        ]
    )


def pending_count() -> int:
    return sum(queue_instance(queue).pending_count() for queue in QUEUES)


def flush() -> None:
    for queue in QUEUES:
        queue_instance(queue).flush()


def drain(max_tasks: int = 1000) -> int:
    """Run queued tasks of every queue in this thread until all are empty; returns how many ran.

    Used by `syllabus jobs drain` and by tests to execute real queued work
    deterministically.
    """
    ran = 0
    while ran < max_tasks:
        for instance in (huey, media_huey):
            task = _take_now(instance)
            if task is not None:
                instance.execute(task)
                ran += 1
                break
        else:
            break
    return ran


def _take_now(instance: Huey) -> Any:
    """The next task, or None at once: on Redis a consumer's pop waits a second on an
    empty queue, which would make every drain wait that long per queue. As the
    consumer's pop does, an unreachable Redis reads as an empty queue."""
    storage = instance.storage
    if not getattr(storage, "blocking", False):
        return instance.dequeue()
    from redis.exceptions import ConnectionError, TimeoutError

    storage.blocking = False
    try:
        return instance.dequeue()
    except (ConnectionError, TimeoutError):
        return None
    finally:
        storage.blocking = True
