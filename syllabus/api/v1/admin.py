"""Admin API (admin only; others 403)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from syllabus.accounts import roles
from syllabus.accounts.schemas import (
    AdminUserOut,
    ApplicationDecisionIn,
    ApplicationOut,
    ApplicationStatus,
    BanIn,
    RoleIn,
)
from syllabus.api.deps import CurrentRuntime, DbSession, Pagination, RequireAdmin
from syllabus.api.v1.catalog import course_detail_out
from syllabus.catalog import authoring, workflow
from syllabus.catalog.schemas import CourseDetail, CourseStatus, CourseSummary, ReviewDecision
from syllabus.kit.pagination import Page

router = APIRouter(prefix="/admin", tags=["admin"])


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
