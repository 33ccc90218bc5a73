"""The event names, each one verb a person did; xapi.py maps every one of them to an xAPI verb."""

from __future__ import annotations

ENROLLED = "enrolled"
PURCHASED = "purchased"  # one per paid order line: object = order, value = line amount
REFUNDED = "refunded"  # one per refund: object = refund, value = amount
LESSON_STARTED = "lesson_started"  # first progress of an enrollment in a lesson
LESSON_COMPLETED = "lesson_completed"
VIDEO_PLAYED = "video_played"  # value = position in seconds
VIDEO_PAUSED = "video_paused"
VIDEO_ENDED = "video_ended"
QUIZ_SUBMITTED = "quiz_submitted"  # value = score percent
QUIZ_PASSED = "quiz_passed"
CERTIFICATE_ISSUED = "certificate_issued"
SEARCHED = "searched"  # context = {"q": ...}

NAMES = (
    ENROLLED,
    PURCHASED,
    REFUNDED,
    LESSON_STARTED,
    LESSON_COMPLETED,
    VIDEO_PLAYED,
    VIDEO_PAUSED,
    VIDEO_ENDED,
    QUIZ_SUBMITTED,
    QUIZ_PASSED,
    CERTIFICATE_ISSUED,
    SEARCHED,
)

# Player event kinds as the player sends them.
PLAYER_KINDS = {"play": VIDEO_PLAYED, "pause": VIDEO_PAUSED, "ended": VIDEO_ENDED}
