"""Full-text search behind one interface: SQLite FTS5 or PostgreSQL text search.

The backend follows the database in use (`backend_for(bind)`):

- `SqliteFtsBackend` (embedded default): an FTS5 table `course_search`
  (`porter unicode61 remove_diacritics 2`, ranked by BM25 with per-column
  weights), an FTS5 `trigram` table `course_search_titles` over the folded
  titles for typo-tolerant suggestions, and `course_search_docs`, one narrow
  row per indexed course whose INTEGER id is the rowid of both FTS tables.
- `PostgresBackend`: one table `course_search` with a weighted `tsvector`
  (GIN index, `websearch_to_tsquery`, `ts_rank`), the title, and the title
  folded (`title_key`: lower case, no diacritics; GIN `gin_trgm_ops` index,
  `word_similarity` for suggestions).

Only published courses are indexed. Next to the text, every indexed course
carries the facts the catalog filters, sorts and counts by (category, level,
language, normalised price, rating, enrollments, certificate, publication
date), so a search, its facets and its order read the index alone; the
20 courses of the page are then read from `courses` by primary key.

User text never reaches `MATCH` or `to_tsquery` as typed: `parse_query`
reduces it to words of letters and digits (lower case, diacritics folded),
quoted phrases, `or` and `-word`, and each backend renders that with every
word quoted (FTS5) or as plain words (`websearch_to_tsquery`, which never
raises on any input). The indexed text is folded the same way, so both
engines see the same words.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Float,
    FromClause,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from syllabus.kit.db import UTCDateTime

# PostgreSQL's `english` configuration: its stop words (tsearch_data/english.stop),
# dropped from queries on both engines so a query means the same everywhere.
_STOP_WORDS = """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
MAX_CLAUSES = 12
MAX_WORD = 40
TEXT_CONFIG = "english"
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)(?:"|$)|(\S+)')


# ------------------------------------------------------------------ text and queries


def fold(value: str) -> str:
    """Lower case without diacritics: "Résumé Ünits" -> "resume units"."""
    if value.isascii():
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(value: str) -> list[str]:
    """The searchable words of `value`: runs of letters and digits, folded."""
    return [w[:MAX_WORD] for w in _WORD.findall(fold(value))]


def plain(value: str) -> str:
    """`value` as the indexes store it: its words, folded, separated by single spaces."""
    return " ".join(words(value))


Alternative = tuple[str, ...]  # one word, or the words of a phrase


@dataclass(frozen=True)
class SearchQuery:
    """What a search text asks for: every group must match (one of its alternatives
    each), and none of the excluded ones. Only words of letters and digits remain."""

    groups: tuple[tuple[Alternative, ...], ...] = ()
    excluded: tuple[Alternative, ...] = ()
    text: str = field(default="", compare=False)

    @property
    def is_empty(self) -> bool:
        """Nothing searchable (blank, punctuation or stop words only): no text condition."""
        return not self.groups

    def fts5(self) -> str:
        """The FTS5 MATCH expression; every word is a quoted string (never FTS syntax)."""

        def phrase(alt: Alternative) -> str:
            return '"' + " ".join(alt).replace('"', '""') + '"'

        def group(alts: tuple[Alternative, ...]) -> str:
            return phrase(alts[0]) if len(alts) == 1 else "(" + " OR ".join(map(phrase, alts)) + ")"

        expression = " AND ".join(group(g) for g in self.groups)
        if self.excluded:
            expression = f"({expression}) NOT ({' OR '.join(map(phrase, self.excluded))})"
        return expression

    def websearch(self) -> str:
        """The text for `websearch_to_tsquery`: plain words, quoted phrases, `or`, `-`."""

        def phrase(alt: Alternative) -> str:
            return alt[0] if len(alt) == 1 else '"' + " ".join(alt) + '"'

        parts = [" or ".join(map(phrase, g)) for g in self.groups]
        parts += ["-" + phrase(alt) for alt in self.excluded]
        return " ".join(parts)


def _alternative(raw: str, *, quoted: bool) -> Alternative | None:
    found = tuple(words(raw))
    if not found or all(w in STOP_WORDS for w in found):
        return None
    if not quoted and len(found) == 1 and found[0] in STOP_WORDS:
        return None
    return found


def parse_query(value: str | None) -> SearchQuery:
    """Read a search box: words (all must match), "quoted phrases", `a or b`, `-word`.

    Anything else (operators, brackets, `*`, `:`, quotes left open) is only
    punctuation between words. Stop words are dropped outside phrases.
    """
    text_in = (value or "").strip()
    groups: list[list[Alternative]] = []
    excluded: list[Alternative] = []
    join_next = False
    for match in _TOKEN.finditer(text_in):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.casefold() == "or":
                join_next = bool(groups)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            raw, is_quoted = bare.lstrip("-") if negated else bare, False
        else:
            raw, is_quoted = quoted, True
        alt = _alternative(raw, quoted=is_quoted)
        if alt is None:
            continue
        if negated:
            excluded.append(alt)
            join_next = False
        elif join_next and groups:
            groups[-1].append(alt)
            join_next = False
        else:
            groups.append([alt])
        if len(groups) + len(excluded) >= MAX_CLAUSES:
            break
    return SearchQuery(
        groups=tuple(tuple(dict.fromkeys(g)) for g in groups),
        excluded=tuple(dict.fromkeys(excluded)) if groups else (),
        text=text_in,
    )


# ------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class SearchDocument:
    """One published course as the index holds it (text already `plain`)."""

    course_id: str
    slug: str
    title: str  # as shown (suggestions)
    title_text: str
    subtitle_text: str
    body_text: str  # description and what-you-will-learn
    tags_text: str  # tags, category and parent category names
    people_text: str  # instructor name
    category_id: str | None
    top_category_id: str | None
    level: str
    language: str
    price: int  # hundredths of the currency's major unit, as the catalog filters
    rating_avg: float
    rating_count: int
    enrollment_count: int
    has_certificate: bool
    published_at: datetime | None

    def facts(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FACT_NAMES}


def _fact_columns() -> list[Column[Any]]:
    return [
        Column("title", String(120), nullable=False),
        Column("slug", String(140), nullable=False),
        Column("category_id", String(36), nullable=True),
        Column("top_category_id", String(36), nullable=True),
        Column("level", String(20), nullable=False),
        Column("language", String(10), nullable=False),
        Column("price", Integer, nullable=False),
        Column("rating_avg", Float, nullable=False),
        Column("rating_count", Integer, nullable=False),
        Column("enrollment_count", Integer, nullable=False),
        Column("has_certificate", Boolean, nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
    ]


FACT_NAMES = ("course_id", *(c.name for c in _fact_columns()))

# These tables are created by migration 0005 (FTS5 and tsvector have no model);
# they live in their own MetaData, outside the models Alembic compares.
search_metadata = MetaData()

sqlite_docs = Table(
    "course_search_docs",
    search_metadata,
    Column("id", Integer, primary_key=True),
    Column("course_id", String(36), nullable=False, unique=True),
    *_fact_columns(),
)
sqlite_fts = Table(
    "course_search",
    search_metadata,
    Column("rowid", Integer, primary_key=True),
    Column("course_id", Text),
    Column("title", Text),
    Column("subtitle", Text),
    Column("body", Text),
    Column("tags", Text),
    Column("people", Text),
)
sqlite_titles = Table(
    "course_search_titles",
    search_metadata,
    Column("rowid", Integer, primary_key=True),
    Column("title", Text),
)
postgres_index = Table(
    "course_search",
    MetaData(),
    Column("course_id", String(36), primary_key=True),
    Column("document", TSVECTOR),
    Column("title_key", Text, nullable=False),
    *_fact_columns(),
)


# -------------------------------------------------------------------------- backends


@dataclass(frozen=True)
class SearchSource:
    """Where a search's hits come from: a FROM clause, its match condition, a rank
    (higher is more relevant) and the facts columns (`facts.c.level`, ...)."""

    from_: FromClause
    condition: ColumnElement[bool]
    rank: ColumnElement[float]
    facts: FromClause


@dataclass(frozen=True)
class TitleHit:
    """A suggestion candidate: an indexed course title."""

    title: str
    slug: str
    enrollment_count: int


class SearchBackend(ABC):
    """One search index per database engine; stateless, shared by every thread."""

    name: ClassVar[str]

    def source(self, query: SearchQuery) -> SearchSource:
        """The hits of a non-empty query, for the catalog to filter, count and order."""
        return self.source_for(self.query_text(query))

    @abstractmethod
    def query_text(self, query: SearchQuery) -> str:
        """The query as this engine's text-search operator reads it."""

    @abstractmethod
    def source_for(self, text_in: Any) -> SearchSource:
        """The hits of a `query_text` (a value or a bound parameter, so a statement
        can be built once and run with any search text)."""

    @abstractmethod
    def upsert(self, session: Session, docs: Sequence[SearchDocument]) -> None:
        """Index these courses, replacing what the index held for them."""

    def load(self, session: Session, docs: Sequence[SearchDocument], *, first: int) -> None:
        """Add courses to an index just cleared (`first` numbers the first of them, from 1)."""
        self.upsert(session, docs)

    @abstractmethod
    def remove(self, session: Session, course_id: str) -> bool:
        """Drop a course from the index; True when it was there."""

    @abstractmethod
    def clear(self, session: Session) -> None:
        """Empty the index (a rebuild starts here)."""

    @abstractmethod
    def count(self, conn: Connection | Session) -> int:
        """How many courses the index holds."""

    @abstractmethod
    def title_candidates(self, conn: Connection, text_in: str, limit: int) -> list[TitleHit]:
        """Titles that look like `text_in` (typos allowed), best first, for suggestions."""

    @abstractmethod
    def explain(self, conn: Connection, statement: Executable) -> list[str]:
        """The database's query plan of `statement`, one line per step."""


def _trigrams(found: list[str]) -> list[str]:
    """The three-letter runs inside the words, in order, once each."""
    return list(dict.fromkeys(w[i : i + 3] for w in found for i in range(len(w) - 2)))


def _compiled(conn: Connection, statement: Executable) -> tuple[str, Any]:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.params
    if compiled.positiontup:
        return str(compiled), tuple(params[name] for name in compiled.positiontup)
    return str(compiled), params


class SqliteFtsBackend(SearchBackend):
    """SQLite FTS5: BM25 over weighted columns, trigram titles for suggestions."""

    name = "sqlite-fts5"
    # bm25() weights per column: course_id (unindexed), title, subtitle, body, tags, people.
    WEIGHTS = (0.0, 10.0, 4.0, 1.0, 3.0, 2.0)

    def query_text(self, query: SearchQuery) -> str:
        return query.fts5()

    def source_for(self, text_in: Any) -> SearchSource:
        fts = sqlite_fts
        weights = ", ".join(f"{w:.1f}" for w in self.WEIGHTS)
        return SearchSource(
            from_=fts.join(sqlite_docs, sqlite_docs.c.id == fts.c.rowid),
            condition=literal_column("course_search").op("MATCH", is_comparison=True)(text_in),
            # bm25() is lower for better matches.
            rank=-literal_column(f"bm25(course_search, {weights})", Float),
            facts=sqlite_docs,
        )

    def upsert(self, session: Session, docs: Sequence[SearchDocument]) -> None:
        for doc in docs:
            row_id = session.execute(
                select(sqlite_docs.c.id).where(sqlite_docs.c.course_id == doc.course_id)
            ).scalar_one_or_none()
            if row_id is None:
                row_id = session.execute(
                    insert(sqlite_docs).values(doc.facts()).returning(sqlite_docs.c.id)
                ).scalar_one()
            else:
                session.execute(
                    update(sqlite_docs).where(sqlite_docs.c.id == row_id).values(doc.facts())
                )
            # The rowid may hold text of a course deleted since (cascade leaves FTS rows).
            session.execute(delete(sqlite_fts).where(sqlite_fts.c.rowid == row_id))
            session.execute(delete(sqlite_titles).where(sqlite_titles.c.rowid == row_id))
            self._insert_text(session, [(row_id, doc)])

    def load(self, session: Session, docs: Sequence[SearchDocument], *, first: int) -> None:
        # Straight inserts with known ids: the fast path of a rebuild.
        numbered = list(enumerate(docs, start=first))
        session.execute(insert(sqlite_docs), [{"id": n, **d.facts()} for n, d in numbered])
        self._insert_text(session, numbered)

    def _insert_text(self, session: Session, numbered: list[tuple[int, SearchDocument]]) -> None:
        session.execute(
            insert(sqlite_fts),
            [
                {
                    "rowid": n,
                    "course_id": d.course_id,
                    "title": d.title_text,
                    "subtitle": d.subtitle_text,
                    "body": d.body_text,
                    "tags": d.tags_text,
                    "people": d.people_text,
                }
                for n, d in numbered
            ],
        )
        session.execute(
            insert(sqlite_titles), [{"rowid": n, "title": d.title_text} for n, d in numbered]
        )

    def remove(self, session: Session, course_id: str) -> bool:
        row_id = session.execute(
            select(sqlite_docs.c.id).where(sqlite_docs.c.course_id == course_id)
        ).scalar_one_or_none()
        if row_id is None:
            return False
        session.execute(delete(sqlite_fts).where(sqlite_fts.c.rowid == row_id))
        session.execute(delete(sqlite_titles).where(sqlite_titles.c.rowid == row_id))
        session.execute(delete(sqlite_docs).where(sqlite_docs.c.id == row_id))
        return True

    def clear(self, session: Session) -> None:
        for table in (sqlite_fts, sqlite_titles, sqlite_docs):
            session.execute(delete(table))

    def count(self, conn: Connection | Session) -> int:
        return int(conn.execute(select(func.count()).select_from(sqlite_docs)).scalar_one())

    def title_candidates(self, conn: Connection, text_in: str, limit: int) -> list[TitleHit]:
        found = words(text_in)
        grams = _trigrams(found)
        titles = sqlite_titles.join(sqlite_docs, sqlite_docs.c.id == sqlite_titles.c.rowid)
        if grams:
            # Any shared trigram makes a candidate; BM25 ranks titles sharing more,
            # and rarer, trigrams first.
            match = literal_column("course_search_titles").op("MATCH", is_comparison=True)(
                " OR ".join(f'"{g}"' for g in grams[:24])
            )
            rank = literal_column("bm25(course_search_titles)", Float)
            joined = titles
        elif found:
            # Only words under three letters: prefixes of title words.
            match = literal_column("course_search").op("MATCH", is_comparison=True)(
                "title : (" + " AND ".join(f'"{w}"*' for w in found[:4]) + ")"
            )
            rank = literal_column("bm25(course_search, 0.0, 1.0)", Float)
            joined = sqlite_fts.join(sqlite_docs, sqlite_docs.c.id == sqlite_fts.c.rowid).join(
                sqlite_titles, sqlite_titles.c.rowid == sqlite_docs.c.id
            )
        else:
            return []
        rows = conn.execute(
            select(sqlite_docs.c.title, sqlite_docs.c.slug, sqlite_docs.c.enrollment_count)
            .select_from(joined)
            .where(match)
            .order_by(rank, sqlite_docs.c.enrollment_count.desc())
            .limit(limit)
        ).all()
        return [TitleHit(r.title, r.slug, r.enrollment_count) for r in rows]

    def explain(self, conn: Connection, statement: Executable) -> list[str]:
        sql, params = _compiled(conn, statement)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        depth: dict[int, int] = {0: -1}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + str(detail))
        return lines


class PostgresBackend(SearchBackend):
    """PostgreSQL: weighted tsvector + GIN, `websearch_to_tsquery`, `ts_rank`; pg_trgm titles."""

    name = "postgresql"
    _UPSERT = text(
        f"""
        INSERT INTO course_search (course_id, document, title_key, {", ".join(FACT_NAMES[1:])})
        VALUES (
            :course_id,
            setweight(to_tsvector('{TEXT_CONFIG}', :title_text), 'A')
            || setweight(to_tsvector('{TEXT_CONFIG}', :subtitle_text || ' ' || :tags_text), 'B')
            || setweight(to_tsvector('{TEXT_CONFIG}', :people_text), 'C')
            || setweight(to_tsvector('{TEXT_CONFIG}', :body_text), 'D'),
            :title_text, {", ".join(":" + name for name in FACT_NAMES[1:])}
        )
        ON CONFLICT (course_id) DO UPDATE SET
            document = EXCLUDED.document, title_key = EXCLUDED.title_key,
            {", ".join(f"{name} = EXCLUDED.{name}" for name in FACT_NAMES[1:])}
        """
    )

    def query_text(self, query: SearchQuery) -> str:
        return query.websearch()

    def source_for(self, text_in: Any) -> SearchSource:
        index = postgres_index
        tsquery = func.websearch_to_tsquery(literal_column(f"'{TEXT_CONFIG}'::regconfig"), text_in)
        return SearchSource(
            from_=index,
            condition=index.c.document.op("@@", is_comparison=True)(tsquery),
            rank=func.ts_rank(index.c.document, tsquery, type_=Float),
            facts=index,
        )

    def upsert(self, session: Session, docs: Sequence[SearchDocument]) -> None:
        if docs:
            session.execute(self._UPSERT, [self._params(d) for d in docs])

    def _params(self, doc: SearchDocument) -> dict[str, Any]:
        return {
            **doc.facts(),
            "title_text": doc.title_text,
            "subtitle_text": doc.subtitle_text,
            "tags_text": doc.tags_text,
            "people_text": doc.people_text,
            "body_text": doc.body_text,
        }

    def remove(self, session: Session, course_id: str) -> bool:
        result = session.execute(
            delete(postgres_index).where(postgres_index.c.course_id == course_id)
        )
        return bool(getattr(result, "rowcount", 0))

    def clear(self, session: Session) -> None:
        session.execute(delete(postgres_index))

    def count(self, conn: Connection | Session) -> int:
        return int(conn.execute(select(func.count()).select_from(postgres_index)).scalar_one())

    def title_candidates(self, conn: Connection, text_in: str, limit: int) -> list[TitleHit]:
        found = words(text_in)
        if not found:
            return []
        index = postgres_index
        key = index.c.title_key
        condition: ColumnElement[bool]
        grams = _trigrams(found)
        if grams:
            # Any shared trigram makes a candidate, as on SQLite: one GIN trigram
            # index scan per `LIKE '%abc%'` (letters and digits only, nothing to escape).
            condition = or_(*(key.like(f"%{g}%") for g in grams[:24]))
        else:
            # Only words under three letters, too short for trigrams: title words
            # starting with them (letters and digits only, so a safe pattern).
            condition = and_(*(key.op("~")(r"\m" + w) for w in found[:4]))
        similarity = func.word_similarity(bindparam("q_text", " ".join(found), type_=Text), key)
        rows = conn.execute(
            select(index.c.title, index.c.slug, index.c.enrollment_count)
            .where(condition)
            .order_by(similarity.desc(), index.c.enrollment_count.desc())
            .limit(limit)
        ).all()
        return [TitleHit(r.title, r.slug, r.enrollment_count) for r in rows]

    def explain(self, conn: Connection, statement: Executable) -> list[str]:
        sql, params = _compiled(conn, statement)
        return [str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + sql, params).all()]


SQLITE = SqliteFtsBackend()
POSTGRES = PostgresBackend()


def backend_for(bind: Connection | Session | Engine | str) -> SearchBackend:
    """The backend of the database behind `bind` (or of a dialect name)."""
    if isinstance(bind, str):
        dialect = bind
    elif isinstance(bind, Session):
        dialect = bind.get_bind().dialect.name
    else:
        dialect = bind.dialect.name
    if dialect == "sqlite":
        return SQLITE
    if dialect == "postgresql":
        return POSTGRES
    raise LookupError(f"no search backend for the {dialect!r} database")
