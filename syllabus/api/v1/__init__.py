"""Version 1 of the JSON API, mounted at /api/v1."""

from fastapi import APIRouter

api_router = APIRouter(prefix="/api/v1")
