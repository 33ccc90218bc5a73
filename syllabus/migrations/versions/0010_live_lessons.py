"""Live lessons: sessions, attendance and reminders

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("lesson_id", sa.String(length=36), nullable=False),
        sa.Column("course_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=True),
        sa.Column("recordings_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day_reminder_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("soon_reminder_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_live_sessions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_live_sessions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lesson_id", name=op.f("pk_live_sessions")),
        sa.UniqueConstraint("room", name=op.f("uq_live_sessions_room")),
    )
    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_live_sessions_course_id", ["course_id"], unique=False)
        batch_op.create_index("ix_live_sessions_starts_at", ["starts_at"], unique=False)

    op.create_table(
        "live_attendance",
        sa.Column("lesson_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("first_joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("join_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["live_sessions.lesson_id"],
            name=op.f("fk_live_attendance_lesson_id_live_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_live_attendance_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_attendance")),
        sa.UniqueConstraint(
            "lesson_id", "user_id", name=op.f("uq_live_attendance_lesson_id_user_id")
        ),
    )
    with op.batch_alter_table("live_attendance", schema=None) as batch_op:
        batch_op.create_index("ix_live_attendance_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("live_attendance")
    op.drop_table("live_sessions")
