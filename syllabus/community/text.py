"""Plain-text helpers for what community posts show elsewhere (notifications, lists)."""

from __future__ import annotations

EXCERPT_LENGTH = 200


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] or flat[: limit - 1]
    return cut + "…"
