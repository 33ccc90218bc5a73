"""The same code on many processes: nginx (deploy/nginx.conf) in front of two `syllabus serve`
processes and two `syllabus worker` processes, on one PostgreSQL, one Redis and an S3 endpoint
(moto), all on loopback. Each process has a data folder of its own, as on its own machine.

Shows: a sign-in on one web process works on the other; the cache is invalidated across
processes; rate limits are shared; jobs are spread over both workers and each runs once; a
video uploaded through one process plays through the other; killing a web process mid-load
loses no request nginx can retry and no acknowledged write.

Runs in CI's PostgreSQL + Redis pass (`.ci/run`), where both servers exist.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.config import get_settings
from syllabus.kit.db import Database, utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.migrate import upgrade
from syllabus.kit.outbox import OutboxMessage
from syllabus.learning.models import Enrollment, LessonProgress
from tests.conftest import fresh_database_url
from tests.factories import PASSWORD, make_user
from tests.media.clips import make_clip
from tests.support.cluster import NGINX, Cluster, Process
from tests.support.s3_server import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    REGION,
    create_bucket,
    running_moto_server,
)

REDIS_URL = get_settings().redis_url
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        REDIS_URL is None or NGINX is None,
        reason="needs Redis and nginx: CI's PostgreSQL + Redis pass (.ci/run) runs it",
    ),
]

BUCKET = "syllabus-media"  # deploy/nginx.conf serves the bucket at /syllabus-media/
WAIT_S = 90.0
REGISTRATIONS = 24
LOAD_SECONDS = 6.0


@dataclass
class World:
    cluster: Cluster
    db: Database
    web_a: Process
    web_b: Process
    workers: list[Process]
    instructor: str
    student: str
    course_slug: str
    course_id: str
    video_lesson_id: str
    text_lessons: list[str]


def _cluster_redis_url() -> str:
    # A database of its own on the suite's Redis, emptied first.
    url = make_url(str(REDIS_URL))
    return str(url.set(database="9"))


def _env(database_url: str, redis_url: str, s3: str, nginx_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYLLABUS_")}
    env.update(
        SYLLABUS_ENV="test",
        SYLLABUS_DATABASE_URL=database_url,
        SYLLABUS_REDIS_URL=redis_url,
        SYLLABUS_STORAGE_BACKEND="s3",
        SYLLABUS_S3_BUCKET=BUCKET,
        SYLLABUS_S3_ENDPOINT_URL=s3,
        SYLLABUS_S3_PUBLIC_ENDPOINT_URL=nginx_url,
        SYLLABUS_S3_REGION=REGION,
        SYLLABUS_S3_ACCESS_KEY_ID=FAKE_ACCESS_KEY_ID,
        SYLLABUS_S3_SECRET_ACCESS_KEY=FAKE_SECRET_ACCESS_KEY,
        SYLLABUS_BASE_URL=nginx_url,
        SYLLABUS_JOBS_IN_PROCESS="false",
        SYLLABUS_LOG_JSON="true",
        SYLLABUS_LOG_LEVEL="INFO",
        SYLLABUS_LOGIN_RATE_PER_IP="1000/minute",
        SYLLABUS_LOGIN_RATE_PER_ACCOUNT="5/minute",
        SYLLABUS_REGISTER_RATE_PER_IP="1000/hour",
    )
    return env


def _arrange(db: Database) -> dict[str, Any]:
    with db.session_scope() as session:
        instructor = make_user(session, email="teacher@example.com", role="instructor")
        student = make_user(session, email="learner@example.com")
        make_user(session, email="guarded@example.com")
        course = Course(
            instructor_id=instructor.id,
            slug="scale-out",
            title="Scaling out",
            description="Many processes, one system.",
            description_html=render_markdown("Many processes, one system."),
            status="published",
            published_at=utcnow(),
            price_amount=0,
            lesson_count=5,
            duration_seconds=1200,
        )
        session.add(course)
        session.flush()
        section = Section(course_id=course.id, title="Start", position=0)
        session.add(section)
        session.flush()
        video = Lesson(
            section_id=section.id, course_id=course.id, title="Video", kind="video", position=0
        )
        texts = [
            Lesson(
                section_id=section.id,
                course_id=course.id,
                title=f"Notes {n}",
                kind="text",
                position=n,
                duration_seconds=600,
                body="Read me.",
                body_html=render_markdown("Read me."),
            )
            for n in range(1, 5)
        ]
        session.add_all([video, *texts])
        session.add(Enrollment(user_id=student.id, course_id=course.id, source="free"))
        session.flush()
        return {
            "instructor": instructor.email,
            "student": student.email,
            "course_slug": course.slug,
            "course_id": course.id,
            "video_lesson_id": video.id,
            "text_lessons": [lesson.id for lesson in texts],
        }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    database_url, drop = fresh_database_url("cluster")
    if database_url.startswith("sqlite"):
        pytest.skip("needs PostgreSQL: CI's PostgreSQL + Redis pass (.ci/run) runs it")
    upgrade(database_url)
    db = Database(database_url, pool_size=2)
    redis_url = _cluster_redis_url()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    arranged = _arrange(db)
    root = tmp_path_factory.mktemp("cluster")
    with running_moto_server() as s3:
        create_bucket(s3, BUCKET)
        cluster = Cluster(root=root, env={})
        cluster.env = _env(database_url, redis_url, s3, cluster.url)
        try:
            web_a, web_b = cluster.start_web("web-a"), cluster.start_web("web-b")
            workers = [cluster.start_worker("worker-1"), cluster.start_worker("worker-2")]
            for web in (web_a, web_b):
                cluster.wait_until_up(web)
            nginx = cluster.start_nginx([web_a, web_b], s3)
            cluster.wait_until_up(nginx)
            yield World(cluster, db, web_a, web_b, workers, **arranged)
        finally:
            cluster.stop_all()
            db.dispose()
            drop()


def _login(base: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_sign_in_on_one_web_process_works_on_the_other(world: World) -> None:
    a, b = world.web_a.url, world.web_b.url
    tokens = _login(a, world.student)
    me = httpx.get(f"{b}/api/v1/users/me", headers=_bearer(tokens["access_token"]), timeout=30)
    assert me.status_code == 200
    assert me.json()["email"] == world.student

    renewed = httpx.post(
        f"{b}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=30
    )
    assert renewed.status_code == 200
    # The first refresh token was rotated on B: A sees its reuse.
    reused = httpx.post(
        f"{a}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=30
    )
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_reused"

    # A page session started on A is a page session on B.
    with httpx.Client(base_url=a, timeout=30) as browser_a:
        form = browser_a.get("/login")
        csrf = _csrf_token(form.text)
        signed_in = browser_a.post(
            "/login",
            data={"email": world.student, "password": PASSWORD, "csrf_token": csrf},
        )
        assert signed_in.status_code in (302, 303)
        cookies = dict(browser_a.cookies)
    page = httpx.get(f"{b}/my/learning", cookies=cookies, timeout=30, follow_redirects=False)
    assert page.status_code == 200
    assert "Scaling out" in page.text


def _csrf_token(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_the_cache_is_invalidated_across_processes(world: World) -> None:
    a, b = world.web_a.url, world.web_b.url
    detail, catalog = f"/api/v1/courses/{world.course_slug}", "/api/v1/courses"
    for _ in range(2):  # the second reads are served from the shared cache
        assert httpx.get(b + detail, timeout=30).json()["title"] == "Scaling out"
        assert _titles(httpx.get(b + catalog, timeout=30)) == ["Scaling out"]
    owner = _login(a, world.instructor)["access_token"]
    changed = httpx.patch(
        f"{a}/api/v1/courses/{world.course_id}",
        json={"title": "Scaling out, for real"},
        headers=_bearer(owner),
        timeout=30,
    )
    assert changed.status_code == 200, changed.text
    assert httpx.get(b + detail, timeout=30).json()["title"] == "Scaling out, for real"
    assert _titles(httpx.get(b + catalog, timeout=30)) == ["Scaling out, for real"]


def _titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200
    return [course["title"] for course in response.json()["items"]]


def test_rate_limits_are_shared_by_the_web_processes(world: World) -> None:
    statuses = []
    for n in range(6):
        base = (world.web_a, world.web_b)[n % 2].url
        response = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"email": "guarded@example.com", "password": "not the password"},
            timeout=30,
        )
        statuses.append(response.status_code)
    # Five failures counted across both processes; the sixth try is refused.
    assert statuses == [401, 401, 401, 401, 401, 429]


def test_jobs_are_spread_over_both_workers_and_each_runs_once(world: World) -> None:
    emails = [f"newcomer{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(REGISTRATIONS)]
    for n, email in enumerate(emails):
        base = (world.web_a, world.web_b)[n % 2].url
        response = httpx.post(
            f"{base}/api/v1/auth/register",
            json={"email": email, "password": "a long enough passphrase 7", "name": f"N {n}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and len(_delivered(world, emails)) < len(emails):
        time.sleep(0.3)
    per_worker = {w.name: _delivered_by(w, emails) for w in world.workers}
    everyone = [to for delivered in per_worker.values() for to in delivered]
    assert Counter(everyone) == Counter(emails), "each activation mail exactly once"
    assert all(per_worker.values()), f"one worker did every job: {per_worker}"
    with world.db.session_scope() as session:
        attempts = session.scalars(
            select(OutboxMessage.attempts).where(
                OutboxMessage.task == "mail.send", OutboxMessage.done_at.is_not(None)
            )
        ).all()
    assert len(attempts) >= len(emails)
    assert set(attempts) == {1}, "no job ran twice"


def _delivered_by(worker: Process, emails: list[str]) -> list[str]:
    wanted = set(emails)
    found = []
    for path in sorted((worker.data_dir / "mail").glob("*.eml")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("To: ") and line[4:].strip() in wanted:
                found.append(line[4:].strip())
    return found


def _delivered(world: World, emails: list[str]) -> list[str]:
    return [to for w in world.workers for to in _delivered_by(w, emails)]


def test_a_video_uploaded_through_one_process_plays_through_the_other(
    world: World, tmp_path: Path
) -> None:
    a, b, site = world.web_a.url, world.web_b.url, world.cluster.url
    clip = make_clip(tmp_path / "lesson.mp4", seconds=2.0, width=320, height=180)
    owner = _bearer(_login(a, world.instructor)["access_token"])
    with clip.open("rb") as fh:
        uploaded = httpx.post(
            f"{a}/api/v1/media",
            files={"file": ("lesson.mp4", fh, "video/mp4")},
            data={"purpose": "lesson_video"},
            headers=owner,
            timeout=60,
        )
    assert uploaded.status_code == 201, uploaded.text
    media_id = uploaded.json()["id"]
    attached = httpx.post(
        f"{a}/api/v1/lessons/{world.video_lesson_id}/media",
        json={"media_id": media_id},
        headers=owner,
        timeout=30,
    )
    assert attached.status_code == 200, attached.text

    deadline = time.monotonic() + WAIT_S
    status = ""
    while time.monotonic() < deadline and status not in ("ready", "failed"):
        time.sleep(0.5)
        status = httpx.get(f"{b}/api/v1/media/{media_id}", headers=owner, timeout=30).json()[
            "status"
        ]
    assert status == "ready"

    student = _bearer(_login(b, world.student)["access_token"])
    playback = httpx.get(
        f"{b}/api/v1/lessons/{world.video_lesson_id}/playback", headers=student, timeout=30
    )
    assert playback.status_code == 200, playback.text
    master_url = urljoin(site + "/", playback.json()["hls_url"])
    with httpx.Client(timeout=30) as viewer:
        master = viewer.get(master_url)
        assert master.status_code == 200
        variant_url = urljoin(master_url, _first_uri(master.text))
        variant = viewer.get(variant_url)
        assert variant.status_code == 200
        segment_url = urljoin(variant_url, _first_uri(variant.text))
        # Segments come straight from the bucket, through nginx, presigned.
        assert segment_url.startswith(f"{site}/{BUCKET}/")
        segment = viewer.get(segment_url)
    assert segment.status_code == 200
    assert segment.content[:1] == b"\x47", "an MPEG-TS segment starts with its sync byte"
    assert len(segment.content) > 1000


def _first_uri(playlist: str) -> str:
    return next(line for line in playlist.splitlines() if line and not line.startswith("#"))


def test_killing_a_web_process_mid_load_loses_no_retryable_request_and_no_data(
    world: World,
) -> None:
    site = world.cluster.url
    token = _login(world.web_b.url, world.student)["access_token"]
    stop = threading.Event()
    failures: list[str] = []
    acknowledged: dict[str, int] = {}
    created: list[str] = []
    counts = Counter[str]()
    lock = threading.Lock()

    def read_catalog() -> None:
        with httpx.Client(base_url=site, timeout=30) as client:
            while not stop.is_set():
                response = client.get(f"/api/v1/courses/{world.course_slug}")
                with lock:
                    counts["GET"] += 1
                    if response.status_code != 200:
                        failures.append(f"GET {response.status_code}")

    def save_progress(lesson_id: str) -> None:
        with httpx.Client(base_url=site, timeout=30, headers=_bearer(token)) as client:
            position = 0
            while not stop.is_set():
                position += 1
                response = client.put(
                    f"/api/v1/lessons/{lesson_id}/progress", json={"position_seconds": position}
                )
                with lock:
                    counts["PUT"] += 1
                    if response.status_code == 200:
                        acknowledged[lesson_id] = position
                    else:
                        failures.append(f"PUT {response.status_code}")

    def register() -> None:
        with httpx.Client(base_url=site, timeout=30) as client:
            n = 0
            while not stop.is_set():
                n += 1
                email = f"load{n}-{uuid.uuid4().hex[:6]}@example.com"
                response = client.post(
                    "/api/v1/auth/register",
                    json={"email": email, "password": "a long enough passphrase 7", "name": "L"},
                )
                with lock:
                    counts["POST"] += 1
                    if response.status_code == 201:
                        created.append(email)
                    else:  # not idempotent: nginx does not retry it, the client may
                        counts[f"POST {response.status_code}"] += 1

    threads = [
        *(threading.Thread(target=read_catalog) for _ in range(3)),
        *(threading.Thread(target=save_progress, args=(lid,)) for lid in world.text_lessons),
        threading.Thread(target=register),
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(LOAD_SECONDS / 3)
        world.web_a.popen.send_signal(signal.SIGKILL)
        world.web_a.popen.wait(timeout=30)
        time.sleep(LOAD_SECONDS * 2 / 3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert counts["GET"] > 50, counts
    assert counts["PUT"] > 20, counts
    # GET and PUT are safe to repeat: nginx retried the ones the dead process held.
    assert failures == [], f"{len(failures)} of {sum(counts.values())} failed: {failures[:5]}"
    with world.db.session_scope() as session:
        saved = _positions(session, world.student, list(acknowledged))
        registered = set(session.scalars(select(User.email).where(User.email.in_(created))))
    assert saved == acknowledged, "every acknowledged progress write is stored, last one wins"
    assert registered == set(created), "every acknowledged registration is stored"
    cut = _cut_by_the_kill(world.cluster)
    print("scale-out load:", json.dumps(counts), f"requests cut and retried: {cut}")


def _cut_by_the_kill(cluster: Cluster) -> int:
    log = (cluster.root / "nginx" / "error.log").read_text(errors="replace")
    return sum(
        "prematurely closed" in line or "Connection reset" in line for line in log.splitlines()
    )


def _positions(session: Session, email: str, lesson_ids: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(LessonProgress.lesson_id, LessonProgress.position_seconds)
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .where(User.email == email, LessonProgress.lesson_id.in_(lesson_ids))
    ).all()
    return {row.lesson_id: row.position_seconds for row in rows}
