"""Course search: full-text index, filters, facets, sorts and suggestions.

- `backends`: one interface (`SearchBackend`) with `SqliteFtsBackend` (FTS5,
  BM25, trigram titles) and `PostgresBackend` (weighted tsvector + GIN,
  `websearch_to_tsquery`, `ts_rank`, pg_trgm); `backend_for(bind)` picks the
  one of the database in use. `parse_query` turns a search box into words.
- `indexer`: a course's document; `index_course`, `reindex_all`.
- `tasks`: the outbox job `search.index_course` and `queue_reindex`.
- `suggest`: as-you-type title and category suggestions.

The catalog list (`syllabus.catalog.public.list_courses`) searches with `q`.
This package imports only `backends` here, so the catalog can use it without
import cycles.
"""

from syllabus.search.backends import (
    SearchBackend,
    SearchDocument,
    SearchQuery,
    backend_for,
    parse_query,
)

__all__ = ["SearchBackend", "SearchDocument", "SearchQuery", "backend_for", "parse_query"]
