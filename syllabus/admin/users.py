"""Finding users and looking one up: the admin console's user list and user page.

Every filter reads an index: `users.role`, `users.status`, and the unique
`users.email`. The name/email search is a bounded LIKE on lower(name) and
the (already lower-case) email; wildcards typed by the admin are escaped.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from syllabus.accounts import repository as accounts_repo
from syllabus.accounts.actor import Actor
from syllabus.accounts.models import ROLES, STATUSES, InstructorApplication, User, UserSession
from syllabus.accounts.roles import admin_user_out
from syllabus.accounts.schemas import AdminUserOut
from syllabus.admin.schemas import (
    AdminUserDetailOut,
    MoneyOut,
    PendingApplicationOut,
    UserCounts,
    UserCourseOut,
    UserCourseRef,
    UserEnrollmentOut,
    UserOrderOut,
    UserSessionOut,
)
from syllabus.catalog.models import Course
from syllabus.commerce.models import Order
from syllabus.kit.db import utcnow
from syllabus.kit.errors import Forbidden, InvalidInput, NotFound
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment

MAX_QUERY_LENGTH = 100
SHORT_LIST = 10


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(statement: Select[Any], q: str | None, role: str | None, status: str | None) -> Any:
    if role is not None:
        statement = statement.where(User.role == role)
    if status is not None:
        statement = statement.where(User.status == status)
    text = (q or "").strip().lower()
    if text:
        pattern = _like_pattern(text)
        statement = statement.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    return statement


def search_users(
    session: Session,
    rt: Runtime,
    admin: Actor,
    params: PageParams,
    *,
    q: str | None = None,
    role: str | None = None,
    status: str | None = None,
) -> Page[AdminUserOut]:
    """Users matching the search and filters, newest accounts first."""
    require_admin(admin)
    if q is not None and len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"The search is at most {MAX_QUERY_LENGTH} characters.")
    if role is not None and role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}.")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}.")
    total = session.scalar(_filtered(select(func.count(User.id)), q, role, status)) or 0
    users = session.scalars(
        _filtered(select(User), q, role, status)
        .order_by(User.created_at.desc(), User.id)
        .offset(params.offset)
        .limit(params.limit)
    ).all()
    return Page[AdminUserOut].build(
        [admin_user_out(rt, user) for user in users], int(total), params
    )


def _count(session: Session, statement: Select[Any]) -> int:
    return int(session.scalar(statement) or 0)


def user_detail(session: Session, rt: Runtime, admin: Actor, user_id: str) -> AdminUserDetailOut:
    """The user with counts and the newest orders, enrollments, courses and open sessions."""
    require_admin(admin)
    user = accounts_repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound("No such user.")
    now = utcnow()
    open_sessions = (
        UserSession.user_id == user.id,
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > now,
    )
    counts = UserCounts(
        orders=_count(session, select(func.count(Order.id)).where(Order.user_id == user.id)),
        enrollments=_count(
            session, select(func.count(Enrollment.id)).where(Enrollment.user_id == user.id)
        ),
        courses=_count(
            session, select(func.count(Course.id)).where(Course.instructor_id == user.id)
        ),
        active_sessions=_count(session, select(func.count(UserSession.id)).where(*open_sessions)),
    )
    orders = session.scalars(
        select(Order)
        .where(Order.user_id == user.id)
        .order_by(Order.created_at.desc(), Order.id)
        .limit(SHORT_LIST)
    ).all()
    enrollments = session.execute(
        select(Enrollment, Course.slug, Course.title)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user.id)
        .order_by(Enrollment.created_at.desc(), Enrollment.id)
        .limit(SHORT_LIST)
    ).all()
    courses = session.execute(
        select(Course.id, Course.slug, Course.title, Course.status)
        .where(Course.instructor_id == user.id)
        .order_by(Course.updated_at.desc(), Course.id)
        .limit(SHORT_LIST)
    ).all()
    sessions = session.scalars(
        select(UserSession)
        .where(*open_sessions)
        .order_by(UserSession.last_used_at.desc(), UserSession.id)
        .limit(SHORT_LIST)
    ).all()
    application = session.scalar(
        select(InstructorApplication)
        .where(
            InstructorApplication.user_id == user.id,
            InstructorApplication.status == "pending",
        )
        .limit(1)
    )
    return AdminUserDetailOut(
        **admin_user_out(rt, user).model_dump(),
        counts=counts,
        orders=[
            UserOrderOut(
                id=order.id,
                status=order.status,
                provider=order.provider,
                total=MoneyOut(amount=order.total_amount, currency=order.currency),
                created_at=order.created_at,
            )
            for order in orders
        ],
        enrollments=[
            UserEnrollmentOut(
                id=row[0].id,
                course=UserCourseRef(id=row[0].course_id, slug=row[1], title=row[2]),
                status=row[0].status,
                source=row[0].source,
                progress_percent=row[0].progress_percent,
                created_at=row[0].created_at,
            )
            for row in enrollments
        ],
        courses=[
            UserCourseOut(id=row.id, slug=row.slug, title=row.title, status=row.status)
            for row in courses
        ],
        sessions=[
            UserSessionOut(
                id=item.id,
                device=item.device,
                ip=item.ip,
                created_at=item.created_at,
                last_used_at=item.last_used_at,
                expires_at=item.expires_at,
            )
            for item in sessions
        ],
        pending_application=PendingApplicationOut(
            id=application.id,
            bio=application.pitch,
            topics=list(application.topics or []),
            created_at=application.created_at,
        )
        if application is not None
        else None,
    )
