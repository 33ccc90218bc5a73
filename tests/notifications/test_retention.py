"""The daily job deletes read notifications past the retention period; unread ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.db import new_id
from syllabus.kit.runtime import Runtime
from syllabus.notifications.models import Notification
from syllabus.notifications.retention import (
    delete_read_notifications,
    purge_read_notifications,
    purge_read_notifications_now,
)
from tests.factories import make_user

# The clock the job runs at: every time below is relative to it.
NOW = datetime(2031, 3, 15, 3, 40, tzinfo=UTC)


def add(db: Session, user: User, title: str, *, created: timedelta, read: timedelta | None) -> None:
    db.execute(
        insert(Notification),
        [
            {
                "id": new_id(),
                "user_id": user.id,
                "kind": "announcement",
                "title": title,
                "dedupe_key": f"test:{new_id()}",
                "created_at": NOW - created,
                "read_at": None if read is None else NOW - read,
            }
        ],
    )
    db.commit()


def titles(db: Session) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(Notification.title)))


def test_read_notifications_past_retention_are_deleted(db: Session, runtime: Runtime) -> None:
    assert runtime.settings.notification_retention_days == 30
    ann, bob = make_user(db), make_user(db)
    add(db, ann, "read long ago", created=timedelta(days=90), read=timedelta(days=31))
    add(db, bob, "read just past", created=timedelta(days=40), read=timedelta(days=30, seconds=1))
    add(db, ann, "read exactly 30 days ago", created=timedelta(days=40), read=timedelta(days=30))
    add(db, ann, "read recently", created=timedelta(days=60), read=timedelta(days=29))
    add(db, bob, "unread and old", created=timedelta(days=400), read=None)

    assert delete_read_notifications(db, NOW) == 2
    db.commit()
    assert titles(db) == {"read exactly 30 days ago", "read recently", "unread and old"}

    # A day later the one read exactly 30 days before is past the period too.
    assert delete_read_notifications(db, NOW + timedelta(days=1)) == 1
    db.commit()
    assert titles(db) == {"read recently", "unread and old"}


def test_the_retention_period_is_the_setting(
    db: Session, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.settings, "notification_retention_days", 7)
    user = make_user(db)
    add(db, user, "read 8 days ago", created=timedelta(days=9), read=timedelta(days=8))
    add(db, user, "read 6 days ago", created=timedelta(days=9), read=timedelta(days=6))
    assert delete_read_notifications(db, NOW) == 1
    db.commit()
    assert titles(db) == {"read 6 days ago"}


def test_deletes_in_bounded_batches(db: Session, runtime: Runtime) -> None:
    user = make_user(db)
    for n in range(5):
        add(db, user, f"old {n}", created=timedelta(days=50), read=timedelta(days=40 + n))

    assert delete_read_notifications(db, NOW, batch_size=2, max_batches=1) == 2
    db.commit()
    assert titles(db) == {"old 0", "old 1", "old 2"}, "the oldest read go first"
    assert delete_read_notifications(db, NOW, batch_size=2) == 3
    db.commit()
    assert titles(db) == set()


def test_the_daily_job(db: Session, runtime: Runtime) -> None:
    user = make_user(db)
    add(db, user, "read long ago", created=timedelta(days=90), read=timedelta(days=60))
    add(db, user, "unread", created=timedelta(days=90), read=None)

    assert purge_read_notifications_now(NOW) == 1
    assert titles(db) == {"unread"}
    assert purge_read_notifications_now(NOW) == 0
    # Scheduled once a day (the queue runs in UTC).
    schedule = purge_read_notifications.task_class()
    assert schedule.validate_datetime(datetime(2031, 3, 15, 3, 40))
    assert not schedule.validate_datetime(datetime(2031, 3, 16, 4, 40))


def test_the_scheduled_job_reads_the_clock(db: Session, runtime: Runtime) -> None:
    """The task as the scheduler runs it, under a frozen clock: 30 days are counted from now."""
    user = make_user(db)
    add(db, user, "read 31 days before", created=timedelta(days=40), read=timedelta(days=31))
    add(db, user, "read 29 days before", created=timedelta(days=40), read=timedelta(days=29))
    add(db, user, "unread", created=timedelta(days=400), read=None)

    with time_machine.travel(NOW, tick=False):
        assert purge_read_notifications.call_local() == 1
    assert titles(db) == {"read 29 days before", "unread"}
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert purge_read_notifications.call_local() == 1
    assert titles(db) == {"unread"}, "unread notifications are never deleted"
