"""Creating, editing and deleting courses through the API: permissions, slugs, money, safety."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.admin.audit import AuditEntry
from syllabus.catalog import authoring
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.catalog.schemas import CourseCreate, CourseUpdate
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import (
    actor_of,
    make_category,
    make_course,
    make_enrollment,
    signed_in,
)
from tests.factories import make_user

COURSES = "/api/v1/courses"
XSS = (
    "<script>alert(1)</script>\n\n"
    "<img src=x onerror=alert(1)>\n\n"
    "[x](javascript:alert(1))\n\n"
    "**bold** and [ok](https://example.com)"
)


def assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "javascript:" not in lowered.replace("[x](javascript:alert(1))", "")
    assert 'href="javascript' not in lowered
    assert " onerror=" not in lowered.replace("&lt;img src=x onerror=alert(1)&gt;", "")


# --- create ---------------------------------------------------------------------------------


def test_instructor_creates_a_draft(client: TestClient, db: Session) -> None:
    instructor, headers = signed_in(client, db)
    category = make_category(db, name="Programming")
    response = client.post(
        COURSES,
        json={
            "title": "  Python for Data Science  ",
            "subtitle": "From zero to pandas",
            "description": "Learn **Python**.",
            "category_id": category.id,
            "level": "beginner",
            "language": "en",
            "outcomes": ["Write scripts", "Use pandas"],
            "tags": ["python", "python", "data"],
            "price": {"amount": 1999, "currency": "EUR"},
            "list_price": {"amount": 4999, "currency": "EUR"},
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    course = response.json()
    assert course["id"]
    assert course["slug"] == "python-for-data-science"
    assert course["title"] == "Python for Data Science"
    assert course["status"] == "draft"
    assert course["instructor"] == {
        "id": instructor.id,
        "name": instructor.name,
        "headline": None,
        "avatar_url": None,
    }
    assert course["price"] == {"amount": 1999, "currency": "EUR"}
    assert course["list_price"] == {"amount": 4999, "currency": "EUR"}
    assert course["category"]["id"] == category.id
    assert course["description_html"] == "<p>Learn <strong>Python</strong>.</p>\n"
    assert course["tags"] == ["python", "data"]
    assert course["curriculum"] == []
    assert (course["lesson_count"], course["duration_seconds"]) == (0, 0)
    assert course["published_at"] is None


def test_free_course_by_default_and_amount_zero(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    default = client.post(COURSES, json={"title": "Free by default"}, headers=headers).json()
    assert default["price"] == {"amount": 0, "currency": "USD"}
    assert default["list_price"] is None
    zero = client.post(
        COURSES, json={"title": "Zero", "price": {"amount": 0, "currency": "INR"}}, headers=headers
    ).json()
    assert zero["price"] == {"amount": 0, "currency": "INR"}


def test_who_may_create(client: TestClient, db: Session) -> None:
    assert client.post(COURSES, json={"title": "Nope"}).status_code == 401
    _, student = signed_in(client, db, "student")
    refused = client.post(COURSES, json={"title": "Nope"}, headers=student)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_instructor"
    _, admin = signed_in(client, db, "admin")
    assert client.post(COURSES, json={"title": "Admin course"}, headers=admin).status_code == 201
    assert db.scalar(select(Course).where(Course.title == "Nope")) is None


def test_slugs_are_ascii_unique_and_stable(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    first = client.post(COURSES, json={"title": "Café: Crème Brûlée 101!"}, headers=headers)
    assert first.json()["slug"] == "cafe-creme-brulee-101"
    second = client.post(COURSES, json={"title": "Cafe creme brulee 101"}, headers=headers).json()
    assert second["slug"] != "cafe-creme-brulee-101"
    assert second["slug"].startswith("cafe-creme-brulee-101-")
    long_title = " ".join(["lengthy"] * 15)
    long_slug = client.post(COURSES, json={"title": long_title}, headers=headers).json()["slug"]
    assert len(long_slug) <= 80
    assert long_slug.startswith("lengthy-lengthy")
    assert not long_slug.endswith("-")
    symbols = client.post(COURSES, json={"title": "日本語 ★"}, headers=headers).json()
    assert symbols["slug"].startswith("course")

    course_id = first.json()["id"]
    renamed = client.patch(f"{COURSES}/{course_id}", json={"title": "Other"}, headers=headers)
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Other"
    assert renamed.json()["slug"] == "cafe-creme-brulee-101"
    # The slug works wherever a path takes {course}.
    by_slug = client.patch(
        f"{COURSES}/cafe-creme-brulee-101", json={"subtitle": "Sweet"}, headers=headers
    )
    assert by_slug.status_code == 200
    assert by_slug.json()["id"] == course_id


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"title": "x", "price": {"amount": -1, "currency": "USD"}}, "price"),
        ({"title": "x", "price": {"amount": 100, "currency": "XYZ"}}, "price"),
        ({"title": "x", "price": {"amount": 1.5, "currency": "USD"}}, "price"),
        ({"title": "x", "price": {"amount": 100}}, "price"),
        (
            {
                "title": "x",
                "price": {"amount": 100, "currency": "USD"},
                "list_price": {"amount": 200, "currency": "EUR"},
            },
            "body",
        ),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 121}, "title"),
        ({"title": "x", "subtitle": "s" * 201}, "subtitle"),
        ({"title": "x", "description": "d" * 50_001}, "description"),
        ({"title": "x", "tags": [f"t{n}" for n in range(16)]}, "tags"),
        ({"title": "x", "outcomes": ["o" * 201]}, "outcomes"),
        ({"title": "x", "level": "guru"}, "level"),
        ({"title": "x", "language": "english"}, "language"),
        ({"title": "x", "status": "published"}, "status"),
        ({"title": "x", "slug": "chosen"}, "slug"),
    ],
)
def test_malformed_courses_are_422(
    client: TestClient, db: Session, body: dict[str, object], where: str
) -> None:
    _, headers = signed_in(client, db)
    response = client.post(COURSES, json=body, headers=headers)
    assert response.status_code == 422, body
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert any(where in err["loc"] for err in problem["errors"]), problem["errors"]
    assert db.scalar(select(Course.id)) is None


def test_unknown_category_is_422(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    response = client.post(COURSES, json={"title": "x", "category_id": "nope"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_category"


def test_list_price_must_match_the_course_currency(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    course = client.post(
        COURSES,
        json={
            "title": "Priced",
            "price": {"amount": 1000, "currency": "GBP"},
            "list_price": {"amount": 3000, "currency": "GBP"},
        },
        headers=headers,
    ).json()
    url = f"{COURSES}/{course['id']}"
    mismatch = client.patch(
        url, json={"list_price": {"amount": 3000, "currency": "USD"}}, headers=headers
    )
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "currency_mismatch"
    # A new currency makes the old list price meaningless: it goes.
    moved = client.patch(url, json={"price": {"amount": 1200, "currency": "USD"}}, headers=headers)
    assert moved.json()["price"] == {"amount": 1200, "currency": "USD"}
    assert moved.json()["list_price"] is None
    cleared = client.patch(
        url, json={"list_price": {"amount": 2400, "currency": "USD"}}, headers=headers
    )
    assert cleared.json()["list_price"] == {"amount": 2400, "currency": "USD"}
    assert (
        client.patch(url, json={"list_price": None}, headers=headers).json()["list_price"] is None
    )


def test_descriptions_are_sanitised(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    created = client.post(COURSES, json={"title": "XSS", "description": XSS}, headers=headers)
    assert created.status_code == 201
    html = created.json()["description_html"]
    assert_inert(html)
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert created.json()["description"] == XSS
    patched = client.patch(
        f"{COURSES}/{created.json()['id']}",
        json={"description": "<script>alert(2)</script>"},
        headers=headers,
    )
    assert_inert(patched.json()["description_html"])


# --- edit -----------------------------------------------------------------------------------


def test_owner_and_admin_edit(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner, status="draft")
    url = f"{COURSES}/{course.id}"
    patched = client.patch(
        url,
        json={"subtitle": "New subtitle", "level": "expert", "has_certificate": False},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["subtitle"], body["level"], body["has_certificate"]) == (
        "New subtitle",
        "expert",
        False,
    )
    assert body["title"] == course.title, "fields left out stay as they were"
    _, admin = signed_in(client, db, "admin")
    by_admin = client.patch(url, json={"title": "Fixed by admin"}, headers=admin)
    assert by_admin.status_code == 200
    assert by_admin.json()["title"] == "Fixed by admin"


def test_others_cannot_edit(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    draft = make_course(db, owner, status="draft")
    published = make_course(db, owner, status="published")
    _, other = signed_in(client, db)
    hidden = client.patch(f"{COURSES}/{draft.id}", json={"title": "Mine"}, headers=other)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "course_not_found"
    hidden_by_slug = client.patch(f"{COURSES}/{draft.slug}", json={"title": "M"}, headers=other)
    assert hidden_by_slug.status_code == 404
    public = client.patch(f"{COURSES}/{published.id}", json={"title": "Mine"}, headers=other)
    assert public.status_code == 403
    assert public.json()["code"] == "not_course_owner"
    assert client.patch(f"{COURSES}/{draft.id}", json={"title": "x"}).status_code == 401
    _, student = signed_in(client, db, "student")
    assert (
        client.patch(f"{COURSES}/{published.id}", json={"title": "x"}, headers=student).status_code
        == 403
    )
    assert client.patch(f"{COURSES}/nope", json={"title": "x"}, headers=other).status_code == 404
    db.expire_all()
    assert db.get(Course, draft.id).title == draft.title  # type: ignore[union-attr]
    assert db.get(Course, published.id).title == published.title  # type: ignore[union-attr]


def test_editing_a_published_course_keeps_it_published(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner)
    response = client.patch(f"{COURSES}/{course.id}", json={"title": "Live edit"}, headers=headers)
    assert response.json()["status"] == "published"
    assert response.json()["title"] == "Live edit"
    db.expire_all()
    assert db.get(Course, course.id).revision == 2  # type: ignore[union-attr]


def test_course_edit_invalidates_the_cache_after_commit(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner)
    other = make_course(db, owner)
    namespace = f"course:{course.id}"
    before = runtime.cache.version(namespace)
    lists = runtime.cache.version("catalog:lists")

    bad = client.patch(f"{COURSES}/{course.id}", json={"title": ""}, headers=headers)
    assert bad.status_code == 422
    refused = client.patch(f"{COURSES}/{course.id}", json={"category_id": "x"}, headers=headers)
    assert refused.status_code == 422
    assert runtime.cache.version(namespace) == before, "a failed request invalidates nothing"

    assert client.patch(f"{COURSES}/{course.id}", json={"title": "New"}, headers=headers).is_success
    assert runtime.cache.version(namespace) > before
    assert runtime.cache.version("catalog:lists") > lists, "a published course shows in lists"
    assert runtime.cache.version(f"course:{other.id}") == 0, "other courses stay cached"


def test_cache_is_invalidated_only_when_the_change_commits(db: Session, runtime: Runtime) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, status="draft")
    namespace = f"course:{course.id}"
    actor = actor_of(owner)
    with runtime.db.session_scope() as session:
        authoring.update_course(session, runtime, actor, course.id, CourseUpdate(title="One"))
        session.flush()
        assert runtime.cache.version(namespace) == 0, "not before the commit"
    assert runtime.cache.version(namespace) == 1
    assert runtime.cache.version("catalog:lists") == 0, "a draft is in no list"

    def failing_request() -> None:
        with runtime.db.session_scope() as session:
            authoring.update_course(session, runtime, actor, course.id, CourseUpdate(title="Two"))
            raise RuntimeError("the request failed later")

    with pytest.raises(RuntimeError, match="failed later"):
        failing_request()
    assert runtime.cache.version(namespace) == 1, "a rolled-back change invalidates nothing"


# --- delete ---------------------------------------------------------------------------------


def test_owner_deletes_a_course_without_enrollments(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    course_id = make_course(db, owner, status="draft").id
    response = client.delete(f"{COURSES}/{course_id}", headers=headers)
    assert response.status_code == 204
    assert response.content == b""
    db.expire_all()
    assert db.get(Course, course_id) is None
    assert db.scalars(select(Section).where(Section.course_id == course_id)).all() == []
    assert db.scalars(select(Lesson).where(Lesson.course_id == course_id)).all() == []
    assert client.delete(f"{COURSES}/{course_id}", headers=headers).status_code == 404


def test_a_course_with_enrollments_is_archived(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner)
    make_enrollment(db, make_user(db), course)
    assert client.delete(f"{COURSES}/{course.slug}", headers=headers).status_code == 204
    db.expire_all()
    kept = db.get(Course, course.id)
    assert kept is not None
    assert kept.status == "archived"
    assert kept.lesson_count == 3


def test_who_may_delete(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    draft = make_course(db, owner, status="draft")
    published = make_course(db, owner)
    published_id = published.id
    _, other = signed_in(client, db)
    assert client.delete(f"{COURSES}/{draft.id}").status_code == 401
    assert client.delete(f"{COURSES}/{draft.id}", headers=other).status_code == 404
    assert client.delete(f"{COURSES}/{published.id}", headers=other).status_code == 403
    admin, admin_headers = signed_in(client, db, "admin")
    assert client.delete(f"{COURSES}/{published.id}", headers=admin_headers).status_code == 204
    db.expire_all()
    assert db.get(Course, draft.id) is not None
    assert db.get(Course, published_id) is None
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.target_id == published_id))
    assert (entry.actor_id, entry.action, entry.before) == (
        admin.id,
        "course.deleted",
        {"status": "published"},
    )


def test_admin_delete_route(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    make_enrollment(db, make_user(db), course)
    _, instructor = signed_in(client, db)
    refused = client.delete(f"/api/v1/admin/courses/{course.id}", headers=instructor)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_admin"
    _, admin = signed_in(client, db, "admin")
    assert client.delete(f"/api/v1/admin/courses/{course.id}", headers=admin).status_code == 204
    db.expire_all()
    assert db.get(Course, course.id).status == "archived"  # type: ignore[union-attr]
    assert client.delete("/api/v1/admin/courses/nope", headers=admin).status_code == 404


# --- the studio list ------------------------------------------------------------------------


def test_instructor_lists_own_courses_of_every_status(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    mine = [make_course(db, owner, status=s) for s in ("draft", "in_review", "published")]
    make_course(db, make_user(db, role="instructor"))
    listed = client.get("/api/v1/instructor/courses", headers=headers).json()
    assert listed["total"] == 3
    assert (listed["page"], listed["page_size"]) == (1, 20)
    assert {item["id"] for item in listed["items"]} == {c.id for c in mine}
    assert {item["status"] for item in listed["items"]} == {"draft", "in_review", "published"}
    page = client.get("/api/v1/instructor/courses?page=2&page_size=2", headers=headers).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    _, student = signed_in(client, db, "student")
    assert client.get("/api/v1/instructor/courses", headers=student).status_code == 403
    assert client.get("/api/v1/instructor/courses").status_code == 401


def test_a_slug_taken_concurrently_costs_a_retry(
    db: Session, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = make_user(db, role="instructor")
    taken = make_course(db, owner, title="Same title")
    taken.slug = "same-title"
    db.commit()
    checks: list[str] = []

    def racing_slug_taken(session: Session, slug: str) -> bool:
        # The first check misses the row, as if another request inserted it meanwhile.
        checks.append(slug)
        return len(checks) > 1 and slug == "same-title"

    monkeypatch.setattr("syllabus.catalog.repository.slug_taken", racing_slug_taken)
    with runtime.db.session_scope() as session:
        course = authoring.create_course(
            session, runtime, actor_of(owner), CourseCreate(title="Same title")
        )
        slug = course.slug
    assert slug.startswith("same-title-")
    assert checks[:2] == ["same-title", "same-title"], "the insert failed once, then retried"
    db.expire_all()
    assert db.scalar(select(Course.id).where(Course.slug == slug)) is not None
