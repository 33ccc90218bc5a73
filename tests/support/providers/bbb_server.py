"""A loopback BigBlueButton API: checks every call's checksum and answers BBB's XML.

Implements what Syllabus uses of `/bigbluebutton/api`: create (repeated
create of a live meeting is a success with `duplicateWarning`), join
(302 into the client, recorded with its role), end and getRecordings.
A wrong checksum gets BBB's own FAILED `checksumError` answer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from xml.sax.saxutils import escape

from tests.support.providers.loopback import LoopbackServer, RecordedRequest, Reply

API = "/bigbluebutton/api"
XML = {"Content-Type": "text/xml;charset=utf-8"}


@dataclass
class Meeting:
    meeting_id: str
    name: str
    ended: bool = False
    create_calls: int = 1


@dataclass
class Join:
    meeting_id: str
    full_name: str
    user_id: str
    role: str


@dataclass
class FakeRecording:
    record_id: str
    url: str
    published: bool = True


class BBBServer(LoopbackServer):
    label = "bbb"

    def __init__(self, secret: str | None = None) -> None:
        super().__init__()
        self.secret = secret or secrets.token_hex(20)
        self.meetings: dict[str, Meeting] = {}
        self.joins: list[Join] = []
        self.recordings: dict[str, list[FakeRecording]] = {}
        for call in ("create", "join", "end", "getRecordings"):
            self.route("GET", f"{API}/{call}", getattr(self, f"_{call}"))

    @property
    def api_url(self) -> str:
        return f"{self.url}{API}"

    # --- checksum -------------------------------------------------------------------

    def checksum_ok(self, call: str, request: RecordedRequest) -> bool:
        """BBB's check: the query without `checksum`, hashed with the call name and secret."""
        parts = request.raw_query.split("&") if request.raw_query else []
        given = [p.split("=", 1)[1] for p in parts if p.startswith("checksum=")]
        rest = "&".join(p for p in parts if not p.startswith("checksum="))
        if len(given) != 1:
            return False
        expected = hashlib.sha256(f"{call}{rest}{self.secret}".encode()).hexdigest()
        return hmac.compare_digest(expected, given[0])

    def _answer(self, returncode: str, **values: str) -> Reply:
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in values.items())
        body = f"<response><returncode>{returncode}</returncode>{inner}</response>"
        return Reply(200, body)

    def _refuse_checksum(self) -> Reply:
        return self._answer(
            "FAILED",
            messageKey="checksumError",
            message="Checksums do not match",
        )

    # --- calls ----------------------------------------------------------------------

    def _create(self, request: RecordedRequest) -> Reply:
        if not self.checksum_ok("create", request):
            return self._refuse_checksum()
        meeting_id = request.query.get("meetingID", "")
        if not meeting_id or not request.query.get("name"):
            return self._answer("FAILED", messageKey="missingParam", message="meetingID, name")
        meeting = self.meetings.get(meeting_id)
        if meeting is not None and not meeting.ended:
            meeting.create_calls += 1
            return self._answer(
                "SUCCESS",
                meetingID=meeting_id,
                messageKey="duplicateWarning",
                message="This conference was already in existence.",
            )
        self.meetings[meeting_id] = Meeting(meeting_id, request.query["name"])
        return self._answer("SUCCESS", meetingID=meeting_id, messageKey="", message="")

    def _join(self, request: RecordedRequest) -> Reply:
        if not self.checksum_ok("join", request):
            return self._refuse_checksum()
        meeting = self.meetings.get(request.query.get("meetingID", ""))
        if meeting is None or meeting.ended:
            return self._answer(
                "FAILED", messageKey="invalidMeetingIdentifier", message="No such meeting"
            )
        role = request.query.get("role", "")
        if role not in ("MODERATOR", "VIEWER"):
            return self._answer("FAILED", messageKey="invalidRole", message=role)
        self.joins.append(
            Join(
                meeting.meeting_id,
                request.query.get("fullName", ""),
                request.query.get("userID", ""),
                role,
            )
        )
        return Reply(302, "", {"Location": f"{self.url}/html5client/join?role={role}"})

    def _end(self, request: RecordedRequest) -> Reply:
        if not self.checksum_ok("end", request):
            return self._refuse_checksum()
        meeting = self.meetings.get(request.query.get("meetingID", ""))
        if meeting is None or meeting.ended:
            return self._answer(
                "FAILED", messageKey="notFound", message="We could not find a meeting"
            )
        meeting.ended = True
        return self._answer(
            "SUCCESS", messageKey="sentEndMeetingRequest", message="A request to end was sent"
        )

    def _getRecordings(self, request: RecordedRequest) -> Reply:
        if not self.checksum_ok("getRecordings", request):
            return self._refuse_checksum()
        items = self.recordings.get(request.query.get("meetingID", ""), [])
        if not items:
            return self._answer("SUCCESS", recordings="", messageKey="noRecordings", message="None")
        body = "".join(
            "<recording>"
            f"<recordID>{escape(r.record_id)}</recordID>"
            f"<meetingID>{escape(request.query['meetingID'])}</meetingID>"
            f"<published>{'true' if r.published else 'false'}</published>"
            "<state>published</state><startTime>1700000000000</startTime>"
            "<playback><format><type>presentation</type>"
            f"<url>{escape(r.url)}</url><length>42</length></format></playback>"
            "</recording>"
            for r in items
        )
        return Reply(
            200,
            f"<response><returncode>SUCCESS</returncode><recordings>{body}</recordings></response>",
        )
