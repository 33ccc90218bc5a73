"""Suggestions as you type: up to 10 course titles and categories, typos forgiven.

The index proposes candidate titles sharing a trigram with the typed words
(SQLite: the FTS5 trigram table, best BM25 first; PostgreSQL: `LIKE
'%abc%'` on the GIN `gin_trgm_ops` index, best `word_similarity` first);
categories come from the cached category tree. Both are
then scored the same way here, word by word: a title word equal to a typed
word scores 1, one the last (unfinished) word starts scores almost 1, and
otherwise the closeness of the two words counts (difflib's ratio, so
"pythn" is 0.91 of "python"). Results are cached for a minute per text
under the catalog lists' version, which every publication bumps.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Literal

import orjson
from pydantic import BaseModel

from syllabus.catalog import public
from syllabus.catalog.cache import lists_key
from syllabus.kit.runtime import Runtime
from syllabus.search.backends import STOP_WORDS, backend_for, plain, words

LIMIT = 10
MAX_CATEGORIES = 3
CANDIDATES = 40
MIN_SCORE = 0.75
TTL = 60
MAX_TEXT = 100
MAX_WORDS = 6  # what is scored of a long text (each word is compared with each title word)


class Suggestion(BaseModel):
    type: Literal["course", "category"]
    title: str
    slug: str
    url: str


class SuggestionList(BaseModel):
    items: list[Suggestion]


def _word_score(typed: str, candidates: list[str], *, last: bool) -> float:
    best = 0.0
    for word in candidates:
        if word == typed:
            return 1.0
        if last and word.startswith(typed):
            best = max(best, 0.98)
            continue
        score = SequenceMatcher(None, typed, word).ratio()
        if last and len(word) > len(typed) >= 4:
            # An unfinished word with a typo: compare with the start of the title word.
            score = max(score, 0.95 * SequenceMatcher(None, typed, word[: len(typed)]).ratio())
        best = max(best, score)
    return best


def score(typed: list[str], title: str) -> float:
    """How well `title` fits the typed words, 0..1 (stop words count only when present)."""
    if not typed:
        return 0.0
    title_words = words(title)
    scores = []
    for i, word in enumerate(typed):
        value = _word_score(word, title_words, last=i == len(typed) - 1)
        if word in STOP_WORDS and value < 1.0 and len(typed) > 1:
            continue
        scores.append(value)
    return sum(scores) / len(scores) if scores else 0.0


def _starts(typed: list[str], title: str) -> bool:
    first = words(title)[:1]
    return bool(first) and first[0].startswith(typed[0])


def _flat_categories(rt: Runtime) -> list[dict[str, str]]:
    flat = []
    for top in public.categories(rt):
        flat.append({"name": top["name"], "slug": top["slug"]})
        flat.extend({"name": c["name"], "slug": c["slug"]} for c in top["children"])
    return flat


def suggestions(rt: Runtime, text_in: str) -> list[Suggestion]:
    """Up to 10 suggestions for a partly typed search text, best first."""
    typed = words(text_in[:MAX_TEXT])[:MAX_WORDS]
    if not typed:
        return []
    # Sort keys: best score, then titles starting with what was typed, categories
    # before courses, the more popular course, the title.
    ranked: list[tuple[float, bool, int, int, str, Suggestion]] = []
    for category in _flat_categories(rt):
        value = score(typed, category["name"])
        if value >= MIN_SCORE:
            item = Suggestion(
                type="category",
                title=category["name"],
                slug=category["slug"],
                url=f"/categories/{category['slug']}",
            )
            ranked.append((-value, not _starts(typed, item.title), 0, 0, item.title, item))
    ranked = sorted(ranked, key=lambda e: e[:5])[:MAX_CATEGORIES]
    with rt.db.read_connection() as conn:
        hits = backend_for(conn).title_candidates(conn, " ".join(typed), CANDIDATES)
    for hit in hits:
        value = score(typed, hit.title)
        if value >= MIN_SCORE:
            item = Suggestion(
                type="course", title=hit.title, slug=hit.slug, url=f"/courses/{hit.slug}"
            )
            starts = _starts(typed, hit.title)
            ranked.append((-value, not starts, 1, -hit.enrollment_count, hit.title, item))
    return [entry[-1] for entry in sorted(ranked, key=lambda e: e[:5])[:LIMIT]]


def suggest_json(rt: Runtime, text_in: str) -> bytes:
    """`{"items": [{type, title, slug, url}]}`, cached for a minute."""
    key = lists_key(rt, "suggest", plain(text_in[:MAX_TEXT]))
    body = rt.cache.get(key)
    if body is None:
        body = orjson.dumps(SuggestionList(items=suggestions(rt, text_in)).model_dump(mode="json"))
        rt.cache.set(key, body, TTL)
    return body


def cached_suggestions(rt: Runtime, text_in: str) -> list[Suggestion]:
    """The same cached suggestions as models (the page's dropdown)."""
    return SuggestionList.model_validate_json(suggest_json(rt, text_in)).items
