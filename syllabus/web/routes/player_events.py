"""The lesson player's batched play/pause/ended events, sent with the page's cookie and CSRF
header (the same rules as `POST /api/v1/analytics/player-events`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from syllabus.analytics.schemas import PlayerEventsIn
from syllabus.analytics.service import record_player_events
from syllabus.kit.db import utcnow
from syllabus.web.deps import CsrfChecked, WebActor, WebDb

router = APIRouter(include_in_schema=False)


@router.post("/learn/player-events", dependencies=[CsrfChecked])
def player_events(body: PlayerEventsIn, db: WebDb, actor: WebActor) -> JSONResponse:
    recorded = record_player_events(db, actor, body.events, utcnow())
    return JSONResponse({"recorded": recorded}, headers={"Cache-Control": "no-store"})
