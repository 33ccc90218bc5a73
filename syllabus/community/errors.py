"""Community refusals with the stable codes of API.md."""

from __future__ import annotations

from syllabus.catalog.errors import CourseNotFound, NotCourseOwner, NotEnrolled
from syllabus.kit.errors import Conflict, Forbidden, NotFound

__all__ = [
    "CourseNotFound",
    "NotCourseOwner",
    "NotEnrolled",
    "NotReviewAuthor",
    "OwnReview",
    "ReviewExists",
    "ReviewNotFound",
]


class ReviewNotFound(NotFound):
    code = "review_not_found"
    title = "Review not found"


class ReviewExists(Conflict):
    code = "review_exists"
    title = "Review exists"


class NotReviewAuthor(Forbidden):
    code = "not_review_author"
    title = "Not your review"


class OwnReview(Forbidden):
    code = "own_review"
    title = "Your own review"
