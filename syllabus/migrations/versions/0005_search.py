"""search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00.000000

The course search index (see `syllabus.search.backends`). Neither FTS5
virtual tables nor tsvector columns are SQLAlchemy models: `env.py` leaves
every `course_search*` table out of the autogenerate comparison.

SQLite:
- `course_search_docs`: one row per indexed (published) course, the facts
  the catalog filters and sorts by; its INTEGER id is the rowid of both
  FTS5 tables below. Deleting a course deletes its row (foreign key cascade).
- `course_search`: FTS5 over title, subtitle, body, tags, people
  (porter stemming over unicode61 without diacritics), ranked with bm25().
- `course_search_titles`: FTS5 with the trigram tokenizer (SQLite >= 3.34)
  over the titles (folded: lower case, no diacritics), for typo-tolerant
  suggestions.

PostgreSQL:
- `pg_trgm`; `course_search` with a weighted `document` tsvector (GIN), the
  title and the title folded (`title_key`, GIN trigram index), plus the same
  facts.

The index starts empty: `syllabus migrate` and `syllabus reindex` fill it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACTS = """
    title VARCHAR(120) NOT NULL,
    slug VARCHAR(140) NOT NULL,
    category_id VARCHAR(36),
    top_category_id VARCHAR(36),
    level VARCHAR(20) NOT NULL,
    language VARCHAR(10) NOT NULL,
    price INTEGER NOT NULL,
    rating_avg FLOAT NOT NULL,
    rating_count INTEGER NOT NULL,
    enrollment_count INTEGER NOT NULL,
    has_certificate BOOLEAN NOT NULL,
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()


def _upgrade_sqlite() -> None:
    op.execute(
        f"""
        CREATE TABLE course_search_docs (
            id INTEGER NOT NULL,
            course_id VARCHAR(36) NOT NULL,
            {FACTS}
            published_at DATETIME,
            CONSTRAINT pk_course_search_docs PRIMARY KEY (id),
            CONSTRAINT uq_course_search_docs_course_id UNIQUE (course_id),
            CONSTRAINT fk_course_search_docs_course_id_courses FOREIGN KEY (course_id)
                REFERENCES courses (id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        """
        CREATE VIRTUAL TABLE course_search USING fts5(
            course_id UNINDEXED, title, subtitle, body, tags, people,
            tokenize = 'porter unicode61 remove_diacritics 2'
        )
        """
    )
    op.execute("CREATE VIRTUAL TABLE course_search_titles USING fts5(title, tokenize = 'trigram')")


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"""
        CREATE TABLE course_search (
            course_id VARCHAR(36) NOT NULL,
            document TSVECTOR NOT NULL,
            title_key TEXT NOT NULL,
            {FACTS}
            published_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT pk_course_search PRIMARY KEY (course_id),
            CONSTRAINT fk_course_search_course_id_courses FOREIGN KEY (course_id)
                REFERENCES courses (id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX ix_course_search_document ON course_search USING gin (document)")
    op.execute(
        "CREATE INDEX ix_course_search_title_key ON course_search"
        " USING gin (title_key gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS course_search_titles")
        op.execute("DROP TABLE IF EXISTS course_search")
        op.execute("DROP TABLE IF EXISTS course_search_docs")
    else:
        # pg_trgm stays: dropping an extension could break objects outside this revision.
        op.execute("DROP TABLE IF EXISTS course_search")
