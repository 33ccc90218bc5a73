"""Rate limits hold under simultaneous load from another process.

`syllabus serve` runs as its own process (rate limits in memory on the
embedded defaults, on Redis in CI's second pass); this process fires bursts of
simultaneous requests at it. Each limit lets through exactly its allowance,
never more however the requests interleave, answers the rest 429 with
Retry-After, and nothing answers 5xx.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from syllabus.catalog.models import Course
from syllabus.config import Settings, get_settings
from syllabus.kit.db import Database, utcnow
from syllabus.learning.models import Enrollment
from syllabus.media.models import MediaAsset
from tests.factories import PASSWORD, make_user
from tests.support.providers.loopback import unused_port

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 60.0
CONCURRENCY = 16
LIMITS = {
    "SYLLABUS_LOGIN_RATE_PER_IP": "20/minute",
    "SYLLABUS_LOGIN_RATE_PER_ACCOUNT": "5/minute",
    "SYLLABUS_REGISTER_RATE_PER_IP": "10/hour",
    "SYLLABUS_MESSAGE_RATE_LIMIT": "20/minute",
    "SYLLABUS_WEBHOOK_INVALID_RATE_PER_IP": "30/minute",
    "SYLLABUS_MAX_ATTACHMENT_BYTES": str(64 * 1024),
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WINDOWS_PROGRAM = b"MZ\x90\x00" + bytes(4096)


@dataclass
class Server:
    url: str
    data_dir: Path
    database: Database
    course_id: str
    tokens: dict[str, str]


def _redis_url() -> str | None:
    # A database of its own on the suite's Redis, so no other test's counts mix in.
    url = get_settings().redis_url
    if url is None:
        return None
    own = str(make_url(url).set(database="10"))
    import redis

    redis.Redis.from_url(own).flushdb()
    return own


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("abuse") / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYLLABUS_")}
    env.update(SYLLABUS_DATA_DIR=str(data_dir), SYLLABUS_LOG_LEVEL="WARNING", **LIMITS)
    redis_url = _redis_url()
    if redis_url:
        env["SYLLABUS_REDIS_URL"] = redis_url
    cli = [sys.executable, "-m", "syllabus"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, timeout=120)

    db = Database(Settings(data_dir=data_dir).resolved_database_url, pool_size=1)
    with db.session_scope() as session:
        teacher = make_user(session, email="teacher@example.com", role="instructor")
        make_user(session, email="uploader@example.com", role="instructor")
        student = make_user(session, email="student@example.com")
        course = Course(
            instructor_id=teacher.id,
            slug="held-limits",
            title="Held limits",
            status="published",
            published_at=utcnow(),
            price_amount=0,
        )
        session.add(course)
        session.flush()
        session.add(Enrollment(user_id=student.id, course_id=course.id, source="free"))
        course_id = course.id

    port = unused_port()
    log = data_dir.parent / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env={**env, "SYLLABUS_JOBS_IN_PROCESS": "false"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url, log)
        # Signed in before the bursts: the password-guess burst uses up this address's sign-ins.
        tokens = {who: _token(url, f"{who}@example.com") for who in ("student", "uploader")}
        yield Server(url, data_dir, db, course_id, tokens)
        assert process.poll() is None, "the server survived every burst"
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
        db.dispose()


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"syllabus serve did not start: {log.read_text()}")


def _burst(count: int, send: Callable[[httpx.Client, int], httpx.Response]) -> Counter[int]:
    """`count` requests, CONCURRENCY at a time; the statuses, after checking every 429."""
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(CONCURRENCY) as pool:
        responses = list(pool.map(lambda n: send(client, n), range(count)))
    for response in responses:
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
            assert response.json()["code"] == "rate_limited"
    return Counter(r.status_code for r in responses)


def _token(url: str, email: str) -> str:
    response = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_messages_past_the_limit_are_refused(server: Server) -> None:
    auth = {"Authorization": f"Bearer {server.tokens['student']}"}
    started = httpx.post(
        f"{server.url}/api/v1/messages/threads",
        json={"course": server.course_id, "body": "Hello, a question."},
        headers=auth,
        timeout=30,
    )
    assert started.status_code == 201, started.text
    thread = started.json()
    thread_id = thread.get("id") or thread["thread"]["id"]

    statuses = _burst(
        40,
        lambda client, n: client.post(
            f"{server.url}/api/v1/messages/threads/{thread_id}",
            json={"body": f"Message {n}"},
            headers=auth,
        ),
    )
    # 20 a minute, the first one started the thread.
    assert statuses == Counter({201: 19, 429: 21})


def test_simultaneous_password_guesses_get_five_tries(server: Server) -> None:
    statuses = _burst(
        40,
        lambda client, n: client.post(
            f"{server.url}/api/v1/auth/login",
            json={"email": "teacher@example.com", "password": f"guess number {n}"},
        ),
    )
    # Five wrong passwords are checked; every other guess is refused unchecked
    # (by the account's limit, then the address's 20 a minute).
    assert statuses == Counter({401: 5, 429: 35})


def test_sign_ups_past_the_limit_are_refused(server: Server) -> None:
    statuses = _burst(
        30,
        lambda client, n: client.post(
            f"{server.url}/api/v1/auth/register",
            json={
                "email": f"new{n}-{uuid.uuid4().hex[:6]}@example.com",
                "password": "a long enough passphrase 7",
                "name": f"Newcomer {n}",
            },
        ),
    )
    assert statuses == Counter({201: 10, 429: 20})


def test_forged_webhooks_past_the_limit_are_refused(server: Server) -> None:
    statuses = _burst(
        50,
        lambda client, n: client.post(
            f"{server.url}/api/v1/webhooks/sandbox",
            content=b'{"id": "evt_%d", "type": "payment.succeeded"}' % n,
            headers={"Content-Type": "application/json", "X-Sandbox-Signature": "t=1,v1=forged"},
        ),
    )
    assert statuses == Counter({400: 30, 429: 20})


def test_simultaneous_abusive_uploads_are_refused_and_leave_nothing(server: Server) -> None:
    auth = {"Authorization": f"Bearer {server.tokens['uploader']}"}
    oversized = PDF + b"%" * (200 * 1024)

    def upload(client: httpx.Client, n: int) -> httpx.Response:
        purpose, name, data = (
            ("attachment", f"big{n}.pdf", oversized)
            if n % 2
            else ("lesson_video", f"lecture{n}.mp4", WINDOWS_PROGRAM)
        )
        return client.post(
            f"{server.url}/api/v1/media",
            files={"file": (name, data, "video/mp4" if n % 2 == 0 else "application/pdf")},
            data={"purpose": purpose},
            headers=auth,
        )

    statuses = _burst(24, upload)
    assert statuses == Counter({413: 12, 415: 12})
    with server.database.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(MediaAsset)) == 0
    media = server.data_dir / "media"
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    # The same door still opens for a file within the limits.
    with httpx.Client(timeout=60) as client:
        fine = client.post(
            f"{server.url}/api/v1/media",
            files={"file": ("notes.pdf", PDF, "application/pdf")},
            data={"purpose": "attachment"},
            headers=auth,
        )
    assert fine.status_code == 201, fine.text
