"""Catalog pages: the course catalog, category pages and the course landing page.

The pages read through `syllabus.catalog.public` (cached), so a warm page
costs no SQL beyond the visitor's own sign-in and, for a signed-in visitor
on a landing page, one enrollment check. Filters are a plain GET form that
works without JavaScript; htmx only swaps the results in place. Search text
(`q`, from the header's search box or the catalog's own) narrows any list;
`/courses/suggest-box` is the header's as-you-type dropdown (an HTML fragment).

Importing this module registers the Jinja filters `money`, `clock`,
`total_duration` and `thousands` used by the catalog templates.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog import public
from syllabus.catalog.public import LEVEL_LABELS, PRICE_BANDS, CourseFilters
from syllabus.catalog.schemas import CourseDetail
from syllabus.community.reviews import CourseFacts, ReviewPanel, review_panel
from syllabus.kit.errors import NotFound
from syllabus.kit.fastpath import to_response
from syllabus.kit.markdown import plain_text
from syllabus.kit.pagination import MAX_PAGE, PageParams
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.learning.access import active_enrollment_id
from syllabus.search.suggest import MAX_TEXT, cached_suggestions
from syllabus.web.deps import OptionalWebActor, login_url
from syllabus.web.flashes import pending_flashes
from syllabus.web.routes import _landing_cache as landing_cache
from syllabus.web.routes._commerce_views import in_cart_of
from syllabus.web.routes.player_media import course_promo
from syllabus.web.templating import SITE_NAME, is_htmx, render, templates

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 24
RELEVANCE_LABEL = "Most relevant"
SORT_LABELS = {
    "popular": "Most popular",
    "rating": "Highest rated",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}
RATING_CHOICES = (4.5, 4.0, 3.5, 3.0)
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "zh": "Chinese",
}
_FILTER_FIELDS = ("q", "category", "level", "language", "rating_min", "has_certificate", "sort")


# ------------------------------------------------------------- template filters

CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "JPY": "¥",
    "CAD": "CA$",
    "AUD": "A$",
    "BRL": "R$",
}
# Shown without decimals when the amount is whole (₹499, not ₹499.00).
_WHOLE_UNITS_WHEN_ROUND = ("INR",)


def money(amount: Any, currency: str | None = None) -> str:
    """Minor units as a price: 1999 USD -> "$19.99", 900 EUR -> "€9.00", 49900 INR -> "₹499",
    0 -> "Free". Also takes a Money-like value: `{{ course.price|money }}`."""
    if currency is None:
        if isinstance(amount, Mapping):
            amount, currency = amount.get("amount"), amount.get("currency")
        else:
            amount, currency = getattr(amount, "amount", None), getattr(amount, "currency", None)
    if amount is None:
        return ""
    amount = int(amount)
    if amount == 0:
        return "Free"
    code = (currency or "USD").upper()
    symbol = CURRENCY_SYMBOLS.get(code, code + " ")
    per_major = public.minor_per_major(code)
    if per_major == 1:
        number = f"{amount:,}"
    elif code in _WHOLE_UNITS_WHEN_ROUND and amount % per_major == 0:
        number = f"{amount // per_major:,}"
    else:
        number = f"{amount // per_major:,}.{amount % per_major:02d}"
    return f"{symbol}{number}"


def major_units(amount: int, currency: str) -> str:
    """Minor units as a plain decimal string in major units ("19.99", "2500")."""
    per_major = public.minor_per_major(currency)
    if per_major == 1 or amount == 0:
        return str(amount // per_major)
    return f"{amount // per_major}.{amount % per_major:02d}"


def clock(seconds: Any) -> str:
    """A lesson's length: 75 -> "1:15", 3725 -> "1:02:05"."""
    total = max(int(seconds or 0), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def total_duration(seconds: Any) -> str:
    """A course's or section's length: "3h 25m", "45m", "30s"."""
    total = max(int(seconds or 0), 0)
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{total}s" if total else "0m"


def thousands(value: Any) -> str:
    return f"{int(value or 0):,}"


templates.env.filters.update(
    money=money, clock=clock, total_duration=total_duration, thousands=thousands
)
templates.env.globals.update(level_labels=LEVEL_LABELS)


# ----------------------------------------------------------------- list pages


def _filters_from(request: Request, *, category: str | None = None) -> CourseFilters:
    """The catalog filters in the query string; a page never refuses a bad value, it drops it."""
    query = request.query_params
    values: dict[str, Any] = {
        name: query[name] for name in _FILTER_FIELDS if query.get(name, "").strip()
    }
    if "q" in values:
        values["q"] = values["q"].strip()[:200]
    band = next((b for b in PRICE_BANDS if b[0] == query.get("price")), None)
    if band is not None:
        values["price_min"], values["price_max"] = band[2], band[3]
    if category is not None:
        values["category"] = category
    for _ in range(len(values) + 1):
        try:
            return CourseFilters.model_validate(values)
        except ValidationError as exc:
            bad = {str(err["loc"][0]) for err in exc.errors() if err.get("loc")}
            if not bad & values.keys():
                break
            for name in bad:
                values.pop(name, None)
            if "price_min" in bad or "price_max" in bad:
                values.pop("price_min", None)
                values.pop("price_max", None)
    return CourseFilters()


def _page_from(request: Request) -> PageParams:
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() else 1
    return PageParams(page=min(max(page, 1), MAX_PAGE), page_size=PAGE_SIZE)


def _sort_labels(filters: CourseFilters) -> dict[str, str]:
    """The sort menu: "Most relevant" (the default) only when there is search text."""
    return {"relevance": RELEVANCE_LABEL, **SORT_LABELS} if filters.q else dict(SORT_LABELS)


def _default_sort(filters: CourseFilters) -> str:
    return "relevance" if filters.q else "popular"


def _selected(request: Request, filters: CourseFilters) -> dict[str, str]:
    """The form's current values, as the inputs hold them."""
    band = request.query_params.get("price", "")
    if filters.price_min is None and filters.price_max is None:
        band = ""
    certificate = filters.has_certificate
    return {
        "q": filters.q or "",
        "category": filters.category or "",
        "level": filters.level or "",
        "language": filters.language or "",
        "price": band if any(b[0] == band for b in PRICE_BANDS) else "",
        "rating_min": f"{filters.rating_min:.1f}" if filters.rating_min is not None else "",
        "has_certificate": "" if certificate is None else str(certificate).lower(),
        "sort": filters.sort if filters.sort in _sort_labels(filters) else _default_sort(filters),
    }


def _query_string(
    selected: Mapping[str, str], *, skip: tuple[str, ...] = (), default_sort: str = "popular"
) -> str:
    pairs = [
        (name, value)
        for name, value in selected.items()
        if value and name not in skip and not (name == "sort" and value == default_sort)
    ]
    return urlencode(pairs)


def _render_listing(
    request: Request,
    rt: Runtime,
    *,
    action: str,
    filters: CourseFilters,
    context: dict[str, Any],
    skip_in_url: tuple[str, ...] = (),
) -> HTMLResponse:
    page = _page_from(request)
    data = orjson.loads(public.list_courses(rt, None, filters, page))
    selected = _selected(request, filters)
    query = _query_string(selected, skip=skip_in_url, default_sort=_default_sort(filters))
    base_url = f"{action}?{query}" if query else action
    pages = max(1, -(-data["total"] // page.page_size))
    response = render(
        request,
        "pages/catalog/list.html",
        {
            **context,
            "flashes": pending_flashes(request),
            "action": action,
            "result": data,
            "selected": selected,
            "pages": pages,
            "page_base_url": base_url,
            "sort_labels": _sort_labels(filters),
            "rating_choices": RATING_CHOICES,
            "rating_counts": {f["value"]: f["count"] for f in data["facets"].get("rating", [])},
            "language_names": LANGUAGE_NAMES,
            "clear_url": f"{action}?{urlencode({'q': filters.q})}" if filters.q else action,
        },
    )
    if is_htmx(request):
        # The form sends its empty fields too; the address bar gets the tidy URL.
        page_part = f"page={page.page}" if page.page > 1 else ""
        joiner = "&" if query and page_part else ""
        tail = query + joiner + page_part
        response.headers["HX-Push-Url"] = f"{action}?{tail}" if tail else action
    response.headers.append("Vary", "HX-Request")
    return response


@router.get("/courses", response_class=HTMLResponse)
def catalog(request: Request, _actor: OptionalWebActor) -> HTMLResponse:
    rt = get_runtime()
    filters = _filters_from(request)
    category_label = None
    if filters.category:
        found = public.find_category(rt, filters.category)
        category_label = found[0]["name"] if found else None
    heading, lead, title = (
        "All courses",
        "Courses from independent instructors. Filter by topic, level, price and more.",
        "Browse courses",
    )
    if filters.q:
        heading = f"Search: {filters.q}"
        lead = "Courses matching your search. Narrow them down by topic, level, price and more."
        title = f"{filters.q} courses"
    return _render_listing(
        request,
        rt,
        action="/courses",
        filters=filters,
        context={
            "heading": heading,
            "lead": lead,
            "page_title": title,
            "show_category_filter": True,
            "category_label": category_label,
            "breadcrumb": [("Home", "/")],
        },
    )


@router.get("/courses/suggest-box", response_class=HTMLResponse)
def suggest_box(request: Request) -> HTMLResponse:
    """The header search's dropdown: a list of links, or nothing (fits `hx-swap`)."""
    text_in = request.query_params.get("q", "").strip()[:MAX_TEXT]
    items = cached_suggestions(get_runtime(), text_in) if text_in else []
    response = render(request, "pages/catalog/_suggestions.html", {"items": items, "q": text_in})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@router.get("/categories/{slug}", response_class=HTMLResponse)
def category_page(slug: str, request: Request, _actor: OptionalWebActor) -> HTMLResponse:
    rt = get_runtime()
    found = public.find_category(rt, slug)
    if found is None:
        raise NotFound("There is no such category.", code="category_not_found")
    category, parent = found
    chips_of = parent or category
    chips = [
        {"name": child["name"], "slug": child["slug"], "current": child["slug"] == slug}
        for child in chips_of["children"]
    ]
    breadcrumb = [("Home", "/"), ("Courses", "/courses")]
    if parent is not None:
        breadcrumb.append((parent["name"], f"/categories/{quote(parent['slug'])}"))
    return _render_listing(
        request,
        rt,
        action=f"/categories/{quote(slug)}",
        filters=_filters_from(request, category=category["slug"]),
        skip_in_url=("category",),
        context={
            "heading": f"{category['name']} courses",
            "lead": (
                f"Courses in {category['name']}"
                + (f", part of {parent['name']}." if parent else " and its topics.")
            ),
            "page_title": f"{category['name']} courses",
            "show_category_filter": False,
            "category": category,
            "parent": parent,
            "chips": chips,
            "chips_parent": chips_of,
            "breadcrumb": breadcrumb,
        },
    )


# --------------------------------------------------------------- landing page


def _absolute(rt: Runtime, url: str | None) -> str | None:
    if not url:
        return None
    if url.startswith(("http://", "https://")):
        return url
    return rt.settings.base_url.rstrip("/") + "/" + url.lstrip("/")


def _text(source: str, limit: int) -> str:
    """Markdown or plain text as one line of plain text (autoescaped by the template)."""
    return html.unescape(plain_text(source, limit))


def json_ld(data: Mapping[str, Any]) -> Markup:
    """JSON for a `<script type="application/ld+json">` block that no value can break out of:
    `<`, `>` and `&` are written as JSON escapes, so `</script>` or `<!--` never appear."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704 - every markup-significant character is escaped above


def _iso_duration(seconds: int) -> str:
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes = rest // 60
    return f"PT{hours}H{minutes}M" if hours else f"PT{max(minutes, 1)}M"


def course_json_ld(
    course: CourseDetail, *, url: str, description: str, image: str | None
) -> dict[str, Any]:
    """schema.org `Course` for search engines."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": course.title,
        "description": description or course.title,
        "url": url,
        "inLanguage": course.language,
        "provider": {"@type": "Organization", "name": SITE_NAME},
        "offers": {
            "@type": "Offer",
            "category": "Free" if course.price.amount == 0 else "Paid",
            "price": major_units(course.price.amount, course.price.currency),
            "priceCurrency": course.price.currency,
            "availability": "https://schema.org/InStock",
            "url": url,
        },
        "hasCourseInstance": [
            {
                "@type": "CourseInstance",
                "courseMode": "online",
                "courseWorkload": _iso_duration(course.duration_seconds),
                "instructor": {"@type": "Person", "name": course.instructor.name},
            }
        ],
        "educationalLevel": LEVEL_LABELS.get(course.level, course.level),
    }
    if image:
        data["image"] = image
    if course.rating.count > 0:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": course.rating.average,
            "ratingCount": course.rating.count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return data


def _call_to_action(rt: Runtime, actor: Actor | None, course: CourseDetail) -> dict[str, str]:
    """The price card's button: what this visitor can do next with the course."""
    free = course.price.amount == 0
    slug = quote(course.slug)
    if actor is None:
        label = "Enroll now" if free else "Buy now"
        return {"kind": "link", "label": label, "href": login_url(f"/courses/{course.slug}")}
    if actor.id == course.instructor.id:
        return {"kind": "link", "label": "Edit course", "href": f"/studio/courses/{course.id}"}
    with rt.db.read_connection() as conn:
        enrolled = active_enrollment_id(conn, actor.id, course.id) is not None
        in_cart = not free and in_cart_of(conn, actor.id, course.id)
    if enrolled:
        return {"kind": "link", "label": "Go to course", "href": f"/learn/{slug}"}
    if course.status != "published":
        return {"kind": "none", "label": "Not available", "href": ""}
    if free:
        return {"kind": "form", "label": "Enroll now", "action": f"/courses/{slug}/enroll"}
    if in_cart:
        return {"kind": "link", "label": "Go to cart", "href": "/cart"}
    return {"kind": "form", "label": "Add to cart", "action": "/cart/add", "buy_label": "Buy now"}


def _review_panel(rt: Runtime, actor: Actor | None, course: CourseDetail) -> ReviewPanel:
    # The reader connection: a course page never waits behind (or holds) the write lock.
    known = CourseFacts(course.instructor.id, course.rating.distribution)
    with rt.db.read_connection() as conn, Session(bind=conn) as session:
        return review_panel(session, rt, actor, course.id, known=known)


@router.get("/courses/{slug}", response_class=HTMLResponse)
def course_landing(slug: str, request: Request, actor: OptionalWebActor) -> Response:
    """The landing page; anonymous visitors share one cached copy (see `_landing_cache`)."""
    rt = get_runtime()
    course = public.course_page(rt, None, slug, actor)
    if slug != course.slug:
        return RedirectResponse(f"/courses/{quote(course.slug)}", status_code=301)
    url = f"{rt.settings.base_url.rstrip('/')}/courses/{quote(course.slug)}"
    description = _text(course.subtitle or course.description, 160) or course.title
    image = _absolute(rt, course.thumbnail_url)
    price, list_price = course.price, course.list_price
    discount = None
    if list_price is not None and list_price.amount > price.amount:
        discount = round(100 * (list_price.amount - price.amount) / list_price.amount)
    lessons = sum(len(section.lessons) for section in course.curriculum)
    is_public = course.status == "published"
    parent = None
    if course.category is not None and course.category.parent_id:
        found = public.find_category(rt, course.category.slug)
        parent = found[1] if found else None
    context = {
        "flashes": pending_flashes(request),
        "course": course,
        "is_public": is_public,
        "canonical_url": url,
        "meta_description": description,
        "og_image": image,
        "json_ld": json_ld(
            course_json_ld(
                course,
                url=url,
                description=_text(course.description or course.subtitle, 500),
                image=image,
            )
        ),
        "discount": discount,
        "lesson_total": lessons,
        "cta": _call_to_action(rt, actor, course),
        "reviews": _review_panel(rt, actor, course),
        "promo": course_promo(rt, course),
        "category_parent": parent,
        "updated": _month_year(course.updated_at),
        "language_name": LANGUAGE_NAMES.get(course.language.split("-")[0], course.language),
    }
    if actor is not None or not landing_cache.is_shared_view(request, slug) or not is_public:
        return render(request, landing_cache.LANDING_TEMPLATE, context)
    page = landing_cache.render_shared(request, context)
    landing_cache.remember(request, rt, course.id, slug, page)
    return to_response(landing_cache.answer(request, rt, page))


def _month_year(value: datetime) -> str:
    return f"{value.month}/{value.year}"


__all__ = [
    "clock",
    "course_json_ld",
    "json_ld",
    "major_units",
    "money",
    "router",
    "thousands",
    "total_duration",
]
