"""The reference app: the framework's floor for an uncached route.

Served by the same uvicorn command and worker count as Syllabus, so
"rps ÷ hello rps" measures what Syllabus adds on top of FastAPI itself.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/")
async def hello() -> dict[str, str]:
    return {"hello": "world"}
