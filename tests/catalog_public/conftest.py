"""Fixtures for the public catalog tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.cache import NullCache
from syllabus.kit.runtime import Runtime
from tests.factories import make_user


@pytest.fixture
def instructor(db: Session) -> User:
    return make_user(db, role="instructor", name="Ada Lovelace")


@pytest.fixture
def no_cache(runtime: Runtime) -> Runtime:
    """Caching switched off, as with `SYLLABUS_CACHE_ENABLED=false`."""
    runtime.cache = NullCache()
    return runtime
