"""A BigBlueButton API client: signed calls, join URLs and the XML answers.

Every call is `GET <api>/<call>?<query>&checksum=<sha256(call + query + secret)>`;
the server answers XML with `returncode` SUCCESS or FAILED plus a
`messageKey` (`checksumError`, `notFound`, ...). Answers are parsed with
defusedxml, so a hostile or broken server cannot expand entities. Join
URLs are only built and signed here; the browser opens them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import httpx
from defusedxml import ElementTree

TIMEOUT_SECONDS = 10.0
Role = Literal["moderator", "attendee"]


class BBBError(Exception):
    """A FAILED answer, or a server that could not be reached or understood."""

    def __init__(self, message_key: str, message: str) -> None:
        self.message_key = message_key
        self.message = message
        super().__init__(f"BigBlueButton {message_key}: {message}")


@dataclass(frozen=True)
class Recording:
    record_id: str
    published: bool
    playback_url: str | None
    started_at: datetime | None


def checksum(call: str, query: str, secret: str) -> str:
    """BBB's checksum: SHA-256 of the call name, the query string and the shared secret."""
    return hashlib.sha256(f"{call}{query}{secret}".encode()).hexdigest()


def api_base(url: str) -> str:
    """The API address whether the setting ends in `/bigbluebutton/` or `/bigbluebutton/api`."""
    base = url.rstrip("/")
    return base if base.endswith("/api") else f"{base}/api"


class BBBClient:
    def __init__(
        self, url: str, secret: str, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.api = api_base(url)
        self._secret = secret
        self._transport = transport

    def __repr__(self) -> str:  # never show the secret
        return f"BBBClient({self.api!r})"

    def signed_url(self, call: str, params: dict[str, str]) -> str:
        query = urlencode(params)
        signature = checksum(call, query, self._secret)
        return (
            f"{self.api}/{call}?{query}&checksum={signature}"
            if query
            else (f"{self.api}/{call}?checksum={signature}")
        )

    def _call(self, call: str, params: dict[str, str]) -> Element:
        try:
            with httpx.Client(timeout=TIMEOUT_SECONDS, transport=self._transport) as http:
                response = http.get(self.signed_url(call, params))
        except httpx.HTTPError as exc:
            raise BBBError("unreachable", f"{call} failed: {exc.__class__.__name__}") from exc
        try:
            root: Element = ElementTree.fromstring(response.content)
        except Exception as exc:  # any parse failure, including defusedxml's refusals
            raise BBBError("invalidResponse", f"{call}: HTTP {response.status_code}") from exc
        if _text(root, "returncode") != "SUCCESS":
            raise BBBError(
                _text(root, "messageKey") or "failed", _text(root, "message") or "no message"
            )
        return root

    def create(
        self,
        meeting_id: str,
        name: str,
        *,
        duration_minutes: int,
        record: bool = True,
        logout_url: str | None = None,
    ) -> None:
        """Create the meeting; creating one that exists already is a success too."""
        params = {
            "meetingID": meeting_id,
            "name": name,
            "duration": str(duration_minutes),
            "record": "true" if record else "false",
            "autoStartRecording": "false",
            "allowStartStopRecording": "true",
        }
        if logout_url:
            params["logoutURL"] = logout_url
        self._call("create", params)

    def join_url(self, meeting_id: str, *, full_name: str, user_id: str, role: Role) -> str:
        return self.signed_url(
            "join",
            {
                "meetingID": meeting_id,
                "fullName": full_name,
                "userID": user_id,
                "role": "MODERATOR" if role == "moderator" else "VIEWER",
                "redirect": "true",
            },
        )

    def end(self, meeting_id: str) -> None:
        """End the meeting for everyone; one that is not running any more is fine."""
        try:
            self._call("end", {"meetingID": meeting_id})
        except BBBError as exc:
            if exc.message_key != "notFound":
                raise

    def get_recordings(self, meeting_id: str) -> list[Recording]:
        root = self._call("getRecordings", {"meetingID": meeting_id})
        found: list[Recording] = []
        for item in root.iterfind("./recordings/recording"):
            url = None
            for fmt in item.iterfind("./playback/format"):
                url = _text(fmt, "url") or url
                if _text(fmt, "type") == "presentation" and url:
                    break
            start = _text(item, "startTime")
            found.append(
                Recording(
                    record_id=_text(item, "recordID") or "",
                    published=_text(item, "published") == "true",
                    playback_url=url,
                    started_at=datetime.fromtimestamp(int(start) / 1000, UTC)
                    if start and start.isdigit()
                    else None,
                )
            )
        return found


def _text(node: Element, tag: str) -> str | None:
    child = node.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip()
