"""Access tokens verified once are only re-checked for time: same answers as a full check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from syllabus.kit.security import InvalidToken, decode_access_token, issue_access_token

KEYS = {"main": "a-signing-key-for-tests-0123456789abcdef"}


def token(ttl: int = 900, *, keys: dict[str, str] = KEYS, now: datetime | None = None) -> str:
    issued, _ = issue_access_token(
        user_id="user-1", role="student", session_id="session-1", keys=keys, kid="main",
        ttl_seconds=ttl, now=now,
    )  # fmt: skip
    return issued


def test_a_verified_token_keeps_its_claims() -> None:
    value = token()
    first = decode_access_token(value, keys=KEYS)
    again = decode_access_token(value, keys=KEYS)
    assert first == again
    assert (again.user_id, again.session_id, again.role) == ("user-1", "session-1", "student")


def test_a_remembered_token_still_expires() -> None:
    value = token(ttl=60)
    decode_access_token(value, keys=KEYS)
    later = datetime.now(UTC) + timedelta(seconds=66)
    with time_machine.travel(later, tick=False), pytest.raises(InvalidToken):
        decode_access_token(value, keys=KEYS)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=62), tick=False):
        assert decode_access_token(value, keys=KEYS).user_id == "user-1", "within the leeway"


def test_a_token_from_the_future_is_refused_even_once_seen() -> None:
    value = token(now=datetime.now(UTC) + timedelta(seconds=3))
    decode_access_token(value, keys=KEYS)  # within the 5 s leeway
    earlier = datetime.now(UTC) - timedelta(seconds=60)
    with time_machine.travel(earlier, tick=False), pytest.raises(InvalidToken):
        decode_access_token(value, keys=KEYS)


def test_a_changed_key_refuses_tokens_seen_under_the_old_one() -> None:
    value = token()
    decode_access_token(value, keys=KEYS)
    with pytest.raises(InvalidToken):
        decode_access_token(value, keys={"main": "another-signing-key-0123456789abcdef"})
    with pytest.raises(InvalidToken):
        decode_access_token(value, keys={"other": KEYS["main"]})


def test_a_forged_signature_is_refused_after_the_real_token_was_seen() -> None:
    value = token()
    decode_access_token(value, keys=KEYS)
    head, payload, signature = value.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(InvalidToken):
        decode_access_token(forged, keys=KEYS)
