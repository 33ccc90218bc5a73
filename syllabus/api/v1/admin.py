"""Admin API (admin only; others 403)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from syllabus.accounts import roles
from syllabus.accounts.schemas import (
    AdminUserOut,
    ApplicationDecisionIn,
    ApplicationOut,
    ApplicationStatus,
    BanIn,
    Role,
    RoleIn,
)
from syllabus.admin import audit_log, moderation, users
from syllabus.admin.schemas import AdminUserDetailOut, AuditEntryOut, PaymentEventOut
from syllabus.api.deps import CurrentRuntime, DbSession, Pagination, RequireAdmin
from syllabus.api.errors import problems
from syllabus.api.v1.catalog import course_detail_out
from syllabus.catalog import authoring, workflow
from syllabus.catalog.schemas import CourseDetail, CourseStatus, CourseSummary, ReviewDecision
from syllabus.kit.pagination import Page

router = APIRouter(prefix="/admin", tags=["admin"])

UserStatus = Literal["pending", "active", "banned"]
Search = Annotated[str | None, Query(max_length=users.MAX_QUERY_LENGTH)]
ShortText = Annotated[str | None, Query(max_length=80)]


@router.get("/users", response_model=Page[AdminUserOut], responses=problems(s403="not_admin"))
def list_users(
    db: DbSession,
    rt: CurrentRuntime,
    admin: RequireAdmin,
    page: Pagination,
    q: Search = None,
    role: Role | None = None,
    status: UserStatus | None = None,
) -> Page[AdminUserOut]:
    """Users by name or email (`q`, a substring), role and status; newest accounts first."""
    return users.search_users(db, rt, admin, page, q=q, role=role, status=status)


@router.get(
    "/users/{user_id}",
    response_model=AdminUserDetailOut,
    responses=problems(s403="not_admin", s404="not_found"),
)
def get_user(
    user_id: str, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> AdminUserDetailOut:
    """One user with counts and short lists of orders, enrollments, courses and open sessions."""
    return users.user_detail(db, rt, admin, user_id)


@router.patch("/users/{user_id}", response_model=AdminUserOut)
def update_user(
    user_id: str, body: RoleIn, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> AdminUserOut:
    return roles.admin_user_out(rt, roles.set_role(db, admin, user_id, body.role))


@router.post("/users/{user_id}/ban", response_model=AdminUserOut)
def ban_user(
    user_id: str, body: BanIn, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> AdminUserOut:
    return roles.admin_user_out(rt, roles.ban_user(db, admin, user_id, body.reason))


@router.post("/users/{user_id}/unban", response_model=AdminUserOut)
def unban_user(
    user_id: str, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> AdminUserOut:
    return roles.admin_user_out(rt, roles.unban_user(db, admin, user_id))


@router.get("/instructor-applications", response_model=Page[ApplicationOut])
def list_applications(
    db: DbSession,
    admin: RequireAdmin,
    page: Pagination,
    status: ApplicationStatus | None = None,
) -> Page[ApplicationOut]:
    return roles.list_applications(db, admin, status, page)


@router.post("/instructor-applications/{application_id}/decision", response_model=ApplicationOut)
def decide_application(
    application_id: str, body: ApplicationDecisionIn, db: DbSession, admin: RequireAdmin
) -> ApplicationOut:
    application = roles.decide_application(
        db, admin, application_id, approve=body.approve, note=body.note
    )
    return roles.describe_application(db, application)


# --- courses: review workflow and removal ---------------------------------------------------


@router.get("/courses", response_model=Page[CourseSummary])
def list_courses(
    db: DbSession,
    rt: CurrentRuntime,
    admin: RequireAdmin,
    page: Pagination,
    status: CourseStatus | None = None,
) -> Page[CourseSummary]:
    """Every course, any status; `?status=in_review` is the review queue, oldest first."""
    return workflow.admin_courses(db, rt, admin, status, page)


@router.post("/courses/{course}/approve", response_model=CourseDetail)
def approve_course(
    course: str, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> CourseDetail:
    return course_detail_out(db, rt, workflow.approve(db, rt, admin, course).id)


@router.post("/courses/{course}/reject", response_model=CourseDetail)
def reject_course(
    course: str, body: ReviewDecision, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> CourseDetail:
    return course_detail_out(db, rt, workflow.reject(db, rt, admin, course, body.reason).id)


@router.delete("/courses/{course}", status_code=204)
def delete_course(course: str, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin) -> Response:
    """Remove a course; one with enrollments is archived instead."""
    authoring.delete_course(db, rt, admin, course)
    return Response(status_code=204)


@router.post(
    "/courses/{course}/unpublish",
    response_model=CourseDetail,
    responses=problems(s403="not_admin", s404="course_not_found", s409="invalid_status_transition"),
)
def unpublish_course(
    course: str, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> CourseDetail:
    """Take a published course out of the catalog; enrolled students keep it."""
    return course_detail_out(db, rt, moderation.unpublish(db, rt, admin, course).id)


# --- orders and the audit log ------------------------------------------------------------


@router.get(
    "/orders/{order_id}/payment-events",
    response_model=list[PaymentEventOut],
    responses=problems(s403="not_admin", s404="order_not_found"),
)
def order_payment_events(
    order_id: str, db: DbSession, admin: RequireAdmin
) -> list[PaymentEventOut]:
    """What the provider reported about the order: payments and webhook deliveries, oldest first."""
    return moderation.payment_events(db, admin, order_id)


@router.get("/audit-log", response_model=Page[AuditEntryOut], responses=problems(s403="not_admin"))
def read_audit_log(
    db: DbSession,
    admin: RequireAdmin,
    page: Pagination,
    actor: ShortText = None,
    action: ShortText = None,
    target_type: ShortText = None,
    target_id: ShortText = None,
) -> Page[AuditEntryOut]:
    """Every admin action, newest first: who, what, on which object, values before and after.

    `action` ending in a dot (`user.`) matches every action of that kind.
    """
    return audit_log.list_entries(
        db,
        admin,
        page,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
    )
