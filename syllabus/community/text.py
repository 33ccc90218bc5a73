"""Plain-text helpers for what community posts show elsewhere (notifications, lists)."""

from __future__ import annotations

EXCERPT_LENGTH = 200


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary, unless that would lose most of the text
        cut = cut[:space]
    return cut.rstrip() + "…"
