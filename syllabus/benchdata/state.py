"""What the database holds before seeding: nothing yet, a finished bench catalog, or else refuse.

The generator only ever fills a database that has no users and no courses
(categories are fine: the migration creates them). Its own data is
recognised by names: every account's email ends in `@EMAIL_DOMAIN`,
every course slug starts with `bench-`.

How many courses a finished load generated is read back from the data
itself: bench-small is written in the very last transaction, so its
presence means the load finished, and N is then the number of courses
whose slug is `bench-` followed by digits (an index range scan on the
unique slug index). A load that stopped half-way leaves generated courses
without bench-small, and is refused too.
"""

from __future__ import annotations

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from syllabus.accounts.models import User
from syllabus.benchdata.names import EMAIL_DOMAIN, SMALL_SLUG
from syllabus.benchdata.tables import COLUMNS
from syllabus.catalog.models import Course

SEARCH_TABLE = "course_search"  # on both engines (migration 0005)
FRESH_HINT = (
    "Use a fresh data folder (SYLLABUS_DATA_DIR) or an empty database "
    "(SYLLABUS_DATABASE_URL), run `syllabus migrate`, then seed again."
)


class BenchSeedError(Exception):
    """The database cannot take the benchmark data; nothing was written."""


def _check_schema(conn: Connection) -> None:
    inspector = inspect(conn)
    tables = set(inspector.get_table_names())
    missing = sorted((set(COLUMNS) | {SEARCH_TABLE}) - tables)
    if missing:
        raise BenchSeedError(
            f"The database schema is missing (no table {missing[0]}): run `syllabus migrate` first."
        )
    for table, columns in COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table)}
        if not set(columns) <= present:
            raise BenchSeedError(
                f"The database schema is out of date (table {table}): run `syllabus migrate` first."
            )


def seeded_courses(conn: Connection) -> int | None:
    """None when nothing is there yet; N when a bench catalog of N courses is complete.

    Raises BenchSeedError for a missing schema, data that is not benchmark
    data, or a load that did not finish.
    """
    _check_schema(conn)
    foreign_user = conn.scalar(
        select(User.email).where(User.email.not_like(f"%@{EMAIL_DOMAIN}")).limit(1)
    )
    foreign_course = conn.scalar(
        select(Course.slug).where(Course.slug.not_like("bench-%")).limit(1)
    )
    if foreign_user is not None or foreign_course is not None:
        found = f"user {foreign_user}" if foreign_user is not None else f"course {foreign_course}"
        raise BenchSeedError(
            f"This database holds data that is not benchmark data ({found}); "
            f"seed-bench only fills an empty database and changed nothing. {FRESH_HINT}"
        )
    if conn.scalar(select(Course.id).where(Course.slug == SMALL_SLUG)) is None:
        started = conn.scalar(select(User.id).limit(1)) or conn.scalar(select(Course.id).limit(1))
        if started is not None:
            raise BenchSeedError(f"An earlier seed-bench run did not finish. {FRESH_HINT}")
        return None
    # Generated slugs are "bench-" and digits; ":" sorts right after "9".
    generated = (Course.slug >= "bench-0") & (Course.slug < "bench-:")
    return int(conn.scalar(select(func.count()).select_from(Course).where(generated)) or 0)
