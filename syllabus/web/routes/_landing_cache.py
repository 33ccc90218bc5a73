"""The course landing page as anonymous visitors see it, cached as rendered HTML.

Everyone without a sign-in sees the same page but for one thing: the CSRF
token in `<meta name="csrf-token">` (each visitor has their own, issued as a
cookie on the first page). So the page is rendered once with a placeholder
token and stored; each answer puts the visitor's token in its place and, for
a new visitor, queues the token's cookie, exactly as rendering would.

Only a request that nothing personal can reach is served from this copy: no
query string (the header's search box shows `q`), no sign-in cookies (a
signed-in page has the account menu, the cart and the visitor's own call to
action) and no flash cookie (a one-time message). Everyone else gets the page
rendered for them.

The copy is stamped with the course's version and the catalog lists' version
(the category breadcrumb), so an edit shows at once; it lives as long as the
promo video's cached signed URL, so the URL in a cached page keeps most of
its life.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from fastapi import Request
from starlette.requests import HTTPConnection
from starlette.types import Scope

from syllabus.catalog.cache import LISTS, course_namespace
from syllabus.kit.fastpath import BoundedMemo, FastResponse, FastRoute, missed_stamp, note_miss
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.web.deps import FLASH_COOKIE, csrf_token_for
from syllabus.web.routes.player_media import PROMO_CACHE_SECONDS
from syllabus.web.session import ACCESS_COOKIE, REFRESH_COOKIE
from syllabus.web.templating import render

LANDING_PREFIX = "/courses/"
LANDING_TEMPLATE = "pages/catalog/course.html"
_SLUG_OK = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")
_PERSONAL_COOKIES = (ACCESS_COOKIE, REFRESH_COOKIE, FLASH_COOKIE)
_HTML = b"text/html; charset=utf-8"


@lru_cache(maxsize=4)
def _placeholder(secret_key: str) -> str:
    # Derived from the secret, so no course text can contain it by design.
    digest = hmac.new(secret_key.encode(), b"landing-page-csrf-placeholder", hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def csrf_placeholder(rt: Runtime) -> str:
    return _placeholder(rt.settings.secret_key)


def ttl(rt: Runtime) -> int:
    return max(1, min(PROMO_CACHE_SECONDS, rt.settings.playback_url_ttl_seconds // 4))


def is_shared_view(connection: HTTPConnection, slug: str) -> bool:
    """True when this request gets the page every anonymous visitor gets."""
    if connection.scope["query_string"] or not _SLUG_OK.fullmatch(slug):
        return False
    cookies = connection.cookies
    return not any(name in cookies for name in _PERSONAL_COOKIES)


# slug -> course id, learnt by the route: slugs never change.
_course_ids: BoundedMemo[str, str] = BoundedMemo(8192)


def page_key(course_id: str, slug: str) -> str:
    return f"fast:landing:{course_id}:{slug}"


def _namespaces(course_id: str) -> tuple[str, str]:
    return (course_namespace(course_id), LISTS)


def remember(request: Request, rt: Runtime, course_id: str, slug: str, page: bytes) -> None:
    """Keep the shared page, if the fast path read the versions it depends on."""
    _course_ids.put(slug, course_id)
    key = page_key(course_id, slug)
    stamp = missed_stamp(request.scope, key)
    if stamp is not None:
        rt.cache.set_stamped(key, stamp, page, ttl(rt))


def render_shared(request: Request, context: Mapping[str, Any]) -> bytes:
    """The page with the placeholder where the visitor's CSRF token goes."""
    state = request.state
    previous = getattr(state, "csrf_token", None)
    state.csrf_token = csrf_placeholder(get_runtime())
    try:
        return bytes(render(request, LANDING_TEMPLATE, context).body)
    finally:
        if previous is None:
            del state.csrf_token
        else:
            state.csrf_token = previous


def answer(connection: HTTPConnection, rt: Runtime, page: bytes) -> FastResponse:
    """The shared page for this visitor: their CSRF token in, its cookie queued if new."""
    token = csrf_token_for(connection)
    body = page.replace(csrf_placeholder(rt).encode(), token.encode())
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", _HTML)]
    return FastResponse(200, headers, body)


async def fast_course_landing(scope: Scope) -> FastResponse | None:
    slug = scope["path"][len(LANDING_PREFIX) :]
    course_id = _course_ids.get(slug)
    if course_id is None:
        return None
    connection = HTTPConnection(scope)
    if not is_shared_view(connection, slug):
        return None
    rt = get_runtime()
    key = page_key(course_id, slug)
    page, stamp = rt.cache.get_stamped(_namespaces(course_id), key)
    if page is None:
        note_miss(scope, key, stamp)
        return None
    return answer(connection, rt, page)


FAST_ROUTES = (FastRoute("/courses/{slug}", LANDING_PREFIX, fast_course_landing),)
