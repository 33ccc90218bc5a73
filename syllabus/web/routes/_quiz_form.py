"""The quiz editor's form: questions as the page shows them, as posted, and as QuizIn.

A question in the form is a dict (kind, prompt, choices, correct, tf, accepted,
explanation) so that whatever was typed can be shown again, unsaved, after an
Add/Remove button or a refusal.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from syllabus.catalog import quizzes
from syllabus.catalog.schemas import QuizIn
from syllabus.web.deps import FORM_ERROR, validate_form
from syllabus.web.routes._studio_common import form_fields, form_text, nonblank_lines

QUESTION_KINDS = ("single", "multiple", "true_false", "short")
MAX_QUESTIONS = 100
MAX_CHOICES = 10
NEW_QUESTION_CHOICES = 4


def _texts(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def quiz_values(form: FormData) -> dict[str, Any]:
    """The quiz settings as typed (pass mark, attempts, shuffle)."""
    values: dict[str, Any] = form_fields(form, "pass_percent", "max_attempts")
    values["shuffle"] = form.get("shuffle") is not None
    return values


def blank_question(kind: str) -> dict[str, Any]:
    choices = [""] * NEW_QUESTION_CHOICES if kind in ("single", "multiple") else []
    return {
        "kind": kind,
        "prompt": "",
        "choices": choices,
        "correct": set(),
        "tf": "",
        "accepted": "",
        "explanation": "",
    }


def stored_questions(quiz: quizzes.QuizOut) -> list[dict[str, Any]]:
    """The saved questions in the form's shape."""
    questions = []
    for stored in quiz.questions:
        question = blank_question(stored.kind)
        question.update(prompt=stored.prompt, explanation=stored.explanation)
        if stored.kind == "single":
            question.update(choices=list(stored.choices), correct={stored.answer})
        elif stored.kind == "multiple":
            question.update(choices=list(stored.choices), correct=set(stored.answer))
        elif stored.kind == "true_false":
            question["tf"] = "true" if stored.answer else "false"
        else:
            question["accepted"] = "\n".join(stored.answer)
        questions.append(question)
    return questions


def posted_questions(form: FormData) -> list[dict[str, Any]]:
    """The questions as the form sent them (q-0-prompt, q-0-choice, q-0-correct, ...)."""
    count_text = form_text(form, "questions")
    count = min(int(count_text), MAX_QUESTIONS + 1) if count_text.isdigit() else 0
    questions = []
    for i in range(count):
        prefix = f"q-{i}-"
        kind = form_text(form, prefix + "kind")
        if kind not in QUESTION_KINDS:
            continue
        question = blank_question(kind)
        question.update(
            prompt=form_text(form, prefix + "prompt"),
            choices=_texts(form, prefix + "choice")[:MAX_CHOICES],
            correct={int(v) for v in _texts(form, prefix + "correct") if v.isdigit()},
            tf=form_text(form, prefix + "tf"),
            accepted=form_text(form, prefix + "accepted"),
            explanation=form_text(form, prefix + "explanation"),
        )
        questions.append(question)
    return questions


def _question_in(question: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """One question as QuizIn wants it, or the reason it cannot be saved."""
    kind = question["kind"]
    prompt = question["prompt"].strip()
    if not prompt:
        return None, "Write the question."
    data: dict[str, Any] = {
        "kind": kind,
        "prompt": prompt,
        "explanation": question["explanation"].strip(),
    }
    if kind in ("single", "multiple"):
        kept = [(i, text.strip()) for i, text in enumerate(question["choices"]) if text.strip()]
        if len(kept) < 2:
            return None, "Give at least two choices."
        new_index = {old: new for new, (old, _) in enumerate(kept)}
        right = sorted(new_index[i] for i in question["correct"] if i in new_index)
        data["choices"] = [text for _, text in kept]
        if kind == "single":
            if len(right) != 1:
                return None, "Mark the right answer."
            data["answer"] = right[0]
        else:
            if not right:
                return None, "Mark at least one right answer."
            data["answer"] = right
    elif kind == "true_false":
        if question["tf"] not in ("true", "false"):
            return None, "Choose whether the statement is true or false."
        data["answer"] = question["tf"] == "true"
    else:
        accepted = nonblank_lines(question["accepted"])
        if not accepted:
            return None, "Give at least one accepted answer."
        data["answer"] = accepted
    return data, None


def quiz_form(
    form: FormData, questions: list[dict[str, Any]]
) -> tuple[dict[str, Any], QuizIn | None, dict[str, str]]:
    """The settings as typed, the validated quiz, and errors by field (`q-N` per question)."""
    values = quiz_values(form)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"shuffle": values["shuffle"], "questions": []}
    pass_text = values["pass_percent"].strip()
    if pass_text.isdigit() and int(pass_text) <= 100:
        data["pass_percent"] = int(pass_text)
    else:
        errors["pass_percent"] = "Enter a whole percentage, 0 to 100."  # noqa: S105
    attempts = values["max_attempts"].strip()
    if attempts:
        if attempts.isdigit() and 1 <= int(attempts) <= 100:
            data["max_attempts"] = int(attempts)
        else:
            errors["max_attempts"] = "Enter 1 to 100 attempts, or leave it empty for unlimited."
    if not questions:
        errors[FORM_ERROR] = "Add at least one question."
    if len(questions) > MAX_QUESTIONS:
        errors[FORM_ERROR] = f"A quiz can have at most {MAX_QUESTIONS} questions."
    for index, question in enumerate(questions):
        item, problem = _question_in(question)
        if problem:
            errors[f"q-{index}"] = problem
        else:
            data["questions"].append(item)
    if errors:
        return values, None, errors
    body, problems = validate_form(QuizIn, data)
    for field, message in problems.items():
        errors.setdefault(FORM_ERROR if field == "questions" else field, message)
    return values, body, errors
