"""The admin audit log page: every admin action, newest first, with who did it, on what, when,
and the values before and after shown side by side. Admins only (403 for anyone else)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from syllabus.admin import audit_log
from syllabus.admin.users import require_admin
from syllabus.web.deps import WebActor, WebDb
from syllabus.web.pages import render_page
from syllabus.web.routes import _commerce_views  # noqa: F401 - the `when`/`short_id` filters
from syllabus.web.routes._studio_common import ADMIN, PageQuery
from syllabus.web.templating import templates

router = APIRouter(include_in_schema=False)

FilterText = Annotated[str | None, Query(max_length=80)]
TARGET_TYPES = (
    "user",
    "course",
    "order",
    "coupon",
    "payout",
    "payout_batch",
    "review",
    "enrollment",
    "certificate",
    "instructor_application",
    "newsletter",
    "outbox",
)


def audit_value(value: Any) -> str:
    """A before/after value as short readable text (JSON for lists and objects)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


templates.env.filters.update(audit_value=audit_value)


@router.get("/admin/audit-log", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: WebDb,
    actor: WebActor,
    params: PageQuery,
    who: FilterText = None,
    action: FilterText = None,
    target_type: FilterText = None,
    target_id: FilterText = None,
) -> Response:
    require_admin(actor)
    filters = {
        "actor": (who or "").strip() or None,
        "action": (action or "").strip() or None,
        "target_type": target_type if target_type in TARGET_TYPES else None,
        "target_id": (target_id or "").strip() or None,
    }
    page = audit_log.list_entries(db, actor, params, **filters)
    entries = [
        {"entry": entry, "diff": audit_log.diff(entry.before, entry.after)} for entry in page.items
    ]
    shown = {"who" if name == "actor" else name: value for name, value in filters.items() if value}
    context = {
        "page": page,
        "entries": entries,
        "filters": {
            "who": filters["actor"] or "",
            "action": filters["action"] or "",
            "target_type": filters["target_type"] or "",
            "target_id": filters["target_id"] or "",
        },
        "actions": audit_log.action_names(db, actor),
        "target_types": TARGET_TYPES,
        "page_url": "/admin/audit-log" + (f"?{urlencode(shown)}" if shown else ""),
        "tab": "audit",
    }
    return render_page(request, ADMIN + "audit_log.html", context)
