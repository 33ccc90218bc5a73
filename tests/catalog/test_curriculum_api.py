"""Sections and lessons: building, ordering, moving, and the course aggregates they maintain."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.catalog import reads
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.catalog.test_courses_api import XSS, assert_inert
from tests.factories import make_user

API = "/api/v1"


def new_course(client: TestClient, headers: dict[str, str], title: str = "Builder") -> str:
    response = client.post(f"{API}/courses", json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    course_id: str = response.json()["id"]
    return course_id


def add_section(client: TestClient, headers: dict[str, str], course: str, title: str) -> str:
    response = client.post(
        f"{API}/courses/{course}/sections", json={"title": title}, headers=headers
    )
    assert response.status_code == 201, response.text
    section_id: str = response.json()["id"]
    return section_id


def add_lesson(
    client: TestClient, headers: dict[str, str], section: str, title: str, **fields: Any
) -> dict[str, Any]:
    body = {"title": title, "kind": "text", **fields}
    response = client.post(f"{API}/sections/{section}/lessons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    lesson: dict[str, Any] = response.json()
    return lesson


def outline(db: Session, course: str) -> list[tuple[str, list[str]]]:
    """(section title, [lesson titles]) in order, as the course detail shows them."""
    db.expire_all()
    curriculum = reads.load_curriculum(db.connection(), course)
    return [(s.title, [x.title for x in s.lessons]) for s in curriculum]


def totals(db: Session, course_id: str) -> tuple[int, int]:
    db.expire_all()
    course = db.get(Course, course_id)
    assert course is not None
    return course.lesson_count, course.duration_seconds


# --- sections and lessons ---------------------------------------------------------------------


def test_building_a_curriculum(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    course = new_course(client, headers)
    response = client.post(
        f"{API}/courses/{course}/sections", json={"title": "Basics"}, headers=headers
    )
    assert response.status_code == 201
    section = response.json()
    assert section == {"id": section["id"], "title": "Basics", "position": 0, "lessons": []}
    second = add_section(client, headers, course, "Advanced")

    lesson = add_lesson(
        client,
        headers,
        section["id"],
        "Hello",
        body="# Hi\n\nSome *text*.",
        duration_seconds=120,
        is_preview=True,
    )
    assert lesson["id"]
    assert (lesson["course_id"], lesson["section_id"]) == (course, section["id"])
    assert (lesson["kind"], lesson["position"], lesson["is_preview"]) == ("text", 0, True)
    assert lesson["body"] == "# Hi\n\nSome *text*."
    assert "<em>text</em>" in lesson["body_html"]
    add_lesson(client, headers, section["id"], "Second", duration_seconds=60)
    third = add_lesson(client, headers, second, "Third", kind="video", duration_seconds=600)
    assert third["position"] == 0
    assert totals(db, course) == (3, 780)

    patched = client.patch(f"{API}/sections/{second}", json={"title": "Expert"}, headers=headers)
    assert patched.status_code == 200
    assert patched.json()["title"] == "Expert"
    assert [x["title"] for x in patched.json()["lessons"]] == ["Third"]
    assert outline(db, course) == [
        ("Basics", ["Hello", "Second"]),
        ("Expert", ["Third"]),
    ]


def test_lesson_updates_and_aggregates(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    course = new_course(client, headers)
    section = add_section(client, headers, course, "S")
    lesson = add_lesson(client, headers, section, "L", duration_seconds=100)
    other = add_lesson(client, headers, section, "M", duration_seconds=50)
    assert totals(db, course) == (2, 150)

    url = f"{API}/lessons/{lesson['id']}"
    patched = client.patch(
        url, json={"title": "L2", "duration_seconds": 400, "body": XSS}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "L2"
    assert_inert(patched.json()["body_html"])
    assert totals(db, course) == (2, 450)

    drip = client.patch(url, json={"drip_days": 7}, headers=headers).json()
    assert (drip["drip_days"], drip["drip_date"]) == (7, None)
    dated = client.patch(url, json={"drip_date": "2030-01-01T09:00:00"}, headers=headers).json()
    assert dated["drip_days"] is None
    assert dated["drip_date"].startswith("2030-01-01T09:00:00")
    cleared = client.patch(url, json={"clear_drip": True}, headers=headers).json()
    assert (cleared["drip_days"], cleared["drip_date"]) == (None, None)
    both = client.patch(
        url, json={"drip_days": 1, "drip_date": "2030-01-01T00:00:00Z"}, headers=headers
    )
    assert both.status_code == 422

    assert client.delete(url, headers=headers).status_code == 204
    assert totals(db, course) == (1, 50)
    db.expire_all()
    remaining = db.get(Lesson, other["id"])
    assert remaining is not None
    assert remaining.position == 0, "positions close the gap"
    assert client.patch(url, json={"title": "gone"}, headers=headers).status_code == 404


def test_text_lesson_bodies_are_sanitised(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    section = add_section(client, headers, new_course(client, headers), "S")
    lesson = add_lesson(client, headers, section, "XSS", body=XSS)
    assert lesson["body"] == XSS
    assert_inert(lesson["body_html"])
    assert "<strong>bold</strong>" in lesson["body_html"]


def test_deleting_a_section_deletes_its_lessons(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    course = new_course(client, headers)
    first = add_section(client, headers, course, "First")
    second = add_section(client, headers, course, "Second")
    add_lesson(client, headers, first, "A", duration_seconds=10)
    add_lesson(client, headers, first, "B", duration_seconds=20)
    add_lesson(client, headers, second, "C", duration_seconds=40)
    assert totals(db, course) == (3, 70)
    assert client.delete(f"{API}/sections/{first}", headers=headers).status_code == 204
    assert totals(db, course) == (1, 40)
    assert db.scalars(select(Lesson.title).where(Lesson.section_id == first)).all() == []
    kept = db.get(Section, second)
    assert kept is not None
    assert kept.position == 0
    assert client.delete(f"{API}/sections/{first}", headers=headers).status_code == 404


def test_malformed_curriculum_input_is_422(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    course = new_course(client, headers)
    section = add_section(client, headers, course, "S")
    lesson = add_lesson(client, headers, section, "L")
    for body in ({}, {"title": ""}, {"title": "t" * 121}, {"title": "x", "position": 3}):
        response = client.post(f"{API}/courses/{course}/sections", json=body, headers=headers)
        assert response.status_code == 422, body
    for body in (
        {"title": "x"},
        {"title": "x", "kind": "podcast"},
        {"title": "x", "kind": "text", "duration_seconds": -1},
        {"title": "x", "kind": "text", "duration_seconds": 24 * 3600 + 1},
        {"title": "x", "kind": "text", "body": "b" * 50_001},
        {"title": "x", "kind": "text", "drip_days": 3651},
        {"title": "x", "kind": "text", "drip_days": 1, "drip_date": "2030-01-01T00:00:00Z"},
    ):
        response = client.post(f"{API}/sections/{section}/lessons", json=body, headers=headers)
        assert response.status_code == 422, body
    assert (
        client.patch(
            f"{API}/lessons/{lesson['id']}", json={"kind": "video"}, headers=headers
        ).status_code
        == 422
    )
    assert totals(db, course) == (1, 0)


def test_others_cannot_touch_the_curriculum(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    draft = make_course(db, owner, status="draft")
    published = make_course(db, owner)
    db.expire_all()
    draft_section = db.scalars(select(Section.id).where(Section.course_id == draft.id)).one()
    draft_lesson = db.scalars(select(Lesson.id).where(Lesson.course_id == draft.id)).first()
    public_section = db.scalars(select(Section.id).where(Section.course_id == published.id)).one()
    public_lesson = db.scalars(select(Lesson.id).where(Lesson.course_id == published.id)).first()
    _, other = signed_in(client, db)
    cases = [
        ("POST", f"{API}/courses/{{course}}/sections", {"title": "x"}),
        ("PATCH", f"{API}/sections/{{section}}", {"title": "x"}),
        ("DELETE", f"{API}/sections/{{section}}", None),
        ("POST", f"{API}/sections/{{section}}/move", {"direction": "up"}),
        ("POST", f"{API}/sections/{{section}}/lessons", {"title": "x", "kind": "text"}),
        ("PATCH", f"{API}/lessons/{{lesson}}", {"title": "x"}),
        ("DELETE", f"{API}/lessons/{{lesson}}", None),
        ("POST", f"{API}/lessons/{{lesson}}/move", {"direction": "down"}),
        ("PUT", f"{API}/courses/{{course}}/curriculum", {"sections": []}),
    ]
    for method, template, body in cases:
        for course, section, lesson, expected in (
            (draft.id, draft_section, draft_lesson, 404),
            (published.id, public_section, public_lesson, 403),
        ):
            url = template.format(course=course, section=section, lesson=lesson)
            response = client.request(method, url, json=body, headers=other)
            assert response.status_code == expected, (method, url, response.text)
            assert client.request(method, url, json=body).status_code == 401
    assert totals(db, draft.id) == (3, 900)
    assert totals(db, published.id) == (3, 900)
    _, admin = signed_in(client, db, "admin")
    response = client.post(
        f"{API}/sections/{public_section}/lessons",
        json={"title": "x", "kind": "text"},
        headers=admin,
    )
    assert response.status_code == 201


# --- ordering ----------------------------------------------------------------------------------


def test_reorder_moves_lessons_across_sections(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, headers = signed_in(client, db)
    course = new_course(client, headers)
    s1 = add_section(client, headers, course, "One")
    s2 = add_section(client, headers, course, "Two")
    a = add_lesson(client, headers, s1, "A")["id"]
    b = add_lesson(client, headers, s1, "B")["id"]
    c = add_lesson(client, headers, s2, "C")["id"]
    version = runtime.cache.version(f"course:{course}")
    body = {"sections": [{"id": s2, "lessons": [c, a]}, {"id": s1, "lessons": [b]}]}
    response = client.put(f"{API}/courses/{course}/curriculum", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["course_id"] == course
    assert [(s["id"], s["position"]) for s in result["sections"]] == [(s2, 0), (s1, 1)]
    assert [(x["id"], x["position"]) for x in result["sections"][0]["lessons"]] == [(c, 0), (a, 1)]
    assert [x["id"] for x in result["sections"][1]["lessons"]] == [b]
    db.expire_all()
    assert db.get(Lesson, a).section_id == s2  # type: ignore[union-attr]
    assert runtime.cache.version(f"course:{course}") > version


def test_mismatched_reorder_is_422_and_changes_nothing(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    course = new_course(client, headers)
    s1 = add_section(client, headers, course, "One")
    s2 = add_section(client, headers, course, "Two")
    a = add_lesson(client, headers, s1, "A")["id"]
    b = add_lesson(client, headers, s2, "B")["id"]
    before = outline(db, course)
    other_course = make_course(db, make_user(db, role="instructor"))
    stranger = db.scalars(select(Lesson.id).where(Lesson.course_id == other_course.id)).first()
    for sections in (
        [{"id": s1, "lessons": [a, b]}],  # a section left out
        [{"id": s1, "lessons": [a]}, {"id": s2, "lessons": []}],  # a lesson left out
        [{"id": s1, "lessons": [a, a]}, {"id": s2, "lessons": [b]}],  # a lesson twice
        [{"id": s1, "lessons": [a]}, {"id": s1, "lessons": [b]}],  # a section twice
        [{"id": s1, "lessons": [a, stranger]}, {"id": s2, "lessons": [b]}],  # not ours
        [{"id": s1, "lessons": [a]}, {"id": s2, "lessons": [b]}, {"id": "x", "lessons": []}],
    ):
        response = client.put(
            f"{API}/courses/{course}/curriculum", json={"sections": sections}, headers=headers
        )
        assert response.status_code == 422, sections
        assert response.json()["code"] == "curriculum_mismatch"
    malformed = client.put(
        f"{API}/courses/{course}/curriculum", json={"sections": [{"id": s1}]}, headers=headers
    )
    assert malformed.status_code == 422
    assert outline(db, course) == before


def test_move_section_and_lesson_up_and_down(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db)
    course = new_course(client, headers)
    s1 = add_section(client, headers, course, "One")
    s2 = add_section(client, headers, course, "Two")
    a = add_lesson(client, headers, s1, "A")["id"]
    add_lesson(client, headers, s1, "B")
    c = add_lesson(client, headers, s2, "C")["id"]

    def move(kind: str, item: str, direction: str) -> list[tuple[str, list[str]]]:
        response = client.post(
            f"{API}/{kind}/{item}/move", json={"direction": direction}, headers=headers
        )
        assert response.status_code == 200, response.text
        return [
            (s["title"], [x["title"] for x in s["lessons"]]) for s in response.json()["sections"]
        ]

    assert move("lessons", a, "down") == [("One", ["B", "A"]), ("Two", ["C"])]
    # Past the bottom of its section, a lesson goes to the top of the next one.
    assert move("lessons", a, "down") == [("One", ["B"]), ("Two", ["A", "C"])]
    assert move("lessons", c, "down") == [("One", ["B"]), ("Two", ["A", "C"])], "already last"
    # Past the top, to the bottom of the previous one.
    assert move("lessons", a, "up") == [("One", ["B", "A"]), ("Two", ["C"])]
    assert move("sections", s2, "up") == [("Two", ["C"]), ("One", ["B", "A"])]
    assert move("sections", s2, "up") == [("Two", ["C"]), ("One", ["B", "A"])], "already first"
    assert move("lessons", c, "down") == [("Two", []), ("One", ["C", "B", "A"])]
    assert move("sections", s2, "down") == [("One", ["C", "B", "A"]), ("Two", [])]
    db.expire_all()
    positions = db.execute(
        select(Lesson.title, Lesson.position).where(Lesson.course_id == course)
    ).all()
    assert sorted(positions) == [("A", 2), ("B", 1), ("C", 0)]
    bad = client.post(f"{API}/lessons/{a}/move", json={"direction": "left"}, headers=headers)
    assert bad.status_code == 422
    assert totals(db, course) == (3, 0)
