"""Scenario 7: progress writes from 50 concurrent students; rps ÷ hello and lost writes.

Students 1..50 mark lessons of the 500-lesson course complete through
`PUT /api/v1/lessons/{id}/progress`, every request a (student, lesson) pair not
written before (bench/lua/progress_writes.lua). Their progress in that course
is reset first, so every pair starts fresh. Afterwards every acknowledged
write must be a completed row in the database, and each enrollment's
`completed_lessons` counter must equal its completed rows.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from bench.harness import Context, Row, WrkResult, ratio_row
from bench.scenarios._unmeasured import error_text, problem_row
from syllabus.accounts.models import User
from syllabus.benchdata.names import (
    BENCH_PASSWORD,
    LARGE_LESSONS,
    LARGE_SLUG,
    student_email,
)
from syllabus.catalog.models import Lesson
from syllabus.kit.db import build_engine
from syllabus.learning.models import Enrollment, LessonProgress

SCENARIO = "7 progress writes, 50 concurrent students"
STUDENTS = 50
LUA = "progress_writes.lua"
MIN_RATIO = 0.25
# Longest wait for writes in flight at the end of the run to land.
SETTLE_S = 30.0
# Quizzes complete only when passed, so a plain "completed" write leaves them open.
UNWRITABLE_KINDS = ("quiz",)

Pair = tuple[str, str]  # (enrollment id, lesson id)


def run(ctx: Context) -> list[Row]:
    # Reads go through a reader engine: on SQLite it never queues behind the server's writers.
    writer = build_engine(ctx.database_url(), pool_size=2)
    reader = build_engine(ctx.database_url(), pool_size=2, writer=False)
    try:
        return _measure(ctx, writer, reader)
    except Exception as exc:
        note = error_text(exc)
        return [
            problem_row(
                ctx, scenario=SCENARIO, figure="rps ÷ hello rps", target="≥ 0.25", note=note
            ),
            problem_row(ctx, scenario=SCENARIO, figure="lost writes", target="0", note=note),
        ]
    finally:
        writer.dispose()
        reader.dispose()
        # Writes still queued when wrk stopped keep the server busy for a while:
        # the next scenario gets a fresh one.
        ctx.restart()


# --- preparing ----------------------------------------------------------------------


@dataclass
class Course:
    id: str
    lessons: list[str]  # lessons a "completed" write completes, curriculum order
    skipped: int  # quizzes and drip-fed lessons left out


def writable_lessons(
    curriculum: list[dict[str, object]], kinds_skipped: Iterable[str]
) -> list[str]:
    """Lesson ids of a course detail's curriculum, in order, without the given kinds."""
    skipped = set(kinds_skipped)
    found = []
    for section in curriculum:
        lessons = section.get("lessons")
        assert isinstance(lessons, list), "curriculum section without lessons"
        for lesson in lessons:
            if lesson["kind"] not in skipped:
                found.append(str(lesson["id"]))
    return found


def load_course(ctx: Context, engine: Engine) -> Course:
    response = httpx.get(f"{ctx.base_url}/api/v1/courses/{LARGE_SLUG}", timeout=30.0)
    if response.status_code != 200:
        raise RuntimeError(f"{LARGE_SLUG} answered {response.status_code}")
    detail = response.json()
    total = sum(len(section["lessons"]) for section in detail["curriculum"])
    if total != LARGE_LESSONS:
        raise RuntimeError(f"{LARGE_SLUG} lists {total} lessons, expected {LARGE_LESSONS}")
    lessons = writable_lessons(detail["curriculum"], UNWRITABLE_KINDS)
    with engine.connect() as conn:
        dripped = set(
            conn.scalars(
                select(Lesson.id).where(
                    Lesson.course_id == detail["id"],
                    (Lesson.drip_days > 0) | Lesson.drip_date.is_not(None),
                )
            )
        )
    writable = [lesson for lesson in lessons if lesson not in dripped]
    return Course(id=str(detail["id"]), lessons=writable, skipped=total - len(writable))


def student_enrollments(engine: Engine, course_id: str) -> list[str]:
    """Enrollment ids of students 1..STUDENTS in the course, in student order."""
    emails = [student_email(number) for number in range(1, STUDENTS + 1)]
    with engine.connect() as conn:
        found = dict(
            conn.execute(
                select(User.email, Enrollment.id)
                .join(Enrollment, Enrollment.user_id == User.id)
                .where(
                    User.email.in_(emails),
                    Enrollment.course_id == course_id,
                    Enrollment.status == "active",
                )
            )
            .tuples()
            .all()
        )
    missing = [email for email in emails if email not in found]
    if missing:
        raise RuntimeError(f"{len(missing)} students lack an enrollment, e.g. {missing[0]}")
    return [found[email] for email in emails]


def reset_progress(engine: Engine, enrollment_ids: list[str]) -> None:
    """Forget these enrollments' progress: no rows, counters back to zero."""
    with engine.begin() as conn:
        conn.execute(delete(LessonProgress).where(LessonProgress.enrollment_id.in_(enrollment_ids)))
        conn.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(enrollment_ids))
            .values(
                progress_percent=0,
                completed_lessons=0,
                completed_at=None,
                last_lesson_id=None,
                last_activity_at=None,
            )
        )


def check_one_write(ctx: Context, token: str, lesson_id: str, enrollment_id: str) -> None:
    """A single write answers 200 and reports the lesson complete for that enrollment."""
    response = httpx.put(
        f"{ctx.base_url}/api/v1/lessons/{lesson_id}/progress",
        json={"completed": True},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    if response.status_code != 200:
        raise RuntimeError(f"a progress write answered {response.status_code}: {response.text}")
    body = response.json()
    done = [item for item in body["lessons"] if item["lesson_id"] == lesson_id]
    if body["enrollment_id"] != enrollment_id or not done or not done[0]["completed"]:
        raise RuntimeError(f"a progress write was not reported complete: {body}")


# --- auditing -----------------------------------------------------------------------


def read_acks(folder: Path) -> set[Pair]:
    """Every (enrollment, lesson) the Lua script saw acknowledged, across its files."""
    acked: set[Pair] = set()
    for path in folder.glob("acked-*.txt"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                acked.add((parts[0], parts[1]))
    return acked


@dataclass
class Audit:
    acknowledged: int
    completed: int
    missing: int  # acknowledged but not completed in the database
    counter_errors: int  # sum of |completed_lessons - completed rows| over enrollments
    unacknowledged: int  # completed without an answer seen (in flight when wrk stopped)

    @property
    def lost(self) -> int:
        return self.missing + self.counter_errors


def audit(acked: set[Pair], completed: set[Pair], counters: dict[str, tuple[int, int]]) -> Audit:
    """Compare acknowledged writes with the completed rows, and each counter with its rows.

    `counters` maps an enrollment to (its completed_lessons, its completed rows),
    both read by one statement so they come from the same snapshot.
    """
    counter_errors = sum(abs(counter - rows) for counter, rows in counters.values())
    return Audit(
        acknowledged=len(acked),
        completed=len(completed),
        missing=len(acked - completed),
        counter_errors=counter_errors,
        unacknowledged=len(completed - acked),
    )


def database_state(
    engine: Engine, enrollment_ids: list[str]
) -> tuple[set[Pair], dict[str, tuple[int, int]]]:
    """Completed (enrollment, lesson) rows; per enrollment (completed_lessons, completed rows)."""
    completed_rows = (
        select(func.count())
        .where(
            LessonProgress.enrollment_id == Enrollment.id,
            LessonProgress.completed_at.is_not(None),
        )
        .correlate(Enrollment)
        .scalar_subquery()
    )
    with engine.connect() as conn:
        completed = {
            (str(enrollment), str(lesson))
            for enrollment, lesson in conn.execute(
                select(LessonProgress.enrollment_id, LessonProgress.lesson_id).where(
                    LessonProgress.enrollment_id.in_(enrollment_ids),
                    LessonProgress.completed_at.is_not(None),
                )
            ).tuples()
        }
        counters = {
            str(enrollment): (int(counter), int(rows))
            for enrollment, counter, rows in conn.execute(
                select(Enrollment.id, Enrollment.completed_lessons, completed_rows).where(
                    Enrollment.id.in_(enrollment_ids)
                )
            ).tuples()
        }
    return completed, counters


def settled_state(
    engine: Engine, enrollment_ids: list[str], max_seconds: float = SETTLE_S
) -> tuple[set[Pair], dict[str, tuple[int, int]]]:
    """The database state once writes still in flight when wrk stopped have landed.

    Read again every half second until two reads agree (at most `max_seconds`).
    """
    deadline = time.monotonic() + max_seconds
    state = database_state(engine, enrollment_ids)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        again = database_state(engine, enrollment_ids)
        if again == state:
            break
        state = again
    return state


# --- measuring ----------------------------------------------------------------------


def _measure(ctx: Context, writer: Engine, reader: Engine) -> list[Row]:
    course = load_course(ctx, reader)
    enrollment_ids = student_enrollments(reader, course.id)
    tokens = [ctx.login(student_email(n), BENCH_PASSWORD) for n in range(1, STUDENTS + 1)]
    reset_progress(writer, enrollment_ids)
    check_one_write(ctx, tokens[0], course.lessons[0], enrollment_ids[0])
    reset_progress(writer, enrollment_ids)

    with tempfile.TemporaryDirectory(prefix="bench-progress-") as tmp:
        folder = Path(tmp)
        result = _load(ctx, folder, tokens, course.lessons)
        acked = read_acks(folder)
    completed, counters = settled_state(reader, enrollment_ids)
    found = audit(acked, completed, counters)
    if ctx.profiler is not None:
        # After the audit: the repeated load writes pairs the audit never sees.
        with (
            tempfile.TemporaryDirectory(prefix="bench-s07-profile-") as tmp,
            ctx.profiled(ctx.duration, "progress writes"),
        ):
            _load(ctx, Path(tmp), tokens, course.lessons, start=int(result.extra.get("next_k", 0)))

    pairs = len(tokens) * len(course.lessons)
    used = int(result.extra.get("next_k", 0))
    notes = [
        f"{STUDENTS} connections, {pairs:,} fresh pairs ({len(course.lessons)} lessons"
        + (f", {course.skipped} quiz/drip lessons left out" if course.skipped else "")
        + ")",
    ]
    if used >= pairs:
        notes.append("every pair used before the end: rps understated")
    rps_row = ratio_row(
        ctx, scenario=SCENARIO, result=result, minimum=MIN_RATIO, note="; ".join(notes)
    )
    lost_row = Row(
        scenario=SCENARIO,
        backend=ctx.backend,
        figure="lost writes",
        ours=f"{found.lost}",
        reference="—",
        value=float(found.lost),
        target="0",
        passed=found.lost == 0 and found.acknowledged > 0,
        note=(
            f"{found.acknowledged:,} writes answered 2xx (warm-up included), "
            f"{found.completed:,} completed rows; {found.missing} answered but missing, "
            f"{found.counter_errors} off in completed_lessons; "
            f"{found.unacknowledged} stored without an answer seen (in flight at the end)"
        ),
    )
    return [rps_row, lost_row]


def _load(
    ctx: Context, folder: Path, tokens: list[str], lessons: list[str], start: int = 0
) -> WrkResult:
    """A warm-up run, then the measured run continuing with pairs not yet written.

    `start` skips pairs an earlier load already wrote (the profiled repeat).
    """
    tokens_file, lessons_file = folder / "tokens.txt", folder / "lessons.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    lessons_file.write_text("\n".join(lessons) + "\n")
    threads = ctx.threads

    def load(duration: float, start: int) -> WrkResult:
        args = [str(tokens_file), str(lessons_file), str(folder), str(start), str(threads)]
        return ctx.wrk(
            "/",
            connections=STUDENTS,
            duration=duration,
            threads=threads,
            warmup=0,
            lua=LUA,
            lua_args=args,
            profile=False,
        )

    if ctx.warmup > 0:
        start = int(load(ctx.warmup, start).extra.get("next_k", start))
    return load(ctx.duration, start)
