"""Placeholder: replaced by its real routes."""

from fastapi import APIRouter

router = APIRouter()
