"""The instructor earnings ledger: a sale's share, a refund's reversal, and what an instructor sees.

Every entry is written once, guarded by its unique `entry_key`, so a sale
processed twice or a refund applied again adds nothing. Entries are never
updated except to attach them to a payout; a refund writes a negative
entry instead of touching the sale, which keeps the ledger a plain sum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.models import Course
from syllabus.commerce.models import Earning, Order, OrderLine, Payout, Refund
from syllabus.commerce.schemas import (
    EarningEntryOut,
    EarningPoint,
    EarningsOut,
    EarningTotals,
    SignedMoney,
)
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.errors import Forbidden
from syllabus.kit.money import split_share
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime

Period = Literal["28d", "12m", "all"]
DAYS_IN_28D = 28
MONTHS_IN_12M = 12
# "all" draws one point a month back to the first entry, at most this many.
MAX_MONTHS_ALL = 120
# Shown when an instructor has neither earnings nor courses yet (the catalog's default).
DEFAULT_CURRENCY = "USD"


def sale_key(line_id: str) -> str:
    return f"sale:{line_id}"


def refund_key(refund_id: str, line_id: str) -> str:
    return f"refund:{refund_id}:{line_id}"


def share_percent_for(rt: Runtime, line: OrderLine) -> int:
    """The instructor's percent: higher when the sale came through their own coupon."""
    if line.instructor_coupon:
        return rt.settings.instructor_coupon_share_percent
    return rt.settings.instructor_share_percent


def record_sale(session: Session, rt: Runtime, order: Order, line: OrderLine) -> None:
    """Write the instructor's share of a paid line; payable after the refund window.

    A line that cost nothing earns nothing. Idempotent: the entry key is
    unique and the insert does nothing on conflict, so concurrent
    deliveries of one payment write a single entry.
    """
    if line.amount <= 0:
        return
    paid_at = order.paid_at or utcnow()
    percent = share_percent_for(rt, line)
    instructor_amount, platform_amount = split_share(line.amount, percent)
    _insert_once(
        session,
        {
            "entry_key": sale_key(line.id),
            "kind": "sale",
            "instructor_id": line.instructor_id,
            "order_line_id": line.id,
            "course_id": line.course_id,
            "currency": order.currency,
            "gross_amount": line.amount,
            "instructor_amount": instructor_amount,
            "platform_amount": platform_amount,
            "share_percent": percent,
            "available_at": paid_at + timedelta(days=rt.settings.refund_window_days),
            "created_at": paid_at,
        },
    )


def reverse_line(
    session: Session, rt: Runtime, refund: Refund, line: OrderLine, amount: int
) -> None:
    """Write the negative entry for `amount` of `line` given back by `refund`.

    The instructor gives back their share of the refunded part,
    `sale.instructor_amount * amount // line.amount`, the platform the rest.
    Pieces are taken cumulatively (what is owed after this piece minus what
    earlier pieces took back), so several partial refunds of a line sum
    exactly to the sale once the whole line is refunded. A reversal is
    payable at once, but never before the sale it reverses: a refund inside
    the window cancels the pending sale instead of eating into available money.
    Idempotent per refund and line.
    """
    if amount <= 0 or line.amount <= 0:
        return
    key = refund_key(refund.id, line.id)
    if session.scalar(select(Earning.id).where(Earning.entry_key == key)) is not None:
        return
    sale = session.scalar(select(Earning).where(Earning.entry_key == sale_key(line.id)))
    if sale is not None:
        share, percent = sale.instructor_amount, sale.share_percent
        sale_available_at = sale.available_at
    else:  # a line paid before the ledger existed: the share it would have had
        percent = share_percent_for(rt, line)
        share = split_share(line.amount, percent)[0]
        sale_available_at = utcnow()
    earlier = -(
        session.scalar(
            select(func.coalesce(func.sum(Earning.gross_amount), 0)).where(
                Earning.order_line_id == line.id, Earning.kind == "refund"
            )
        )
        or 0
    )
    refunded_after = min(line.amount, earlier + amount)
    piece = refunded_after - earlier
    if piece <= 0:
        return
    instructor_piece = share * refunded_after // line.amount - share * earlier // line.amount
    now = utcnow()
    _insert_once(
        session,
        {
            "entry_key": key,
            "kind": "refund",
            "instructor_id": line.instructor_id,
            "order_line_id": line.id,
            "course_id": line.course_id,
            "currency": refund.currency,
            "gross_amount": -piece,
            "instructor_amount": -instructor_piece,
            "platform_amount": -(piece - instructor_piece),
            "share_percent": percent,
            "available_at": max(now, sale_available_at),
            "created_at": now,
        },
    )


def _insert_once(session: Session, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on the entry key; True when this call wrote it."""
    values = {"id": new_id(), "payout_id": None, **values}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Earning).values(values).on_conflict_do_nothing()
    # RETURNING, not rowcount: an ORM-executed INSERT reports no rowcount on psycopg.
    return session.execute(statement.returning(Earning.id)).first() is not None


# --- what an instructor sees -----------------------------------------------------------------


def instructor_earnings(
    session: Session,
    actor: Actor,
    *,
    period: Period,
    page: PageParams,
    instructor_id: str | None = None,
) -> EarningsOut:
    """Balances per currency (all time), points over `period`, and the period's entries.

    Points are the instructor's share by day of the entry (28d: 28 daily
    points) or by month (12m: 12 monthly points; all: monthly since the
    first entry), zeros included, oldest first, one series per currency.
    Entries are newest first. Admins may look at any instructor.
    """
    if not actor.is_instructor:
        raise Forbidden("Only instructors have earnings.", code="not_instructor")
    if instructor_id is not None and instructor_id != actor.id and not actor.is_admin:
        raise Forbidden("You can only see your own earnings.", code="not_admin")
    owner = instructor_id or actor.id
    now = utcnow()
    buckets = _buckets(session, owner, period, now)
    since = _bucket_start(buckets[0], period)
    in_period = [Earning.instructor_id == owner]
    if period != "all":
        in_period.append(Earning.created_at >= since)
    return EarningsOut(
        period=period,
        totals=_totals(session, owner, now),
        points=_points(session, owner, period, buckets, since),
        entries=_entries(session, in_period, page),
        entries_total=session.scalar(select(func.count()).select_from(Earning).where(*in_period))
        or 0,
        page=page.page,
        page_size=page.page_size,
    )


def _totals(session: Session, owner: str, now: datetime) -> list[EarningTotals]:
    unpaid = Earning.payout_id.is_(None)

    def share_where(*conditions: Any) -> Any:
        return func.coalesce(
            func.sum(case((and_(*conditions), Earning.instructor_amount), else_=0)), 0
        )

    rows = session.execute(
        select(
            Earning.currency,
            func.coalesce(func.sum(Earning.gross_amount), 0).label("gross"),
            func.coalesce(func.sum(Earning.instructor_amount), 0).label("instructor"),
            func.coalesce(func.sum(Earning.platform_amount), 0).label("platform"),
            share_where(unpaid, Earning.available_at > now).label("pending"),
            share_where(unpaid, Earning.available_at <= now).label("available"),
            share_where(Payout.status == "pending").label("in_payout"),
            share_where(Payout.status == "paid").label("paid_out"),
        )
        .outerjoin(Payout, Payout.id == Earning.payout_id)
        .where(Earning.instructor_id == owner)
        .group_by(Earning.currency)
        .order_by(Earning.currency)
    ).all()
    return [
        EarningTotals(
            currency=row.currency,
            gross=int(row.gross),
            instructor=int(row.instructor),
            platform=int(row.platform),
            pending=int(row.pending),
            available=int(row.available),
            in_payout=int(row.in_payout),
            paid_out=int(row.paid_out),
        )
        for row in rows
    ]


def _buckets(session: Session, owner: str, period: Period, now: datetime) -> list[str]:
    """The labels of the points, oldest first: days ("2025-03-07") or months ("2025-03")."""
    today = now.astimezone(UTC).date()
    if period == "28d":
        return [
            (today - timedelta(days=back)).isoformat() for back in range(DAYS_IN_28D - 1, -1, -1)
        ]
    if period == "12m":
        count = MONTHS_IN_12M
    else:
        first = session.scalar(
            select(func.min(Earning.created_at)).where(Earning.instructor_id == owner)
        )
        first_day = first.astimezone(UTC).date() if first is not None else today
        count = (today.year - first_day.year) * 12 + today.month - first_day.month + 1
        count = max(1, min(count, MAX_MONTHS_ALL))
    index = today.year * 12 + today.month - 1
    return [_month_label(index - back) for back in range(count - 1, -1, -1)]


def _month_label(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


def _bucket_start(label: str, period: Period) -> datetime:
    day = date.fromisoformat(label if period == "28d" else f"{label}-01")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _bucket_of(moment: datetime, period: Period) -> str:
    day = moment.astimezone(UTC).date()
    return day.isoformat() if period == "28d" else f"{day.year:04d}-{day.month:02d}"


def _points(
    session: Session, owner: str, period: Period, buckets: list[str], since: datetime
) -> list[EarningPoint]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    rows = session.execute(
        select(Earning.created_at, Earning.currency, Earning.instructor_amount).where(
            Earning.instructor_id == owner, Earning.created_at >= since
        )
    )
    for created_at, currency, amount in rows:
        sums[(_bucket_of(created_at, period), currency)] += amount
    currencies = _currencies(session, owner)
    return [
        EarningPoint(date=label, currency=currency, amount=sums.get((label, currency), 0))
        for label in buckets
        for currency in currencies
    ]


def _currencies(session: Session, owner: str) -> list[str]:
    """The series to draw: the ledger's currencies, else those of the instructor's courses."""
    found = _sorted(
        session.scalars(select(distinct(Earning.currency)).where(Earning.instructor_id == owner))
    )
    if not found:
        found = _sorted(
            session.scalars(select(distinct(Course.currency)).where(Course.instructor_id == owner))
        )
    return found or [DEFAULT_CURRENCY]


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def _entries(
    session: Session, in_period: list[ColumnElement[bool]], page: PageParams
) -> list[EarningEntryOut]:
    rows = session.execute(
        select(Earning, OrderLine.course_title)
        .join(OrderLine, OrderLine.id == Earning.order_line_id)
        .where(*in_period)
        .order_by(Earning.created_at.desc(), Earning.entry_key.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return [entry_out(entry, title) for entry, title in rows]


def entry_out(entry: Earning, course_title: str) -> EarningEntryOut:
    def money(amount: int) -> SignedMoney:
        return SignedMoney(amount=amount, currency=entry.currency)

    return EarningEntryOut(
        id=entry.id,
        kind=entry.kind,
        course_id=entry.course_id,
        course_title=course_title,
        order_line_id=entry.order_line_id,
        gross=money(entry.gross_amount),
        instructor=money(entry.instructor_amount),
        platform=money(entry.platform_amount),
        share_percent=entry.share_percent,
        available_at=entry.available_at,
        payout_id=entry.payout_id,
        created_at=entry.created_at,
    )
