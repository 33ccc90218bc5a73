"""Names the benchmark data always has, so scenarios can find what they need.

The generator is deterministic: the same N gives the same slugs, emails and
sizes on every database, and the scenarios in bench/ rely only on what is
named here.
"""

from __future__ import annotations

# Every generated account shares this password (hashed once), so never seed it
# into a database real people use.
BENCH_PASSWORD = "bench-password-2026"  # noqa: S105
# Reserved by RFC 2606 and accepted by email validation (a .test address is refused at login).
EMAIL_DOMAIN = "bench.syllabus.example"

# Two fixed-size published courses next to the generated catalog.
SMALL_SLUG = "bench-small"  # exactly 20 lessons (4 sections of 5)
LARGE_SLUG = "bench-large"  # exactly 500 lessons (20 sections of 25)
SMALL_LESSONS = 20
LARGE_LESSONS = 500
# Students 1..ENROLLED_STUDENTS are enrolled (active) in both fixed courses.
ENROLLED_STUDENTS = 200
# The first lesson of bench-small is a video lesson with a ready (transcoded) asset.


def course_slug(number: int) -> str:
    """The generated catalog's course `number` (1-based)."""
    return f"bench-{number:06d}"


def student_email(number: int) -> str:
    return f"student{number}@{EMAIL_DOMAIN}"


def instructor_email(number: int) -> str:
    return f"instructor{number}@{EMAIL_DOMAIN}"


# Words the generated titles are built around: each appears in a few percent of
# the catalog, so searches for them find a realistic number of courses.
SEARCH_TERMS = (
    "python",
    "javascript",
    "design",
    "marketing",
    "photography",
    "excel",
    "react",
    "finance",
    "guitar",
    "spanish",
)

# Instructor 1 teaches both fixed courses (and owns the ready video of bench-small).
FIXED_INSTRUCTOR = 1
