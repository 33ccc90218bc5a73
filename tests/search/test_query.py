"""Search text -> query: only letters and digits reach FTS5 MATCH or websearch_to_tsquery."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syllabus.search.backends import fold, parse_query, plain


@pytest.mark.parametrize(
    ("text", "fts5", "websearch"),
    [
        ("python", '"python"', "python"),
        ("Python  Django", '"python" AND "django"', "python django"),
        (
            '"machine learning" python',
            '"machine learning" AND "python"',
            '"machine learning" python',
        ),
        ("django or flask", '("django" OR "flask")', "django or flask"),
        ("python -django", '("python") NOT ("django")', "python -django"),
        ("the python of", '"python"', "python"),  # stop words
        ("node.js", '"node js"', '"node js"'),  # punctuation inside a word: a phrase
        ("Crème Brûlée", '"creme" AND "brulee"', "creme brulee"),
        ("'; DROP TABLE courses; --", '"drop" AND "table" AND "courses"', "drop table courses"),
        ("title:foo OR", '"title foo"', '"title foo"'),
        ('python "unbalanced', '"python" AND "unbalanced"', "python unbalanced"),
        ("NEAR(a b) AND c*", '"near a" AND "b" AND "c"', '"near a" b c'),
        ("or python or", '"python"', "python"),
    ],
)
def test_rendering(text: str, fts5: str, websearch: str) -> None:
    query = parse_query(text)
    assert query.fts5() == fts5
    assert query.websearch() == websearch


@pytest.mark.parametrize("text", ["", "   ", "*", '"', "-", "the and of", "(((", "\\", "-python"])
def test_nothing_searchable(text: str) -> None:
    query = parse_query(text)
    assert query.is_empty
    assert query.excluded == ()  # an exclusion alone does not search


def test_folding() -> None:
    assert fold("Résumé ÜBER") == "resume uber"
    assert plain("  C++ & Rust_lang: 2024!  ") == "c rust lang 2024"


@pytest.fixture(scope="module")
def fts5() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(title, body, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    conn.execute("INSERT INTO t VALUES ('python for beginners', 'learn to code')")
    yield conn
    conn.close()


_RENDERED_WEBSEARCH = re.compile(r'^(-?"?[^\W_]+( [^\W_]+)*"?( or -?"?[^\W_]+( [^\W_]+)*"?)* ?)*$')


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_a_valid_query(fts5: sqlite3.Connection, text: str) -> None:
    query = parse_query(text)
    if query.is_empty:
        return
    fts5.execute("SELECT count(*) FROM t WHERE t MATCH ?", (query.fts5(),)).fetchone()
    assert _RENDERED_WEBSEARCH.match(query.websearch()), query.websearch()
