"""Demo community: lesson questions with answers, announcements, a conversation, notifications.

Drawn after every other planner (ids come from the shared dice), so the
rest of the demo stays as it was. The demo students get the questions,
the conversation and unread notifications, so their header bell has
something to show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from syllabus.demo.content import DEMO_STUDENTS
from syllabus.demo.plan import Dice, Plan, PlannedCourse, Row

QUESTIONS = (
    (
        "Stuck on the exercise at the end",
        "I followed every step, but my result differs from yours at the very last one. "
        "Is there a common mistake here?",
    ),
    (
        "Which version are you using?",
        "A few screens in this lesson look different from mine. "
        "Which version did you record it with?",
    ),
    (
        "Anything to read next?",
        "This lesson was great. Is there a book or an article you would recommend to go deeper?",
    ),
    (
        "Is this still the approach you recommend?",
        "I have seen other ways to do this online. Would you still do it like this today?",
    ),
)
INSTRUCTOR_ANSWERS = (
    "Good question! The usual culprit is a step done out of order: redo the last two steps "
    "slowly and compare with the notes under the lesson.",
    "Nothing important changed between versions for this lesson, so what you have will work. "
    "The menus just moved a little.",
    "Yes: the resources section of the last lesson lists the three I keep going back to.",
    "For this use, yes. The other ways you found shine on bigger projects; we meet one of them "
    "later in the course.",
)
STUDENT_ANSWERS = (
    "I had the same problem; restarting from the lesson's starting files fixed it for me.",
    "Thanks for asking, I was wondering the same thing.",
)
ANNOUNCEMENTS = (
    (
        "A new bonus lesson is up",
        "Thank you for learning with me! Many of you asked for more practice, so there is a new "
        "bonus lesson at the end of the course. Enjoy, and keep the questions coming.",
    ),
    (
        "Office hours this week",
        "I will answer questions in the Q&A every evening this week. If something in the course "
        "blocks you, now is a great time to ask.",
    ),
)
CONVERSATION = (
    ("student", "Hi! I finished the course last week and loved it. What should I learn next?"),
    (
        "instructor",
        "Thank you, that is great to hear! Build one small project with what you learned first; "
        "then the advanced course will make much more sense.",
    ),
)


def plan_community(dice: Dice, plan: Plan, courses: list[PlannedCourse]) -> None:
    live = {c.row["id"]: c for c in courses if c.spec.status == "published"}
    by_course: dict[str, list[Row]] = {}
    for enrollment in plan.enrollments:
        by_course.setdefault(enrollment["course_id"], []).append(enrollment)
    demo_ids = {u["id"] for u in plan.users if u["name"] in DEMO_STUDENTS}
    for course_id, enrollments in by_course.items():
        course = live.get(course_id)
        if course is None:
            continue
        for enrollment in enrollments:
            asks = enrollment["user_id"] in demo_ids or dice.rng.random() < 0.08
            if asks and enrollment["progress_percent"] >= 10:
                _question(dice, plan, course, enrollment, demo_ids)
        if len(enrollments) >= 8 and dice.rng.random() < 0.5:
            _announcement(dice, plan, course, enrollments, demo_ids)
    _conversation(dice, plan, live, demo_ids)


def _question(
    dice: Dice,
    plan: Plan,
    course: PlannedCourse,
    enrollment: Row,
    demo_ids: set[str],
) -> None:
    rng = dice.rng
    choice = rng.randrange(len(QUESTIONS))
    title, body = QUESTIONS[choice]
    lesson_id = rng.choice(course.lesson_ids)
    asked = dice.between(enrollment["created_at"], dice.now - timedelta(hours=6))
    question_id = dice.new_id()
    answers: list[Row] = []
    when = asked
    if rng.random() < 0.3:
        when = dice.between(when, dice.now - timedelta(hours=3))
        answers.append(_post(dice, question_id, rng.choice(plan.users)["id"], when))
    if rng.random() < 0.8:
        when = dice.between(when, dice.now - timedelta(hours=1))
        answer = _post(dice, question_id, course.instructor["id"], when)
        answer["body"] = INSTRUCTOR_ANSWERS[choice]
        answers.append(answer)
        if enrollment["user_id"] in demo_ids:
            teacher = course.instructor["name"]
            _notify(
                plan,
                dice,
                enrollment["user_id"],
                "question_answered",
                f"{teacher} answered your question",
                title,
                f"/learn/{course.row['slug']}/lessons/{lesson_id}/questions/{question_id}",
                f"answer:{answer['id']}",
                when,
            )
    plan.lesson_questions.append(
        {
            "id": question_id,
            "course_id": course.row["id"],
            "lesson_id": lesson_id,
            "user_id": enrollment["user_id"],
            "title": title,
            "body": body,
            "status": "visible",
            "answer_count": len(answers),
            "last_activity_at": when,
            "created_at": asked,
            "updated_at": asked,
        }
    )
    plan.answers.extend(answers)


def _post(dice: Dice, question_id: str, user_id: str, when: datetime) -> Row:
    return {
        "id": dice.new_id(),
        "question_id": question_id,
        "user_id": user_id,
        "body": dice.rng.choice(STUDENT_ANSWERS),
        "status": "visible",
        "created_at": when,
        "updated_at": when,
    }


def _announcement(
    dice: Dice, plan: Plan, course: PlannedCourse, enrollments: list[Row], demo_ids: set[str]
) -> None:
    title, body = dice.rng.choice(ANNOUNCEMENTS)
    posted = dice.between(dice.now - timedelta(days=20), dice.now - timedelta(hours=2))
    announcement_id = dice.new_id()
    plan.announcements.append(
        {
            "id": announcement_id,
            "course_id": course.row["id"],
            "author_id": course.instructor["id"],
            "title": title,
            "body": body,
            "recipient_count": len(enrollments),
            "delivered": True,
            "created_at": posted,
            "updated_at": posted,
        }
    )
    for enrollment in enrollments:
        if enrollment["user_id"] in demo_ids:
            _notify(
                plan,
                dice,
                enrollment["user_id"],
                "announcement",
                f"{course.row['title']}: {title}",
                body[:200],
                f"/learn/{course.row['slug']}/announcements",
                f"announcement:{announcement_id}",
                posted,
            )


def _conversation(
    dice: Dice, plan: Plan, live: dict[str, PlannedCourse], demo_ids: set[str]
) -> None:
    """The first demo student's thread with the instructor of a course they finished."""
    finished = [
        e
        for e in plan.enrollments
        if e["user_id"] in demo_ids and e["completed_at"] is not None and e["course_id"] in live
    ]
    if not finished:
        return
    enrollment = finished[0]
    course = live[enrollment["course_id"]]
    thread_id = dice.new_id()
    sent = enrollment["completed_at"] + timedelta(hours=2)
    for side, body in CONVERSATION:
        sender = enrollment["user_id"] if side == "student" else course.instructor["id"]
        plan.messages.append(
            {
                "id": dice.new_id(),
                "thread_id": thread_id,
                "sender_id": sender,
                "body": body,
                "created_at": sent,
            }
        )
        sent += timedelta(hours=5)
    last = plan.messages[-1]
    plan.message_threads.append(
        {
            "id": thread_id,
            "course_id": course.row["id"],
            "student_id": enrollment["user_id"],
            "instructor_id": course.instructor["id"],
            "last_message_at": last["created_at"],
            "student_unread": 1,
            "instructor_unread": 0,
            "created_at": enrollment["completed_at"],
            "updated_at": last["created_at"],
        }
    )
    _notify(
        plan,
        dice,
        enrollment["user_id"],
        "message_received",
        f"New message from {course.instructor['name']}",
        last["body"][:200],
        f"/messages/{thread_id}",
        f"message:{last['id']}",
        last["created_at"],
    )


def _notify(
    plan: Plan,
    dice: Dice,
    user_id: str,
    kind: str,
    title: str,
    body: str,
    url: str,
    key: str,
    when: datetime,
) -> None:
    plan.notifications.append(
        {
            "id": dice.new_id(),
            "user_id": user_id,
            "kind": kind,
            "title": title[:200],
            "body": body,
            "url": url,
            "dedupe_key": f"{key}:{user_id}",
            "created_at": when,
            "read_at": None,
        }
    )
