"""Instructor money pages: earnings over time with the ledger, payouts, and a course's coupons.

Instructors only: a student gets the studio's "become an instructor"
page. The chart is drawn with CSS alone (bars get a height class in 5 %
steps, since the page's CSP allows no inline style). Coupons belong to
the course's owner (or an admin); another instructor's course is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from syllabus.accounts.actor import Actor
from syllabus.catalog import authoring
from syllabus.catalog.models import Course
from syllabus.commerce.schemas import CouponIn, CouponOut, CouponPatch, EarningPoint
from syllabus.kit.errors import AppError
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    FORM_ERROR,
    CsrfChecked,
    WebActor,
    WebDb,
    WebForm,
    flash,
    safe_next,
    validate_form,
)
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes._commerce_views import COMMERCE, money_text
from syllabus.web.routes._money import parse_amount
from syllabus.web.routes._studio_common import (
    PageQuery,
    form_fields,
    not_instructor_page,
    require_instructor,
)

router = APIRouter(include_in_schema=False)

Period = Literal["28d", "12m", "all"]
PERIODS = {"28d": "Last 28 days", "12m": "Last 12 months", "all": "All time"}
CourseKey = Annotated[str, Path(min_length=1, max_length=140)]
CouponId = Annotated[str, Path(min_length=1, max_length=64)]
PeriodQuery = Annotated[str, Query(max_length=8)]
COUPON_FIELDS = ("code", "kind", "value", "expires_on", "max_redemptions", "currency")


# ------------------------------------------------------------------- chart


@dataclass(frozen=True)
class Bar:
    label: str
    title: str
    height: int  # percent of the tallest bar, in steps of 5
    negative: bool
    tick: bool


@dataclass(frozen=True)
class Chart:
    currency: str
    bars: list[Bar]
    peak: str
    total: str


def _bar_label(point_date: str, period: str) -> str:
    """ "2025-11-21" -> "21", "2025-11" -> "Nov"."""
    try:
        if len(point_date) == 7:
            return datetime.strptime(point_date, "%Y-%m").strftime("%b")
        return str(int(point_date[8:10]))
    except ValueError:
        return point_date


def build_charts(points: list[EarningPoint], period: str) -> list[Chart]:
    """One bar chart per currency, bars scaled to the largest amount."""
    currencies = sorted({point.currency for point in points})
    charts = []
    for currency in currencies:
        series = [point for point in points if point.currency == currency]
        peak = max((abs(point.amount) for point in series), default=0)
        bars = []
        for index, point in enumerate(series):
            ratio = abs(point.amount) / peak if peak else 0
            height = min(100, round(ratio * 20) * 5)
            if point.amount and height == 0:
                height = 5
            bars.append(
                Bar(
                    label=_bar_label(point.date, period),
                    title=f"{point.date}: {money_text(point.amount, currency)}",
                    height=height,
                    negative=point.amount < 0,
                    tick=period != "28d" or index % 7 == 0 or index == len(series) - 1,
                )
            )
        total = sum(point.amount for point in series)
        charts.append(
            Chart(currency, bars, money_text(peak, currency), money_text(total, currency))
        )
    return charts


# ---------------------------------------------------------------- earnings


@router.get("/instructor/earnings", response_class=HTMLResponse)
def earnings_page(
    request: Request, db: WebDb, actor: WebActor, params: PageQuery, period: PeriodQuery = "28d"
) -> Response:
    from syllabus.commerce import earnings

    if not actor.is_instructor:
        return not_instructor_page(request)
    chosen: Period = "12m" if period == "12m" else "all" if period == "all" else "28d"
    out = earnings.instructor_earnings(db, actor, period=chosen, page=params)
    pages = max(1, -(-out.entries_total // out.page_size)) if out.page_size else 1
    context = {
        "earnings": out,
        "period": chosen,
        "periods": PERIODS,
        "charts": build_charts(out.points, chosen),
        "pages": pages,
    }
    return render_page(request, COMMERCE + "earnings.html", context)


@router.get("/instructor/payouts", response_class=HTMLResponse)
def payouts_page(request: Request, db: WebDb, actor: WebActor, params: PageQuery) -> Response:
    from syllabus.commerce import payouts

    if not actor.is_instructor:
        return not_instructor_page(request)
    page = payouts.instructor_payouts(db, actor, params)
    return render_page(request, COMMERCE + "payouts.html", {"page": page})


# ----------------------------------------------------------------- coupons


def _end_of_day(text: str) -> datetime:
    """The last second of a typed date (UTC): a coupon "expires on" that whole day."""
    return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=UTC)


def coupon_body(
    form: FormData, model: type[CouponIn], currency: str | None
) -> tuple[dict[str, str], CouponIn | None, dict[str, str]]:
    """The coupon form as typed, the validated body and the errors per field.

    `currency` is the course's; for a site-wide coupon (None) the form's
    currency field is used for an amount off.
    """
    values = form_fields(form, *COUPON_FIELDS)
    values["kind"] = "amount" if values["kind"] == "amount" else "percent"
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"code": values["code"]}
    value = values["value"].strip()
    if values["kind"] == "percent":
        try:
            data["percent_off"] = int(value.rstrip("%").strip())
        except ValueError:
            errors["value"] = "Enter a whole percent from 1 to 100."
    else:
        money = currency or values["currency"]
        if currency is None:
            data["currency"] = money or None
        if not money:
            errors["currency"] = "Choose the currency of the amount."
        else:
            try:
                data["amount_off"] = parse_amount(value, money)
            except ValueError as exc:
                errors["value"] = str(exc)
    if values["expires_on"].strip():
        try:
            data["expires_at"] = _end_of_day(values["expires_on"].strip())
        except ValueError:
            errors["expires_on"] = "Enter a date like 2030-12-31."
    if values["max_redemptions"].strip():
        try:
            data["max_redemptions"] = int(values["max_redemptions"].strip())
        except ValueError:
            errors["max_redemptions"] = "Enter a whole number, or leave it empty."
    body, problems = validate_form(model, data)
    renamed = {"percent_off": "value", "amount_off": "value", "expires_at": "expires_on"}
    for name, message in problems.items():
        if name == "code":
            message = "Use 3 to 40 letters, digits, - or _."
        elif name in ("percent_off",):
            message = "Enter a whole percent from 1 to 100."
        errors.setdefault(renamed.get(name, name), message)
    return values, (body if not errors else None), errors


def _coupons_context(db: Session, actor: Actor, course: Course, **extra: Any) -> dict[str, Any]:
    from syllabus.commerce import coupons

    listed: list[CouponOut] = coupons.list_course_coupons(db, actor, course.id)
    context: dict[str, Any] = {
        "course": course,
        "coupons": listed,
        "values": {"kind": "percent"},
        "currency": course.currency,
    }
    context.update(extra)
    return context


@router.get("/studio/courses/{course_key}/coupons", response_class=HTMLResponse)
def studio_coupons(request: Request, course_key: CourseKey, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
    course = authoring.owned_course(db, actor, course_key)
    return render_page(
        request, COMMERCE + "studio_coupons.html", _coupons_context(db, actor, course)
    )


@router.post("/studio/courses/{course_key}/coupons", dependencies=[CsrfChecked])
def create_course_coupon(
    request: Request, course_key: CourseKey, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    from syllabus.commerce import coupons

    require_instructor(actor)
    course = authoring.owned_course(db, actor, course_key)
    values, body, errors = coupon_body(form, CouponIn, course.currency)
    status = 422
    if body is not None:
        try:
            coupons.create_course_coupon(db, get_runtime(), actor, course.id, body)
        except AppError as exc:
            if exc.status == 404:
                raise
            undo_refused(db, exc)
            errors = {"code" if exc.code == "coupon_code_taken" else FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "coupon_created")
            return see_other(f"/studio/courses/{course.id}/coupons")
    context = _coupons_context(db, actor, course, values=values, errors=errors)
    return render_page(request, COMMERCE + "studio_coupons.html", context, status)


def _coupon_back(value: str) -> str:
    target = safe_next(value)
    if target and (target.startswith("/studio/") or target.startswith("/admin/")):
        return target
    return "/studio"


@router.post("/coupons/{coupon_id}/active", dependencies=[CsrfChecked])
def set_coupon_active(
    request: Request, coupon_id: CouponId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """Deactivate (or reactivate) a coupon: its owner's or, for any coupon, an admin's."""
    from syllabus.commerce import coupons

    active = form.get("active") == "1"
    coupons.update_coupon(db, actor, coupon_id, CouponPatch(active=active))
    flash(request, "coupon_activated" if active else "coupon_deactivated")
    back = form.get("next")
    return see_other(_coupon_back(back if isinstance(back, str) else ""))


__all__ = ["build_charts", "coupon_body", "router"]
