"""Live lesson fixtures: a loopback BigBlueButton, and a course with a scheduled live lesson."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Section
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, make_enrollment
from tests.factories import bearer, login, make_user
from tests.support.providers.bbb_server import BBBServer
from tests.support.providers.loopback import serving

API = "/api/v1"


@pytest.fixture
def bbb_server() -> Iterator[BBBServer]:
    with serving(BBBServer()) as server:
        yield server


def configure(runtime: Runtime, **values: Any) -> None:
    """Change the running site's settings (the services read `runtime.settings`)."""
    runtime.settings = runtime.settings.model_copy(update=values)


@pytest.fixture
def with_bbb(runtime: Runtime, bbb_server: BBBServer) -> BBBServer:
    configure(runtime, bbb_url=bbb_server.api_url, bbb_secret=SecretStr(bbb_server.secret))
    return bbb_server


@dataclass
class LiveCourse:
    owner: User
    student: User
    course: Course
    section_id: str
    owner_headers: dict[str, str]
    student_headers: dict[str, str]


@pytest.fixture
def live_course(client: TestClient, db: Session) -> LiveCourse:
    owner = make_user(db, role="instructor", name="Ada Teacher")
    student = make_user(db, name="Sam Student")
    course = make_course(db, owner, price=0, title="Live Python")
    make_enrollment(db, student, course)
    section_id = db.scalars(select(Section.id).where(Section.course_id == course.id)).one()
    return LiveCourse(
        owner=owner,
        student=student,
        course=course,
        section_id=section_id,
        owner_headers=bearer(login(client, owner.email)),
        student_headers=bearer(login(client, student.email)),
    )


def add_live_lesson(
    client: TestClient,
    setup: LiveCourse,
    *,
    starts_in: timedelta = timedelta(minutes=10),
    duration_minutes: int = 60,
    provider: str | None = None,
) -> tuple[str, datetime]:
    """A live lesson created through the lesson endpoint; its id and start time."""
    starts_at = (utcnow() + starts_in).replace(microsecond=0)
    live: dict[str, Any] = {
        "starts_at": starts_at.isoformat(),
        "duration_minutes": duration_minutes,
    }
    if provider:
        live["provider"] = provider
    response = client.post(
        f"{API}/sections/{setup.section_id}/lessons",
        json={"title": "Office hours", "kind": "live", "live": live},
        headers=setup.owner_headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], starts_at
