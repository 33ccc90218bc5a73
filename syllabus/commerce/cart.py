"""The signed-in buyer's cart: courses kept across devices until bought or removed.

Adding applies the same refusals as buying (pricing.purchasable_courses), so
the cart never shows something checkout would refuse at that moment. A
course bought since, or unpublished since, is left out of the cart's quote
rather than failing it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.models import Course
from syllabus.commerce import pricing
from syllabus.commerce.models import CartItem
from syllabus.commerce.schemas import QuoteOut
from syllabus.kit.db import utcnow
from syllabus.kit.errors import Conflict
from syllabus.kit.runtime import Runtime

# As many courses as one checkout takes (CartIn.course_ids).
MAX_ITEMS = 50


class CartFull(Conflict):
    code = "cart_full"
    title = "Cart full"


def cart_course_ids(session: Session, user_id: str) -> list[str]:
    """The course ids in the user's cart, oldest first."""
    return list(
        session.scalars(
            select(CartItem.course_id)
            .where(CartItem.user_id == user_id)
            .order_by(CartItem.added_at, CartItem.course_id)
        )
    )


def add_to_cart(session: Session, rt: Runtime, actor: Actor, course_key: str) -> None:
    """Put a course (id or slug) in the actor's cart; adding it twice changes nothing.

    404 `course_not_found` (unknown or unpublished), 409
    `course_not_purchasable` (own course), 409 `already_enrolled`, 409
    `cart_full` past MAX_ITEMS.
    """
    (course,) = pricing.purchasable_courses(session, actor, [course_key])
    held = cart_course_ids(session, actor.id)
    if course.id in held:
        return
    if len(held) >= MAX_ITEMS:
        raise CartFull(f"A cart holds at most {MAX_ITEMS} courses.")
    values = {"user_id": actor.id, "course_id": course.id, "added_at": utcnow()}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A double click from two tabs ends with one row, not an integrity error.
    session.execute(insert(CartItem).values(values).on_conflict_do_nothing())


def remove_from_cart(session: Session, actor: Actor, course_key: str) -> None:
    """Take a course (id or slug) out of the actor's cart; nothing to remove is fine."""
    matching = select(Course.id).where(or_(Course.id == course_key, Course.slug == course_key))
    session.execute(
        delete(CartItem).where(CartItem.user_id == actor.id, CartItem.course_id.in_(matching)),
        execution_options={"synchronize_session": False},
    )


def clear_courses(session: Session, user_id: str, course_ids: Sequence[str]) -> None:
    """Drop bought courses from the buyer's cart (an order was paid)."""
    if not course_ids:
        return
    session.execute(
        delete(CartItem).where(CartItem.user_id == user_id, CartItem.course_id.in_(course_ids)),
        execution_options={"synchronize_session": False},
    )


def cart_count(session: Session, user_id: str) -> int:
    """How many courses the cart holds (the header's badge)."""
    return int(session.scalar(select(func.count()).where(CartItem.user_id == user_id)) or 0)


def view_cart(session: Session, rt: Runtime, actor: Actor) -> QuoteOut:
    """GET /cart: the stored cart priced without a coupon; stale items are left out."""
    course_ids = cart_course_ids(session, actor.id)
    priced = pricing.price_cart(session, actor, course_ids, None, skip_unavailable=True)
    return pricing.quote_out(rt, priced)
