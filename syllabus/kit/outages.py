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
