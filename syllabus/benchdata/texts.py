"""A subject's texts, formatted once and shared by every course about it.

A course picks its subtitle, description parts, outcomes and lesson texts
by index from its subject's `SubjectTexts`, so the generator formats no
string per lesson. Descriptions are Markdown with their HTML written
directly in the shape `render_markdown` gives (tested against it): running
the Markdown renderer for 100,000 courses would take longer than the whole
load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from syllabus.benchdata import vocabulary as v
from syllabus.kit.markdown import render_markdown

OUTCOMES_PER_COURSE = 4
LEARN_HEADING = "What you will learn:"


@dataclass(frozen=True)
class SubjectTexts:
    subject: v.Subject
    subtitles: tuple[str, ...]
    intros: tuple[str, ...]
    outcomes: tuple[str, ...]
    requirements: tuple[str, ...]
    audiences: tuple[str, ...]
    section_titles: tuple[str, ...]
    lesson_titles: tuple[str, ...]
    # (Markdown, HTML) of text lessons
    bodies: tuple[tuple[str, str], ...]


def _fill(templates: tuple[str, ...], subject: str) -> tuple[str, ...]:
    return tuple(t.format(s=subject) for t in templates)


@cache
def subject_texts(index: int) -> SubjectTexts:
    subject = v.SUBJECTS[index]
    name = subject.name
    bodies = _fill(v.TEXT_BODIES, name)
    return SubjectTexts(
        subject=subject,
        subtitles=_fill(v.SUBTITLES, name),
        intros=_fill(v.INTROS, name),
        outcomes=_fill(v.OUTCOMES, name),
        requirements=_fill(v.REQUIREMENTS, name),
        audiences=_fill(v.AUDIENCES, name),
        section_titles=_fill(v.SECTION_TITLES, name),
        lesson_titles=_fill(v.LESSON_TITLES, name),
        bodies=tuple((body, render_markdown(body)) for body in bodies),
    )


def description(intro: str, outcomes: list[str], closing: str) -> tuple[str, str]:
    """(Markdown, HTML) of a course description: a pitch, what you will learn, a closing line.

    The parts are plain words (no Markdown or HTML special characters), so
    the HTML is exactly what `render_markdown` makes of the Markdown.
    """
    bullets = "\n".join(f"- {item}" for item in outcomes)
    markdown = f"{intro}\n\n{LEARN_HEADING}\n\n{bullets}\n\n{closing}\n"
    items = "".join(f"<li>{item}</li>\n" for item in outcomes)
    html = f"<p>{intro}</p>\n<p>{LEARN_HEADING}</p>\n<ul>\n{items}</ul>\n<p>{closing}</p>\n"
    return markdown, html


def as_json(value: object) -> str:
    """JSON as the JSON columns store it."""
    return json.dumps(value)
