"""One generated course and everything hanging off it, as row tuples.

`generate_course(number, plan, chunk)` draws every choice from
`random.Random(number)`, so course `number` is the same whatever N is and
whichever chunk it falls in. It appends the course's rows to the chunk:
5-20 sections of 3-15 lessons (video or text), `per_course` enrollments of
distinct students with 0-5 completed lessons each, 0-5 reviews by enrolled
students, and the course itself with aggregates computed from exactly
those rows (lessons, duration, active enrollments, ratings).

The lesson loop runs ~11 million times at 100k courses, so it uses local
names, one `random()` per choice and precomputed strings only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy.engine import RowMapping

from syllabus.benchdata import vocabulary as v
from syllabus.benchdata.categories import CategoryPicker, Placement
from syllabus.benchdata.ids import DAY, ITEM_BITS, Clock, id_prefix, instructor_id, student_id
from syllabus.benchdata.names import course_slug
from syllabus.benchdata.people import instructor_name
from syllabus.benchdata.tables import COLUMNS, COURSE_TABLES
from syllabus.benchdata.texts import (
    OUTCOMES_PER_COURSE,
    SubjectTexts,
    as_json,
    description,
    subject_texts,
)
from syllabus.catalog.models import LEVELS
from syllabus.search.backends import SearchDocument
from syllabus.search.indexer import build_document

Row = tuple[Any, ...]
Draw = Callable[[], float]

SUBJECT_TABLE = v.weighted(tuple((i, s.weight) for i, s in enumerate(v.SUBJECTS)))
LEVEL_TABLE = v.weighted(tuple(zip(LEVELS, (30, 35, 25, 10), strict=True)))
LANGUAGE_TABLE = v.weighted((("en", 80), ("es", 6), ("fr", 5), ("de", 5), ("pt", 4)))
PROGRESS_TABLE = v.weighted(((0, 40), (1, 15), (2, 15), (3, 10), (4, 10), (5, 10)))
REVIEW_TABLE = v.weighted(((0, 20), (1, 20), (2, 20), (3, 15), (4, 15), (5, 10)))
RATING_TABLE = v.weighted(((5, 45), (4, 35), (3, 12), (2, 5), (1, 3)))
RATINGS = ("5", "4", "3", "2", "1")  # the histogram's keys, in the reviews service's order
PRICES = (999, 1299, 1499, 1799, 1999, 2499, 2999, 3499, 3999, 4999, 5999, 7999, 9999)
PRICES_HIGH = (12999, 14999, 19999)
FREE_SHARE = 0.15
HIGH_PRICE_SHARE = 0.1
DISCOUNTED_SHARE = 0.4
CERTIFICATE_SHARE = 0.8
FEATURED_SHARE = 0.005
VIDEO_SHARE = 0.8
MAX_PROGRESS = 5
# Publication dates: over about three years, ending before the clock's anchor.
PUBLISHED_FROM_DAY = 100
PUBLISHED_DAYS = 1095

_COURSE = id_prefix("courses")
_SECTION = id_prefix("sections")
_LESSON = id_prefix("lessons")
_ENROLLMENT = id_prefix("enrollments")
_PROGRESS = id_prefix("lesson_progress")
_REVIEW = id_prefix("reviews")


@dataclass(frozen=True)
class CatalogPlan:
    """What every generated course of one run shares."""

    clock: Clock
    categories: CategoryPicker
    instructors: int
    students: int  # the pool: students 1..students
    per_course: int  # enrollments per course


@dataclass
class Chunk:
    """Rows of a run of courses, per table, and their search documents."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in COURSE_TABLES})
    documents: list[SearchDocument] = field(default_factory=list)


def pick(table: list[Any] | tuple[Any, ...], draw: Draw) -> Any:
    return table[int(draw() * len(table))]


def course_tuple(values: dict[str, Any]) -> Row:
    return tuple(values[name] for name in COLUMNS["courses"])


def rating_aggregates(ratings: list[int]) -> dict[str, Any]:
    """The course's rating columns, as the reviews service computes them."""
    histogram = dict.fromkeys(RATINGS, 0)
    for rating in ratings:
        histogram[str(rating)] += 1
    points = sum(ratings)
    return {
        "rating_avg": points / len(ratings) if ratings else 0.0,
        "rating_count": len(ratings),
        "rating_sum": points,
        "rating_histogram": as_json(histogram),
    }


def search_document(
    values: dict[str, Any],
    *,
    outcomes: list[str],
    tags: list[str],
    instructor: str,
    placement: Placement,
    published: Any,
) -> SearchDocument:
    """The index document of a course about to be written, as the indexer makes it."""
    mapping = {
        **values,
        "outcomes": outcomes,
        "tags": tags,
        "published_at": published,
        "instructor_name": instructor,
        "category_name": placement.category_name,
        "category_parent_id": placement.parent_id,
        "parent_name": placement.parent_name,
    }
    # build_document only reads keys, so this mapping stands in for a result row.
    return build_document(cast(RowMapping, mapping))


@dataclass
class _Curriculum:
    lesson_count: int
    duration: int
    first_lessons: list[tuple[str, int]]  # (id, position_seconds once watched), in order


def _curriculum(
    texts: SubjectTexts, course_id: str, base: int, created: str, draw: Draw, chunk: Chunk
) -> _Curriculum:
    # Lesson columns: id, created_at, updated_at, section_id, course_id, title, kind,
    # position, is_preview, duration_seconds, body, body_html, media_id, drip_days, drip_date.
    sections, lessons = chunk.rows["sections"], chunk.rows["lessons"]
    section_titles, lesson_titles, bodies = texts.section_titles, texts.lesson_titles, texts.bodies
    n_section_titles, n_lesson_titles = len(section_titles), len(lesson_titles)
    n_bodies = len(bodies)
    title_offset = int(draw() * n_section_titles)
    count = duration_total = 0
    first: list[tuple[str, int]] = []
    for s in range(5 + int(draw() * 16)):
        section_id = f"{_SECTION}{base | s:012x}"
        title = section_titles[(title_offset + s) % n_section_titles]
        sections.append((section_id, created, created, course_id, title, s))
        for position in range(3 + int(draw() * 13)):
            lesson_id = f"{_LESSON}{base | count:012x}"
            if draw() < VIDEO_SHARE:
                kind, duration, body, html = "video", 120 + int(draw() * 1081), "", ""
            else:
                body, html = bodies[int(draw() * n_bodies)]
                kind, duration = "text", 60 + int(draw() * 421)
            title = lesson_titles[int(draw() * n_lesson_titles)]
            preview = 1 if count == 0 else 0
            lessons.append(
                (
                    lesson_id,
                    created,
                    created,
                    section_id,
                    course_id,
                    title,
                    kind,
                    position,
                    preview,
                    duration,
                    body,
                    html,
                    None,
                    None,
                    None,
                )
            )
            if count < MAX_PROGRESS:
                first.append((lesson_id, duration if kind == "video" else 0))
            count += 1
            duration_total += duration
    return _Curriculum(count, duration_total, first)


def _enrollments(
    students: list[int],
    course_id: str,
    base: int,
    t_published: int,
    curriculum: _Curriculum,
    clock: Clock,
    draw: Draw,
    chunk: Chunk,
) -> list[int]:
    """Enrollments with the first lessons completed in order; returns when each enrolled."""
    enrollments, progress = chunk.rows["enrollments"], chunk.rows["lesson_progress"]
    t_end = clock.end
    enrolled_at: list[int] = []
    progress_number = 0
    for j, student in enumerate(students):
        enrollment_id = f"{_ENROLLMENT}{base | j:012x}"
        t_enrolled = t_published + int(draw() * (t_end - t_published))
        enrolled_at.append(t_enrolled)
        done = min(pick(PROGRESS_TABLE, draw), curriculum.lesson_count)
        last_lesson, last_activity, t = None, None, t_enrolled
        for lesson_id, position_seconds in curriculum.first_lessons[:done]:
            t = min(t + int((0.5 + draw() * 3) * DAY), t_end)
            last_lesson, last_activity = lesson_id, clock.stamp(t)
            progress_id = f"{_PROGRESS}{base | progress_number:012x}"
            progress.append(
                (
                    progress_id,
                    enrollment_id,
                    lesson_id,
                    position_seconds,
                    last_activity,
                    last_activity,
                )
            )
            progress_number += 1
        enrollments.append(
            (
                enrollment_id,
                student_id(student),
                course_id,
                "admin",
                "active",
                done * 100 // curriculum.lesson_count,
                None,
                last_lesson,
                clock.stamp(t_enrolled),
                done,
                last_activity,
            )
        )
    return enrolled_at


def _reviews(
    students: list[int],
    enrolled_at: list[int],
    course_id: str,
    base: int,
    clock: Clock,
    draw: Draw,
    chunk: Chunk,
) -> list[int]:
    """Reviews by the first enrolled students, after they enrolled; returns the ratings."""
    reviews = chunk.rows["reviews"]
    ratings: list[int] = []
    for j in range(min(pick(REVIEW_TABLE, draw), len(students))):
        rating: int = pick(RATING_TABLE, draw)
        body = pick(v.REVIEWS[rating], draw)
        stamp = clock.stamp(enrolled_at[j] + int(draw() * (clock.end - enrolled_at[j])))
        reviews.append(
            (
                f"{_REVIEW}{base | j:012x}",
                stamp,
                stamp,
                course_id,
                student_id(students[j]),
                rating,
                body,
                "visible",
                None,
                0,
                "en",
            )
        )
        ratings.append(rating)
    return ratings


def _price(draw: Draw) -> tuple[int, int | None]:
    """(price, list price) in USD cents: ~15% free, some shown as discounted."""
    if draw() < FREE_SHARE:
        return 0, None
    price: int = pick(PRICES_HIGH if draw() < HIGH_PRICE_SHARE else PRICES, draw)
    return price, price * 2 - 1 if draw() < DISCOUNTED_SHARE else None


def generate_course(number: int, plan: CatalogPlan, chunk: Chunk) -> None:
    rng = random.Random(number)
    draw = rng.random
    clock = plan.clock
    subject_index: int = pick(SUBJECT_TABLE, draw)
    texts = subject_texts(subject_index)
    subject = texts.subject
    course_id = f"{_COURSE}{number:012x}"
    base = number << ITEM_BITS
    t_published = int((PUBLISHED_FROM_DAY + draw() * PUBLISHED_DAYS) * DAY)
    created = clock.stamp(t_published - int((7 + draw() * 53) * DAY))

    curriculum = _curriculum(texts, course_id, base, created, draw, chunk)
    students = rng.sample(range(1, plan.students + 1), plan.per_course)
    enrolled_at = _enrollments(
        students, course_id, base, t_published, curriculum, clock, draw, chunk
    )
    ratings = _reviews(students, enrolled_at, course_id, base, clock, draw, chunk)

    placement = plan.categories.pick(subject_index, draw(), draw())
    title = f"{pick(v.OPENINGS, draw)} {subject.name}{pick(v.ENDINGS, draw)}"
    n_outcomes = len(texts.outcomes)
    offset = int(draw() * n_outcomes)
    outcomes = [texts.outcomes[(offset + 3 * i) % n_outcomes] for i in range(OUTCOMES_PER_COURSE)]
    markdown, html = description(pick(texts.intros, draw), outcomes, pick(v.CLOSINGS, draw))
    first_requirement = int(draw() * len(texts.requirements))
    requirements = [texts.requirements[first_requirement]]
    if draw() < 0.5:
        requirements.append(texts.requirements[(first_requirement + 2) % len(texts.requirements)])
    first_audience = int(draw() * len(texts.audiences))
    audiences = [texts.audiences[(first_audience + i) % len(texts.audiences)] for i in (0, 1)]
    tags = list(dict.fromkeys([subject.name.lower(), placement.category_name.lower()]))
    tags.append(pick(v.TAGS, draw))
    price, list_price = _price(draw)
    instructor = 1 + int(draw() * plan.instructors)
    t_submitted = t_published - int((6 + draw() * 66) * 3600)
    values: dict[str, Any] = {
        "id": course_id,
        "created_at": created,
        "updated_at": clock.stamp(t_published + int(draw() * (clock.end - t_published))),
        "slug": course_slug(number),
        "instructor_id": instructor_id(instructor),
        "title": title,
        "subtitle": pick(texts.subtitles, draw),
        "description": markdown,
        "description_html": html,
        "category_id": placement.category_id,
        "level": pick(LEVEL_TABLE, draw),
        "language": pick(LANGUAGE_TABLE, draw),
        "outcomes": as_json(outcomes),
        "requirements": as_json(requirements),
        "audience": as_json(audiences),
        "tags": as_json(tags),
        "price_amount": price,
        "currency": "USD",
        "list_price_amount": list_price,
        "thumbnail_key": None,
        "promo_media_id": None,
        "has_certificate": 1 if draw() < CERTIFICATE_SHARE else 0,
        "is_featured": 1 if draw() < FEATURED_SHARE else 0,
        "status": "published",
        "review_note": None,
        "submitted_at": clock.stamp(t_submitted),
        "published_at": clock.stamp(t_published),
        **rating_aggregates(ratings),
        "enrollment_count": len(students),
        "lesson_count": curriculum.lesson_count,
        "duration_seconds": curriculum.duration,
        "revision": 1,
    }
    chunk.rows["courses"].append(course_tuple(values))
    chunk.documents.append(
        search_document(
            values,
            outcomes=outcomes,
            tags=tags,
            instructor=instructor_name(instructor),
            placement=placement,
            published=clock.moment(t_published),
        )
    )
