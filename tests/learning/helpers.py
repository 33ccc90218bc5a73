"""Learning test helpers: courses with video or quiz lessons, enrolling, PDF text."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course, Lesson, Section

API = "/api/v1"
QUESTIONS: list[dict[str, Any]] = [
    {
        "kind": "single",
        "prompt": "Pick B",
        "choices": ["A", "B", "C"],
        "answer": 1,
        "explanation": "B is the second letter.",
    },
    {
        "kind": "multiple",
        "prompt": "Pick the vowels",
        "choices": ["A", "B", "E"],
        "answer": [0, 2],
        "explanation": "A and E.",
    },
    {"kind": "true_false", "prompt": "Water is wet", "answer": True, "explanation": "Mostly."},
    {"kind": "short", "prompt": "Capital of France", "answer": ["Paris", "Paris, France"]},
]


def lessons_of(db: Session, course: Course) -> list[Lesson]:
    db.expire_all()
    return list(
        db.scalars(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
    )


def set_lesson(db: Session, lesson: Lesson, **fields: Any) -> Lesson:
    for name, value in fields.items():
        setattr(lesson, name, value)
    db.commit()
    return lesson


def add_quiz(
    client: TestClient,
    db: Session,
    owner_headers: dict[str, str],
    course: Course,
    *,
    questions: list[dict[str, Any]] | None = None,
    pass_percent: int = 75,
    max_attempts: int | None = None,
) -> str:
    """A quiz lesson appended through the API (so the course's lesson count follows)."""
    section_id = db.scalars(select(Section.id).where(Section.course_id == course.id)).first()
    lesson = client.post(
        f"{API}/sections/{section_id}/lessons",
        json={"title": "Quiz", "kind": "quiz"},
        headers=owner_headers,
    )
    assert lesson.status_code == 201, lesson.text
    lesson_id: str = lesson.json()["id"]
    response = client.put(
        f"{API}/lessons/{lesson_id}/quiz",
        json={
            "pass_percent": pass_percent,
            "max_attempts": max_attempts,
            "questions": questions or QUESTIONS,
        },
        headers=owner_headers,
    )
    assert response.status_code == 200, response.text
    return lesson_id


def question_ids(client: TestClient, headers: dict[str, str], course: Course) -> list[str]:
    """The quiz's question ids as an enrolled student reads them (in order)."""
    body = client.get(f"{API}/courses/{course.id}/content", headers=headers).json()
    for section in body["sections"]:
        for lesson in section["lessons"]:
            if lesson["quiz"]:
                return [q["id"] for q in lesson["quiz"]["questions"]]
    raise AssertionError("no quiz in the course")


def put_progress(client: TestClient, headers: dict[str, str], lesson_id: str, **body: Any) -> Any:
    return client.put(f"{API}/lessons/{lesson_id}/progress", json=body, headers=headers)


# --- PDF text ---------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages: pypdf when installed, else a decoder for fpdf2's output.

    The fallback inflates the streams, reads the fonts' ToUnicode maps and
    maps the glyph ids of every `(...) Tj` string back to characters.
    """
    try:
        from pypdf import PdfReader
    except ImportError:
        return _fpdf_text(data)
    import io

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", re.S)


def _stream_of(body: bytes) -> bytes | None:
    found = _STREAM.search(body)
    if found is None:
        return None
    header, raw = found.groups()
    return zlib.decompress(raw) if b"/FlateDecode" in header else raw


def _literal_strings(content: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset, value) of each PDF literal string `( ... )`, escapes resolved."""
    i = 0
    while (start := content.find(b"(", i)) != -1:
        depth, out, j = 1, bytearray(), start + 1
        while depth:
            char = content[j : j + 1]
            if char == b"\\":
                octal = re.match(rb"[0-7]{1,3}", content[j + 1 : j + 4])
                if octal:
                    out.append(int(octal.group(), 8) & 0xFF)
                    j += 1 + len(octal.group())
                    continue
                nxt = content[j + 1 : j + 2]
                escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
                out += escapes.get(nxt, nxt)
                j += 2
                continue
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if not depth:
                    break
            out += char
            j += 1
        yield start, bytes(out)
        i = j + 1


def _cmap(stream: bytes) -> dict[int, str]:
    glyphs: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            glyphs[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    return glyphs


def _fpdf_text(data: bytes) -> str:
    objects = {int(num): body for num, body in _OBJECT.findall(data)}
    # Font resource name (/F1) -> its glyph map (None: a single-byte core font).
    fonts: dict[bytes, dict[int, str] | None] = {}
    for body in objects.values():
        for resources in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            for name, ref in re.findall(rb"/(\w+)\s+(\d+) 0 R", resources):
                to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects.get(int(ref), b""))
                stream = _stream_of(objects[int(to_unicode.group(1))]) if to_unicode else None
                fonts[name] = _cmap(stream) if stream else None
    lines = []
    for body in objects.values():
        content = _stream_of(body)
        if content is None or b"BT" not in content:
            continue
        switches = [(m.start(), m.group(1)) for m in re.finditer(rb"/(\w+)\s+[\d.]+\s+Tf", content)]
        for offset, raw in _literal_strings(content):
            current = [name for at, name in switches if at < offset]
            glyphs = fonts.get(current[-1]) if current else None
            if glyphs is None:
                lines.append(raw.decode("latin-1"))
            else:
                ids = [int.from_bytes(raw[k : k + 2], "big") for k in range(0, len(raw), 2)]
                lines.append("".join(glyphs.get(g, "?") for g in ids))
    return "\n".join(lines)
