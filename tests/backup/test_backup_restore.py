"""`syllabus backup` then `syllabus restore` into an empty deployment finds everything again.

Runs on the engine under test: SQLite files in a data folder by default, an
empty PostgreSQL database when SYLLABUS_DATABASE_URL is set (pg_dump / pg_restore).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from syllabus.app import create_app
from syllabus.cli import app as cli
from syllabus.config import Settings
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime, set_runtime
from tests.catalog.factories import make_course, make_enrollment
from tests.commerce.orders_factory import make_paid_order
from tests.conftest import fresh_database_url
from tests.factories import bearer, login, make_user

API = "/api/v1"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


@dataclass
class Seeded:
    buyer_email: str
    instructor_email: str
    order_ids: list[str]
    course_ids: list[str]
    media_id: str
    download: bytes


def _deployment(base: Settings, folder: Path) -> Iterator[Runtime]:
    """Settings for a deployment of its own: data folder and (on PostgreSQL) database."""
    url, drop = fresh_database_url(folder.name)
    settings = base.model_copy(
        update={
            "data_dir": folder,
            # SQLite lives in the data folder, as in a real install.
            "database_url": url if url.startswith("postgresql") else None,
        }
    )
    runtime = Runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()
        drop()


@pytest.fixture
def source(base_settings: Settings, tmp_path: Path) -> Iterator[Runtime]:
    yield from _deployment(base_settings, tmp_path / "source")


@pytest.fixture
def target(base_settings: Settings, tmp_path: Path) -> Iterator[Runtime]:
    yield from _deployment(base_settings, tmp_path / "target")


def _cli(runtime: Runtime, *args: str) -> tuple[int, str]:
    set_runtime(runtime)
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        set_runtime(None)
    return result.exit_code, result.output


def _seed(runtime: Runtime) -> Seeded:
    """Accounts, two paid orders, a free enrollment and an uploaded attachment."""
    upgrade(runtime.settings.resolved_database_url)
    with runtime.db.session_scope() as db:
        instructor = make_user(db, role="instructor")
        buyer = make_user(db)
        courses = [make_course(db, instructor) for _ in range(3)]
        orders = [
            make_paid_order(db, runtime, buyer, [courses[0]]),
            make_paid_order(db, runtime, buyer, [courses[1]]),
        ]
        make_enrollment(db, buyer, courses[2])
        seeded = Seeded(
            buyer_email=buyer.email,
            instructor_email=instructor.email,
            order_ids=sorted(order.id for order in orders),
            course_ids=sorted(course.id for course in courses),
            media_id="",
            download=b"",
        )
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        headers = bearer(login(client, seeded.instructor_email))
        uploaded = client.post(
            f"{API}/media",
            data={"purpose": "attachment"},
            files={"file": ("notes.pdf", PDF, "application/pdf")},
            headers=headers,
        )
        assert uploaded.status_code == 201, uploaded.text
        seeded.media_id = uploaded.json()["id"]
        seeded.download = client.get(uploaded.json()["download_url"]).content
    set_runtime(None)
    assert seeded.download == PDF
    return seeded


def _assert_everything_found(runtime: Runtime, seeded: Seeded) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        buyer = bearer(login(client, seeded.buyer_email))
        orders = client.get(f"{API}/orders", headers=buyer)
        assert orders.status_code == 200, orders.text
        listed = {item["id"]: item for item in orders.json()["items"]}
        assert sorted(listed) == seeded.order_ids
        assert {item["status"] for item in listed.values()} == {"paid"}
        enrolled = client.get(f"{API}/me/enrollments", headers=buyer)
        assert enrolled.status_code == 200, enrolled.text
        course_ids = sorted(item["course"]["id"] for item in enrolled.json()["items"])
        assert course_ids == seeded.course_ids

        instructor = bearer(login(client, seeded.instructor_email))
        asset = client.get(f"{API}/media/{seeded.media_id}", headers=instructor)
        assert asset.status_code == 200, asset.text
        download = client.get(asset.json()["download_url"])
        assert download.status_code == 200
        assert download.content == seeded.download
    set_runtime(None)


@pytest.mark.slow
@pytest.mark.parametrize("archive", ["backup.tar.gz", "backup-folder"])
def test_restore_into_an_empty_deployment_finds_every_order_enrollment_and_file(
    source: Runtime, target: Runtime, tmp_path: Path, archive: str
) -> None:
    seeded = _seed(source)
    code, output = _cli(source, "backup", "--to", str(tmp_path / archive))
    assert code == 0, output
    assert "orders 2" in output
    assert "1 media file(s)" in output

    code, output = _cli(target, "restore", "--from", str(tmp_path / archive))
    assert code == 0, output
    assert "Restored the backup" in output
    assert "Restoring the database" in output  # the progress bars
    _assert_everything_found(target, seeded)


@pytest.mark.slow
def test_restore_refuses_a_deployment_holding_data_unless_forced(
    source: Runtime, target: Runtime, tmp_path: Path
) -> None:
    seeded = _seed(source)
    assert _cli(source, "backup", "--to", str(tmp_path / "b.tar.gz"))[0] == 0
    upgrade(target.settings.resolved_database_url)
    with target.db.session_scope() as db:
        make_user(db, email="someone@example.com")

    code, output = _cli(target, "restore", "--from", str(tmp_path / "b.tar.gz"))
    assert code == 2
    assert "refusing to restore" in output
    assert "--force" in output
    with target.db.session_scope() as db:  # left untouched
        assert db.scalar(text("SELECT count(*) FROM users")) == 1

    code, output = _cli(target, "restore", "--from", str(tmp_path / "b.tar.gz"), "--force")
    assert code == 0, output
    _assert_everything_found(target, seeded)
    with target.db.session_scope() as db:
        someone = text("SELECT count(*) FROM users WHERE email = 'someone@example.com'")
        assert db.scalar(someone) == 0


@pytest.mark.slow
def test_an_older_backup_is_migrated_after_the_restore(
    source: Runtime, target: Runtime, tmp_path: Path
) -> None:
    from alembic.script import ScriptDirectory

    from syllabus.kit.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    assert head is not None
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str)
    upgrade(source.settings.resolved_database_url, previous)
    with source.db.session_scope() as db:
        make_user(db, email="early@example.com")
    assert _cli(source, "backup", "--to", str(tmp_path / "old"))[0] == 0

    code, output = _cli(target, "restore", "--from", str(tmp_path / "old"))
    assert code == 0, output
    assert f"Schema upgraded from {previous}." in output
    with target.db.session_scope() as db:
        assert db.scalar(text("SELECT version_num FROM alembic_version")) == head
        assert db.scalar(text("SELECT count(*) FROM users")) == 1


@pytest.mark.slow
def test_a_damaged_archive_is_refused(source: Runtime, target: Runtime, tmp_path: Path) -> None:
    _seed(source)
    assert _cli(source, "backup", "--to", str(tmp_path / "b"))[0] == 0
    stored = [path for path in (tmp_path / "b" / "media").rglob("*") if path.is_file()]
    assert stored, "the attachment is in the archive"
    stored[0].write_bytes(b"not what was saved")
    code, output = _cli(target, "restore", "--from", str(tmp_path / "b"))
    assert code == 2
    assert "damaged" in output
    assert not (target.settings.data_dir / "syllabus.db").exists()  # nothing was replaced
