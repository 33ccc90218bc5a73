"""Instructor studio and admin review pages: forms with CSRF, htmx fragments, ownership, roles."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Category, Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.web.routes._money import amount_text, money_label, parse_amount
from tests.factories import make_user
from tests.web.test_account_pages import submit, web_login

HX = {"HX-Request": "true"}


# ----------------------------------------------------------------- helpers


def instructor(db: Session, client: TestClient, email: str = "ida@example.com") -> User:
    user = make_user(db, email=email, name="Ida Instructor", role="instructor")
    web_login(client, email)
    return user


def category_id(db: Session, slug: str = "web-development") -> str:
    found = db.scalar(select(Category.id).where(Category.slug == slug))
    assert found
    return found


def create_course(client: TestClient, db: Session, title: str = "Practical FastAPI") -> Course:
    response = submit(
        client,
        "/studio/courses/new",
        {"title": title, "category_id": category_id(db), "level": "beginner"},
    )
    assert response.status_code == 303, response.text
    course_id = response.headers["location"].rsplit("/", 1)[-1]
    course = db.get(Course, course_id)
    assert course is not None
    return course


def post(client: TestClient, url: str, data: dict[str, str], **headers: str) -> Response:
    """POST with the token already in the cookie jar (as a page's form would send)."""
    token = client.cookies["syl_csrf"]
    return client.post(
        url, data={**data, "csrf_token": token}, headers=headers, follow_redirects=False
    )


def add_section(client: TestClient, course: Course, title: str) -> str:
    response = post(client, f"/studio/courses/{course.id}/sections", {"title": title})
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("#section-", 1)[-1]


def add_lesson(client: TestClient, section_id: str, title: str, kind: str = "text") -> str:
    data = {"title": title, "kind": kind}
    response = post(client, f"/studio/sections/{section_id}/lessons", data)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("#lesson-", 1)[-1]


def order_of(db: Session, course: Course) -> list[tuple[str, list[str]]]:
    db.expire_all()
    sections = db.scalars(
        select(Section).where(Section.course_id == course.id).order_by(Section.position)
    ).all()
    return [
        (
            s.title,
            list(
                db.scalars(
                    select(Lesson.title).where(Lesson.section_id == s.id).order_by(Lesson.position)
                )
            ),
        )
        for s in sections
    ]


def ids_in_page(html: str, attribute: str) -> list[str]:
    return re.findall(attribute + r'="([0-9a-f-]{36})"', html)


# ---------------------------------------------------------------- money


def test_prices_are_parsed_into_minor_units_and_shown_back() -> None:
    assert parse_amount("19.99", "USD") == 1999
    assert parse_amount(" $1,250.5 ", "USD") == 125050
    assert parse_amount("1500", "JPY") == 1500
    assert parse_amount("0", "EUR") == 0
    for bad, currency in (("abc", "USD"), ("-1", "USD"), ("1.999", "USD"), ("10.5", "JPY")):
        with pytest.raises(ValueError, match=r"."):
            parse_amount(bad, currency)
    assert amount_text(1999, "USD") == "19.99"
    assert amount_text(1500, "JPY") == "1500"
    assert amount_text(None, "USD") == ""
    assert money_label(0, "USD") == "Free"
    assert money_label(123456, "EUR") == "€1,234.56"
    assert money_label(1500, "JPY") == "¥1,500"


# --------------------------------------------------------------- who sees what


def test_the_studio_sends_anonymous_visitors_to_login(client: TestClient) -> None:
    response = client.get("/studio", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fstudio"


def test_a_student_gets_the_become_an_instructor_page(client: TestClient, db: Session) -> None:
    make_user(db, email="stu@example.com")
    web_login(client, "stu@example.com")
    for url in ("/studio", "/studio/courses/new"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Become an instructor to build courses" in response.text
        assert 'href="/teach"' in response.text
    refused = submit(client, "/studio/courses/new", {"title": "Sneaky"}, page="/account/profile")
    assert refused.status_code == 403
    assert db.scalar(select(Course).where(Course.title == "Sneaky")) is None


def test_studio_lists_no_courses_with_a_call_to_action(client: TestClient, db: Session) -> None:
    instructor(db, client)
    page = client.get("/studio")
    assert page.status_code == 200
    assert "Create your first course" in page.text
    assert 'src="/static/vendor/Sortable.min.js' in page.text
    assert 'src="/static/js/studio.js' in page.text


# ----------------------------------------------------------- course editor


def test_an_instructor_creates_and_edits_a_course(client: TestClient, db: Session) -> None:
    ida = instructor(db, client)
    new_page = client.get("/studio/courses/new")
    assert '<optgroup label="Development">' in new_page.text
    invalid = submit(client, "/studio/courses/new", {"title": "  ", "level": "all"})
    assert invalid.status_code == 422
    assert "This field is required." in invalid.text

    course = create_course(client, db)
    assert course.instructor_id == ida.id
    assert course.status == "draft"
    assert course.level == "beginner"
    editor = client.get(f"/studio/courses/{course.id}")
    assert editor.status_code == 200
    assert "Your course was created." in editor.text
    assert 'value="Practical FastAPI"' in editor.text
    assert f'<option value="{category_id(db)}" selected>' in editor.text

    details = {
        "title": "Practical FastAPI, 2nd edition",
        "subtitle": "Build real APIs",
        "description": "## Why\n\nBecause **APIs** matter. <script>alert(1)</script>",
        "category_id": category_id(db, "databases"),
        "level": "intermediate",
        "language": "fr",
        "outcomes": "Routing\n\n  Dependency injection \n",
        "requirements": "Python basics",
        "audience": "Backend developers",
        "tags": "python, fastapi , , web",
        "price": "19.99",
        "currency": "EUR",
        "list_price": "49.00",
        "has_certificate": "1",
    }
    saved = submit(client, f"/studio/courses/{course.id}", details)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/studio/courses/{course.id}"
    db.expire_all()
    course = db.get(Course, course.id)
    assert course is not None
    assert course.title == "Practical FastAPI, 2nd edition"
    assert course.outcomes == ["Routing", "Dependency injection"]
    assert course.tags == ["python", "fastapi", "web"]
    assert (course.price_amount, course.currency, course.list_price_amount) == (1999, "EUR", 4900)
    assert course.language == "fr"
    assert course.has_certificate is True
    assert "<script>" not in course.description_html
    assert "<strong>APIs</strong>" in course.description_html

    # The certificate box unticked, a bad price: nothing is saved, the input is kept.
    bad = submit(
        client,
        f"/studio/courses/{course.id}",
        {**details, "price": "twelve", "has_certificate": ""} | {"title": "Renamed"},
    )
    assert bad.status_code == 422
    assert "Enter an amount like 19.99" in bad.text
    assert 'value="Renamed"' in bad.text
    db.expire_all()
    assert db.get(Course, course.id).title == "Practical FastAPI, 2nd edition"  # type: ignore[union-attr]

    preview = client.post(
        "/studio/preview",
        data={"description": "# Hi\n\n<img src=x onerror=alert(1)> *there*"},
        headers={**HX, "X-CSRF-Token": client.cookies["syl_csrf"]},
    )
    assert preview.status_code == 200
    assert "<em>there</em>" in preview.text
    assert "<img" not in preview.text
    no_token = client.post("/studio/preview", data={"description": "x"}, headers=HX)
    assert no_token.status_code == 403


def test_a_thumbnail_is_uploaded_from_the_details_page(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db)
    details, url = f"/studio/courses/{course.id}", f"/studio/courses/{course.id}/thumbnail"
    form = re.search(
        rf'<form [^>]*action="{url}"[^>]*>(.*?)</form>', client.get(details).text, re.S
    )
    assert form
    assert 'enctype="multipart/form-data"' in form.group(0)
    assert 'name="csrf_token"' in form.group(1)
    assert 'accept="image/jpeg,image/png,image/webp"' in form.group(1)

    def upload(name: str, data: bytes, kind: str) -> Response:
        return submit(client, url, {}, page=details, files={"thumbnail": (name, data, kind)})

    text = upload("notes.txt", b"hello, not an image", "text/plain")
    assert text.status_code == 422
    assert "Upload a JPEG, PNG or WEBP image." in text.text
    assert 'id="field-thumbnail-error"' in text.text
    assert "The course was not saved" not in text.text  # the details form is not blamed
    too_big = upload("huge.jpg", b"\0" * (5 * 1024 * 1024 + 1), "image/jpeg")
    assert too_big.status_code == 413
    assert "Thumbnails are limited to 5 MB." in too_big.text
    no_token = client.post(url, files={"thumbnail": ("a.txt", b"x", "text/plain")})
    assert no_token.status_code == 403
    db.expire_all()
    assert db.get(Course, course.id).thumbnail_key is None  # type: ignore[union-attr]

    photo = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 80, 40)).save(photo, format="JPEG")
    saved = upload("cover.jpg", photo.getvalue(), "image/jpeg")
    assert saved.status_code == 303
    assert saved.headers["location"] == details
    page = client.get(details).text
    assert "Thumbnail updated." in page
    shown = re.search(r'<img class="card__media course-thumb" src="([^"]+)"', page)
    assert shown
    image = client.get(shown.group(1).replace("&amp;", "&"))
    assert image.status_code == 200
    with Image.open(io.BytesIO(image.content)) as picture:
        assert (picture.format, picture.size) == ("WEBP", (750, 422))
    db.expire_all()
    assert db.get(Course, course.id).thumbnail_key.startswith(f"thumbnails/{course.id}/")  # type: ignore[union-attr]


def test_course_forms_need_the_csrf_token(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db)
    response = client.post(
        f"/studio/courses/{course.id}", data={"title": "Hacked"}, follow_redirects=False
    )
    assert response.status_code == 403
    response = client.post(f"/studio/courses/{course.id}/delete", data={"csrf_token": "x" * 40})
    assert response.status_code == 403
    assert db.get(Course, course.id) is not None


def test_another_instructors_course_is_not_found(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db)
    section_id = add_section(client, course, "Basics")
    lesson_id = add_lesson(client, section_id, "Hello")
    client.cookies.clear()
    instructor(db, client, email="other@example.com")
    for url in (
        f"/studio/courses/{course.id}",
        f"/studio/courses/{course.id}/curriculum",
        f"/studio/lessons/{lesson_id}",
    ):
        assert client.get(url).status_code == 404, url
    client.get("/studio")
    assert post(client, f"/studio/courses/{course.id}", {"title": "Mine"}).status_code == 404
    assert post(client, f"/studio/lessons/{lesson_id}/delete", {}).status_code == 404
    assert (
        post(client, f"/studio/sections/{section_id}/move", {"direction": "up"}).status_code == 404
    )
    assert db.get(Lesson, lesson_id) is not None


# --------------------------------------------------------- curriculum builder


def test_sections_and_lessons_are_added_renamed_moved_and_deleted(
    client: TestClient, db: Session
) -> None:
    instructor(db, client)
    course = create_course(client, db)
    builder = client.get(f"/studio/courses/{course.id}/curriculum")
    assert builder.status_code == 200
    assert "Start with a section" in builder.text

    first = add_section(client, course, "Getting started")
    second = add_section(client, course, "Going further")
    add_lesson(client, first, "Welcome", "video")
    setup = add_lesson(client, first, "Setup", "text")
    add_lesson(client, second, "Deploy", "text")
    assert order_of(db, course) == [
        ("Getting started", ["Welcome", "Setup"]),
        ("Going further", ["Deploy"]),
    ]

    page = client.get(f"/studio/courses/{course.id}/curriculum")
    assert 'aria-label="Move lesson Setup down"' in page.text
    assert 'aria-label="Move section Getting started up"' in page.text
    # The very first row cannot go up, the very last cannot go down.
    assert re.search(r'aria-label="Move section Getting started up"[^>]*disabled', page.text)
    assert re.search(r'aria-label="Move lesson Deploy down"[^>]*disabled', page.text)

    # htmx: the fragment comes back, not a whole page.
    fragment = post(client, f"/studio/lessons/{setup}/move", {"direction": "down"}, **HX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div class="curriculum" id="curriculum"')
    assert "<html" not in fragment.text
    assert order_of(db, course) == [
        ("Getting started", ["Welcome"]),
        ("Going further", ["Setup", "Deploy"]),
    ]
    # Without JS: a redirect back to the builder at the moved row.
    moved = post(client, f"/studio/sections/{second}/move", {"direction": "up"})
    assert moved.status_code == 303
    assert moved.headers["location"].endswith(f"/curriculum#section-{second}")
    assert [title for title, _ in order_of(db, course)] == ["Going further", "Getting started"]
    assert (
        post(client, f"/studio/sections/{second}/move", {"direction": "sideways"}).status_code
        == 422
    )

    renamed = post(client, f"/studio/sections/{first}/rename", {"title": "Start here"}, **HX)
    assert "Start here" in renamed.text
    blank = post(client, f"/studio/lessons/{setup}/rename", {"title": " "}, **HX)
    assert blank.status_code == 200
    assert "This field is required." in blank.text
    empty_lesson = post(client, f"/studio/sections/{first}/lessons", {"title": "", "kind": "x"})
    assert empty_lesson.status_code == 422

    deleted = post(client, f"/studio/lessons/{setup}/delete", {}, **HX)
    assert deleted.status_code == 200
    assert f'data-lesson-id="{setup}"' not in deleted.text
    assert "Lesson Setup deleted." in deleted.text  # announced to screen readers
    post(client, f"/studio/sections/{second}/delete", {})
    assert order_of(db, course) == [("Start here", ["Welcome"])]
    db.expire_all()
    assert db.get(Course, course.id).lesson_count == 1  # type: ignore[union-attr]


def test_the_order_endpoint_takes_the_whole_curriculum_as_json(
    client: TestClient, db: Session
) -> None:
    instructor(db, client)
    course = create_course(client, db)
    first = add_section(client, course, "One")
    second = add_section(client, course, "Two")
    a = add_lesson(client, first, "A")
    b = add_lesson(client, first, "B")
    c = add_lesson(client, second, "C")
    url = f"/studio/courses/{course.id}/curriculum/order"
    order = {"sections": [{"id": second, "lessons": [b, c]}, {"id": first, "lessons": [a]}]}
    token = client.cookies["syl_csrf"]
    headers = {"Content-Type": "application/json", "X-CSRF-Token": token, **HX}

    no_token = client.post(url, content=json.dumps(order), headers={**HX})
    assert no_token.status_code == 403
    response = client.post(url, content=json.dumps(order), headers=headers)
    assert response.status_code == 200
    assert ids_in_page(response.text, "data-section-id") == [second, first]
    assert ids_in_page(response.text, "data-lesson-id") == [b, c, a]
    assert order_of(db, course) == [("Two", ["B", "C"]), ("One", ["A"])]

    missing = {"sections": [{"id": second, "lessons": [b]}, {"id": first, "lessons": [a]}]}
    refused = client.post(url, content=json.dumps(missing), headers=headers)
    assert refused.status_code == 422
    assert order_of(db, course) == [("Two", ["B", "C"]), ("One", ["A"])]
    garbage = client.post(url, content=b"{nope", headers=headers)
    assert garbage.status_code == 422
    plain = client.post(
        url,
        content=json.dumps(order),
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )
    assert plain.status_code == 204


# --------------------------------------------------------- lessons and quizzes


def test_a_lesson_is_edited_with_drip_and_preview(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db)
    section = add_section(client, course, "One")
    lesson_id = add_lesson(client, section, "Reading", "text")
    page = client.get(f"/studio/lessons/{lesson_id}")
    assert page.status_code == 200
    assert "Lesson text" in page.text
    form = {
        "title": "Reading list",
        "is_preview": "1",
        "duration_minutes": "12",
        "body": "Read *this*.",
        "drip": "days",
        "drip_days": "7",
        "drip_date": "",
    }
    saved = submit(client, f"/studio/lessons/{lesson_id}", form)
    assert saved.status_code == 303
    db.expire_all()
    lesson = db.get(Lesson, lesson_id)
    assert lesson is not None
    assert (lesson.title, lesson.is_preview, lesson.duration_seconds) == ("Reading list", True, 720)
    assert lesson.drip_days == 7
    assert "<em>this</em>" in lesson.body_html
    assert db.get(Course, course.id).duration_seconds == 720  # type: ignore[union-attr]

    dated = submit(
        client, f"/studio/lessons/{lesson_id}", {**form, "drip": "date", "drip_date": "2030-01-31"}
    )
    assert dated.status_code == 303
    db.expire_all()
    lesson = db.get(Lesson, lesson_id)
    assert lesson is not None
    assert lesson.drip_days is None
    assert lesson.drip_date is not None
    assert lesson.drip_date.date().isoformat() == "2030-01-31"

    bad = submit(client, f"/studio/lessons/{lesson_id}", {**form, "drip": "days", "drip_days": "x"})
    assert bad.status_code == 422
    assert "number of days" in bad.text
    cleared = submit(client, f"/studio/lessons/{lesson_id}", {**form, "drip": "none"})
    assert cleared.status_code == 303
    db.expire_all()
    lesson = db.get(Lesson, lesson_id)
    assert lesson is not None
    assert (lesson.drip_days, lesson.drip_date) == (None, None)


def test_a_quiz_is_defined_through_the_form(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db)
    section = add_section(client, course, "One")
    quiz_id = add_lesson(client, section, "Check yourself", "quiz")
    url = f"/studio/lessons/{quiz_id}/quiz"
    page = client.get(url)
    assert page.status_code == 200
    assert "No questions yet" in page.text

    # "Add a question" buttons post the form back with one blank question more.
    base = {"pass_percent": "60", "max_attempts": "3", "shuffle": "1", "questions": "0"}
    added = post(client, url, {**base, "op": "add:single"})
    assert added.status_code == 200
    assert 'name="q-0-kind" value="single"' in added.text
    assert added.text.count('name="q-0-choice"') == 4

    questions = {
        "questions": "4",
        "q-0-kind": "single",
        "q-0-prompt": "Which is a web framework?",
        "q-0-correct": "2",
        "q-0-explanation": "FastAPI is.",
        "q-1-kind": "multiple",
        "q-1-prompt": "Pick the HTTP methods",
        "q-2-kind": "true_false",
        "q-2-prompt": "HTTP is stateless.",
        "q-2-tf": "true",
        "q-3-kind": "short",
        "q-3-prompt": "Status code for Not Found?",
        "q-3-accepted": "404\n four oh four \n",
    }
    choices = {
        "q-0-choice": ["NumPy", "", "FastAPI"],  # an empty slot is dropped, indexes follow
        "q-1-choice": ["GET", "FETCH", "POST"],
        "q-1-correct": ["0", "2"],
    }
    fields: dict[str, str | list[str]] = {
        **base,
        **questions,
        **choices,
        "csrf_token": client.cookies["syl_csrf"],
    }

    # Removing a question re-renders without saving.
    removed = client.post(url, data={**fields, "op": "remove:1"})
    assert removed.status_code == 200
    assert "Pick the HTTP methods" not in removed.text
    assert "Your changes are not saved yet." in removed.text

    saved = client.post(url, data={**fields, "op": "save"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    quiz = db.get(Quiz, quiz_id)
    assert quiz is not None
    assert (quiz.pass_percent, quiz.max_attempts, quiz.shuffle) == (60, 3, True)
    stored = db.scalars(
        select(QuizQuestion)
        .where(QuizQuestion.lesson_id == quiz_id)
        .order_by(QuizQuestion.position)
    ).all()
    assert [(q.kind, q.choices, q.answer) for q in stored] == [
        ("single", ["NumPy", "FastAPI"], 1),
        ("multiple", ["GET", "FETCH", "POST"], [0, 2]),
        ("true_false", [], True),
        ("short", [], ["404", "four oh four"]),
    ]
    again = client.get(url)
    assert "Your changes are not saved yet." not in again.text
    assert 'id="q-0-correct-1" name="q-0-correct" value="1" checked' in again.text

    # A question without a marked answer: nothing changes, the problem is named.
    broken = {key: value for key, value in fields.items() if key != "q-0-correct"}
    refused = client.post(url, data={**broken, "op": "save"})
    assert refused.status_code == 422
    assert "Mark the right answer." in refused.text
    db.expire_all()
    assert len(db.scalars(select(QuizQuestion).where(QuizQuestion.lesson_id == quiz_id)).all()) == 4


# ------------------------------------------------------------ review workflow


def test_a_refused_submit_shows_what_is_missing(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db)
    refused = submit(
        client,
        f"/studio/courses/{course.id}/submit",
        {"next": "/studio"},
        page=f"/studio/courses/{course.id}",
    )
    assert refused.status_code == 409
    assert "The course cannot be submitted yet" in refused.text
    assert "at least one lesson" in refused.text
    db.expire_all()
    assert db.get(Course, course.id).status == "draft"  # type: ignore[union-attr]


def test_submit_review_reject_resubmit_and_approve(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db, "Reviewed course")
    section = add_section(client, course, "Only")
    add_lesson(client, section, "Lesson one", "text")
    submitted = post(
        client,
        f"/studio/courses/{course.id}/submit",
        {"next": f"/studio/courses/{course.id}/curriculum"},
    )
    assert submitted.status_code == 303
    assert submitted.headers["location"] == f"/studio/courses/{course.id}/curriculum"
    listing = client.get("/studio")
    assert "In review" in listing.text
    assert "Submitted for review." in listing.text
    assert "Submitted for review." not in client.get("/studio").text  # a flash shows once

    # Not an admin: 403 on every review page.
    assert client.get("/admin/reviews").status_code == 403
    assert client.get(f"/admin/reviews/{course.id}").status_code == 403
    assert post(client, f"/admin/reviews/{course.id}/approve", {}).status_code == 403

    client.cookies.clear()
    make_user(db, email="ada@example.com", name="Ada Admin", role="admin")
    web_login(client, "ada@example.com")
    queue = client.get("/admin/reviews")
    assert queue.status_code == 200
    assert "Reviewed course" in queue.text
    assert "Ida Instructor" in queue.text
    review = client.get(f"/admin/reviews/{course.id}")
    assert review.status_code == 200
    assert "Lesson one" in review.text
    assert "Approve and publish" in review.text

    no_reason = submit(
        client,
        f"/admin/reviews/{course.id}/reject",
        {"reason": "  "},
        page=f"/admin/reviews/{course.id}",
    )
    assert no_reason.status_code == 422
    assert "Tell the instructor what needs to change." in no_reason.text
    without_csrf = client.post(
        f"/admin/reviews/{course.id}/reject", data={"reason": "x"}, follow_redirects=False
    )
    assert without_csrf.status_code == 403
    rejected = post(client, f"/admin/reviews/{course.id}/reject", {"reason": "Add a description."})
    assert rejected.status_code == 303
    assert rejected.headers["location"] == "/admin/reviews"
    db.expire_all()
    stored = db.get(Course, course.id)
    assert stored is not None
    assert (stored.status, stored.review_note) == ("draft", "Add a description.")
    assert "Nothing to review" in client.get("/admin/reviews").text

    # The instructor sees the note, resubmits; the admin approves.
    client.cookies.clear()
    web_login(client, "ida@example.com")
    listing = client.get("/studio")
    assert "Add a description." in listing.text
    assert "Changes requested" in listing.text
    assert "Note from the reviewer" in client.get(f"/studio/courses/{course.id}").text
    assert post(client, f"/studio/courses/{course.id}/submit", {}).status_code == 303

    client.cookies.clear()
    web_login(client, "ada@example.com")
    client.get(f"/admin/reviews/{course.id}")
    assert post(client, f"/admin/reviews/{course.id}/approve", {}).status_code == 303
    db.expire_all()
    assert db.get(Course, course.id).status == "published"  # type: ignore[union-attr]
    assert "The course was approved" in client.get("/admin/reviews").text
    twice = post(client, f"/admin/reviews/{course.id}/approve", {})
    assert twice.status_code == 409
    assert "no longer waiting for review" in twice.text


def test_unpublish_archive_and_delete(client: TestClient, db: Session) -> None:
    instructor(db, client)
    course = create_course(client, db, "Short lived")
    course_id = course.id
    db.execute(Course.__table__.update().where(Course.id == course.id).values(status="published"))
    db.commit()
    editor = client.get(f"/studio/courses/{course.id}")
    assert "Unpublish" in editor.text
    assert post(client, f"/studio/courses/{course.id}/unpublish", {}).status_code == 303
    assert post(client, f"/studio/courses/{course.id}/archive", {}).status_code == 303
    db.expire_all()
    assert db.get(Course, course.id).status == "archived"  # type: ignore[union-attr]
    again = post(client, f"/studio/courses/{course.id}/archive", {})
    assert again.status_code == 409
    deleted = post(client, f"/studio/courses/{course.id}/delete", {})
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/studio"
    assert "The course was deleted." in client.get("/studio").text
    assert db.scalar(select(Course.id).where(Course.id == course_id)) is None
