"""Sending one route's request as one role, in a savepoint the next request never sees."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from syllabus.kit.runtime import Runtime
from tests.security.world import World

_PARAM = re.compile(r"\{([a-z_]+)\}")


def fill_path(path: str, world: World, params: dict[str, str]) -> str:
    """The path template with each `{name}` replaced by the world's object of that name."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return world.ids[params.get(name, name)]

    return _PARAM.sub(value, path)


def send_isolated(client: TestClient, rt: Runtime, method: str, url: str, **kwargs: Any) -> int:
    """The response status; whatever the request changed is rolled back afterwards.

    `kwargs` go to `TestClient.request` (headers, json, data, files, content).
    """
    connection = rt.db.connection  # type: ignore[attr-defined]
    savepoint = connection.begin_nested()
    try:
        response = client.request(method, url, follow_redirects=False, **kwargs)
        return response.status_code
    finally:
        savepoint.rollback()
        rt.cache.clear()
        rt.rate_limiter.clear_all()
