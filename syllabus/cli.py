"""The `syllabus` command: serve, worker, migrate and operator tasks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from syllabus.config import ConfigError, Settings, get_settings

app = typer.Typer(help="Syllabus: a self-hosted course marketplace and LMS.", no_args_is_help=True)

# Shared by every demo account; printed by `seed-demo`, so never use it for real accounts.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105


def _settings_or_exit() -> Settings:
    settings = get_settings()
    try:
        settings.check_production()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    return settings


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Web worker processes (default SYLLABUS_WEB_WORKERS: one per CPU, at most 2)."
        ),
    ] = None,
    jobs: Annotated[
        bool | None,
        typer.Option("--jobs/--no-jobs", help="Run job consumers in this process too."),
    ] = None,
) -> None:
    """Serve the web pages, the API and (by default) the background jobs."""
    import uvicorn

    settings = _settings_or_exit()
    if jobs is not None:
        os.environ["SYLLABUS_JOBS_IN_PROCESS"] = "true" if jobs else "false"
    uvicorn.run(
        "syllabus.app:serve_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.web_workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,
        # Every request is logged by RequestContextMiddleware already.
        access_log=False,
        timeout_graceful_shutdown=30,
    )


@app.command()
def worker(
    threads: Annotated[
        int | None,
        typer.Option(help="Threads for the default queue (default SYLLABUS_JOB_WORKERS)."),
    ] = None,
    queue: Annotated[
        list[str] | None,
        typer.Option(
            "--queue",
            help="Queue to consume: default (mail, outbox, periodic jobs) or media "
            "(transcoding). Repeat for both; both when not given.",
        ),
    ] = None,
) -> None:
    """Consume background jobs (for running jobs on separate machines).

    SIGTERM or SIGINT finishes the jobs in hand and exits; a second signal exits at once.
    """
    from syllabus.kit.logging import configure_logging
    from syllabus.kit.queue import QUEUES, build_consumers

    settings = _settings_or_exit()
    configure_logging(settings.log_level, json=settings.log_json)
    unknown = sorted(set(queue or ()) - set(QUEUES))
    if unknown:
        choices = ", ".join(QUEUES)
        typer.echo(f"Unknown queue {', '.join(unknown)}: choose from {choices}.", err=True)
        raise typer.Exit(2)
    import syllabus.jobs  # noqa: F401  (registers every task)

    build_consumers(settings, queue or QUEUES, threads=threads).run()


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema up to date."""
    from syllabus.kit.migrate import upgrade

    settings = _settings_or_exit()
    upgrade(settings.resolved_database_url, revision)
    typer.echo(f"Database at revision {revision}.")
    if revision == "head":
        _fill_empty_search_index()


def _fill_empty_search_index() -> None:
    """Build the search index when it is empty but courses are published (a first upgrade)."""
    from sqlalchemy import select

    from syllabus.catalog.models import Course
    from syllabus.kit.runtime import get_runtime
    from syllabus.search.backends import backend_for
    from syllabus.search.indexer import reindex_all

    with get_runtime().db.session_scope() as session:
        published = select(Course.id).where(Course.status == "published").limit(1)
        if backend_for(session).count(session) or session.scalar(published) is None:
            return
        count = reindex_all(session)
    typer.echo(f"Search index built: {count} published course(s).")


@app.command()
def reindex() -> None:
    """Rebuild the search index from every published course, with a progress bar."""
    from collections.abc import Callable
    from contextlib import ExitStack

    from syllabus.catalog.cache import LISTS
    from syllabus.kit.runtime import get_runtime
    from syllabus.search.indexer import reindex_all

    _settings_or_exit()
    runtime = get_runtime()
    with runtime.db.session_scope() as session, ExitStack() as stack:
        updates: list[Callable[[int], None]] = []

        def start(total: int) -> None:
            bar = typer.progressbar(length=total, label="Indexing courses")
            updates.append(stack.enter_context(bar).update)

        def advance(done: int) -> None:
            for update in updates:
                update(done)

        count = reindex_all(session, advance, on_total=start)
    runtime.cache.bump(LISTS)  # lists cached from the old index
    typer.echo(f"Search index rebuilt: {count} published course(s).")


@app.command("analytics-rebuild")
def analytics_rebuild() -> None:
    """Rebuild every day of the analytics rollup (after changing SYLLABUS_TIMEZONE)."""
    from syllabus.analytics.localdays import zone
    from syllabus.analytics.rollup import rebuild_all
    from syllabus.kit.db import utcnow
    from syllabus.kit.runtime import get_runtime

    settings = _settings_or_exit()
    with get_runtime().db.session_scope() as session:
        days = rebuild_all(session, utcnow(), zone(settings.timezone))
    typer.echo(f"Analytics rebuilt: {len(days)} day(s) in {settings.timezone}.")


@app.command("run-jobs")
def run_jobs(
    limit: Annotated[int, typer.Option(help="Stop after this many jobs.", min=1)] = 1000,
) -> None:
    """Run the queued jobs in this process until the queue is empty, then exit."""
    import syllabus.jobs  # noqa: F401
    from syllabus.kit.queue import drain

    _settings_or_exit()
    ran = drain(limit)
    typer.echo(f"Ran {ran} job(s).")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email address.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for when omitted, so it stays out of the shell history.",
        ),
    ],
    name: Annotated[str, typer.Option(help="The admin's display name.")],
) -> None:
    """Create an active admin, or promote an existing account and set its password."""
    from syllabus.accounts.roles import create_admin as make_admin
    from syllabus.kit.errors import AppError
    from syllabus.kit.runtime import get_runtime

    _settings_or_exit()
    try:
        with get_runtime().db.session_scope() as session:
            user = make_admin(session, email=email, password=password, name=name)
            address = user.email
    except AppError as exc:
        typer.secho(f"Cannot create the admin: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Admin {address} is ready.")


@app.command("seed-demo")
def seed_demo_command(
    password: Annotated[str, typer.Option(help="Password of every demo account.")] = DEMO_PASSWORD,
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty", help="Seed only a database without any users (what `make run` does)."
        ),
    ] = False,
) -> None:
    """Fill the database with a demo marketplace: instructors, courses, students, reviews."""
    from collections.abc import Callable
    from contextlib import ExitStack

    from sqlalchemy import select

    from syllabus.accounts.errors import WeakPassword
    from syllabus.accounts.models import User
    from syllabus.accounts.password_policy import check_password
    from syllabus.demo import DemoSeedError, seed_demo
    from syllabus.demo.media import add_demo_videos
    from syllabus.kit.runtime import get_runtime
    from syllabus.search.indexer import reindex_all

    settings = _settings_or_exit()
    try:
        check_password(password)
    except WeakPassword as exc:
        typer.secho(f"Cannot seed the demo: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    videos = 0
    try:
        with get_runtime().db.session_scope() as session, ExitStack() as stack:
            if if_empty and session.scalar(select(User.id).limit(1)) is not None:
                typer.echo("The database already has users; no demo data added.")
                return
            updates: list[Callable[[int], None]] = []

            def start(total: int, label: str = "Seeding demo data") -> None:
                stack.close()  # the previous bar ends its line
                updates.clear()
                bar = typer.progressbar(length=total, label=label)
                updates.append(stack.enter_context(bar).update)

            def advance(rows: int) -> None:
                for update in updates:
                    update(rows)

            logins = seed_demo(session, password=password, progress=advance, on_total=start)
            if logins.created:
                reindex_all(session)  # the demo's courses are written in bulk
                videos = add_demo_videos(
                    session,
                    get_runtime(),
                    logins,
                    progress=advance,
                    on_total=lambda total: start(total, "Making demo videos"),
                )
    except DemoSeedError as exc:
        typer.secho(f"Cannot seed the demo: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    if not logins.created:
        typer.echo("Demo data already present.")
        return
    counts = logins.counts
    typer.echo(
        f"Demo marketplace ready: {counts['published_courses']} published courses, "
        f"{counts['lessons']} lessons, {counts['users']} users, "
        f"{counts['enrollments']} enrollments, {counts['reviews']} reviews."
    )
    typer.echo(f"{videos} video lessons play demo clips once the job worker has transcoded them.")
    shown = logins.shown()
    width = max(len(login.email) for login in shown)
    typer.echo(f"\nDemo logins (password: {logins.password})\n")
    typer.echo(f"  {'role':<12}{'email':<{width + 2}}name")
    for login in shown:
        typer.echo(f"  {login.role:<12}{login.email:<{width + 2}}{login.name}")
    typer.echo(f"\nSign in at {settings.base_url.rstrip('/')}/login")


@app.command("seed-bench")
def seed_bench_command(
    courses: Annotated[
        int,
        typer.Option(
            "--courses", min=1, max=1_000_000, help="How many courses to generate (1-1,000,000)."
        ),
    ],
    students_per_course: Annotated[
        int, typer.Option(min=1, max=200, help="Students enrolled in each generated course.")
    ] = 10,
) -> None:
    """Generate a large benchmark catalog in an empty, migrated database (bulk inserts).

    Run `syllabus migrate` first. Rerunning with the same --courses is a no-op;
    a database holding anything but benchmark data is refused untouched.
    """
    from collections.abc import Callable
    from contextlib import ExitStack

    from syllabus.benchdata.seed import BenchSeedError, seed_bench
    from syllabus.kit.runtime import get_runtime

    _settings_or_exit()

    class Bars:
        """One progress bar per step of the load."""

        def __init__(self, stack: ExitStack) -> None:
            self.stack = stack
            self.update: Callable[[int], None] = lambda _done: None

        def phase(self, label: str, total: int) -> None:
            self.stack.close()  # the previous bar ends its line
            bar = typer.progressbar(length=total, label=label, show_pos=total > 1)
            self.update = self.stack.enter_context(bar).update

        def advance(self, done: int) -> None:
            self.update(done)

    try:
        with ExitStack() as stack:
            report = seed_bench(
                get_runtime(),
                courses,
                students_per_course=students_per_course,
                progress=Bars(stack),
            )
    except BenchSeedError as exc:
        typer.secho(f"Cannot seed the benchmark data: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    if not report.created:
        typer.echo(f"Benchmark data already seeded with {report.courses} courses.")
        return
    rows = ", ".join(f"{table} {count:,}" for table, count in report.rows.items())
    typer.echo(f"Seeded {report.courses:,} courses in {report.seconds:.1f} s: {rows}.")


@app.command()
def backup(
    to: Annotated[Path, typer.Option("--to", help="A new folder, or a file ending in .tar.gz.")],
) -> None:
    """Back up the database, queued jobs and every media file into one archive."""
    from contextlib import ExitStack

    from syllabus.backup import BackupError, create_backup
    from syllabus.backup.bars import PhaseBars
    from syllabus.kit.runtime import get_runtime

    _settings_or_exit()
    try:
        with ExitStack() as stack:
            manifest = create_backup(get_runtime(), to, PhaseBars(stack))
    except BackupError as exc:
        typer.secho(f"Cannot back up: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    counts = ", ".join(f"{name} {count}" for name, count in manifest.counts.items())
    typer.echo(
        f"Backup written to {to}: schema {manifest.schema_revision}, {counts}, "
        f"{len(manifest.media)} media file(s), {manifest.queue_jobs} queued job(s)."
    )


@app.command()
def restore(
    source: Annotated[Path, typer.Option("--from", help="A backup folder or .tar.gz.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database or media that hold data.")
    ] = False,
) -> None:
    """Restore a backup into this deployment (empty unless --force); stop the servers first."""
    from contextlib import ExitStack

    from syllabus.backup import BackupError, restore_backup
    from syllabus.backup.bars import PhaseBars
    from syllabus.kit.runtime import get_runtime

    _settings_or_exit()
    try:
        with ExitStack() as stack:
            report = restore_backup(get_runtime(), source, force=force, progress=PhaseBars(stack))
    except BackupError as exc:
        typer.secho(f"Cannot restore: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    manifest = report.manifest
    for note in report.notes:
        typer.secho(note, fg=typer.colors.YELLOW, err=True)
    if report.migrated_from:
        typer.echo(f"Schema upgraded from {report.migrated_from}.")
    counts = ", ".join(f"{name} {count}" for name, count in manifest.counts.items())
    typer.echo(
        f"Restored the backup of {manifest.created_at}: {counts}, "
        f"{len(manifest.media)} media file(s)."
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
