"""Announcements: who may post and read, batched delivery to every enrolled student, escaping."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.community.announcement_delivery import DELIVER, deliver_batch
from syllabus.community.models import Announcement
from syllabus.kit import outbox
from syllabus.kit.db import new_id
from syllabus.kit.mail import read_outbox
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from syllabus.notifications.models import Notification, NotificationPreference
from tests.catalog.factories import make_course, make_enrollment, signed_in
from tests.catalog_public.seed import count_statements
from tests.factories import make_user

API = "/api/v1"
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
_bulk = itertools.count(1)


def post(
    client: TestClient, course: Course, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = client.post(
        f"{API}/courses/{course.id}/announcements",
        json={"title": "Week 2 is live", "body": "New lessons.", **body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def deliveries(db: Session, announcement_id: str) -> list[OutboxMessage]:
    db.expire_all()
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.task == DELIVER,
                OutboxMessage.key.like(f"announcement:{announcement_id}:%"),
            )
            .order_by(OutboxMessage.created_at)
        )
    )


def queued_mails(db: Session, announcement_id: str) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.task == "mail.send",
                OutboxMessage.key.like(f"announcement:{announcement_id}:%"),
            )
        )
    )


def told(db: Session, announcement_id: str) -> list[str]:
    """Who got an in-app notification for the announcement."""
    db.expire_all()
    return sorted(
        db.scalars(
            select(Notification.user_id).where(
                Notification.dedupe_key.like(f"announcement:{announcement_id}:%")
            )
        )
    )


def run_deliveries(runtime: Runtime, db: Session, announcement_id: str) -> list[int]:
    """Run the announcement's delivery jobs (not the emails) one by one, as the worker would.

    Returns the SQL statements each job ran.
    """
    counts: list[int] = []
    while True:
        pending = [m.id for m in deliveries(db, announcement_id) if m.done_at is None]
        if not pending:
            return counts
        for message_id in pending:
            with count_statements(runtime.db.engine) as counter:
                outbox.run_outbox_message.call_local(message_id)
            counts.append(counter.count)


def enroll_many(db: Session, course: Course, count: int) -> list[str]:
    """`count` active students enrolled in `course`, inserted in bulk."""
    batch = next(_bulk)
    users = [
        {
            "id": new_id(),
            "email": f"bulk{batch}-{n}@example.com",
            "name": f"Bulk {n}",
            "role": "student",
            "status": "active",
        }
        for n in range(count)
    ]
    db.execute(insert(User), users)
    db.execute(
        insert(Enrollment),
        [
            {"id": new_id(), "user_id": user["id"], "course_id": course.id, "source": "free"}
            for user in users
        ],
    )
    db.commit()
    return [str(user["id"]) for user in users]


# ------------------------------------------------------------------- post


def test_only_the_owner_or_an_admin_posts(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, admin = signed_in(client, db, "admin")
    _, other_instructor = signed_in(client, db, "instructor")
    student, student_headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    url = f"{API}/courses/{course.id}/announcements"
    body = {"title": "Hello", "body": "Welcome"}

    created = post(client, course, owner_headers, title="  Week 1  ", body="  Line 1\nLine 2  ")
    assert created["course_id"] == course.id
    assert (created["title"], created["body"]) == ("Week 1", "Line 1\nLine 2")
    assert created["author"] == {"id": owner.id, "name": owner.name}
    assert (created["recipient_count"], created["delivered"]) == (0, False)
    assert created["id"]
    assert created["created_at"]
    by_slug = client.post(f"{API}/courses/{course.slug}/announcements", json=body, headers=admin)
    assert by_slug.status_code == 201

    for headers in (other_instructor, student_headers):
        refused = client.post(url, json=body, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_course_owner")
    assert client.post(url, json=body).status_code == 401
    draft = make_course(db, owner, status="draft")
    hidden = client.post(
        f"{API}/courses/{draft.id}/announcements", json=body, headers=other_instructor
    )
    assert (hidden.status_code, hidden.json()["code"]) == (404, "course_not_found")
    missing = client.post(f"{API}/courses/nope/announcements", json=body, headers=owner_headers)
    assert missing.status_code == 404

    for bad in (
        {"title": "", "body": "x"},
        {"title": "   ", "body": "x"},
        {"title": "x" * 201, "body": "x"},
        {"title": "x", "body": ""},
        {"title": "x", "body": "x" * 20_001},
        {"title": "x"},
        {"title": "x", "body": "x", "pinned": True},
    ):
        assert client.post(url, json=bad, headers=owner_headers).status_code == 422, bad
    longest = {"title": "x" * 200, "body": "x" * 20_000}
    assert client.post(url, json=longest, headers=owner_headers).status_code == 201
    count = db.scalar(select(func.count()).where(Announcement.course_id == course.id))
    assert count == 3


def test_who_reads_the_announcements(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    student, student_headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    revoked, revoked_headers = signed_in(client, db, "student")
    make_enrollment(db, revoked, course, status="revoked")
    _, stranger = signed_in(client, db, "student")
    _, admin = signed_in(client, db, "admin")
    titles = [post(client, course, owner_headers, title=f"News {n}")["title"] for n in range(3)]
    url = f"{API}/courses/{course.slug}/announcements"

    for headers in (student_headers, owner_headers, admin):
        listed = client.get(url, headers=headers)
        assert listed.status_code == 200, listed.text
        assert [item["title"] for item in listed.json()["items"]] == titles[::-1]
    first = client.get(url, params={"page": 1, "page_size": 2}, headers=student_headers).json()
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [item["title"] for item in first["items"]] == ["News 2", "News 1"]
    assert set(first["items"][0]) == {
        "id",
        "course_id",
        "title",
        "body",
        "author",
        "created_at",
        "recipient_count",
        "delivered",
    }

    for headers in (stranger, revoked_headers):
        refused = client.get(url, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_enrolled")
    assert client.get(url).status_code == 401
    draft = make_course(db, owner, status="draft")
    hidden = client.get(f"{API}/courses/{draft.id}/announcements", headers=stranger)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "course_not_found")


# --------------------------------------------------------------- delivery


def test_delivery_reaches_active_students_as_they_prefer(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(
        runtime, "settings", runtime.settings.model_copy(update={"fanout_batch_size": 2})
    )
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, title="Go <b>fast</b>")
    make_enrollment(db, owner, course)  # the instructor is never a recipient
    students = [make_user(db) for _ in range(4)]
    for student in students:
        make_enrollment(db, student, course)
    no_email, no_in_app = students[0], students[1]
    db.add(NotificationPreference(user_id=no_email.id, kind="announcement", email=False))
    db.add(NotificationPreference(user_id=no_in_app.id, kind="announcement", in_app=False))
    revoked = make_user(db)
    make_enrollment(db, revoked, course, status="revoked")
    banned = make_user(db, status="banned")
    make_enrollment(db, banned, course)
    other_course = make_course(db, owner)
    make_enrollment(db, make_user(db), other_course)
    db.commit()

    created = post(client, course, owner_headers, title=XSS, body=f"Hello\n{XSS}")
    while run_jobs():
        pass

    announcement = db.get(Announcement, created["id"])
    db.refresh(announcement)
    assert announcement is not None
    assert (announcement.recipient_count, announcement.delivered) == (4, True)
    expected = sorted(s.id for s in students if s is not no_in_app)
    assert told(db, created["id"]) == expected
    notice = db.scalars(select(Notification).where(Notification.user_id == no_email.id)).one()
    assert notice.kind == "announcement"
    assert notice.url == f"/learn/{course.slug}/announcements"
    assert notice.title == f"Go <b>fast</b>: {XSS}"  # plain text, escaped when shown
    assert len(deliveries(db, created["id"])) == 3  # two batches of 2, then the last check

    mailed = {m["To"]: m for m in read_outbox(runtime.settings.mail_dir)}
    assert sorted(mailed) == sorted(s.email for s in students if s is not no_email)
    mail = mailed[students[2].email]
    html_part = mail.get_body(preferencelist=("html",))
    text_part = mail.get_body(preferencelist=("plain",))
    assert html_part is not None
    assert text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert XSS not in html
    assert ESCAPED in html
    assert "Go &lt;b&gt;fast&lt;/b&gt;" in html
    link = f"{runtime.settings.base_url.rstrip('/')}/learn/{course.slug}/announcements"
    assert f'href="{link}"' in html
    assert link in text
    assert f"Hello\n{XSS}" in text
    assert "List-Unsubscribe" in mail  # an announcement is not transactional


def test_a_batch_delivered_twice_tells_nobody_twice(
    client: TestClient, db: Session, runtime: Runtime, monkeypatch: Any
) -> None:
    monkeypatch.setattr(
        runtime, "settings", runtime.settings.model_copy(update={"fanout_batch_size": 2})
    )
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    ids = enroll_many(db, course, 3)
    created = post(client, course, owner_headers)
    run_deliveries(runtime, db, created["id"])
    assert told(db, created["id"]) == sorted(ids)

    # The same batches run again (a redelivered message): nothing changes.
    for message in deliveries(db, created["id"]):
        with runtime.db.session_scope() as session:
            deliver_batch(session, dict(message.payload))
    assert told(db, created["id"]) == sorted(ids)
    assert len(queued_mails(db, created["id"])) == 3
    assert len(deliveries(db, created["id"])) == 3
    announcement = db.get(Announcement, created["id"])
    db.refresh(announcement)
    assert announcement is not None
    assert (announcement.recipient_count, announcement.delivered) == (3, True)


def test_fan_out_to_a_thousand_students_is_batched(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    assert runtime.settings.fanout_batch_size == 200
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    first = make_course(db, owner)
    enroll_many(db, first, 200)
    ids = enroll_many(db, course, 1000)

    # One batch's worth of students, for scale.
    single = run_deliveries(runtime, db, post(client, first, owner_headers)["id"])
    created = post(client, course, owner_headers)
    counts = run_deliveries(runtime, db, created["id"])

    assert len(single) == 2
    assert len(counts) == 6
    assert max(counts) == max(single), (counts, single)
    assert sum(counts) <= 5 * sum(single), (counts, single)
    assert max(counts) <= 30, counts  # a fixed number of statements, whatever the batch size

    assert told(db, created["id"]) == sorted(ids)  # everyone, exactly once (unique keys)
    mails = queued_mails(db, created["id"])
    assert len(mails) == 1000
    assert len({m.payload["to"] for m in mails}) == 1000
    announcement = db.get(Announcement, created["id"])
    db.refresh(announcement)
    assert announcement is not None
    assert (announcement.recipient_count, announcement.delivered) == (1000, True)
