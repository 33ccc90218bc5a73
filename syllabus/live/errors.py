"""Live lesson refusals with stable codes."""

from __future__ import annotations

from syllabus.kit.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound


class NotALiveLesson(NotFound):
    code = "live_session_not_found"
    title = "Not a live lesson"


class LiveNotOpen(Forbidden):
    code = "live_not_open"
    title = "Live session not open"


class LiveNotEnded(Conflict):
    code = "live_not_ended"
    title = "Live session not ended"


class LiveEnded(Conflict):
    code = "live_ended"
    title = "Live session ended"


class InvalidLiveSchedule(InvalidInput):
    code = "invalid_live_schedule"
    title = "Invalid live schedule"


class LiveProviderUnavailable(InvalidInput):
    code = "live_provider_unavailable"
    title = "Live provider not configured"


class LiveProviderError(AppError):
    """The video service refused or could not be reached (a 502 to the caller)."""

    code = "live_provider_error"
    status = 502
    title = "Live provider error"
