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
    # The instructor studio and the admin review queue.
    "course_created": (
        "success",
        "Your course was created. Fill in the details, then build the curriculum.",
    ),
    "course_saved": ("success", "The course details were saved."),
    "thumbnail_saved": ("success", "Thumbnail updated."),
    "course_submitted": (
        "success",
        "Submitted for review. We will email you as soon as an admin has decided.",
    ),
    "course_unpublished": (
        "info",
        "The course is unpublished: hidden from the catalog; enrolled students keep access.",
    ),
    "course_archived": ("info", "The course is archived."),
    "course_deleted": ("success", "The course was deleted."),
    "course_archived_instead": (
        "info",
        "Students have enrolled in this course, so it was archived instead of deleted.",
    ),
    "lesson_saved": ("success", "The lesson was saved."),
    "quiz_saved": ("success", "The quiz was saved."),
    "course_approved": ("success", "The course was approved and is now published."),
    "course_rejected": ("info", "The course was sent back to its instructor with your note."),
    # Learning: enrollment and the course player.
    "enrolled": ("success", "You are enrolled. Enjoy the course!"),
    "enroll_payment_required": ("info", "This is a paid course: buy it to start learning."),
    "enroll_unavailable": ("warning", "This course does not take enrollments right now."),
    "enroll_first": ("info", "Enroll in this course to open its lessons."),
    "lesson_completed": ("success", "Lesson marked as complete."),
    "lesson_locked": ("info", "That lesson is not available yet."),
    # Live lessons.
    "live_not_open": ("info", "Joining opens 15 minutes before the start, until the end."),
    "live_ended": ("success", "The live session has ended for everyone."),
    "live_unavailable": ("warning", "The video service could not be reached. Try again."),
    "live_scheduled": ("success", "The live session's schedule was saved."),
    "live_schedule_invalid": (
        "warning",
        "Check the live session: a future start time (UTC) and 5 to 600 minutes; "
        "a recording link must start with https://.",
    ),
    "live_recording_too_early": ("info", "A recording link can be added once the session ends."),
    "live_schedule_locked": ("info", "The session has started or ended; its time is fixed."),
    # Commerce: cart, checkout, payments, refunds, coupons and payouts.
    "added_to_cart": ("success", "The course is in your cart."),
    "removed_from_cart": ("info", "The course was removed from your cart."),
    "already_owned": ("info", "You already have this course. Enjoy it!"),
    "cart_not_purchasable": ("warning", "This course cannot be bought."),
    "cart_refused": ("warning", "That course could not be added to your cart."),
    "coupon_applied": ("success", "Coupon applied. The new prices are below."),
    "order_paid": ("success", "Thank you! Your order is paid and your courses are ready."),
    "payment_processing": (
        "info",
        "Payment sent. We are confirming it with the payment provider.",
    ),
    "payment_declined": (
        "warning",
        "The payment was declined. Nothing was charged; you can try again from your cart.",
    ),
    "order_not_payable": ("info", "This order can no longer be paid."),
    "payment_not_verified": (
        "error",
        "We could not confirm that payment, so nothing was granted. "
        "If you were charged, contact us with the order number.",
    ),
    "refund_requested": (
        "success",
        "Your refund request was sent. We will email you once the money is on its way back.",
    ),
    "refund_started": ("success", "The refund was started through the payment provider."),
    "coupon_created": ("success", "The coupon was created."),
    "coupon_deactivated": ("info", "The coupon was deactivated; it no longer works."),
    "coupon_activated": ("success", "The coupon is active again."),
    "payout_batch_created": ("success", "Payouts were created for the earnings ready to pay."),
    "nothing_to_pay": ("info", "No instructor has earnings ready to pay."),
    "payout_marked_paid": ("success", "The payout was marked paid and the instructor emailed."),
    # Community: course reviews.
    "review_posted": ("success", "Thanks! Your review is posted."),
    "review_saved": ("success", "Your review was updated."),
    "review_deleted": ("info", "Your review was deleted."),
    "review_exists": ("info", "You already reviewed this course: edit your review below."),
    "review_enroll_first": ("info", "Enroll in this course to review it."),
    "review_invalid": (
        "warning",
        "Your review was not saved: choose a rating from 1 to 5 and keep the text "
        "under 5000 characters.",
    ),
}


def register_flashes(messages: dict[str, tuple[str, str]]) -> None:
    """Add a feature's messages (called once, when its routes module is imported)."""
    for key, value in messages.items():
        if FLASHES.get(key, value) != value:
            raise RuntimeError(f"flash {key!r} registered twice with different texts")
        FLASHES[key] = value


def pending_flashes(connection: HTTPConnection) -> list[dict[str, str]]:
    """The message queued by the previous response, consumed so it shows once."""
    key = take_flash(connection)
    if key not in FLASHES:
        return []
    kind, text = FLASHES[key]
    return [{"kind": kind, "text": text}]
