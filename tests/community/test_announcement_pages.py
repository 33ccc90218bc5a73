"""Announcement pages: the studio tab (form and past posts), the students' list, escaping."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.community.models import Announcement
from tests.catalog.factories import make_course, make_enrollment
from tests.community.test_announcements import ESCAPED, XSS
from tests.factories import make_user
from tests.web.test_account_pages import csrf_of, web_login


def sign_in(client: TestClient, user: User) -> None:
    client.cookies.clear()
    web_login(client, user.email)


def studio_url(course: Course) -> str:
    return f"/studio/courses/{course.id}/announcements"


def add_announcement(db: Session, course: Course, author: User, title: str, body: str) -> None:
    db.add(Announcement(course_id=course.id, author_id=author.id, title=title, body=body))
    db.commit()


# ------------------------------------------------------------------ studio


def test_the_owner_posts_from_the_studio(client: TestClient, db: Session, run_jobs: Any) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    for _ in range(2):
        make_enrollment(db, make_user(db), course)
    sign_in(client, owner)

    details = client.get(f"/studio/courses/{course.id}").text
    assert f'href="{studio_url(course)}"' in details
    page = client.get(studio_url(course))
    assert page.status_code == 200
    assert f'action="{studio_url(course)}"' in page.text
    assert "No announcements yet." in page.text
    assert 'aria-current="page">Announcements</a>' in page.text
    token = csrf_of(page)

    assert client.post(studio_url(course), data={"title": "x", "body": "y"}).status_code == 403
    posted = client.post(
        studio_url(course),
        data={"title": XSS, "body": f"First line\n{XSS}", "csrf_token": token},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == studio_url(course)
    page = client.get(studio_url(course)).text
    assert "Your announcement is on its way" in page
    assert XSS not in page
    assert ESCAPED in page
    assert f"First line\n{ESCAPED}" in page  # newlines kept (shown with pre-line)
    assert "Delivering…" in page

    while run_jobs():
        pass
    assert "Sent to 2 students" in client.get(studio_url(course)).text


def test_an_invalid_announcement_is_shown_again_with_errors(
    client: TestClient, db: Session
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    sign_in(client, owner)
    token = csrf_of(client.get(studio_url(course)))
    refused = client.post(
        studio_url(course), data={"title": "   ", "body": "Kept text", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "The announcement was not sent" in refused.text
    assert "Kept text" in refused.text
    too_long = client.post(
        studio_url(course), data={"title": "x" * 201, "body": "y", "csrf_token": token}
    )
    assert too_long.status_code == 422
    assert db.scalars(select(Announcement).where(Announcement.course_id == course.id)).all() == []


def test_only_the_owner_uses_the_studio_tab(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    draft = make_course(db, owner, status="draft")

    assert client.get(studio_url(course), follow_redirects=False).status_code == 303  # log in
    student = make_user(db)
    make_enrollment(db, student, course)
    sign_in(client, student)
    assert client.get(studio_url(course)).status_code == 403
    token = csrf_of(client.get(f"/courses/{course.slug}"))
    refused = client.post(studio_url(course), data={"title": "t", "body": "b", "csrf_token": token})
    assert refused.status_code == 403

    sign_in(client, make_user(db, role="instructor"))
    assert client.get(studio_url(course)).status_code == 403
    assert client.get(studio_url(draft)).status_code == 404
    token = csrf_of(client.get(f"/courses/{course.slug}"))
    refused = client.post(studio_url(course), data={"title": "t", "body": "b", "csrf_token": token})
    assert refused.status_code == 403
    assert db.scalars(select(Announcement)).all() == []

    sign_in(client, make_user(db, role="admin"))
    assert client.get(studio_url(course)).status_code == 200


# ---------------------------------------------------------------- students


def test_enrolled_students_read_the_announcements(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor", name="Olga Owner")
    course = make_course(db, owner)
    add_announcement(db, course, owner, "Older news", "Old")
    add_announcement(db, course, owner, XSS, f"Line one\n{XSS}")
    student = make_user(db)
    make_enrollment(db, student, course)
    sign_in(client, student)
    url = f"/learn/{course.slug}/announcements"

    page = client.get(url)
    assert page.status_code == 200
    assert XSS not in page.text
    assert ESCAPED in page.text
    assert f"Line one\n{ESCAPED}" in page.text
    assert page.text.index(ESCAPED) < page.text.index("Older news")  # newest first
    assert "Olga Owner" in page.text

    lesson = db.scalars(select(Lesson).where(Lesson.course_id == course.id)).first()
    assert lesson is not None
    player = client.get(f"/learn/{course.slug}/lessons/{lesson.id}").text
    assert f'href="{url}"' in player
    by_id = client.get(f"/learn/{course.id}/announcements", follow_redirects=False)
    assert (by_id.status_code, by_id.headers["location"]) == (303, url)


def test_an_empty_list_says_so(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    sign_in(client, owner)  # the owner previews the students' page
    page = client.get(f"/learn/{course.slug}/announcements")
    assert page.status_code == 200
    assert "No announcements yet" in page.text


def test_who_may_not_read_the_students_page(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    draft = make_course(db, owner, status="draft")
    url = f"/learn/{course.slug}/announcements"

    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")
    stranger = make_user(db)
    sign_in(client, stranger)
    refused = client.get(url, follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, f"/courses/{course.slug}")
    assert "Enroll in this course" in client.get(refused.headers["location"]).text
    revoked = make_user(db)
    make_enrollment(db, revoked, course, status="revoked")
    sign_in(client, revoked)
    assert client.get(url, follow_redirects=False).status_code == 303
    assert client.get(f"/learn/{draft.slug}/announcements").status_code == 404
    assert client.get("/learn/nope/announcements").status_code == 404
