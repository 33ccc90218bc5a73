"""Course authoring: courses, sections, lessons and their order, by the owner (or an admin).

Every write locks the course row, keeps the denormalised `lesson_count` and
`duration_seconds` right, bumps `revision` and forgets the course's cached
reads once the change commits. Editing a published course keeps it
published: the change is live at once. Another instructor's course is a
404, unless it is published (its existence is public), then a 403.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.catalog import repository as repo
from syllabus.catalog.cache import invalidate_course, slug_key
from syllabus.catalog.errors import (
    CourseNotFound,
    CurrencyMismatch,
    CurriculumMismatch,
    LessonNotFound,
    NotCourseOwner,
    SectionNotFound,
    UnknownCategory,
)
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.catalog.schemas import (
    CourseCreate,
    CourseFields,
    CourseUpdate,
    CurriculumOrder,
    LessonCreate,
    LessonUpdate,
    SectionIn,
    SectionUpdate,
)
from syllabus.kit.db import after_commit
from syllabus.kit.errors import Forbidden, InvalidInput, NotFound
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import Runtime
from syllabus.search.tasks import queue_reindex

SLUG_MAX = 80
_UUID_LIKE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
Direction = Literal["up", "down"]


# --- access ------------------------------------------------------------------------------


def _check_owner(actor: Actor, course: Course, missing: type[NotFound]) -> None:
    if actor.is_admin or course.instructor_id == actor.id:
        return
    if course.status == "published":
        raise NotCourseOwner("Only the course's instructor can change it.")
    raise missing()


def owned_course(
    session: Session, actor: Actor, course_key: str, *, for_update: bool = False
) -> Course:
    """The course (id or slug) if `actor` owns it or is an admin; 404 or 403 otherwise."""
    course = repo.course_by_key(session, course_key, for_update=for_update)
    if course is None:
        raise CourseNotFound("No such course.")
    _check_owner(actor, course, CourseNotFound)
    return course


def owned_section(
    session: Session, actor: Actor, section_id: str, *, for_update: bool = True
) -> tuple[Section, Course]:
    section = repo.section_by_id(session, section_id)
    if section is None:
        raise SectionNotFound("No such section.")
    course = repo.course_by_id(session, section.course_id, for_update=for_update)
    if course is None:
        raise SectionNotFound("No such section.")
    _check_owner(actor, course, SectionNotFound)
    return section, course


def owned_lesson(
    session: Session, actor: Actor, lesson_id: str, *, for_update: bool = True
) -> tuple[Lesson, Course]:
    lesson = repo.lesson_by_id(session, lesson_id)
    if lesson is None:
        raise LessonNotFound("No such lesson.")
    course = repo.course_by_id(session, lesson.course_id, for_update=for_update)
    if course is None:
        raise LessonNotFound("No such lesson.")
    _check_owner(actor, course, LessonNotFound)
    return lesson, course


def record_change(
    session: Session,
    rt: Runtime,
    course: Course,
    *,
    counts: bool = False,
    was_published: bool = False,
) -> None:
    """After any write: recount lessons if asked, bump the revision, invalidate after commit."""
    session.flush()
    if counts:
        course.lesson_count, course.duration_seconds = repo.lesson_totals(session, course.id)
    course.revision = (course.revision or 0) + 1
    session.flush()
    lists = was_published or course.status == "published"
    invalidate_course(session, rt, course.id, lists=lists)
    queue_reindex(session, course.id)


# --- courses -------------------------------------------------------------------------------


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by "-", at most SLUG_MAX characters; "course" if none."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_MAX:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:SLUG_MAX]
    return slug or "course"


def _free_slug(session: Session, title: str) -> str:
    base = slugify(title)
    candidate = base
    for _ in range(10):
        # A slug shaped like a UUID could shadow another course's id in `{course}`.
        if not _UUID_LIKE.match(candidate) and not repo.slug_taken(session, candidate):
            return candidate
        candidate = f"{base}-{secrets.token_hex(3)}"
    raise RuntimeError("no free slug found")  # pragma: no cover - 16M suffixes per title


def create_course(session: Session, rt: Runtime, actor: Actor, body: CourseCreate) -> Course:
    """A draft course owned by `actor`, with a slug from its title that never changes."""
    if not actor.is_instructor:
        raise Forbidden("Only instructors can create courses.", code="not_instructor")
    course = Course(
        instructor_id=actor.id,
        title=body.title,
        status="draft",
        price_amount=0,
        currency="USD",
        revision=1,
        lesson_count=0,
        duration_seconds=0,
    )
    _apply_fields(session, rt, actor, course, body)
    for attempt in range(5):
        course.slug = _free_slug(session, body.title)
        try:
            # A savepoint: a concurrent insert of the same slug costs a retry, not the request.
            with session.begin_nested():
                session.add(course)
                session.flush()
            break
        except IntegrityError:
            if attempt == 4:
                raise
    invalidate_course(session, rt, course.id, lists=False)
    return course


def update_course(
    session: Session, rt: Runtime, actor: Actor, course_key: str, body: CourseUpdate
) -> Course:
    course = owned_course(session, actor, course_key, for_update=True)
    if body.title is not None:
        course.title = body.title
    _apply_fields(session, rt, actor, course, body)
    record_change(session, rt, course)
    return course


def delete_course(session: Session, rt: Runtime, actor: Actor, course_key: str) -> str:
    """Delete the course, or archive it if anyone ever enrolled; returns "deleted"/"archived"."""
    course = owned_course(session, actor, course_key, for_update=True)
    before = course.status
    if repo.enrollment_count(session, course.id) > 0:
        outcome = "archived"
        if course.status != "archived":
            course.status = "archived"
            record_change(session, rt, course, was_published=before == "published")
    else:
        outcome = "deleted"
        slug = course.slug
        session.delete(course)  # sections, lessons and quizzes go with it (ON DELETE CASCADE)
        session.flush()
        invalidate_course(session, rt, course.id, lists=before == "published")
        after_commit(session, lambda: rt.cache.delete(slug_key(slug)))
    if actor.is_admin:
        audit.record(
            session,
            actor_id=actor.id,
            action=f"course.{outcome}",
            target_type="course",
            target_id=course.id,
            before={"status": before},
            after={"status": "archived"} if outcome == "archived" else None,
        )
        session.flush()
    return outcome


def _apply_fields(
    session: Session, rt: Runtime, actor: Actor, course: Course, body: CourseFields
) -> None:
    given = body.model_fields_set
    for name in ("subtitle", "level", "language", "has_certificate"):
        value = getattr(body, name)
        if value is not None:
            setattr(course, name, value)
    for name in ("outcomes", "requirements", "audience", "tags"):
        value = getattr(body, name)
        if value is not None:
            setattr(course, name, list(dict.fromkeys(value)))
    if body.description is not None:
        course.description = body.description
        course.description_html = render_markdown(body.description)
    if "category_id" in given:
        if body.category_id is not None and not repo.category_exists(session, body.category_id):
            raise UnknownCategory(f"There is no category {body.category_id!r}.")
        course.category_id = body.category_id
    if given & {"thumbnail_media_id", "promo_media_id"}:
        from syllabus.media.assets import apply_course_media  # media builds on the catalog

        apply_course_media(
            session,
            rt,
            actor,
            course,
            thumbnail_media_id=body.thumbnail_media_id,
            promo_media_id=body.promo_media_id,
            given=given,
        )
    if body.price is not None:
        if body.price.currency != course.currency and "list_price" not in given:
            course.list_price_amount = None  # no longer comparable
        course.price_amount, course.currency = body.price.amount, body.price.currency
    if "list_price" in given:
        if body.list_price is None:
            course.list_price_amount = None
        elif body.list_price.currency != course.currency:
            raise CurrencyMismatch(f"list_price must be in the course currency, {course.currency}.")
        else:
            course.list_price_amount = body.list_price.amount


# --- sections --------------------------------------------------------------------------------


def add_section(
    session: Session, rt: Runtime, actor: Actor, course_key: str, body: SectionIn
) -> Section:
    course = owned_course(session, actor, course_key, for_update=True)
    position = repo.next_section_position(session, course.id)
    section = Section(course_id=course.id, title=body.title, position=position)
    session.add(section)
    record_change(session, rt, course)
    return section


def update_section(
    session: Session, rt: Runtime, actor: Actor, section_id: str, body: SectionUpdate
) -> Section:
    section, course = owned_section(session, actor, section_id)
    if body.title is not None:
        section.title = body.title
    record_change(session, rt, course)
    return section


def delete_section(session: Session, rt: Runtime, actor: Actor, section_id: str) -> None:
    """Delete a section with its lessons; the remaining sections close the gap."""
    section, course = owned_section(session, actor, section_id)
    repo.delete_lessons_of_section(session, section.id)
    session.delete(section)
    session.flush()
    _renumber(repo.sections_of(session, course.id))
    record_change(session, rt, course, counts=True)


def move_section(
    session: Session, rt: Runtime, actor: Actor, section_id: str, direction: Direction
) -> Course:
    """Swap a section with its neighbour; at the edge nothing changes."""
    section, course = owned_section(session, actor, section_id)
    sections = repo.sections_of(session, course.id)
    i = sections.index(section)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(sections):
        sections[i], sections[j] = sections[j], sections[i]
        _renumber(sections)
        record_change(session, rt, course)
    return course


# --- lessons ---------------------------------------------------------------------------------


def add_lesson(
    session: Session, rt: Runtime, actor: Actor, section_id: str, body: LessonCreate
) -> Lesson:
    """A lesson at the end of the section; a Markdown `body` is stored with sanitised HTML."""
    section, course = owned_section(session, actor, section_id)
    lesson = Lesson(
        section_id=section.id,
        course_id=course.id,
        title=body.title,
        kind=body.kind,
        position=repo.next_lesson_position(session, section.id),
        is_preview=bool(body.is_preview),
        duration_seconds=body.duration_seconds or 0,
        body=body.body or "",
        body_html=render_markdown(body.body) if body.body else "",
        drip_days=body.drip_days,
        drip_date=_utc(body.drip_date),
    )
    session.add(lesson)
    if body.live is not None:
        from syllabus.live.service import apply_schedule  # live lessons build on the catalog

        apply_schedule(session, rt, lesson, body.live)
    record_change(session, rt, course, counts=True)
    return lesson


def update_lesson(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, body: LessonUpdate
) -> Lesson:
    lesson, course = owned_lesson(session, actor, lesson_id)
    if body.title is not None:
        lesson.title = body.title
    if body.is_preview is not None:
        lesson.is_preview = body.is_preview
    if body.duration_seconds is not None:
        lesson.duration_seconds = body.duration_seconds
    if body.body is not None:
        lesson.body, lesson.body_html = body.body, render_markdown(body.body)
    if body.clear_drip:
        if body.drip_days is not None or body.drip_date is not None:
            raise InvalidInput("Send clear_drip or a drip rule, not both.", code="invalid_drip")
        lesson.drip_days, lesson.drip_date = None, None
    if body.drip_days is not None:
        lesson.drip_days, lesson.drip_date = body.drip_days, None
    if body.drip_date is not None:
        lesson.drip_days, lesson.drip_date = None, _utc(body.drip_date)
    if body.live is not None:
        from syllabus.live.service import apply_schedule  # live lessons build on the catalog

        apply_schedule(session, rt, lesson, body.live)
    record_change(session, rt, course, counts=body.duration_seconds is not None)
    return lesson


def delete_lesson(session: Session, rt: Runtime, actor: Actor, lesson_id: str) -> None:
    lesson, course = owned_lesson(session, actor, lesson_id)
    section_id = lesson.section_id
    session.delete(lesson)  # its quiz and questions go with it (ON DELETE CASCADE)
    session.flush()
    _renumber(repo.lessons_of_section(session, section_id))
    record_change(session, rt, course, counts=True)


def move_lesson(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, direction: Direction
) -> Course:
    """Swap with the neighbouring lesson; past a section's edge, into the neighbouring section."""
    lesson, course = owned_lesson(session, actor, lesson_id)
    sections = repo.sections_of(session, course.id)
    lessons = repo.lessons_of(session, course.id)
    groups = {s.id: [x for x in lessons if x.section_id == s.id] for s in sections}
    index = [s.id for s in sections].index(lesson.section_id)
    group = groups[lesson.section_id]
    i = group.index(lesson)
    if direction == "up" and i > 0:
        group[i - 1], group[i] = group[i], group[i - 1]
    elif direction == "down" and i < len(group) - 1:
        group[i], group[i + 1] = group[i + 1], group[i]
    elif direction == "up" and index > 0:
        group.pop(i)
        lesson.section_id = sections[index - 1].id
        groups[lesson.section_id].append(lesson)
    elif direction == "down" and index < len(sections) - 1:
        group.pop(i)
        lesson.section_id = sections[index + 1].id
        groups[lesson.section_id].insert(0, lesson)
    else:
        return course  # first lesson of the first section, or last of the last
    for members in groups.values():
        _renumber(members)
    record_change(session, rt, course)
    return course


def reorder_curriculum(
    session: Session, rt: Runtime, actor: Actor, course_key: str, body: CurriculumOrder
) -> Course:
    """Put sections and lessons in the given order; lessons may change section.

    The order must name exactly the course's sections and every lesson once;
    otherwise nothing changes (422 `curriculum_mismatch`).
    """
    course = owned_course(session, actor, course_key, for_update=True)
    sections = {s.id: s for s in repo.sections_of(session, course.id)}
    lessons = {x.id: x for x in repo.lessons_of(session, course.id)}
    named_sections = [entry.id for entry in body.sections]
    named_lessons = [lesson_id for entry in body.sections for lesson_id in entry.lessons]
    if sorted(named_sections) != sorted(sections) or sorted(named_lessons) != sorted(lessons):
        raise CurriculumMismatch(
            "List every section of the course once, and every one of its lessons once."
        )
    for position, entry in enumerate(body.sections):
        sections[entry.id].position = position
        for lesson_position, lesson_id in enumerate(entry.lessons):
            lesson = lessons[lesson_id]
            lesson.section_id, lesson.position = entry.id, lesson_position
    record_change(session, rt, course)
    return course


def _renumber(items: Sequence[Section | Lesson]) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
