"""The fixture world the access matrix runs in: one course and one user per role.

    owner       instructor who owns `course` (published, 3 text lessons + a quiz) and `paid_course`
    enrolled    student enrolled in `course`; author of the review, question, thread, order
    student     active student, not enrolled anywhere; has a pending instructor application
    instructor  another instructor, owns nothing of the world
    admin       admin
    banned      a student whose account was banned after signing in (their token is stale)
    anonymous   no token at all

Every object a route's path names exists once, made straight through the ORM
so the world is quick to build and independent of the routes under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from syllabus.accounts import sessions
from syllabus.accounts.actor import Actor
from syllabus.accounts.models import InstructorApplication, User
from syllabus.catalog.models import Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.commerce.models import Order, OrderLine, Payout, PayoutBatch
from syllabus.community.models import Answer, Message, MessageThread, Question, Review
from syllabus.kit.db import utcnow
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Certificate
from syllabus.live.jitsi import new_room_name
from syllabus.live.models import LiveSession
from syllabus.media.models import MediaAsset, MediaUpload
from syllabus.notifications.models import Notification
from tests.catalog.factories import make_course, make_enrollment
from tests.commerce.factories import make_coupon
from tests.factories import make_user

ROLES = ("anonymous", "student", "enrolled", "instructor", "owner", "admin", "banned")


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}


def _token(db: Session, rt: Runtime, user: User) -> str:
    pair = sessions.start_session(db, rt, user, sessions.Client(device="matrix", ip="127.0.0.1"))
    db.commit()
    return pair.access_token


def build_world(db: Session, rt: Runtime) -> World:
    users = {
        "student": make_user(db, role="student"),
        "enrolled": make_user(db, role="student"),
        "instructor": make_user(db, role="instructor"),
        "owner": make_user(db, role="instructor"),
        "admin": make_user(db, role="admin"),
        "banned": make_user(db, role="student"),
    }
    tokens = {role: _token(db, rt, user) for role, user in users.items()}
    users["banned"].status = "banned"
    db.commit()

    owner, enrolled, student = users["owner"], users["enrolled"], users["student"]
    course = make_course(db, owner)
    paid_course = make_course(db, owner, price=2999)
    make_enrollment(db, enrolled, course)
    lesson = db.query(Lesson).filter_by(course_id=course.id).order_by(Lesson.position).first()
    assert lesson is not None
    section = db.get(Section, lesson.section_id)
    assert section is not None
    quiz_lesson = _quiz_lesson(db, course, section)
    live_lesson = _live_lesson(db, course, section)
    now = utcnow()

    review = Review(course_id=course.id, user_id=enrolled.id, rating=4, body="Clear.")
    question = Question(
        course_id=course.id, lesson_id=lesson.id, user_id=enrolled.id, title="Why?", body="Hm."
    )
    db.add_all([review, question])
    db.flush()
    answer = Answer(question_id=question.id, user_id=owner.id, body="Because.")
    thread = MessageThread(course_id=course.id, student_id=enrolled.id, instructor_id=owner.id)
    db.add_all([answer, thread])
    db.flush()
    db.add(Message(thread_id=thread.id, sender_id=enrolled.id, body="Hello"))
    notification = Notification(
        user_id=enrolled.id, kind="answer", title="New answer", url="/", dedupe_key=f"m:{now}"
    )
    order = Order(
        user_id=enrolled.id,
        provider="sandbox",
        currency="USD",
        subtotal_amount=2999,
        total_amount=2999,
        expires_at=now + timedelta(hours=1),
    )
    db.add_all([notification, order])
    db.flush()
    db.add(
        OrderLine(
            order_id=order.id,
            course_id=paid_course.id,
            instructor_id=owner.id,
            course_title=paid_course.title,
            list_amount=2999,
            amount=2999,
        )
    )
    asset = MediaAsset(
        owner_id=owner.id, purpose="attachment", status="ready", content_type="application/pdf"
    )
    upload = MediaUpload(
        owner_id=owner.id,
        purpose="attachment",
        filename="notes.pdf",
        total_bytes=4096,
        expires_at=now + timedelta(days=1),
    )
    batch = PayoutBatch(created_by=users["admin"].id, cutoff_at=now)
    application = InstructorApplication(user_id=student.id, pitch="I teach.", topics=["python"])
    certificate = Certificate(
        code="CERTMATRIXABCDEFG",
        user_id=enrolled.id,
        course_id=course.id,
        student_name=enrolled.name,
        course_title=course.title,
        instructor_name=owner.name,
    )
    outbox = OutboxMessage(
        task="send_email", payload={"to": enrolled.email}, attempts=5, failed_at=now
    )
    db.add_all([asset, upload, batch, application, certificate, outbox])
    db.flush()
    payout = Payout(
        batch_id=batch.id, instructor_id=owner.id, currency="USD", amount=1000, entry_count=1
    )
    db.add(payout)
    db.commit()
    coupon = make_coupon(db, course)

    session_id = sessions.list_sessions(db, _actor(enrolled))[0].id
    ids = {
        "course": course.id,
        "paid_course": paid_course.id,
        "section_id": section.id,
        "lesson_id": lesson.id,
        "quiz_lesson": quiz_lesson.id,
        "live_lesson": live_lesson.id,
        "review_id": review.id,
        "question_id": question.id,
        "answer_id": answer.id,
        "thread_id": thread.id,
        "notification_id": notification.id,
        "order_id": order.id,
        "coupon_id": coupon.id,
        "media_id": asset.id,
        "upload_id": upload.id,
        "payout_id": payout.id,
        "application_id": application.id,
        "code": certificate.code,
        "message_id": outbox.id,
        "session_id": session_id,
        "user_id": student.id,
        "owner_id": owner.id,
        "provider": "sandbox",
        "oauth_provider": "github",
        "analytics_metric": "revenue",
    }
    return World(users=users, tokens=tokens, ids=ids)


def _actor(user: User) -> Actor:
    return Actor(id=user.id, role=user.role, name=user.name, email=user.email)


def _live_lesson(db: Session, course: Course, section: Section) -> Lesson:
    """A Jitsi live lesson whose join window is open (it starts in 10 minutes)."""
    live_lesson = Lesson(
        section_id=section.id, course_id=course.id, title="Live", kind="live", position=4
    )
    db.add(live_lesson)
    db.flush()
    db.add(
        LiveSession(
            lesson_id=live_lesson.id,
            course_id=course.id,
            provider="jitsi",
            starts_at=utcnow() + timedelta(minutes=10),
            duration_minutes=60,
            room=new_room_name(),
        )
    )
    course.lesson_count += 1
    db.commit()
    return live_lesson


def _quiz_lesson(db: Session, course: Course, section: Section) -> Lesson:
    quiz_lesson = Lesson(
        section_id=section.id, course_id=course.id, title="Quiz", kind="quiz", position=3
    )
    db.add(quiz_lesson)
    db.flush()
    db.add(Quiz(lesson_id=quiz_lesson.id, pass_percent=50))
    db.add(
        QuizQuestion(
            lesson_id=quiz_lesson.id,
            position=0,
            kind="true_false",
            prompt="Water is wet",
            choices=[],
            answer=True,
        )
    )
    course.lesson_count += 1
    db.commit()
    return quiz_lesson
