"""notify(): in-app rows and emails that follow each user's preferences, once per cause."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.db import new_id
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.notifications.models import Notification, NotificationPreference
from syllabus.notifications.service import Notice, notify, notify_many
from tests.factories import mails_to, make_user
from tests.support.queries import counted_statements

ANNOUNCEMENT = Notice(
    kind="announcement",
    title="New lesson on closures",
    body="Section 3 has a new lesson.",
    url="/courses/python",
    email_template="welcome",
)
CERTIFICATE = Notice(
    kind="certificate_issued",
    title="Your certificate is ready",
    url="/certificates/ABC",
    email_template="certificate_issued",
    email_context={"course_title": "Python", "link": "https://example.com/certificates/ABC"},
)


def prefer(db: Session, user: User, kind: str, *, in_app: bool = True, email: bool = True) -> None:
    db.add(NotificationPreference(user_id=user.id, kind=kind, in_app=in_app, email=email))
    db.commit()


def rows_of(db: Session, user: User) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.user_id == user.id)))


def mails_of(db: Session, key: str) -> list[dict[str, Any]]:
    """Queued email payloads of a cause, by recipient address."""
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.key.like(f"{key}:%:email")))
    return [message.payload for message in messages]


def test_one_user_gets_a_row_and_an_email(
    db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    ann = make_user(db, name="Ann")
    assert notify(db, ann.id, ANNOUNCEMENT, key="announcement:1") == 1
    db.commit()

    [row] = rows_of(db, ann)
    assert (row.kind, row.title, row.body, row.url) == (
        "announcement",
        "New lesson on closures",
        "Section 3 has a new lesson.",
        "/courses/python",
    )
    assert row.dedupe_key == f"announcement:1:{ann.id}"
    assert row.read_at is None
    [payload] = mails_of(db, "announcement:1")
    assert payload["to"] == ann.email
    assert payload["context"]["name"] == "Ann"
    # A non-transactional email carries its unsubscribe topic.
    assert payload["unsubscribe"] == {"user_id": ann.id, "topic": "announcement"}
    run_jobs()
    assert len(mails_to(runtime, ann.email)) == 1


def test_preferences_are_honoured(db: Session) -> None:
    quiet = make_user(db)  # no in-app notifications of this kind, email yes
    no_mail = make_user(db)  # in-app yes, email no
    neither = make_user(db)
    default = make_user(db)
    prefer(db, quiet, "announcement", in_app=False)
    prefer(db, no_mail, "announcement", email=False)
    prefer(db, neither, "announcement", in_app=False, email=False)
    prefer(db, default, "question_asked", in_app=False, email=False)  # another kind

    users = [quiet, no_mail, neither, default]
    created = notify_many(db, [u.id for u in users], ANNOUNCEMENT, key="announcement:2")
    db.commit()

    assert created == 2
    assert [len(rows_of(db, u)) for u in users] == [0, 1, 0, 1]
    assert sorted(p["to"] for p in mails_of(db, "announcement:2")) == sorted(
        [quiet.email, default.email]
    )


def test_transactional_email_ignores_the_email_preference(db: Session) -> None:
    student = make_user(db)
    prefer(db, student, "certificate_issued", in_app=False, email=False)
    created = notify(db, student.id, CERTIFICATE, key="certificate:1")
    db.commit()

    assert created == 0, "in-app still follows the preference"
    [payload] = mails_of(db, "certificate:1")
    assert payload["to"] == student.email
    assert payload["template"] == "certificate_issued"
    assert payload["context"]["course_title"] == "Python"
    assert "unsubscribe" not in payload, "transactional mail has no unsubscribe link"


def test_banned_and_unknown_users_are_skipped(db: Session) -> None:
    banned = make_user(db, status="banned")
    active = make_user(db)
    ids = [banned.id, active.id, new_id(), active.id]
    assert notify_many(db, ids, ANNOUNCEMENT, key="announcement:3") == 1
    db.commit()
    assert rows_of(db, banned) == []
    assert [p["to"] for p in mails_of(db, "announcement:3")] == [active.email]


def test_the_same_cause_twice_adds_nothing(db: Session) -> None:
    users = [make_user(db) for _ in range(3)]
    ids = [u.id for u in users]
    assert notify_many(db, ids[:2], ANNOUNCEMENT, key="announcement:4") == 2
    db.commit()
    # A retried job, now with one more recipient: only the new one is told.
    assert notify_many(db, ids, ANNOUNCEMENT, key="announcement:4") == 1
    assert notify_many(db, ids, ANNOUNCEMENT, key="announcement:4") == 0
    db.commit()

    assert [len(rows_of(db, u)) for u in users] == [1, 1, 1]
    assert len(mails_of(db, "announcement:4")) == 3


def test_title_and_body_are_cut_to_the_column_sizes(db: Session) -> None:
    user = make_user(db)
    notice = Notice(kind="announcement", title="t" * 500, body="b" * 5000)
    notify(db, user.id, notice, key="announcement:5")
    db.commit()
    [row] = rows_of(db, user)
    assert (len(row.title), len(row.body)) == (200, 1000)
    assert mails_of(db, "announcement:5") == [], "no template, no email"


def _bulk_users(db: Session, count: int) -> list[str]:
    ids = [new_id() for _ in range(count)]
    db.execute(
        insert(User),
        [
            {
                "id": uid,
                "email": f"fan-{uid}@example.com",
                "name": f"Fan {n}",
                "role": "student",
                "status": "active",
                "links": [],
            }
            for n, uid in enumerate(ids)
        ],
    )
    db.commit()
    return ids


def _statements_for(db: Session, runtime: Runtime, user_ids: list[str], key: str) -> int:
    with counted_statements(runtime) as statements:
        notify_many(db, user_ids, ANNOUNCEMENT, key=key)
        db.flush()
    return len(statements)


def _told(db: Session, key: str) -> int:
    query = select(func.count()).select_from(Notification)
    return int(db.scalar(query.where(Notification.dedupe_key.like(f"{key}:%"))) or 0)


def test_a_thousand_recipients_cost_a_bounded_number_of_statements(
    db: Session, runtime: Runtime
) -> None:
    few = _bulk_users(db, 10)
    many = _bulk_users(db, 1000)
    # Some opt out of in-app notifications: their preferences are one read either way.
    for uid in [*few[:2], *many[:5]]:
        db.add(NotificationPreference(user_id=uid, kind="announcement", in_app=False))
    db.commit()

    small = _statements_for(db, runtime, few, "announcement:few")
    large = _statements_for(db, runtime, many, "announcement:many")
    db.commit()

    assert (_told(db, "announcement:few"), _told(db, "announcement:many")) == (8, 995)
    assert (len(mails_of(db, "announcement:few")), len(mails_of(db, "announcement:many"))) == (
        10,
        1000,
    )
    # Nothing per recipient: only the outbox's key lookup goes 500 keys at a time.
    assert small <= 8, small
    assert large <= small + 1, (small, large)
