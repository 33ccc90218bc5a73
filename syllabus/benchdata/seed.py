"""`syllabus seed-bench --courses N`: a large, realistic catalog for the benchmarks, fast.

What it writes (deterministic: the same N gives the same rows, but for
the password hash's salt):

- the shipped category tree, only when the categories table is empty;
- max(3, N/10) instructors and a pool of max(N, ENROLLED_STUDENTS)
  students, all active, all with the password `names.BENCH_PASSWORD`;
- N published courses (`catalog.generate_course`), written in chunks of
  CHUNK_COURSES courses, each chunk one transaction with its search index
  documents;
- the fixed courses bench-small and bench-large (`fixed`), last: their
  presence marks a finished load (see `state`).

Then the cached catalog lists are dropped (their namespace is bumped in the
runtime cache, Redis included), so a server already running shows the new
catalog. It does not migrate: run `syllabus migrate` first.

Size and cost at 100k courses: ~15.6 million rows (11.3 million lessons),
a 7.2 GB SQLite file (6.4 GB on PostgreSQL), about 170 s of CPU for
SQLite (generation in a worker process, writes here), so about three
minutes on an idle two-core machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Protocol

from sqlalchemy import select

import syllabus.models  # noqa: F401  (every table in Base.metadata)
from syllabus.benchdata.catalog import CatalogPlan, Chunk
from syllabus.benchdata.categories import CategoryPicker, CategoryRow, shipped_tree
from syllabus.benchdata.fixed import fixed_courses
from syllabus.benchdata.ids import Clock
from syllabus.benchdata.loader import BulkLoader, loader_for
from syllabus.benchdata.names import BENCH_PASSWORD, ENROLLED_STUDENTS
from syllabus.benchdata.people import instructor_rows, student_rows
from syllabus.benchdata.pipeline import chunks
from syllabus.benchdata.state import BenchSeedError, seeded_courses
from syllabus.benchdata.tables import COURSE_TABLES, check_columns
from syllabus.catalog.cache import LISTS
from syllabus.catalog.models import Category
from syllabus.kit.db import Base, build_engine
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import hash_password

MAX_COURSES = 1_000_000
CHUNK_COURSES = 1000
USER_CHUNK = 20_000

__all__ = ["MAX_COURSES", "BenchSeedError", "SeedProgress", "SeedReport", "seed_bench"]


class SeedProgress(Protocol):
    """Where the load reports how far it got (the CLI shows progress bars)."""

    def phase(self, label: str, total: int) -> None:
        """A new step of `total` units starts."""

    def advance(self, done: int) -> None:
        """`done` more units of the current step are finished."""


class _Silent:
    def phase(self, label: str, total: int) -> None:
        return None

    def advance(self, done: int) -> None:
        return None


@dataclass
class SeedReport:
    courses: int
    created: bool  # False: the catalog was already there, nothing written
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


def seed_bench(
    runtime: Runtime,
    courses: int,
    *,
    students_per_course: int = 10,
    chunk_courses: int = CHUNK_COURSES,
    parallel: bool = True,
    progress: SeedProgress | None = None,
) -> SeedReport:
    """Fill the runtime's (empty, migrated) database with a bench catalog of `courses` courses.

    Returns without writing when the same catalog is already there; raises
    BenchSeedError (having written nothing) when the database cannot take it.
    `parallel`: generate the courses in a worker process while this one writes.
    """
    if not 1 <= courses <= MAX_COURSES:
        raise BenchSeedError(f"--courses must be between 1 and {MAX_COURSES:,}.")
    if not 1 <= students_per_course <= ENROLLED_STUDENTS:
        raise BenchSeedError(f"--students-per-course must be between 1 and {ENROLLED_STUDENTS}.")
    check_columns(Base.metadata)
    shown = progress or _Silent()
    started = time.perf_counter()
    engine = build_engine(runtime.db.url, pool_size=1)
    try:
        with engine.connect() as conn:
            with conn.begin():
                existing = seeded_courses(conn)
            if existing == courses:
                return SeedReport(courses=courses, created=False)
            if existing is not None:
                raise BenchSeedError(
                    f"This database already holds a bench catalog of {existing:,} courses, "
                    f"not {courses:,}. Use a fresh data folder (SYLLABUS_DATA_DIR) or database "
                    "(SYLLABUS_DATABASE_URL) for another size."
                )
            loader = loader_for(conn)
            loader.prepare()
            try:
                options = _Options(courses, students_per_course, chunk_courses, parallel)
                rows = _load(loader, options, shown)
                shown.phase("Finishing", 1)
            finally:
                loader.finish()  # also after a failure: the connection's settings come back
            shown.advance(1)
    finally:
        engine.dispose()
    runtime.cache.bump(LISTS)  # lists cached before the load
    return SeedReport(
        courses=courses, created=True, seconds=time.perf_counter() - started, rows=rows
    )


class _Writer(Protocol):
    def __call__(self, table: str, rows: list[tuple[object, ...]]) -> None: ...


@dataclass(frozen=True)
class _Options:
    courses: int
    per_course: int
    chunk_courses: int
    parallel: bool


def _load(loader: BulkLoader, options: _Options, progress: SeedProgress) -> dict[str, int]:
    courses = options.courses
    clock = Clock(loader.timestamp_suffix)
    counts: dict[str, int] = {}

    def write(table: str, rows: list[tuple[object, ...]]) -> None:
        loader.insert(table, rows)
        counts[table] = counts.get(table, 0) + len(rows)

    plan = CatalogPlan(
        clock=clock,
        categories=_categories(loader, write),
        instructors=max(3, courses // 10),
        students=max(courses, ENROLLED_STUDENTS),
        per_course=options.per_course,
    )
    password_hash = hash_password(BENCH_PASSWORD)
    progress.phase("Writing accounts", plan.instructors + plan.students)
    accounts = chain(
        instructor_rows(plan.instructors, password_hash, clock),
        student_rows(plan.students, password_hash, clock),
    )
    while batch := list(islice(accounts, USER_CHUNK)):
        with loader.transaction():
            write("users", batch)
        progress.advance(len(batch))

    progress.phase("Generating courses", courses)
    for chunk in chunks(plan, courses, options.chunk_courses, parallel=options.parallel):
        _write_chunk(loader, chunk, write)
        progress.advance(len(chunk.rows["courses"]))

    progress.phase("Writing bench-small and bench-large", 1)
    chunk, media = fixed_courses(plan)
    _write_chunk(loader, chunk, write, media=media)
    counts["search_index"] = courses + 2
    return counts


def _write_chunk(
    loader: BulkLoader,
    chunk: Chunk,
    write: _Writer,
    media: list[tuple[object, ...]] | None = None,
) -> None:
    with loader.transaction():
        if media:
            write("media_assets", media)
        for table in COURSE_TABLES:
            write(table, chunk.rows[table])
        loader.index(chunk.documents)


def _categories(loader: BulkLoader, write: _Writer) -> CategoryPicker:
    """The database's categories; the shipped tree first when there are none."""
    columns = (Category.id, Category.parent_id, Category.slug, Category.name)
    with loader.transaction():
        rows: list[CategoryRow] = [
            (r.id, r.parent_id, r.slug, r.name) for r in loader.conn.execute(select(*columns))
        ]
        if not rows:
            tree = shipped_tree()
            write("categories", list(tree))
            rows = [(r[0], r[1], r[2], r[3]) for r in tree]
    return CategoryPicker(rows)
