"""One-time messages shown on the page after a redirect (post/redirect/get)."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from syllabus.web.deps import take_flash

FLASHES: dict[str, tuple[str, str]] = {
    "logged_out": ("info", "You are logged out."),
    "activated": ("success", "Your account is active. Log in to start learning."),
    "activation_resent": (
        "info",
        "If an account is waiting for activation, we emailed it a new code.",
    ),
    "password_reset": ("success", "Your password was changed. Log in with the new one."),
    "profile_saved": ("success", "Your profile was saved."),
    "avatar_saved": ("success", "Your photo was updated."),
    "password_changed": (
        "success",
        "Your password was changed. Your other sessions were logged out.",
    ),
    "session_ended": ("success", "That session was logged out."),
    "logged_out_everywhere": ("success", "You are logged out on every device."),
    "provider_unlinked": ("success", "The provider was unlinked from your account."),
    "application_sent": (
        "success",
        "Thanks! Your application was sent. We will email you once it is decided.",
    ),
    "application_approved": ("success", "You are now an instructor. Happy teaching!"),
}


def pending_flashes(connection: HTTPConnection) -> list[dict[str, str]]:
    """The message queued by the previous response, consumed so it shows once."""
    key = take_flash(connection)
    if key not in FLASHES:
        return []
    kind, text = FLASHES[key]
    return [{"kind": kind, "text": text}]
