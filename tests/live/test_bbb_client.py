"""The BigBlueButton client against a loopback BBB that verifies every checksum."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syllabus.live.bbb import BBBClient, BBBError, api_base, checksum
from tests.support.providers.bbb_server import BBBServer, FakeRecording


def test_checksum_is_sha256_of_call_query_and_secret() -> None:
    query = "meetingID=abc&name=Live+Python"
    expected = hashlib.sha256(f"create{query}s3cret".encode()).hexdigest()
    assert checksum("create", query, "s3cret") == expected


def test_api_base_accepts_both_forms_of_the_setting() -> None:
    assert api_base("https://bbb.example.com/bigbluebutton/") == (
        "https://bbb.example.com/bigbluebutton/api"
    )
    assert api_base("https://bbb.example.com/bigbluebutton/api/") == (
        "https://bbb.example.com/bigbluebutton/api"
    )


def test_create_join_end_with_the_right_secret(bbb_server: BBBServer) -> None:
    client = BBBClient(bbb_server.api_url, bbb_server.secret)
    client.create("room-1", "Live Python: Office hours", duration_minutes=75)
    client.create("room-1", "Live Python: Office hours", duration_minutes=75)  # idempotent
    assert bbb_server.meetings["room-1"].create_calls == 2

    moderator = client.join_url("room-1", full_name="Ada Teacher", user_id="u1", role="moderator")
    attendee = client.join_url("room-1", full_name="Sam Student", user_id="u2", role="attendee")
    assert parse_qs(urlsplit(moderator).query)["role"] == ["MODERATOR"]
    assert parse_qs(urlsplit(attendee).query)["role"] == ["VIEWER"]
    for url in (moderator, attendee):
        assert httpx.get(url, follow_redirects=False).status_code == 302
    assert [(j.full_name, j.role) for j in bbb_server.joins] == [
        ("Ada Teacher", "MODERATOR"),
        ("Sam Student", "VIEWER"),
    ]

    client.end("room-1")
    assert bbb_server.meetings["room-1"].ended
    client.end("room-1")  # ending an ended meeting is not an error


def test_wrong_secret_gets_bbb_checksum_error(bbb_server: BBBServer) -> None:
    client = BBBClient(bbb_server.api_url, "not-the-secret")
    with pytest.raises(BBBError) as caught:
        client.create("room-2", "Anything", duration_minutes=30)
    assert caught.value.message_key == "checksumError"
    assert "checksumError" in str(caught.value)
    assert "room-2" not in bbb_server.meetings
    # A join URL signed with the wrong secret is refused by the server as well.
    url = client.join_url("room-2", full_name="X", user_id="x", role="attendee")
    assert b"checksumError" in httpx.get(url).content


def test_tampered_join_url_is_refused(bbb_server: BBBServer) -> None:
    client = BBBClient(bbb_server.api_url, bbb_server.secret)
    client.create("room-3", "Anything", duration_minutes=30)
    url = client.join_url("room-3", full_name="Sam", user_id="u2", role="attendee")
    forged = url.replace("role=VIEWER", "role=MODERATOR")
    assert b"checksumError" in httpx.get(forged).content
    assert bbb_server.joins == []


def test_recordings_are_parsed(bbb_server: BBBServer) -> None:
    client = BBBClient(bbb_server.api_url, bbb_server.secret)
    assert client.get_recordings("room-4") == []
    bbb_server.recordings["room-4"] = [
        FakeRecording("rec-1", "https://bbb.example.com/playback/presentation/2.3/rec-1")
    ]
    (recording,) = client.get_recordings("room-4")
    assert recording.record_id == "rec-1"
    assert recording.published
    assert recording.playback_url == "https://bbb.example.com/playback/presentation/2.3/rec-1"


def test_unreachable_server_is_a_clear_error() -> None:
    from tests.support.providers.loopback import unused_port

    client = BBBClient(f"http://127.0.0.1:{unused_port()}/bigbluebutton/api", "secret")
    with pytest.raises(BBBError) as caught:
        client.create("room-5", "Anything", duration_minutes=30)
    assert caught.value.message_key == "unreachable"


def test_secret_not_in_repr() -> None:
    assert "s3cret" not in repr(BBBClient("https://bbb.example.com/bigbluebutton", "s3cret"))
