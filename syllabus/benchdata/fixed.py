"""The two fixed-size courses the scenarios compare: bench-small and bench-large.

Both are published, paid and taught by instructor `FIXED_INSTRUCTOR`;
every lesson is a video with a duration, none is a preview and none drips,
so a request for any lesson goes through the enrollment check. Students
1..ENROLLED_STUDENTS are enrolled (active) in both, with no progress yet,
and five of them reviewed each course. The first lesson of bench-small
shows a video asset in state `ready`, with the columns a finished
transcode leaves (HLS prefix, poster, renditions, duration): playback
authorization only signs URLs, so no media files are needed.

Their ids count from course numbers above any N (1,000,001 and 1,000,002),
so they are appended after the generated catalog like everything else.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from syllabus.benchdata import names
from syllabus.benchdata.catalog import (
    CatalogPlan,
    Chunk,
    Row,
    course_tuple,
    rating_aggregates,
    search_document,
)
from syllabus.benchdata.ids import DAY, ITEM_BITS, bench_id, instructor_id, student_id
from syllabus.benchdata.people import instructor_name
from syllabus.benchdata.texts import as_json, description, subject_texts
from syllabus.benchdata.vocabulary import SUBJECTS
from syllabus.media import keys

SMALL_NUMBER = 1_000_001
LARGE_NUMBER = 1_000_002
SUBJECT = next(i for i, s in enumerate(SUBJECTS) if s.name == "Project Management")
PRICE = 4999
RATINGS = (5, 4, 5, 5, 3)
VIDEO_SIZE_BYTES = 48_000_000
RENDITIONS = [
    {"name": "360p", "width": 640, "height": 360, "bandwidth": 1_000_000},
    {"name": "720p", "width": 1280, "height": 720, "bandwidth": 2_900_000},
]


@dataclass(frozen=True)
class FixedCourse:
    number: int
    slug: str
    title: str
    sections: int
    lessons_per_section: int


SMALL = FixedCourse(SMALL_NUMBER, names.SMALL_SLUG, "Project Management Sprint", 4, 5)
LARGE = FixedCourse(LARGE_NUMBER, names.LARGE_SLUG, "Project Management Encyclopedia", 20, 25)


def fixed_courses(plan: CatalogPlan) -> tuple[Chunk, list[Row]]:
    """The rows of both fixed courses, and the media_assets row of bench-small's video."""
    chunk = Chunk()
    media: list[Row] = []
    for course in (SMALL, LARGE):
        _course(course, plan, chunk, media)
    return chunk, media


def _course(course: FixedCourse, plan: CatalogPlan, chunk: Chunk, media: list[Row]) -> None:
    draw = random.Random(course.number).random
    clock = plan.clock
    texts = subject_texts(SUBJECT)
    course_id = bench_id("courses", course.number)
    base = course.number << ITEM_BITS
    t_published = clock.end - 30 * DAY
    created = clock.stamp(t_published - 20 * DAY)
    asset_id = bench_id("media_assets", 1)

    total = 0
    for s in range(course.sections):
        section_id = bench_id("sections", base | s)
        title = texts.section_titles[s % len(texts.section_titles)]
        chunk.rows["sections"].append((section_id, created, created, course_id, title, s))
        for position in range(course.lessons_per_section):
            number = s * course.lessons_per_section + position
            duration = 120 + int(draw() * 1081)
            with_video = course is SMALL and number == 0
            if with_video:
                media.append(_ready_video(asset_id, duration, clock.stamp(t_published - DAY)))
            title = texts.lesson_titles[number % len(texts.lesson_titles)]
            chunk.rows["lessons"].append(
                (
                    bench_id("lessons", base | number),
                    created,
                    created,
                    section_id,
                    course_id,
                    title,
                    "video",
                    position,
                    0,
                    duration,
                    "",
                    "",
                    asset_id if with_video else None,
                    None,
                    None,
                )
            )
            total += duration

    for j in range(names.ENROLLED_STUDENTS):
        enrolled = clock.stamp(t_published + DAY + j * 60)
        chunk.rows["enrollments"].append(
            (
                bench_id("enrollments", base | j),
                student_id(j + 1),
                course_id,
                "admin",
                "active",
                0,
                None,
                None,
                enrolled,
                0,
                None,
            )
        )
    reviewed = clock.stamp(t_published + 10 * DAY)
    for j, rating in enumerate(RATINGS):
        chunk.rows["reviews"].append(
            (
                bench_id("reviews", base | j),
                reviewed,
                reviewed,
                course_id,
                student_id(j + 1),
                rating,
                "Clear and well organised.",
                "visible",
                None,
                0,
                "en",
            )
        )

    outcomes = list(texts.outcomes[:4])
    markdown, html = description(texts.intros[0], outcomes, "Built to measure the platform.")
    placement = plan.categories.pick(SUBJECT, 0.0, 1.0)
    tags = ["project management", "benchmark"]
    values: dict[str, Any] = {
        "id": course_id,
        "created_at": created,
        "updated_at": clock.stamp(t_published),
        "slug": course.slug,
        "instructor_id": instructor_id(names.FIXED_INSTRUCTOR),
        "title": course.title,
        "subtitle": f"{course.sections * course.lessons_per_section} video lessons",
        "description": markdown,
        "description_html": html,
        "category_id": placement.category_id,
        "level": "all",
        "language": "en",
        "outcomes": as_json(outcomes),
        "requirements": as_json(list(texts.requirements[:1])),
        "audience": as_json(list(texts.audiences[:1])),
        "tags": as_json(tags),
        "price_amount": PRICE,
        "currency": "USD",
        "list_price_amount": None,
        "thumbnail_key": None,
        "promo_media_id": None,
        "has_certificate": 1,
        "is_featured": 0,
        "status": "published",
        "review_note": None,
        "submitted_at": clock.stamp(t_published - DAY),
        "published_at": clock.stamp(t_published),
        **rating_aggregates(list(RATINGS)),
        "enrollment_count": names.ENROLLED_STUDENTS,
        "lesson_count": course.sections * course.lessons_per_section,
        "duration_seconds": total,
        "revision": 1,
    }
    chunk.rows["courses"].append(course_tuple(values))
    chunk.documents.append(
        search_document(
            values,
            outcomes=outcomes,
            tags=tags,
            instructor=instructor_name(names.FIXED_INSTRUCTOR),
            placement=placement,
            published=clock.moment(t_published),
        )
    )


def _ready_video(asset_id: str, duration: int, stamp: str) -> Row:
    """A media_assets row as a finished transcode leaves it."""
    return (
        asset_id,
        stamp,
        stamp,
        instructor_id(names.FIXED_INSTRUCTOR),
        "lesson_video",
        "ready",
        "welcome.mp4",
        "video/mp4",
        VIDEO_SIZE_BYTES,
        keys.source_key(asset_id),
        duration,
        1280,
        720,
        as_json(RENDITIONS),
        keys.hls_prefix(asset_id),
        keys.poster_key(asset_id),
        "{}",
        None,
        1,
        100,
        None,
        None,
        stamp,
    )
