"""`syllabus seed-bench`: a big catalog written in bulk, consistent, usable through the API."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from syllabus.accounts.models import User
from syllabus.app import create_app
from syllabus.benchdata import names
from syllabus.benchdata.catalog import CatalogPlan, Chunk, generate_course
from syllabus.benchdata.categories import CategoryPicker, shipped_tree
from syllabus.benchdata.ids import Clock
from syllabus.benchdata.pipeline import chunks
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.cli import app as cli
from syllabus.community.models import Review
from syllabus.config import Settings
from syllabus.kit.markdown import render_markdown
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime, set_runtime
from syllabus.learning.models import Enrollment, LessonProgress
from syllabus.search.backends import backend_for
from tests.conftest import fresh_database_url
from tests.factories import bearer, login

N = 30


def _seed(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["seed-bench", *args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def bench_runtime(
    committed_database_url: str, base_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runtime]:
    """A committed database seeded once for the module with N courses."""
    settings = base_settings.model_copy(
        update={"database_url": committed_database_url, "data_dir": tmp_path_factory.mktemp("b")}
    )
    runtime = Runtime(settings)
    if settings.redis_url:
        runtime.cache.clear()
    set_runtime(runtime)
    try:
        code, output = _seed("--courses", str(N))
        assert code == 0, output
        assert f"Seeded {N} courses" in output
        yield runtime
    finally:
        set_runtime(None)
        runtime.close()


@pytest.fixture
def bench(bench_runtime: Runtime) -> Iterator[Runtime]:
    set_runtime(bench_runtime)
    yield bench_runtime
    set_runtime(None)


@pytest.fixture
def db(bench: Runtime) -> Iterator[Session]:
    """Reads only, through the read engine: on SQLite a writer session would hold the lock."""
    with Session(bind=bench.db.read_engine) as session:
        yield session


@pytest.fixture
def client(bench: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(bench.settings, runtime=bench)) as test_client:
        yield test_client


def _generated(db: Session) -> list[Course]:
    fixed = (names.SMALL_SLUG, names.LARGE_SLUG)
    return list(db.scalars(select(Course).where(Course.slug.not_in(fixed)).order_by(Course.slug)))


def test_catalog_has_the_documented_shape(db: Session) -> None:
    courses = _generated(db)
    assert [c.slug for c in courses] == [names.course_slug(i) for i in range(1, N + 1)]
    assert {c.status for c in courses} == {"published"}
    sections = Counter(db.scalars(select(Section.course_id)))
    lessons_per_section = Counter(db.scalars(select(Lesson.section_id)))
    section_course = dict(list(db.execute(select(Section.id, Section.course_id)).tuples()))
    for course in courses:
        assert 5 <= sections[course.id] <= 20
    for section_id, count in lessons_per_section.items():
        if section_course[section_id] in {c.id for c in courses}:
            assert 3 <= count <= 15
    kinds = Counter(db.scalars(select(Lesson.kind)))
    assert set(kinds) == {"video", "text"}
    assert kinds["video"] > kinds["text"]
    roles = Counter(db.scalars(select(User.role)))
    assert roles == {"instructor": 3, "student": names.ENROLLED_STUDENTS}
    assert set(db.scalars(select(User.status))) == {"active"}
    emails = set(db.scalars(select(User.email)))
    assert names.student_email(1) in emails
    assert names.instructor_email(3) in emails


def test_course_aggregates_equal_their_rows(db: Session) -> None:
    lessons = {
        row.course_id: (row.count, row.seconds)
        for row in db.execute(
            select(
                Lesson.course_id,
                func.count().label("count"),
                func.sum(Lesson.duration_seconds).label("seconds"),
            ).group_by(Lesson.course_id)
        )
    }
    active = select(Enrollment.course_id).where(Enrollment.status == "active")
    enrolled = Counter(db.scalars(active))
    ratings: dict[str, list[int]] = defaultdict(list)
    for course_id, rating in db.execute(select(Review.course_id, Review.rating)).tuples():
        ratings[course_id].append(rating)
    courses = list(db.scalars(select(Course)))
    assert len(courses) == N + 2
    for course in courses:
        assert (course.lesson_count, course.duration_seconds) == lessons[course.id]
        assert course.enrollment_count == enrolled[course.id]
        given = ratings[course.id]
        assert course.rating_count == len(given)
        assert course.rating_sum == sum(given)
        assert course.rating_avg == pytest.approx(sum(given) / len(given) if given else 0.0)
        assert course.rating_histogram == {str(r): given.count(r) for r in (5, 4, 3, 2, 1)}
        assert course.revision == 1
    assert sum(len(r) for r in ratings.values()) > 0


def test_enrollment_progress_counters_equal_their_rows(db: Session) -> None:
    done: dict[str, list[LessonProgress]] = defaultdict(list)
    for row in db.scalars(select(LessonProgress).order_by(LessonProgress.completed_at)):
        done[row.enrollment_id].append(row)
    lesson_course = dict(list(db.execute(select(Lesson.id, Lesson.course_id)).tuples()))
    lesson_counts = dict(list(db.execute(select(Course.id, Course.lesson_count)).tuples()))
    enrollments = list(db.scalars(select(Enrollment)))
    per_course = Counter(e.course_id for e in enrollments)
    assert {per_course[c.id] for c in _generated(db)} == {10}
    assert sum(len(rows) for rows in done.values()) > 0
    for enrollment in enrollments:
        rows = done[enrollment.id]
        assert len(rows) <= 5
        assert all(lesson_course[r.lesson_id] == enrollment.course_id for r in rows)
        assert all(r.completed_at is not None for r in rows)
        assert enrollment.completed_lessons == len(rows)
        expected = len(rows) * 100 // lesson_counts[enrollment.course_id]
        assert enrollment.progress_percent == expected
        assert enrollment.last_lesson_id == (rows[-1].lesson_id if rows else None)
        assert enrollment.last_activity_at == (rows[-1].completed_at if rows else None)
        assert (enrollment.status, enrollment.source) == ("active", "admin")


def test_fixed_courses_have_their_exact_sizes_and_students(db: Session) -> None:
    for slug, lessons in ((names.SMALL_SLUG, 20), (names.LARGE_SLUG, 500)):
        course = db.scalar(select(Course).where(Course.slug == slug))
        assert course is not None
        assert course.status == "published"
        assert course.price_amount > 0
        rows = list(db.scalars(select(Lesson).where(Lesson.course_id == course.id)))
        assert len(rows) == course.lesson_count == lessons
        assert {r.kind for r in rows} == {"video"}
        assert all(r.duration_seconds > 0 and not r.is_preview for r in rows)
        assert all(r.drip_days is None and r.drip_date is None for r in rows)
        students = set(
            db.scalars(
                select(User.email)
                .join(Enrollment, Enrollment.user_id == User.id)
                .where(Enrollment.course_id == course.id, Enrollment.status == "active")
            )
        )
        expected = {names.student_email(i) for i in range(1, names.ENROLLED_STUDENTS + 1)}
        assert students == expected


def test_search_index_holds_every_published_course(bench: Runtime) -> None:
    with bench.db.read_connection() as conn:
        assert backend_for(conn).count(conn) == N + 2


def _first_small_lesson(db: Session) -> str:
    return (
        db.scalars(
            select(Lesson.id)
            .join(Section, Section.id == Lesson.section_id)
            .join(Course, Course.id == Lesson.course_id)
            .where(Course.slug == names.SMALL_SLUG)
            .order_by(Section.position, Lesson.position)
        ).first()
        or ""
    )


def test_api_signs_in_searches_suggests_and_plays(db: Session, client: TestClient) -> None:
    tokens = login(client, names.student_email(1), names.BENCH_PASSWORD)

    titles = {c.slug: c.title.lower() for c in _generated(db)}
    usable = [
        (sum(term in t.split() for t in titles.values()), term)
        for term in names.SEARCH_TERMS
        if any(term in t.split() for t in titles.values())
    ]
    assert usable, "no search term in any generated title"
    _, term = min(usable)
    slug = next(s for s, t in sorted(titles.items()) if term in t.split())

    found = client.get("/api/v1/courses", params={"q": term, "page_size": 100})
    assert found.status_code == 200
    assert slug in [item["slug"] for item in found.json()["items"]]

    suggested = client.get("/api/v1/courses/suggest", params={"q": term})
    assert suggested.status_code == 200
    assert slug in [item["slug"] for item in suggested.json()["items"]]

    played = client.get(
        f"/api/v1/lessons/{_first_small_lesson(db)}/playback", headers=bearer(tokens)
    )
    assert played.status_code == 200, played.text
    assert "/master.m3u8" in played.json()["hls_url"]


def test_rerun_with_the_same_size_changes_nothing(bench: Runtime, db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(Lesson))
    code, output = _seed("--courses", str(N))
    assert code == 0, output
    assert f"already seeded with {N} courses" in output
    assert db.scalar(select(func.count()).select_from(Lesson)) == before


def test_another_size_is_refused(bench: Runtime) -> None:
    code, output = _seed("--courses", str(N + 1))
    assert code == 2
    assert f"bench catalog of {N} courses" in output


def test_sizes_out_of_range_are_refused(bench: Runtime) -> None:
    for value in ("0", "1000001"):
        code, output = _seed("--courses", value)
        assert code == 2
        assert "--courses" in output


@pytest.fixture
def other_database(base_settings: Settings, tmp_path: Path) -> Iterator[Runtime]:
    url, drop = fresh_database_url("other")
    runtime = Runtime(base_settings.model_copy(update={"database_url": url, "data_dir": tmp_path}))
    set_runtime(runtime)
    try:
        yield runtime
    finally:
        set_runtime(None)
        runtime.close()
        drop()


def test_database_with_other_data_is_refused_untouched(other_database: Runtime) -> None:
    upgrade(other_database.db.url)
    with other_database.db.session_scope() as session:
        session.add(User(email="someone@example.com", name="Someone", status="active"))

    code, output = _seed("--courses", "5")

    assert code == 2
    assert "not benchmark data" in output
    assert "someone@example.com" in output
    with other_database.db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
        assert session.scalar(select(func.count()).select_from(Course)) == 0


def test_database_without_schema_is_refused(other_database: Runtime) -> None:
    code, output = _seed("--courses", "5")
    assert code == 2
    assert "syllabus migrate" in output


def _plan() -> CatalogPlan:
    tree = CategoryPicker([(r[0], r[1], r[2], r[3]) for r in shipped_tree()])
    return CatalogPlan(Clock(""), tree, instructors=100, students=1000, per_course=10)


def test_generation_is_deterministic_per_course_number() -> None:
    first, again, alone = Chunk(), Chunk(), Chunk()
    for number in (6, 7):
        generate_course(number, _plan(), first)
    generate_course(7, _plan(), alone)
    generate_course(7, _plan(), again)  # a plan of its own: nothing carries over
    assert alone.rows == again.rows
    assert [row for row in first.rows["courses"] if row[0] == alone.rows["courses"][0][0]] == (
        alone.rows["courses"]
    )


def test_chunks_from_the_worker_process_equal_chunks_made_here() -> None:
    plan = _plan()
    made_here = list(chunks(plan, 25, 10, parallel=False))
    from_worker = list(chunks(plan, 25, 10, parallel=True))
    assert [len(c.rows["courses"]) for c in from_worker] == [10, 10, 5]
    assert [c.rows for c in from_worker] == [c.rows for c in made_here]
    assert [c.documents for c in from_worker] == [c.documents for c in made_here]


def test_descriptions_are_rendered_as_the_application_renders_them() -> None:
    chunk, plan = Chunk(), _plan()
    for number in range(1, 60):
        generate_course(number, plan, chunk)
    for row in chunk.rows["courses"]:
        markdown, html = row[7], row[8]
        assert html == render_markdown(markdown)


def test_each_search_term_is_in_a_few_percent_of_titles() -> None:
    chunk, plan = Chunk(), _plan()
    total = 2000
    for number in range(1, total + 1):
        generate_course(number, plan, chunk)
    titles = [row[5].lower().split() for row in chunk.rows["courses"]]
    for term in names.SEARCH_TERMS:
        share = sum(term in words for words in titles) / total
        assert 0.01 <= share <= 0.06, (term, share)
