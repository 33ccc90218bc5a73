"""Demo lessons: a course's sections and lessons, with text written from its key terms.

Each lesson teaches the key term its title names (new ones first); its body
is a locale's template picked by title keywords (English) or in turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from syllabus.demo.content import EN_STYLE_KEYWORDS, TIPS, Locale
from syllabus.demo.plan import Dice, Plan, PlannedCourse, Row, cap, slugify
from syllabus.demo.quizzes import MAX_ATTEMPTS, PASS_PERCENT, plan_quiz
from syllabus.kit.markdown import render_markdown


def plan_curriculum(
    dice: Dice,
    plan: Plan,
    course: PlannedCourse,
    locale: Locale,
    sections: list[tuple[str, list[str]]],
    ctx: Row,
    created: datetime,
) -> None:
    """The course's sections and lessons, each section closed by a quiz on what it taught."""
    spec, rng = course.spec, dice.rng
    terms = spec.terms
    used: set[str] = set()
    text_index = 0
    prev_ref = locale.intro_ref
    for s_pos, (s_title, titles) in enumerate(sections):
        stamp = created + timedelta(minutes=10 * s_pos)
        section_id = dice.new_id()
        plan.sections.append(
            {
                "id": section_id,
                "course_id": course.row["id"],
                "title": s_title,
                "position": s_pos,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        seen: list[tuple[str, str]] = []
        quiz_title = locale.quiz_title.format(section=s_title)
        keys = _lesson_terms(titles[1:] if s_pos == 0 else titles, s_title, terms, used)
        if s_pos == 0:
            keys = [None, *keys]
        for l_pos, title in enumerate([*titles, quiz_title]):
            lesson_id = dice.new_id()
            course.lesson_ids.append(lesson_id)
            is_quiz = l_pos == len(titles)
            following = titles[l_pos + 1] if l_pos + 1 < len(titles) else None
            next_line = locale.next_lesson.format(next=following) if following else locale.next_quiz
            if is_quiz:
                count = rng.randint(3, 5)
                body = locale.quiz_intro.format(
                    section=s_title,
                    count=count,
                    pass_percent=PASS_PERCENT,
                    attempts=MAX_ATTEMPTS,
                )
                plan_quiz(dice, plan, locale, lesson_id, s_pos, count, seen, terms, stamp)
                duration = 60 * count + 30 * rng.randint(0, 3)
            elif s_pos == 0 and l_pos == 0:
                body = locale.welcome.format(**ctx, next=following)
                duration = 30 * (len(body.split()) // 75 + rng.randint(2, 5))
            else:
                key = keys[l_pos]
                term_block = ""
                if key is not None:
                    seen.append(key)
                    term_block = locale.term_block.format(
                        term=key[0], Term=cap(key[0]), definition=key[1]
                    )
                text_index += 1
                style = _style(locale, title, text_index)
                body = locale.bodies[style].format(
                    **ctx,
                    section=s_title,
                    lesson=title,
                    term_block=term_block,
                    prev_ref=prev_ref,
                    next_line=next_line,
                    tip=rng.choice(TIPS),
                )
                duration = 30 * (len(body.split()) // 75 + rng.randint(6, 24))
                prev_ref = f"*{title}*"
            lesson_stamp = stamp + timedelta(seconds=l_pos)
            plan.lessons.append(
                {
                    "id": lesson_id,
                    "section_id": section_id,
                    "course_id": course.row["id"],
                    "title": title,
                    "kind": "quiz" if is_quiz else "text",
                    "position": l_pos,
                    "is_preview": s_pos == 0 and l_pos == 0,
                    "duration_seconds": duration,
                    "body": body,
                    "body_html": render_markdown(body),
                    "media_id": None,
                    "drip_days": None,
                    "drip_date": None,
                    "created_at": lesson_stamp,
                    "updated_at": lesson_stamp,
                }
            )
            course.row["lesson_count"] += 1
            course.row["duration_seconds"] += duration


def _mentions(text: str, term: str) -> bool:
    """Whether a title names a term ("Dictionaries" names "dictionary", "KPIs" names "KPI")."""
    folded, key = slugify(text), slugify(term)
    if len(key) > 4:
        return re.search(rf"(?<![a-z0-9]){re.escape(key[:-1])}", folded) is not None
    return re.search(rf"(?<![a-z0-9]){re.escape(key)}s?(?![a-z0-9])", folded) is not None


def _lesson_terms(
    titles: Sequence[str],
    section_title: str,
    terms: Sequence[tuple[str, str]],
    used: set[str],
) -> list[tuple[str, str] | None]:
    """The key term each lesson teaches: one its title names (new ones first), else none.

    A section whose lessons name no term gives its first lesson the term the
    section's title names, if any. `used` collects the terms taught so far.
    """
    chosen: list[tuple[str, str] | None] = []
    for title in titles:
        named = [t for t in terms if _mentions(title, t[0])]
        fresh = [t for t in named if t[0] not in used]
        chosen.append((fresh or named)[0] if named else None)
    if titles and not any(chosen):
        named = [t for t in terms if _mentions(section_title, t[0])]
        chosen[0] = named[0] if named else None
    used.update(t[0] for t in chosen if t is not None)
    return chosen


def _style(locale: Locale, title: str, index: int) -> str:
    """The body template for a lesson: by title keywords in English, alternating otherwise."""
    styles = list(locale.bodies)
    if "intro" not in locale.bodies:
        return styles[index % len(styles)]
    lowered = f"{title.lower()} "
    for style, keywords in EN_STYLE_KEYWORDS:
        if any(k in lowered for k in keywords):
            return style
    return ("concept", "example")[index % 2]
