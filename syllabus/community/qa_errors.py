"""Lesson Q&A refusals with the stable codes of API.md."""

from __future__ import annotations

from syllabus.catalog.errors import LessonNotFound, NotCourseOwner, NotEnrolled
from syllabus.kit.errors import Conflict, Forbidden, NotFound
from syllabus.learning.errors import LessonLocked

__all__ = [
    "AnswerNotFound",
    "LessonLocked",
    "LessonNotFound",
    "NotCourseOwner",
    "NotEnrolled",
    "NotQuestionAuthor",
    "QuestionHidden",
    "QuestionNotFound",
]


class QuestionNotFound(NotFound):
    code = "question_not_found"
    title = "Question not found"


class AnswerNotFound(NotFound):
    code = "answer_not_found"
    title = "Answer not found"


class NotQuestionAuthor(Forbidden):
    code = "not_question_author"
    title = "Not your question"


class QuestionHidden(Conflict):
    code = "question_hidden"
    title = "Question hidden"
