"""What a new password must be: long enough and not one everybody else uses."""

from __future__ import annotations

from functools import lru_cache

from syllabus.accounts.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_COUNT = 10_000


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, ranked by frequency in public breach data.

    Loaded on first use: the list ships with zxcvbn and costs memory only
    in processes that check a new password.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_COUNT])


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use between {MIN_LENGTH} and {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        raise WeakPassword("This password is among the most common ones; choose another.")
    local_part = email.split("@", 1)[0].lower()
    if lowered in {email.lower(), local_part, name.strip().lower()}:
        raise WeakPassword("Your password must not be your email address or name.")
    if len(set(password)) < 3:
        raise WeakPassword("Use more than a couple of different characters.")
