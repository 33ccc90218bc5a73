"""Payouts: admins batch what instructors are owed, pay it outside, and mark it paid.

A batch takes, per instructor and currency, every ledger entry that is
payable (`available_at` passed) and not yet in a payout. Entries are
locked while they are taken, so two batches created at once never pay an
entry twice. A balance that is zero or negative (a refund after the sale
was paid out) is left in the ledger and nets into a later batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.admin import audit
from syllabus.catalog.schemas import Money
from syllabus.commerce.errors import NothingToPay, PayoutNotFound
from syllabus.commerce.models import Earning, Payout, PayoutBatch
from syllabus.commerce.schemas import MarkPaidIn, PayoutBatchIn, PayoutBatchOut, PayoutOut
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.errors import Conflict, Forbidden
from syllabus.kit.money import to_decimal_string
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import Runtime

PAYOUT_MAIL = "payout_paid"
# Entries attached per UPDATE (bound parameters stay well under every engine's limit).
CHUNK = 500


def create_batch(
    session: Session, rt: Runtime, admin: Actor, body: PayoutBatchIn
) -> PayoutBatchOut:
    """One pending payout per instructor and currency with a positive payable balance.

    409 `nothing_to_pay` when no instructor is owed anything.
    """
    _require_admin(admin)
    cutoff = utcnow()
    entries = session.execute(
        select(Earning.id, Earning.instructor_id, Earning.currency, Earning.instructor_amount)
        .where(Earning.payout_id.is_(None), Earning.available_at <= cutoff)
        .order_by(Earning.instructor_id, Earning.currency)
        .with_for_update()
    ).all()
    groups: dict[tuple[str, str], list[Row[Any]]] = defaultdict(list)
    for entry in entries:
        groups[(entry.instructor_id, entry.currency)].append(entry)
    owed = {key: rows for key, rows in groups.items() if sum(r.instructor_amount for r in rows) > 0}
    if not owed:
        raise NothingToPay("No instructor has a payable balance.")
    batch = PayoutBatch(id=new_id(), created_by=admin.id, cutoff_at=cutoff, note=body.note)
    session.add(batch)
    session.flush()
    payouts: list[Payout] = []
    for (instructor_id, currency), rows in sorted(owed.items()):
        payout = Payout(
            id=new_id(),
            batch_id=batch.id,
            instructor_id=instructor_id,
            currency=currency,
            amount=sum(r.instructor_amount for r in rows),
            entry_count=len(rows),
            status="pending",
            created_at=cutoff,
        )
        session.add(payout)
        session.flush()
        ids = [r.id for r in rows]
        for start in range(0, len(ids), CHUNK):
            session.execute(
                update(Earning)
                .where(Earning.id.in_(ids[start : start + CHUNK]))
                .values(payout_id=payout.id),
                execution_options={"synchronize_session": False},
            )
        payouts.append(payout)
    audit.record(
        session,
        actor_id=admin.id,
        action="payout_batch.create",
        target_type="payout_batch",
        target_id=batch.id,
        after={
            "payouts": len(payouts),
            "totals": _totals_by_currency(payouts),
            "cutoff_at": cutoff.isoformat(),
        },
        reason=body.note,
    )
    names = _names(session, {p.instructor_id for p in payouts})
    return PayoutBatchOut(
        id=batch.id,
        created_at=batch.created_at,
        cutoff_at=batch.cutoff_at,
        note=batch.note,
        payouts=[payout_out(p, names.get(p.instructor_id, "")) for p in payouts],
    )


def list_payouts(
    session: Session, admin: Actor, page: PageParams, *, status: str | None = None
) -> Page[PayoutOut]:
    """Every payout, newest first, optionally of one status."""
    _require_admin(admin)
    conditions = [Payout.status == status] if status else []
    return _page(session, conditions, page)


def instructor_payouts(session: Session, actor: Actor, page: PageParams) -> Page[PayoutOut]:
    """The actor's own payouts, newest first."""
    if not actor.is_instructor:
        raise Forbidden("Only instructors receive payouts.", code="not_instructor")
    return _page(session, [Payout.instructor_id == actor.id], page)


def mark_paid(
    session: Session, rt: Runtime, admin: Actor, payout_id: str, body: MarkPaidIn
) -> PayoutOut:
    """Record that the money was sent (with the transfer's reference); emails the instructor.

    A payout that is not pending (already paid) is 409 `payout_not_pending`.
    """
    _require_admin(admin)
    payout = session.scalar(
        select(Payout)
        .where(Payout.id == payout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payout is None:
        raise PayoutNotFound("No such payout.")
    if payout.status != "pending":
        raise Conflict(f"This payout is already {payout.status}.", code="payout_not_pending")
    payout.status, payout.reference, payout.paid_at = "paid", body.reference, utcnow()
    audit.record(
        session,
        actor_id=admin.id,
        action="payout.mark_paid",
        target_type="payout",
        target_id=payout.id,
        before={"status": "pending"},
        after={"status": "paid", "reference": body.reference},
    )
    instructor = session.get(User, payout.instructor_id)
    if instructor is not None:
        from syllabus.notifications.email import queue_mail

        queue_mail(
            session,
            to=instructor.email,
            template=PAYOUT_MAIL,
            context={
                "name": instructor.name,
                "amount": f"{to_decimal_string(payout.amount, payout.currency)} {payout.currency}",
                "reference": body.reference,
                "entry_count": payout.entry_count,
                "earnings_path": "/instructor/earnings",
            },
        )
    session.flush()
    return payout_out(payout, instructor.name if instructor else "")


def payout_out(payout: Payout, instructor_name: str) -> PayoutOut:
    return PayoutOut(
        id=payout.id,
        batch_id=payout.batch_id,
        instructor_id=payout.instructor_id,
        instructor_name=instructor_name,
        amount=Money(amount=payout.amount, currency=payout.currency),
        entry_count=payout.entry_count,
        status=payout.status,
        reference=payout.reference,
        created_at=payout.created_at,
        paid_at=payout.paid_at,
    )


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")


def _page(session: Session, conditions: Sequence[Any], page: PageParams) -> Page[PayoutOut]:
    rows = session.execute(
        select(Payout, User.name)
        .join(User, User.id == Payout.instructor_id)
        .where(*conditions)
        .order_by(Payout.created_at.desc(), Payout.id)
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(Payout).where(*conditions)) or 0
    return Page.build([payout_out(payout, name) for payout, name in rows], total, page)


def _names(session: Session, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    return dict(
        session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).tuples().all()
    )


def _totals_by_currency(payouts: list[Payout]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for payout in payouts:
        totals[payout.currency] += payout.amount
    return dict(totals)
