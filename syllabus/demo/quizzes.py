"""Demo quizzes: one per section, its questions drawn from the key terms the section taught.

Question kinds rotate by section (single choice, true/false, multiple choice,
short answer); wrong options are other terms' definitions of the same course.
"""

from __future__ import annotations

import random
from datetime import datetime

from syllabus.demo.content import Locale
from syllabus.demo.plan import Dice, Plan, Row, cap

PASS_PERCENT = 70
MAX_ATTEMPTS = 3
QUESTION_KINDS = ("single", "true_false", "multiple", "short", "single")


def plan_quiz(
    dice: Dice,
    plan: Plan,
    locale: Locale,
    lesson_id: str,
    section_position: int,
    count: int,
    seen: list[tuple[str, str]],
    terms: tuple[tuple[str, str], ...],
    stamp: datetime,
) -> None:
    """The quiz settings of a quiz lesson and its `count` questions, on the section's terms.

    The terms the section's lessons taught (`seen`) are asked first, then others.
    """
    plan.quizzes.append(
        {
            "lesson_id": lesson_id,
            "pass_percent": PASS_PERCENT,
            "max_attempts": MAX_ATTEMPTS,
            "shuffle": False,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    rotation = section_position % 4
    kinds = (QUESTION_KINDS[rotation:] + QUESTION_KINDS[:rotation])[:count]
    others = [t for t in terms if t not in seen]
    dice.rng.shuffle(others)
    pool = [*seen, *others]
    for position, kind in enumerate(kinds):
        question = _question(dice.rng, locale, kind, pool[position % len(pool)], terms)
        plan.questions.append(
            {"id": dice.new_id(), "lesson_id": lesson_id, "position": position, **question}
        )


def _question(
    rng: random.Random,
    locale: Locale,
    kind: str,
    primary: tuple[str, str],
    terms: tuple[tuple[str, str], ...],
) -> Row:
    """One question of `kind` about the `primary` term; wrong options come from the others."""
    term, definition = primary
    rest = [t for t in terms if t != primary]
    correct = locale.statement.format(term=cap(term), definition=definition)
    if kind == "single":
        options = [definition, *(d for _, d in rng.sample(rest, 3))]
        rng.shuffle(options)
        return {
            "kind": kind,
            "prompt": locale.single_prompt.format(term=term),
            "choices": [cap(o) for o in options],
            "answer": options.index(definition),
            "explanation": locale.single_explanation.format(
                term=term, Term=cap(term), definition=definition
            ),
        }
    if kind == "true_false":
        if rng.random() < 0.5:
            prompt = locale.statement.format(term=term, definition=definition)
            answer, explanation = True, locale.true_explanation.format(statement=correct)
        else:
            other, other_definition = rng.choice(rest)
            prompt = locale.statement.format(term=term, definition=other_definition)
            answer = False
            explanation = locale.false_explanation.format(other=other, statement=correct)
        return {
            "kind": kind,
            "prompt": locale.true_false_prompt.format(statement=prompt),
            "choices": [],
            "answer": answer,
            "explanation": explanation,
        }
    if kind == "multiple":
        true_pair, (a, b) = [primary, *rng.sample(rest, 1)], rng.sample(rest, 2)
        while a in true_pair or b in true_pair:
            a, b = rng.sample(rest, 2)
        statements = [
            (locale.statement.format(term=cap(t), definition=d), True) for t, d in true_pair
        ]
        statements += [
            (locale.statement.format(term=cap(a[0]), definition=b[1]), False),
            (locale.statement.format(term=cap(b[0]), definition=a[1]), False),
        ]
        rng.shuffle(statements)
        return {
            "kind": kind,
            "prompt": locale.multiple_prompt,
            "choices": [text for text, _ in statements],
            "answer": [i for i, (_, true) in enumerate(statements) if true],
            "explanation": locale.multiple_explanation,
        }
    accepted = list(dict.fromkeys([term, term.replace("-", " ")]))
    return {
        "kind": "short",
        "prompt": locale.short_prompt.format(definition=definition),
        "choices": [],
        "answer": accepted,
        "explanation": locale.short_explanation.format(term=term),
    }
