"""The process's shared resources, built once from settings and replaceable in tests.

Web routes, jobs and CLI commands reach the database, cache, storage,
rate limiter and mail backend through `get_runtime()`, so one service
function works the same from each of them.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from syllabus.config import Settings, get_settings
from syllabus.kit.db import Database

if TYPE_CHECKING:
    from syllabus.kit.cache import Cache
    from syllabus.kit.mail import MailBackend
    from syllabus.kit.ratelimit import RateLimiter
    from syllabus.kit.storage import Storage


class Runtime:
    def __init__(self, settings: Settings, database: Database | None = None) -> None:
        self.settings = settings
        if database is not None:
            self.__dict__["db"] = database

    @cached_property
    def db(self) -> Database:
        return Database(
            self.settings.resolved_database_url, pool_size=self.settings.database_pool_size
        )

    @cached_property
    def cache(self) -> Cache:
        from syllabus.kit.cache import build_cache

        return build_cache(self.settings)

    @cached_property
    def storage(self) -> Storage:
        from syllabus.kit.storage import build_storage

        return build_storage(self.settings)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        from syllabus.kit.ratelimit import build_rate_limiter

        return build_rate_limiter(self.settings)

    @cached_property
    def mail(self) -> MailBackend:
        from syllabus.kit.mail import build_mail_backend

        return build_mail_backend(self.settings)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()


_lock = threading.Lock()
_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                _runtime = Runtime(get_settings())
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """Install a runtime (tests, or a CLI command with its own settings)."""
    global _runtime
    with _lock:
        _runtime = runtime
