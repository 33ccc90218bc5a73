"""Account pages: register, activate, log in and out, passwords, profile, sessions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
