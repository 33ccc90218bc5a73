"""One error base for every business refusal.

Services raise `AppError` subclasses with a stable `code`; the API renders
them as RFC 9457 problem+json and the pages as an error page or a toast.
"""

from __future__ import annotations


class AppError(Exception):
    code: str = "error"
    status: int = 400
    title: str = "Bad request"
    # A refusal that must still record something (a revoked session after
    # token reuse) sets this: the unit of work commits before the error
    # reaches the client.
    keeps_changes: bool = False

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, object]] | None = None,
    ) -> None:
        self.message = message or self.title
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.errors = errors
        super().__init__(self.message)


class NotFound(AppError):
    code = "not_found"
    status = 404
    title = "Not found"


class Unauthorized(AppError):
    code = "not_authenticated"
    status = 401
    title = "Not authenticated"


class Forbidden(AppError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class Conflict(AppError):
    code = "conflict"
    status = 409
    title = "Conflict"


class InvalidInput(AppError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class PayloadTooLarge(AppError):
    code = "payload_too_large"
    status = 413
    title = "Payload too large"
