"""Course reviews: who may do what, exact rating aggregates, pages and sorts, escaping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.catalog.models import Course
from syllabus.community.models import Review
from syllabus.community.reviews import refresh_rating
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import get_runtime
from tests.catalog.factories import make_course, make_enrollment, signed_in
from tests.factories import make_user
from tests.web.test_account_pages import csrf_of, web_login

API = "/api/v1"
XSS = "<script>alert(1)</script>"


def enrolled_student(
    client: TestClient, db: Session, course: Course
) -> tuple[User, dict[str, str]]:
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    return student, headers


def post_review(
    client: TestClient, course: Course, headers: dict[str, str], rating: int, body: str = ""
) -> dict[str, Any]:
    response = client.post(
        f"{API}/courses/{course.id}/reviews",
        json={"rating": rating, "body": body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def aggregates(db: Session, course: Course) -> tuple[float, int, int, dict[str, int]]:
    db.expire_all()
    row = db.execute(
        select(
            Course.rating_avg, Course.rating_count, Course.rating_sum, Course.rating_histogram
        ).where(Course.id == course.id)
    ).one()
    return round(row[0], 4), row[1], row[2], dict(row[3])


def hist(**counts: int) -> dict[str, int]:
    return {str(r): counts.get(f"r{r}", 0) for r in (5, 4, 3, 2, 1)}


def summary(client: TestClient, course: Course) -> dict[str, Any]:
    response = client.get(f"{API}/courses/{course.slug}/reviews")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["summary"]
    return data


# ------------------------------------------------------------------ create


def test_an_enrolled_student_reviews_once(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    student, headers = enrolled_student(client, db, course)

    body = post_review(client, course, headers, 4, "  Clear and practical.  ")
    assert body["course_id"] == course.id
    assert body["rating"] == 4
    assert body["body"] == "Clear and practical."
    assert body["author"] == {"id": student.id, "name": student.name}
    assert body["reply"] is None
    assert all(body[key] for key in ("id", "created_at", "updated_at"))

    again = client.post(
        f"{API}/courses/{course.slug}/reviews", json={"rating": 5, "body": ""}, headers=headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "review_exists")


def test_who_may_not_review(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    url = f"{API}/courses/{course.id}/reviews"
    review = {"rating": 5, "body": "Great"}

    _, stranger = signed_in(client, db, "student")
    refused = client.post(url, json=review, headers=stranger)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_enrolled")

    revoked, revoked_headers = signed_in(client, db, "student")
    make_enrollment(db, revoked, course, status="revoked")
    assert client.post(url, json=review, headers=revoked_headers).status_code == 403

    assert client.post(url, json=review).status_code == 401
    unknown = client.post(f"{API}/courses/nope/reviews", json=review, headers=stranger)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "course_not_found")

    _, headers = enrolled_student(client, db, course)
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": 5, "body": "x" * 5001}, {"body": "x"}):
        assert client.post(url, json=bad, headers=headers).status_code == 422, bad
    assert db.scalars(select(Review).where(Review.course_id == course.id)).all() == []


# ------------------------------------------------------------- permissions


def test_only_the_author_or_an_admin_edits_or_deletes(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, author = enrolled_student(client, db, course)
    _, other = enrolled_student(client, db, course)
    _, admin = signed_in(client, db, "admin")
    review = post_review(client, course, author, 2, "Too fast")
    url = f"{API}/reviews/{review['id']}"

    for headers in (other, owner_headers):
        patched = client.patch(url, json={"rating": 5}, headers=headers)
        assert (patched.status_code, patched.json()["code"]) == (403, "not_review_author")
        deleted = client.delete(url, headers=headers)
        assert (deleted.status_code, deleted.json()["code"]) == (403, "not_review_author")
    assert client.patch(url, json={"rating": 5}).status_code == 401
    assert (
        client.patch(f"{API}/reviews/nope", json={"rating": 5}, headers=author).status_code == 404
    )

    edited = client.patch(url, json={"rating": 3, "body": "Fast, but fine"}, headers=author)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["rating"], edited.json()["body"]) == (3, "Fast, but fine")
    by_admin = client.patch(url, json={"body": "Edited by staff"}, headers=admin)
    assert (by_admin.status_code, by_admin.json()["rating"]) == (200, 3)
    assert by_admin.json()["body"] == "Edited by staff"

    assert client.delete(url, headers=author).status_code == 204
    assert client.delete(url, headers=author).status_code == 404

    second = post_review(client, course, other, 5)
    assert client.delete(f"{API}/reviews/{second['id']}", headers=admin).status_code == 204


def test_only_the_course_owner_replies(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, author = enrolled_student(client, db, course)
    _, another_instructor = signed_in(client, db, "instructor")
    _, admin = signed_in(client, db, "admin")
    review = post_review(client, course, author, 4)
    url = f"{API}/reviews/{review['id']}/reply"

    for headers in (author, another_instructor, admin):
        refused = client.post(url, json={"body": "Thanks"}, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_course_owner")

    assert "Instructor reply" not in client.get(f"/courses/{course.slug}").text  # now cached
    first = client.post(url, json={"body": "Thanks!"}, headers=owner_headers)
    assert (first.status_code, first.json()["reply"]) == (201, "Thanks!")
    second = client.post(url, json={"body": "Thanks, fixed now."}, headers=owner_headers)
    assert (second.status_code, second.json()["reply"]) == (201, "Thanks, fixed now.")
    items = client.get(f"{API}/courses/{course.id}/reviews").json()["items"]
    assert items[0]["reply"] == "Thanks, fixed now."
    assert "Thanks, fixed now." in client.get(f"/courses/{course.slug}").text
    assert client.post(url, json={"body": "  "}, headers=owner_headers).status_code == 422


def test_only_an_admin_hides_and_hidden_reviews_are_gone(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, author = enrolled_student(client, db, course)
    _, other = enrolled_student(client, db, course)
    admin_user, admin = signed_in(client, db, "admin")
    review = post_review(client, course, author, 1, "abusive words")
    post_review(client, course, other, 5)
    hide = f"{API}/admin/reviews/{review['id']}/hide"

    for headers in (author, other, owner_headers):
        refused = client.post(hide, json={"reason": "abuse"}, headers=headers)
        assert refused.status_code == 403
    assert client.post(hide, json={"reason": "abuse"}).status_code == 401

    hidden = client.post(hide, json={"reason": "Insults the instructor"}, headers=admin)
    assert hidden.status_code == 200, hidden.text
    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_id == review["id"])).one()
    assert (entry.action, entry.actor_id, entry.reason) == (
        "review.hide",
        admin_user.id,
        "Insults the instructor",
    )

    listed = client.get(f"{API}/courses/{course.id}/reviews").json()
    assert [item["rating"] for item in listed["items"]] == [5]
    assert listed["total"] == 1
    # Others see a hidden review as unknown; its author still owns it.
    url = f"{API}/reviews/{review['id']}"
    assert client.patch(url, json={"rating": 5}, headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    reply = client.post(f"{url}/reply", json={"body": "Hi"}, headers=owner_headers)
    assert (reply.status_code, reply.json()["code"]) == (404, "review_not_found")
    assert client.patch(url, json={"rating": 2}, headers=author).status_code == 200
    assert aggregates(db, course)[:2] == (5.0, 1)
    assert summary(client, course)["count"] == 1


# -------------------------------------------------------------- aggregates


def test_aggregates_stay_exact(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    _, admin = signed_in(client, db, "admin")
    students = [enrolled_student(client, db, course)[1] for _ in range(3)]
    assert aggregates(db, course) == (0.0, 0, 0, {})

    a = post_review(client, course, students[0], 5)
    b = post_review(client, course, students[1], 4)
    c = post_review(client, course, students[2], 1)
    assert aggregates(db, course) == (round(10 / 3, 4), 3, 10, hist(r5=1, r4=1, r1=1))
    assert summary(client, course) == {
        "average": 3.33,
        "count": 3,
        "distribution": hist(r5=1, r4=1, r1=1),
    }
    # The public course detail (cached) shows the new rating once the write commits.
    detail = client.get(f"{API}/courses/{course.slug}").json()["rating"]
    assert (detail["average"], detail["count"]) == (3.33, 3)

    client.patch(f"{API}/reviews/{c['id']}", json={"rating": 3}, headers=students[2])
    assert aggregates(db, course) == (4.0, 3, 12, hist(r5=1, r4=1, r3=1))
    assert summary(client, course)["distribution"] == hist(r5=1, r4=1, r3=1)

    client.delete(f"{API}/reviews/{b['id']}", headers=students[1])
    assert aggregates(db, course) == (4.0, 2, 8, hist(r5=1, r3=1))

    client.post(f"{API}/admin/reviews/{a['id']}/hide", json={"reason": "spam"}, headers=admin)
    assert aggregates(db, course) == (3.0, 1, 3, hist(r3=1))
    assert summary(client, course) == {"average": 3.0, "count": 1, "distribution": hist(r3=1)}
    detail = client.get(f"{API}/courses/{course.slug}").json()["rating"]
    assert (detail["average"], detail["count"]) == (3.0, 1)

    client.delete(f"{API}/reviews/{c['id']}", headers=students[2])
    assert aggregates(db, course) == (0.0, 0, 0, hist())


# ------------------------------------------------------- listing and sorts


def test_pages_and_sorts(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    ratings = [3, 5, 1, 4, 2]
    now = utcnow()
    for i, rating in enumerate(ratings):
        student = make_user(db)
        make_enrollment(db, student, course)
        db.add(
            Review(
                course_id=course.id,
                user_id=student.id,
                rating=rating,
                body=f"review {i}",
                helpful_count=[0, 2, 9, 1, 5][i],
                created_at=now - timedelta(hours=10 - i),
            )
        )
    db.flush()
    refresh_rating(db, get_runtime(), course.id)  # as the review service keeps it
    db.commit()
    url = f"{API}/courses/{course.slug}/reviews"

    def bodies(sort: str, **params: Any) -> list[str]:
        response = client.get(url, params={"sort": sort, **params})
        assert response.status_code == 200, response.text
        return [item["body"] for item in response.json()["items"]]

    assert bodies("newest") == ["review 4", "review 3", "review 2", "review 1", "review 0"]
    assert bodies("highest") == ["review 1", "review 3", "review 0", "review 4", "review 2"]
    assert bodies("lowest") == ["review 2", "review 4", "review 0", "review 3", "review 1"]
    assert bodies("helpful") == ["review 2", "review 4", "review 1", "review 3", "review 0"]
    assert client.get(url, params={"sort": "random"}).status_code == 422

    first = client.get(url, params={"page": 1, "page_size": 2}).json()
    assert (first["total"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [item["body"] for item in first["items"]] == ["review 4", "review 3"]
    assert bodies("newest", page=3, page_size=2) == ["review 0"]
    assert bodies("newest", page=4, page_size=2) == []
    assert first["summary"]["distribution"] == hist(r5=1, r4=1, r3=1, r2=1, r1=1)


def test_unpublished_courses_have_no_review_list(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    draft = make_course(db, owner, status="draft")
    assert client.get(f"{API}/courses/{draft.id}/reviews").status_code == 404
    assert client.get(f"{API}/courses/nope/reviews").status_code == 404


# ------------------------------------------------------------------ escaping


def test_markup_is_kept_as_text_and_escaped_on_the_page(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    _, headers = enrolled_student(client, db, course)
    review = post_review(client, course, headers, 5, XSS)
    assert review["body"] == XSS
    listed = client.get(f"{API}/courses/{course.id}/reviews").json()["items"]
    assert listed[0]["body"] == XSS

    page = client.get(f"/courses/{course.slug}")
    assert page.status_code == 200
    assert XSS not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


# ---------------------------------------------------------------------- page


def test_a_student_reviews_from_the_course_page(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    student = make_user(db)
    make_enrollment(db, student, course)
    web_login(client, student.email)

    page = client.get(f"/courses/{course.slug}")
    assert f'action="/courses/{course.slug}/reviews"' in page.text
    token = csrf_of(page)
    posted = client.post(
        f"/courses/{course.slug}/reviews",
        data={"rating": "4", "body": "Loved the <b>examples</b>", "csrf_token": token},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/courses/{course.slug}#reviews"

    page = client.get(f"/courses/{course.slug}")
    assert "Your review is posted" in page.text
    assert "Loved the &lt;b&gt;examples&lt;/b&gt;" in page.text
    assert f'action="/courses/{course.slug}/reviews"' not in page.text  # no second form
    review = db.scalars(select(Review).where(Review.user_id == student.id)).one()
    assert (review.rating, review.body) == (4, "Loved the <b>examples</b>")
    assert aggregates(db, course)[:2] == (4.0, 1)

    edited = client.post(
        f"/reviews/{review.id}/edit",
        data={"rating": "2", "body": "Second thoughts", "csrf_token": token},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert "Second thoughts" in client.get(f"/courses/{course.slug}").text
    assert aggregates(db, course)[:2] == (2.0, 1)

    no_token = client.post(f"/reviews/{review.id}/delete", follow_redirects=False)
    assert no_token.status_code == 403
    deleted = client.post(
        f"/reviews/{review.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert db.scalars(select(Review).where(Review.user_id == student.id)).all() == []
    assert aggregates(db, course)[:2] == (0.0, 0)


def test_the_review_form_is_for_enrolled_students_only(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    form = f'action="/courses/{course.slug}/reviews"'
    assert form not in client.get(f"/courses/{course.slug}").text
    stranger = make_user(db)
    web_login(client, stranger.email)
    page = client.get(f"/courses/{course.slug}")
    assert form not in page.text
    refused = client.post(
        f"/courses/{course.slug}/reviews",
        data={"rating": "5", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert "Enroll in this course to review it" in client.get(f"/courses/{course.slug}").text
    assert db.scalars(select(Review).where(Review.course_id == course.id)).all() == []
