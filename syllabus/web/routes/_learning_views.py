"""What the learning pages show, built from the learning services' shapes (no queries here).

The player's sidebar, its previous/next links and progress summary, the
quiz form's questions (never an answer: the course content has none) and
a graded attempt with each question's right answer, and the quiz form's
fields read back into the answers `submit_attempt` takes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData

from syllabus.catalog.schemas import CourseContent, LessonContent
from syllabus.kit.db import utcnow
from syllabus.learning.schemas import AttemptOut, AttemptResult, ProgressOut

MAX_SHORT_ANSWER = 500
TRUE_FALSE = (("true", "True"), ("false", "False"))


# ------------------------------------------------------------------- dates


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def day_month_year(value: datetime | None) -> str:
    """The date as "21 November 2025" (UTC); an empty string for None."""
    if value is None:
        return ""
    moment = _utc(value)
    return f"{moment.day} {moment:%B %Y}"


# ------------------------------------------------------------------ player


def lesson_url(slug: str, lesson_id: str) -> str:
    return f"/learn/{quote(slug)}/lessons/{quote(lesson_id)}"


@dataclass
class OutlineItem:
    id: str
    title: str
    kind: str
    duration_seconds: int
    url: str
    number: int
    section_id: str
    completed: bool = False
    locked: bool = False
    available_at: datetime | None = None
    current: bool = False


@dataclass
class OutlineSection:
    id: str
    title: str
    number: int
    lessons: list[OutlineItem] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for item in self.lessons if item.completed)


@dataclass
class ProgressView:
    percent: int
    done: int
    total: int
    completed_at: datetime | None


def is_locked(lesson: LessonContent) -> bool:
    """True while drip keeps the lesson shut for this student."""
    opens = lesson.available_at
    return opens is not None and _utc(opens) > utcnow()


def build_outline(
    content: CourseContent, progress: ProgressOut | None, current_id: str | None = None
) -> list[OutlineSection]:
    """The curriculum with each lesson's tick, lock and opening date."""
    done = {item.lesson_id for item in progress.lessons if item.completed} if progress else set()
    number = 0
    sections: list[OutlineSection] = []
    for index, section in enumerate(content.sections, start=1):
        view = OutlineSection(id=section.id, title=section.title, number=index)
        for lesson in section.lessons:
            number += 1
            view.lessons.append(
                OutlineItem(
                    id=lesson.id,
                    title=lesson.title,
                    kind=lesson.kind,
                    duration_seconds=lesson.duration_seconds,
                    url=lesson_url(content.slug, lesson.id),
                    number=number,
                    section_id=section.id,
                    completed=lesson.id in done,
                    locked=is_locked(lesson),
                    available_at=lesson.available_at,
                    current=lesson.id == current_id,
                )
            )
        sections.append(view)
    return sections


def flat(sections: Iterable[OutlineSection]) -> list[OutlineItem]:
    return [item for section in sections for item in section.lessons]


def resume_target(sections: Sequence[OutlineSection], last_lesson_id: str | None) -> OutlineItem:
    """Where "Resume" goes: the last lesson opened, else the first open lesson not yet done."""
    items = flat(sections)
    for item in items:
        if item.id == last_lesson_id:
            return item
    for item in items:
        if not item.completed and not item.locked:
            return item
    return next((item for item in items if not item.locked), items[0])


def progress_view(progress: ProgressOut | None) -> ProgressView | None:
    if progress is None:
        return None
    return ProgressView(
        percent=progress.percent,
        done=progress.completed_lessons,
        total=progress.lesson_count,
        completed_at=progress.completed_at,
    )


def find_lesson(content: CourseContent, lesson_id: str) -> LessonContent | None:
    for section in content.sections:
        for lesson in section.lessons:
            if lesson.id == lesson_id:
                return lesson
    return None


# -------------------------------------------------------------------- quiz


@dataclass
class QuizView:
    pass_percent: int
    max_attempts: int | None
    questions: list[dict[str, Any]]
    attempts_used: int = 0
    best_score: int | None = None
    passed_before: bool = False
    show_form: bool = True
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def attempts_left(self) -> int | None:
        if self.max_attempts is None:
            return None
        return max(0, self.max_attempts - self.attempts_used)


def _questions(quiz: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(quiz.get("questions") or [], key=lambda q: int(q.get("position", 0)))


def _options(question: dict[str, Any]) -> list[dict[str, str]]:
    if question["kind"] == "true_false":
        return [{"value": value, "label": label} for value, label in TRUE_FALSE]
    if question["kind"] in ("single", "multiple"):
        choices = question.get("choices") or []
        return [{"value": str(i), "label": str(label)} for i, label in enumerate(choices)]
    return []


def quiz_view(
    lesson: LessonContent,
    attempts: Sequence[AttemptOut],
    *,
    retake: bool = False,
    shuffle: random.Random | None = None,
) -> QuizView | None:
    """The quiz as a student takes it: questions and choices only, and their attempts so far."""
    quiz = lesson.quiz
    if not quiz:
        return None
    questions = [
        {
            "id": str(q["id"]),
            "kind": q["kind"],
            "prompt": q["prompt"],
            "options": _options(q),
        }
        for q in _questions(quiz)
    ]
    if quiz.get("shuffle"):
        (shuffle or random.Random()).shuffle(questions)
    view = QuizView(
        pass_percent=int(quiz.get("pass_percent", 0)),
        max_attempts=quiz.get("max_attempts"),
        questions=questions,
        attempts_used=len(attempts),
        best_score=max((a.score_percent for a in attempts), default=None),
        passed_before=any(a.passed for a in attempts),
    )
    left = view.attempts_left
    view.show_form = (left is None or left > 0) and (retake or not view.passed_before)
    return view


def answers_from_form(form: FormData, lesson: LessonContent) -> dict[str, Any]:
    """The quiz form's fields as `{question_id: answer}`; unanswered questions are left out."""
    answers: dict[str, Any] = {}
    for question in _questions(lesson.quiz or {}):
        qid, kind = str(question["id"]), question["kind"]
        name = f"q-{qid}"
        values = [v.strip() for v in form.getlist(name) if isinstance(v, str)]
        if kind == "multiple":
            picked = sorted({int(v) for v in values if v.isdigit()})
            if picked:
                answers[qid] = picked
        elif kind == "single":
            if values and values[0].isdigit():
                answers[qid] = int(values[0])
        elif kind == "true_false":
            if values and values[0] in ("true", "false"):
                answers[qid] = values[0] == "true"
        elif values and values[0]:
            answers[qid] = values[0][:MAX_SHORT_ANSWER]
    return answers


def _ints(value: Any) -> set[int]:
    items = value if isinstance(value, list | tuple | set) else [value]
    out: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            out.add(item)
        elif isinstance(item, str) and item.strip().isdigit():
            out.add(int(item.strip()))
    return out


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in items if str(item).strip()]


def graded_view(lesson: LessonContent, result: AttemptResult) -> dict[str, Any]:
    """A graded attempt: score, verdict and each question with the student's and right answers."""
    by_id = {q.question_id: q for q in result.questions}
    questions: list[dict[str, Any]] = []
    for number, question in enumerate(_questions(lesson.quiz or {}), start=1):
        graded = by_id.get(str(question["id"]))
        if graded is None:
            continue
        kind = question["kind"]
        options: list[dict[str, Any]] = []
        if kind in ("single", "multiple"):
            right, picked = _ints(graded.answer), _ints(graded.given)
            options = [
                {"label": str(label), "right": i in right, "picked": i in picked}
                for i, label in enumerate(question.get("choices") or [])
            ]
        elif kind == "true_false":
            right_value, given_value = _bool(graded.answer), _bool(graded.given)
            options = [
                {
                    "label": label,
                    "right": right_value is (value == "true"),
                    "picked": given_value is (value == "true"),
                }
                for value, label in TRUE_FALSE
            ]
        questions.append(
            {
                "number": number,
                "kind": kind,
                "prompt": question["prompt"],
                "correct": graded.correct,
                "options": options,
                "picked_any": any(o["picked"] for o in options),
                "given_text": ", ".join(_texts(graded.given)),
                "answer_texts": _texts(graded.answer),
                "explanation": graded.explanation,
            }
        )
    return {
        "number": result.number,
        "score_percent": result.score_percent,
        "passed": result.passed,
        "pass_percent": result.pass_percent,
        "attempts_left": result.attempts_left,
        "correct_count": sum(1 for q in result.questions if q.correct),
        "questions": questions,
    }
