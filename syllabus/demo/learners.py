"""Demo learners: enrollments in the published courses, progress, and the reviews they leave.

Popular courses get more students; a course's quality (a number per course)
tilts its ratings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from syllabus.demo.content import DEMO_STUDENTS, REPLIES_CRITICAL, REPLIES_POSITIVE, REVIEW_BODIES
from syllabus.demo.plan import Dice, Plan, PlannedCourse, Row

# The students printed with the demo logins get a full dashboard.
_DEMO_STUDENT_COURSES = dict(zip(DEMO_STUDENTS, (9, 7), strict=True))


def enrol(dice: Dice, plan: Plan, student: Row, courses: list[PlannedCourse]) -> None:
    """The student's enrollments in some live courses (popular ones likelier), some reviewed."""
    rng = dice.rng
    size = _DEMO_STUDENT_COURSES.get(student["name"]) or max(
        1, min(16, round(rng.triangular(1, 16, 6)))
    )
    ranked = sorted(courses, key=lambda c: rng.random() ** (1 / c.spec.popularity))
    for course in reversed(ranked[-size:]):
        start = max(student["created_at"], course.row["published_at"]) + timedelta(hours=1)
        end = dice.now - timedelta(hours=1)
        if start >= end:
            continue
        created = dice.between(start, end)
        roll = rng.random()
        if roll < 0.12:
            progress = 0
        elif roll < 0.35:
            progress = rng.randint(3, 30)
        elif roll < 0.70:
            progress = rng.randint(31, 95)
        else:
            progress = 100
        lessons = course.lesson_ids
        last = lessons[round(progress / 100 * (len(lessons) - 1))] if progress else None
        enrollment: Row = {
            "id": dice.new_id(),
            "user_id": student["id"],
            "course_id": course.row["id"],
            "source": "free" if course.row["price_amount"] == 0 else "purchase",
            "status": "active",
            "progress_percent": progress,
            "completed_at": dice.between(created, end, 0.3) if progress == 100 else None,
            "last_lesson_id": last,
            "created_at": created,
        }
        plan.enrollments.append(enrollment)
        if progress >= 15 and rng.random() < 0.22 + 0.36 * progress / 100:
            _review(dice, plan, student, course, enrollment, end)


def _review(
    dice: Dice, plan: Plan, student: Row, course: PlannedCourse, enrollment: Row, end: datetime
) -> None:
    rng, q = dice.rng, course.quality
    weights = [max(0.5, w) for w in (3 - 2 * q, 4 - 2 * q, 10 - 4 * q, 30, 52 + 18 * q)]
    rating = rng.choices(range(1, 6), weights=weights)[0]
    english = course.spec.language == "en"
    fill = {
        "subject": course.spec.subject,
        "instructor_first": course.instructor["name"].split()[0],
        "student_first": student["name"].split()[0],
    }
    bodies = [b for b in REVIEW_BODIES[rating] if english or "{subject}" not in b]
    body = "" if rng.random() < 0.15 else rng.choice(bodies).format(**fill)
    reply = None
    if rng.random() < 0.2:
        replies = REPLIES_POSITIVE if rating >= 4 else REPLIES_CRITICAL
        reply = rng.choice([r for r in replies if english or "{subject}" not in r]).format(**fill)
    created = dice.between(enrollment["created_at"], end, 0.35)
    plan.reviews.append(
        {
            "id": dice.new_id(),
            "course_id": course.row["id"],
            "user_id": student["id"],
            "rating": rating,
            "body": body,
            "status": "visible",
            "reply": reply,
            "helpful_count": min(60, int(rng.expovariate(1 / 3))),
            "language": "en",
            "created_at": created,
            "updated_at": created,
        }
    )


def aggregate(plan: Plan, course: PlannedCourse) -> None:
    """The course's enrollment and rating figures, counted from the rows planned for it."""
    row = course.row
    enrollments = [e for e in plan.enrollments if e["course_id"] == row["id"]]
    ratings = [r["rating"] for r in plan.reviews if r["course_id"] == row["id"]]
    row["enrollment_count"] = len(enrollments)
    row["rating_count"] = len(ratings)
    row["rating_sum"] = sum(ratings)
    row["rating_avg"] = round(sum(ratings) / len(ratings), 2) if ratings else 0.0
    row["rating_histogram"] = {str(n): ratings.count(n) for n in range(1, 6)}
