"""THE access table: who may call each API route, and what everyone else gets.

One `Rule` per (method, path template) of the OpenAPI document. A role in
`allow` must get an answer that is not a refusal (not 401/403/404, not 5xx:
a 2xx, or a business answer such as 402/409/422 for the world's state); every
other role must get exactly its refusal: `deny[role]`, else 401 for
`anonymous` and `banned` (a banned user's token is refused everywhere) and
403 for the rest. 404 in `deny` means the object is hidden from that role
(DESIGN "Deny by default").

Path parameters name objects of the fixture world (tests/security/world.py):
`{course}` is the course the owner teaches and `enrolled` takes, `{lesson_id}`
its first text lesson, `params={"lesson_id": "quiz_lesson"}` picks another
object. Strings in a body such as "{course}" are filled the same way. A route
with a body and no `body=` here is sent `{}`: fine when the refusal comes
before validation, else the rule needs a minimal valid body.

Adding a route means adding one line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALL = frozenset({"anonymous", "student", "enrolled", "instructor", "owner", "admin", "banned"})
PUBLIC = ALL - {"banned"}  # anyone; a stale token is still refused
USERS = frozenset({"student", "enrolled", "instructor", "owner", "admin"})
INSTRUCTORS = frozenset({"instructor", "owner", "admin"})
OWNER_ADMIN = frozenset({"owner", "admin"})
LEARNERS = frozenset({"enrolled", "owner", "admin"})  # see the course's content
ADMIN = frozenset({"admin"})
OWNER = frozenset({"owner"})
ENROLLED = frozenset({"enrolled"})
BUYER_ADMIN = frozenset({"enrolled", "admin"})  # `enrolled` placed the world's order
AUTHOR_ADMIN = frozenset({"enrolled", "admin"})  # `enrolled` wrote the review and question
REFUSALS = frozenset({401, 403, 404})

HIDDEN_FROM_OTHERS = {"student": 404, "enrolled": 404, "instructor": 404}


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    allow: frozenset[str]
    deny: dict[str, int] = field(default_factory=dict)
    body: Any = None
    params: dict[str, str] = field(default_factory=dict)
    # Multipart fields and files, raw content and extra headers, for routes that need them.
    form: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Statuses an allowed role may get besides non-refusals (the world cannot show success).
    ok: frozenset[int] = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def refusal(self, role: str) -> int | None:
        """The status `role` must get, or None when the role is allowed."""
        if role in self.allow:
            return None
        if role in self.deny:
            return self.deny[role]
        return 401 if role in ("anonymous", "banned") else 403

    def accepts(self, role: str, status: int) -> bool:
        expected = self.refusal(role)
        if expected is not None:
            return status == expected
        return status < 500 and (status not in REFUSALS or status in self.ok)


def R(method: str, path: str, allow: frozenset[str], **kwargs: Any) -> Rule:
    return Rule(method, "/api/v1" + path, allow, **kwargs)


NOT_ADMIN = {"owner": 403}  # readability: owner is refused like everyone else
QUIZ = {"lesson_id": "quiz_lesson"}
LIVE = {"lesson_id": "live_lesson"}
PICTURE = {"file": ("pic.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")}
ONE_QUESTION = {"kind": "true_false", "prompt": "Is it?", "answer": True}
OAUTH = {"provider": "oauth_provider"}
OWNER_ONLY_HIDDEN = {"student": 404, "enrolled": 404, "instructor": 404, "admin": 404}

RULES: list[Rule] = [
    # --- auth: open doors, each needs its own body (empty: 422 for everyone)
    R("POST", "/auth/register", ALL),
    R("POST", "/auth/activate", ALL),
    R("POST", "/auth/activation/resend", ALL),
    R("POST", "/auth/login", ALL),
    R("POST", "/auth/refresh", ALL),
    R("POST", "/auth/logout", USERS),
    R("POST", "/auth/logout-all", USERS),
    R("POST", "/auth/password/forgot", ALL),
    R("POST", "/auth/password/reset", ALL),
    R("GET", "/auth/oauth/providers", ALL),
    # The world configures no OAuth provider: 404 `provider_not_configured` for all.
    R("GET", "/auth/oauth/{provider}/authorize", ALL, params=OAUTH, ok=frozenset({404})),
    R("GET", "/auth/oauth/{provider}/callback", ALL, params=OAUTH, ok=frozenset({404})),
    # --- users
    R("GET", "/users/me/oauth", USERS),
    R("DELETE", "/users/me/oauth/{provider}", USERS, params=OAUTH, ok=frozenset({404})),
    R("GET", "/users/me", USERS),
    R("PATCH", "/users/me", USERS),
    R("PUT", "/users/me/avatar", USERS),
    R("POST", "/users/me/instructor-application", USERS, body={"bio": "I teach things " * 3}),
    R("PUT", "/users/me/password", USERS),
    R("GET", "/users/me/sessions", USERS),
    R(
        "DELETE",
        "/users/me/sessions/{session_id}",
        ENROLLED,
        deny=OWNER_ONLY_HIDDEN | {"owner": 404},
    ),
    R("GET", "/users/{user_id}", ALL),
    # --- admin: users, applications, courses
    R("PATCH", "/admin/users/{user_id}", ADMIN),
    R("POST", "/admin/users/{user_id}/ban", ADMIN),
    R("POST", "/admin/users/{user_id}/unban", ADMIN),
    R("GET", "/admin/instructor-applications", ADMIN),
    R("POST", "/admin/instructor-applications/{application_id}/decision", ADMIN),
    R("GET", "/admin/courses", ADMIN),
    R("POST", "/admin/courses/{course}/approve", ADMIN),
    R("POST", "/admin/courses/{course}/reject", ADMIN),
    R("DELETE", "/admin/courses/{course}", ADMIN),
    R("GET", "/admin/users", ADMIN),
    R("GET", "/admin/users/{user_id}", ADMIN),
    R("POST", "/admin/courses/{course}/unpublish", ADMIN, ok=frozenset({409})),
    R("GET", "/admin/audit-log", ADMIN),
    # --- analytics: admin dashboards, the player's events, the instructor's dashboard
    R("GET", "/admin/analytics/summary", ADMIN),
    R("GET", "/admin/analytics/xapi", ADMIN),
    R("GET", "/admin/analytics/{metric}", ADMIN, params={"metric": "analytics_metric"}),
    R(
        "POST",
        "/analytics/player-events",
        ENROLLED,
        body={"events": [{"lesson_id": "{lesson_id}", "kind": "play", "position_seconds": 3}]},
    ),
    R("GET", "/instructor/dashboard", INSTRUCTORS),
    R("GET", "/instructor/courses/{course}/dropoff", OWNER_ADMIN),
    # --- catalog: courses
    R("POST", "/courses", INSTRUCTORS),
    R("GET", "/courses", ALL),
    R("PATCH", "/courses/{course}", OWNER_ADMIN),
    R("DELETE", "/courses/{course}", OWNER_ADMIN),
    R("GET", "/courses/{course}", PUBLIC),
    R("PUT", "/courses/{course}/thumbnail", OWNER_ADMIN, files=PICTURE),
    R("POST", "/courses/{course}/submit", OWNER_ADMIN),
    R("POST", "/courses/{course}/unpublish", OWNER_ADMIN),
    R("POST", "/courses/{course}/archive", OWNER_ADMIN),
    R("GET", "/instructor/courses", INSTRUCTORS),
    R("GET", "/courses/{course}/content", LEARNERS),
    # --- catalog: curriculum
    R("PUT", "/courses/{course}/curriculum", OWNER_ADMIN, body={"sections": []}),
    R("POST", "/courses/{course}/sections", OWNER_ADMIN, body={"title": "More"}),
    R("PATCH", "/sections/{section_id}", OWNER_ADMIN),
    R("DELETE", "/sections/{section_id}", OWNER_ADMIN),
    R("POST", "/sections/{section_id}/move", OWNER_ADMIN, body={"direction": "down"}),
    R("POST", "/sections/{section_id}/lessons", OWNER_ADMIN, body={"title": "L", "kind": "text"}),
    R("PATCH", "/lessons/{lesson_id}", OWNER_ADMIN),
    R("DELETE", "/lessons/{lesson_id}", OWNER_ADMIN),
    R("POST", "/lessons/{lesson_id}/move", OWNER_ADMIN, body={"direction": "down"}),
    R(
        "PUT",
        "/lessons/{lesson_id}/quiz",
        OWNER_ADMIN,
        params=QUIZ,
        body={"questions": [ONE_QUESTION]},
    ),
    R("GET", "/lessons/{lesson_id}/quiz", OWNER_ADMIN, params=QUIZ),
    R("GET", "/categories", ALL),
    R("GET", "/courses/suggest", ALL),  # no `q`: 422 for everyone
    # --- learning
    R("POST", "/courses/{course}/enroll", USERS),  # paid: 402, already enrolled: 409
    R("GET", "/me/enrollments", USERS),
    R("PUT", "/lessons/{lesson_id}/progress", ENROLLED),
    R("GET", "/courses/{course}/progress", ENROLLED),
    R("POST", "/quizzes/{lesson_id}/attempts", ENROLLED, params=QUIZ),
    R("GET", "/quizzes/{lesson_id}/attempts", ENROLLED, params=QUIZ),
    R("GET", "/me/certificates", USERS),
    # The world's certificate has no rendered PDF yet: 404 for everyone.
    R("GET", "/certificates/{code}.pdf", ALL, ok=frozenset({404})),
    R("GET", "/certificates/{code}", ALL),
    R("POST", "/admin/enrollments", ADMIN),
    R("POST", "/admin/certificates/{code}/revoke", ADMIN, body={"reason": "Plagiarism"}),
    R("POST", "/admin/certificates/{code}/restore", ADMIN, ok=frozenset({404})),
    # --- reviews
    R("GET", "/courses/{course}/reviews", PUBLIC),
    R("POST", "/courses/{course}/reviews", ENROLLED, body={"rating": 5, "body": "Good"}),
    R("PATCH", "/reviews/{review_id}", AUTHOR_ADMIN),
    R("DELETE", "/reviews/{review_id}", AUTHOR_ADMIN),
    R("POST", "/reviews/{review_id}/reply", OWNER, body={"body": "Thanks"}),
    # Voting for one's own review is refused.
    R("POST", "/reviews/{review_id}/helpful", USERS - {"enrolled"}),
    R("DELETE", "/reviews/{review_id}/helpful", USERS),
    R("POST", "/admin/reviews/{review_id}/hide", ADMIN),
    # --- cart and checkout
    R("GET", "/cart", USERS),
    R("PUT", "/cart/items/{course}", USERS),  # owning or taking it already: 409
    R("DELETE", "/cart/items/{course}", USERS),
    R("POST", "/cart/quote", USERS),
    R("POST", "/checkout", USERS),
    # --- coupons
    R(
        "POST",
        "/courses/{course}/coupons",
        OWNER_ADMIN,
        body={"code": "MATRIX10", "percent_off": 10},
    ),
    R("GET", "/courses/{course}/coupons", OWNER_ADMIN),
    R("PATCH", "/coupons/{coupon_id}", OWNER_ADMIN, deny=HIDDEN_FROM_OTHERS),
    R("GET", "/admin/coupons", ADMIN),
    R("POST", "/admin/coupons", ADMIN),
    # --- payments and orders
    R("POST", "/webhooks/{provider}", ALL),  # no signature: 400 for everyone
    R(
        "POST",
        "/payments/razorpay/verify",
        ENROLLED,
        deny=OWNER_ONLY_HIDDEN | {"owner": 404},
        body={
            "order_id": "{order_id}",
            "razorpay_order_id": "o",
            "razorpay_payment_id": "p",
            "razorpay_signature": "s",
        },
    ),
    R(
        "POST",
        "/payments/paypal/capture",
        ENROLLED,
        deny=OWNER_ONLY_HIDDEN | {"owner": 404},
        body={"order_id": "{order_id}", "paypal_order_id": "PP"},
    ),
    R("GET", "/orders", USERS),
    R("GET", "/orders/{order_id}", BUYER_ADMIN, deny=HIDDEN_FROM_OTHERS | {"owner": 404}),
    R("GET", "/admin/orders", ADMIN),
    R("GET", "/admin/orders/{order_id}/payment-events", ADMIN),
    R(
        "POST",
        "/orders/{order_id}/refund-request",
        ENROLLED,
        deny=OWNER_ONLY_HIDDEN | {"owner": 404},
        body={"reason": "Not for me"},
    ),
    R("GET", "/instructor/earnings", INSTRUCTORS),
    R("GET", "/instructor/payouts", INSTRUCTORS),
    R("POST", "/admin/orders/{order_id}/refund", ADMIN),
    R("POST", "/admin/payouts", ADMIN),
    R("GET", "/admin/payouts", ADMIN),
    R("POST", "/admin/payouts/{payout_id}/mark-paid", ADMIN),
    # --- messages (the thread is between `enrolled` and `owner`)
    R("GET", "/messages/threads", USERS),
    # Only a student of the course, or its instructor naming one, starts a thread.
    R(
        "POST",
        "/messages/threads",
        frozenset({"enrolled", "owner"}),
        body={"course": "{course}", "body": "Hi"},
    ),
    R("GET", "/messages/threads/{thread_id}", LEARNERS, deny=HIDDEN_FROM_OTHERS),
    R(
        "POST",
        "/messages/threads/{thread_id}",
        frozenset({"enrolled", "owner"}),
        deny=HIDDEN_FROM_OTHERS | {"admin": 403},  # admins read threads, never write in them
        body={"body": "Hi"},
    ),
    # --- mail admin
    R("POST", "/admin/newsletters", ADMIN),
    R("GET", "/admin/outbox", ADMIN),
    R("POST", "/admin/outbox/{message_id}/retry", ADMIN),
    # --- notifications (the world's notification is `enrolled`'s)
    R("GET", "/notifications", USERS),
    R("POST", "/notifications/read-all", USERS),
    R("GET", "/notifications/preferences", USERS),
    R("PUT", "/notifications/preferences", USERS),
    R(
        "PATCH",
        "/notifications/{notification_id}",
        ENROLLED,
        deny=OWNER_ONLY_HIDDEN | {"owner": 404},
        body={"read": True},
    ),
    # --- lesson Q&A
    R("GET", "/lessons/{lesson_id}/questions", LEARNERS),
    R("POST", "/lessons/{lesson_id}/questions", LEARNERS, body={"title": "How?"}),
    R("GET", "/questions/{question_id}", LEARNERS),
    R("PATCH", "/questions/{question_id}", AUTHOR_ADMIN),
    R("DELETE", "/questions/{question_id}", AUTHOR_ADMIN),
    R("POST", "/questions/{question_id}/answers", LEARNERS, body={"body": "So."}),
    R("POST", "/questions/{question_id}/hide", OWNER_ADMIN),
    R("POST", "/answers/{answer_id}/hide", OWNER_ADMIN),
    # --- announcements
    R("POST", "/courses/{course}/announcements", OWNER_ADMIN, body={"title": "T", "body": "B"}),
    R("GET", "/courses/{course}/announcements", LEARNERS),
    # --- media (the world's asset and upload are the owner's)
    R("POST", "/media", INSTRUCTORS, form={"purpose": "thumbnail"}, files=PICTURE),
    R("GET", "/media", USERS),
    R("GET", "/media/{media_id}", OWNER_ADMIN, deny=HIDDEN_FROM_OTHERS),
    R("POST", "/lessons/{lesson_id}/media", OWNER_ADMIN, body={"media_id": "{media_id}"}),
    R("POST", "/media/uploads", INSTRUCTORS, body={"purpose": "attachment", "size": 10}),
    R("GET", "/media/uploads/{upload_id}", OWNER, deny=OWNER_ONLY_HIDDEN),
    R("HEAD", "/media/uploads/{upload_id}", OWNER, deny=OWNER_ONLY_HIDDEN),
    R(
        "PATCH",
        "/media/uploads/{upload_id}",
        OWNER,
        deny=OWNER_ONLY_HIDDEN,
        content=b"%PDF-1.4 x",
        headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    ),
    R("DELETE", "/media/uploads/{upload_id}", OWNER, deny=OWNER_ONLY_HIDDEN),
    # A text lesson has no video: 409 `media_not_ready` for those who may watch.
    R("GET", "/lessons/{lesson_id}/playback", LEARNERS, deny={"anonymous": 403}),
    # --- live lessons (the world's live lesson is open to join)
    R("GET", "/lessons/{lesson_id}/live", LEARNERS, params=LIVE),
    R("POST", "/lessons/{lesson_id}/live/join", LEARNERS, params=LIVE),
    R("POST", "/lessons/{lesson_id}/live/start", OWNER_ADMIN, params=LIVE),
    R("POST", "/lessons/{lesson_id}/live/end", OWNER_ADMIN, params=LIVE),
    R("GET", "/lessons/{lesson_id}/live/attendance", OWNER_ADMIN, params=LIVE),
    # A Jitsi session has no stored recordings: 422 for those who may ask.
    R("POST", "/lessons/{lesson_id}/live/recordings", OWNER_ADMIN, params=LIVE),
    # The world's course has no promo video: 404 for everyone.
    R("GET", "/courses/{course}/promo/playback", ALL, ok=frozenset({404})),
]

RULES_BY_KEY: dict[tuple[str, str], Rule] = {rule.key: rule for rule in RULES}
assert len(RULES_BY_KEY) == len(RULES), "one rule per (method, path)"
