"""Which backing service an unexpected exception says is down, if any.

A request that fails because the database, the media storage or Redis is
unreachable is answered 503 `service_unavailable` with Retry-After, and
logged as a warning: the client may simply try again, and nothing in the
code is broken. Everything else stays a 500.
"""

from __future__ import annotations

import sys

from sqlalchemy import exc as sa_exc

from syllabus.kit.storage import StorageError, StorageNotFound, StorageTooLarge

RETRY_AFTER_SECONDS = 5


def unavailable_part(exc: BaseException) -> str | None:
    """ "database", "storage" or "redis" when `exc` means that service is unreachable."""
    if isinstance(exc, sa_exc.OperationalError) and _sqlite_mistake(exc):
        return None
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return "database"
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return "database"
    if isinstance(exc, StorageError) and not isinstance(exc, StorageNotFound | StorageTooLarge):
        return "storage"
    botocore = sys.modules.get("botocore.exceptions")  # loaded only with the S3 backend
    if botocore is not None and isinstance(exc, botocore.BotoCoreError):
        return "storage"
    redis = sys.modules.get("redis.exceptions")
    if redis is not None and isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return "redis"
    return None


# SQLite reports some mistakes in the code or the schema as OperationalError too
# ("no such table", "no such column", a syntax error): those are 500s, not outages.
_SQLITE_OUTAGES = ("locked", "busy", "unable to open", "disk i/o", "readonly database")


def _sqlite_mistake(exc: sa_exc.OperationalError) -> bool:
    if type(exc.orig).__module__ != "sqlite3":
        return False
    message = str(exc.orig).lower()
    return not any(marker in message for marker in _SQLITE_OUTAGES)
