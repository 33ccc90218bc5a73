"""The columns the generator fills, in the order of its row tuples.

Rows are plain tuples (the cheapest thing to build and to hand to the
driver), so each table's column order is written down here once, and
`check_columns` compares it with the models before anything is written: a
column added to a model without a default here fails loudly instead of
making rows the application cannot read.
"""

from __future__ import annotations

from sqlalchemy import MetaData

COLUMNS: dict[str, tuple[str, ...]] = {
    "categories": ("id", "parent_id", "slug", "name", "position"),
    "users": (
        "id",
        "created_at",
        "updated_at",
        "email",
        "name",
        "password_hash",
        "role",
        "status",
        "headline",
        "bio",
        "links",
        "avatar_key",
        "ban_reason",
        "banned_at",
        "marketing_opt_in",
    ),
    "courses": (
        "id",
        "created_at",
        "updated_at",
        "slug",
        "instructor_id",
        "title",
        "subtitle",
        "description",
        "description_html",
        "category_id",
        "level",
        "language",
        "outcomes",
        "requirements",
        "audience",
        "tags",
        "price_amount",
        "currency",
        "list_price_amount",
        "thumbnail_key",
        "promo_media_id",
        "has_certificate",
        "is_featured",
        "status",
        "review_note",
        "submitted_at",
        "published_at",
        "rating_avg",
        "rating_count",
        "rating_sum",
        "rating_histogram",
        "enrollment_count",
        "lesson_count",
        "duration_seconds",
        "revision",
    ),
    "sections": ("id", "created_at", "updated_at", "course_id", "title", "position"),
    "lessons": (
        "id",
        "created_at",
        "updated_at",
        "section_id",
        "course_id",
        "title",
        "kind",
        "position",
        "is_preview",
        "duration_seconds",
        "body",
        "body_html",
        "media_id",
        "drip_days",
        "drip_date",
    ),
    "enrollments": (
        "id",
        "user_id",
        "course_id",
        "source",
        "status",
        "progress_percent",
        "completed_at",
        "last_lesson_id",
        "created_at",
        "completed_lessons",
        "last_activity_at",
    ),
    "lesson_progress": (
        "id",
        "enrollment_id",
        "lesson_id",
        "position_seconds",
        "completed_at",
        "updated_at",
    ),
    "reviews": (
        "id",
        "created_at",
        "updated_at",
        "course_id",
        "user_id",
        "rating",
        "body",
        "status",
        "reply",
        "helpful_count",
        "language",
    ),
    "media_assets": (
        "id",
        "created_at",
        "updated_at",
        "owner_id",
        "purpose",
        "status",
        "filename",
        "content_type",
        "size_bytes",
        "source_key",
        "duration_seconds",
        "width",
        "height",
        "renditions",
        "hls_prefix",
        "poster_key",
        "image_keys",
        "error",
        "attempts",
        "progress_percent",
        "next_attempt_at",
        "heartbeat_at",
        "ready_at",
    ),
}

# The tables a course's rows go to, in the order they are written (parents first).
COURSE_TABLES = ("courses", "sections", "lessons", "enrollments", "lesson_progress", "reviews")


class SchemaMismatch(Exception):
    """The models have columns the generator does not fill, or lost some it fills."""


def check_columns(metadata: MetaData) -> None:
    for table, columns in COLUMNS.items():
        model = {column.name for column in metadata.tables[table].columns}
        if model != set(columns):
            missing, extra = sorted(model - set(columns)), sorted(set(columns) - model)
            raise SchemaMismatch(
                f"the benchmark generator is out of date for table {table}: "
                f"columns not filled {missing}, unknown columns {extra}"
            )
