"""OAuth / OpenID Connect sign-in and linked providers."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["auth"])
