"""Account pages: register, activate, log in and out, passwords, profile, sessions.

Every form follows post/redirect/get: a valid POST changes something and
redirects (with a one-time flash message); an invalid one renders the same
page again with the errors next to their fields and the input kept (never
a password). Each POST depends on `verify_csrf`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from syllabus.accounts import oauth, passwords, profiles, registration, roles, sessions
from syllabus.accounts.actor import Actor
from syllabus.accounts.errors import (
    AccountNotActive,
    EmailTaken,
    InvalidCode,
    WeakPassword,
    WrongPassword,
)
from syllabus.accounts.presenters import avatar_url
from syllabus.accounts.schemas import (
    ActivateIn,
    ChangePasswordIn,
    EmailIn,
    InstructorApplicationIn,
    LoginIn,
    ProfileIn,
    RegisterIn,
    ResetIn,
)
from syllabus.api.deps import RequestClient
from syllabus.kit.errors import AppError
from syllabus.kit.ratelimit import RateLimited
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    FORM_ERROR,
    CsrfChecked,
    OptionalWebActor,
    OptionalWebPrincipal,
    WebActor,
    WebDb,
    WebForm,
    WebPrincipal,
    flash,
    rotate_csrf_token,
    safe_next,
    validate_form,
)
from syllabus.web.pages import render_page, see_other
from syllabus.web.session import clear_login_cookies, refresh_cookie, set_login_cookies
from syllabus.web.templating import is_htmx

router = APIRouter(include_in_schema=False)

TEMPLATES = "pages/accounts/"
MAX_LINKS = 5

# `?error=` codes the OAuth callback sends back; any other value gets the default text.
OAUTH_ERRORS = {
    "oauth_failed": "Signing in with the provider did not work. Please try again.",
    "email_not_verified": (
        "The provider has not verified your email address, so it cannot be used to sign in."
    ),
    "oauth_account_taken": "That provider account is already linked to another account here.",
    "provider_already_linked": "An account from this provider is already linked.",
    "account_banned": "This account is banned.",
    "account_not_active": "Activate your account with the code we emailed you first.",
    "not_found": "That sign-in provider is not available.",
}
OAUTH_DEFAULT_ERROR = "Signing in with the provider did not work. Please try again."

NextParam = Annotated[str | None, Query(alias="next", max_length=2000)]
ErrorParam = Annotated[str | None, Query(max_length=64)]
EmailParam = Annotated[str | None, Query(max_length=254)]


# ----------------------------------------------------------------- helpers


def _page(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render_page(request, TEMPLATES + name, context, status_code)


def _fields(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields of the form ('' when absent); files and extras are ignored."""
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    return values


def _refusal(
    db: Session, exc: AppError, fields: Mapping[type[AppError], str] | None = None
) -> dict[str, str]:
    """Undo the failed attempt's writes and place the message next to its field."""
    if not exc.keeps_changes:
        db.rollback()
    for cls, field in (fields or {}).items():
        if isinstance(exc, cls):
            return {field: exc.message}
    for item in exc.errors or []:
        loc = item.get("loc")
        if isinstance(loc, list | tuple) and loc and isinstance(loc[-1], str):
            return {loc[-1]: exc.message}
    return {FORM_ERROR: exc.message}


def _mismatch(errors: dict[str, str], field: str, first: str, second: str) -> None:
    if first != second and field not in errors:
        errors[field] = "The two passwords do not match."


# --------------------------------------------------------------- register


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request, actor: OptionalWebActor) -> Response:
    if actor is not None:
        return see_other("/")
    return _page(request, "register.html")


@router.post("/register", dependencies=[CsrfChecked])
def register(request: Request, form: WebForm, db: WebDb, client: RequestClient) -> Response:
    fields = _fields(form, "name", "email", "password")
    values = {"name": fields["name"], "email": fields["email"]}
    body, errors = validate_form(RegisterIn, fields)
    if body is None:
        return _page(request, "register.html", {"values": values, "errors": errors}, 422)
    rt = get_runtime()
    try:
        limit = rt.rate_limiter.hit(
            "register-ip", client.ip or "unknown", rt.settings.register_rate_per_ip
        )
        if not limit.allowed:
            raise RateLimited(limit.retry_after, "Too many sign-ups from this address.")
        user = registration.register(
            db, rt, email=body.email, password=body.password, name=body.name
        )
    except AppError as exc:
        errors = _refusal(db, exc, {EmailTaken: "email", WeakPassword: "password"})
        context = {"values": values, "errors": errors, "email_taken": isinstance(exc, EmailTaken)}
        return _page(request, "register.html", context, exc.status)
    return see_other("/activate?" + urlencode({"email": user.email, "sent": "1"}))


# --------------------------------------------------------------- activate


@router.get("/activate", response_class=HTMLResponse)
def activate_page(
    request: Request,
    db: WebDb,
    token: Annotated[str | None, Query(max_length=512)] = None,
    email: EmailParam = None,
    sent: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    values = {"email": email or ""}
    if token is None:
        return _page(request, "activate.html", {"values": values, "sent": bool(sent and email)})
    body, _ = validate_form(ActivateIn, {"token": token})
    if body is None or body.token is None:
        errors = {FORM_ERROR: "That activation link is invalid or has expired."}
        return _page(request, "activate.html", {"values": values, "errors": errors}, 400)
    try:
        registration.activate_with_token(db, get_runtime(), token=body.token)
    except AppError as exc:
        errors = _refusal(db, exc)
        return _page(request, "activate.html", {"values": values, "errors": errors}, exc.status)
    flash(request, "activated")
    return see_other("/login")


@router.post("/activate", dependencies=[CsrfChecked])
def activate(request: Request, form: WebForm, db: WebDb) -> Response:
    fields = _fields(form, "email", "code")
    fields["code"] = fields["code"].replace(" ", "")
    values = {"email": fields["email"], "code": fields["code"]}
    body, errors = validate_form(ActivateIn, fields)
    if "code" in errors:
        errors["code"] = "Enter the 6-digit code from the email."
    if body is None or body.email is None or body.code is None:
        errors = errors or {FORM_ERROR: "Enter your email address and the code."}
        return _page(request, "activate.html", {"values": values, "errors": errors}, 422)
    try:
        registration.activate_with_code(db, get_runtime(), email=body.email, code=body.code)
    except AppError as exc:
        errors = _refusal(db, exc, {InvalidCode: "code"})
        return _page(request, "activate.html", {"values": values, "errors": errors}, exc.status)
    flash(request, "activated")
    return see_other("/login")


@router.get("/activate/resend", response_class=HTMLResponse)
def resend_page(request: Request, email: EmailParam = None) -> Response:
    return _page(request, "resend.html", {"values": {"email": email or ""}})


@router.post("/activate/resend", dependencies=[CsrfChecked])
def resend(request: Request, form: WebForm, db: WebDb) -> Response:
    fields = _fields(form, "email")
    body, errors = validate_form(EmailIn, fields)
    if body is None:
        return _page(request, "resend.html", {"values": fields, "errors": errors}, 422)
    registration.resend_activation(db, get_runtime(), email=body.email)
    flash(request, "activation_resent")
    return see_other("/activate?" + urlencode({"email": body.email}))


# ------------------------------------------------------------ log in / out


def _login_context(next_url: str | None) -> dict[str, Any]:
    return {"next": next_url, "providers": oauth.enabled_providers(get_runtime().settings)}


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    actor: OptionalWebActor,
    next_url: NextParam = None,
    error: ErrorParam = None,
) -> Response:
    target = safe_next(next_url)
    if actor is not None:
        return see_other(target or "/")
    context = _login_context(target)
    if error:
        context["errors"] = {FORM_ERROR: OAUTH_ERRORS.get(error, OAUTH_DEFAULT_ERROR)}
    return _page(request, "login.html", context)


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, form: WebForm, db: WebDb, client: RequestClient) -> Response:
    fields = _fields(form, "email", "password", "next")
    target = safe_next(fields.pop("next"))
    context = _login_context(target)
    context["values"] = {"email": fields["email"]}
    body, errors = validate_form(LoginIn, fields)
    if body is None:
        return _page(request, "login.html", {**context, "errors": errors}, 422)
    rt = get_runtime()
    try:
        pair = sessions.login(db, rt, email=body.email, password=body.password, client=client)
    except AppError as exc:
        context["errors"] = _refusal(db, exc)
        context["inactive"] = isinstance(exc, AccountNotActive)
        refused = _page(request, "login.html", context, exc.status)
        refused.headers.update(exc.headers)
        return refused
    response = see_other(target or "/")
    set_login_cookies(response, pair, rt.settings)
    rotate_csrf_token(request)
    return response


def _signed_out(request: Request, url: str, message: str | None = None) -> RedirectResponse:
    response = see_other(url)
    clear_login_cookies(response, get_runtime().settings)
    if message:
        flash(request, message)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, db: WebDb, principal: OptionalWebPrincipal) -> Response:
    if principal is not None:
        token = refresh_cookie(request)
        if token:
            sessions.logout(db, principal.actor, refresh_token=token)
        sessions.end_session(db, principal.actor, principal.session_id)
    return _signed_out(request, "/", "logged_out")


# -------------------------------------------------------------- passwords


@router.get("/forgot-password", response_class=HTMLResponse)
def forgot_page(
    request: Request,
    email: EmailParam = None,
    sent: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    context = {"values": {"email": email or ""}, "sent": bool(sent)}
    return _page(request, "forgot_password.html", context)


@router.post("/forgot-password", dependencies=[CsrfChecked])
def forgot(request: Request, form: WebForm, db: WebDb) -> Response:
    fields = _fields(form, "email")
    body, errors = validate_form(EmailIn, fields)
    if body is None:
        return _page(request, "forgot_password.html", {"values": fields, "errors": errors}, 422)
    passwords.forgot_password(db, get_runtime(), email=body.email)
    return see_other("/forgot-password?sent=1")


@router.get("/reset-password", response_class=HTMLResponse)
def reset_page(
    request: Request, token: Annotated[str | None, Query(max_length=512)] = None
) -> Response:
    if not token:
        errors = {FORM_ERROR: "This reset link is incomplete. Ask for a new one."}
        return _page(request, "reset_password.html", {"token": "", "errors": errors}, 400)
    return _page(request, "reset_password.html", {"token": token})


@router.post("/reset-password", dependencies=[CsrfChecked])
def reset(request: Request, form: WebForm, db: WebDb) -> Response:
    fields = _fields(form, "token", "password", "password_confirm")
    confirm = fields.pop("password_confirm")
    context: dict[str, Any] = {"token": fields["token"]}
    body, errors = validate_form(ResetIn, fields)
    if "token" in errors:
        errors = {FORM_ERROR: "This reset link is invalid, used or expired. Ask for a new one."}
    _mismatch(errors, "password_confirm", fields["password"], confirm)
    if body is None or errors:
        return _page(request, "reset_password.html", {**context, "errors": errors}, 422)
    try:
        passwords.reset_password(db, get_runtime(), token=body.token, password=body.password)
    except AppError as exc:
        context["errors"] = _refusal(db, exc, {WeakPassword: "password"})
        return _page(request, "reset_password.html", context, exc.status)
    flash(request, "password_reset")
    return see_other("/login")


# ----------------------------------------------------------------- profile


def _profile_context(db: Session, actor: Actor) -> dict[str, Any]:
    user = profiles.get_user(db, actor)
    return {
        "user": user,
        "avatar": avatar_url(get_runtime(), user.avatar_key),
        "values": {
            "name": user.name,
            "headline": user.headline or "",
            "bio": user.bio or "",
            "links": "\n".join(user.links or []),
        },
    }


@router.get("/account/profile", response_class=HTMLResponse)
def profile_page(request: Request, db: WebDb, actor: WebActor) -> Response:
    return _page(request, "profile.html", _profile_context(db, actor))


@router.post("/account/profile", dependencies=[CsrfChecked])
def update_profile(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    fields = _fields(form, "name", "headline", "bio", "links")
    links = [line.strip() for line in fields["links"].splitlines() if line.strip()]
    body, errors = validate_form(ProfileIn, {**fields, "links": links})
    if body is not None:
        try:
            profiles.update_profile(db, actor, body)
        except AppError as exc:
            errors = _refusal(db, exc)
        else:
            flash(request, "profile_saved")
            return see_other("/account/profile")
    context = _profile_context(db, actor)
    context.update(values=fields, errors=errors)
    return _page(request, "profile.html", context, 422)


@router.post("/account/avatar", dependencies=[CsrfChecked])
def upload_avatar(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    upload = form.get("avatar")
    status = 422
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = {"avatar": "Choose an image file to upload."}
    else:
        try:
            profiles.set_avatar(db, get_runtime(), actor, upload.file)
        except AppError as exc:
            errors = {"avatar": _refusal(db, exc).popitem()[1]}
            status = exc.status
        else:
            flash(request, "avatar_saved")
            return see_other("/account/profile")
    context = _profile_context(db, actor)
    context["errors"] = errors
    return _page(request, "profile.html", context, status)


# ---------------------------------------------------------------- password


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, db: WebDb, actor: WebActor) -> Response:
    user = profiles.get_user(db, actor)
    return _page(request, "password.html", {"has_password": user.has_password})


@router.post("/account/password", dependencies=[CsrfChecked])
def change_password(
    request: Request, form: WebForm, db: WebDb, principal: WebPrincipal
) -> Response:
    fields = _fields(form, "current_password", "new_password", "new_password_confirm")
    confirm = fields.pop("new_password_confirm")
    body, errors = validate_form(ChangePasswordIn, fields)
    _mismatch(errors, "new_password_confirm", fields["new_password"], confirm)
    status = 422
    if body is not None and not errors:
        try:
            passwords.change_password(
                db,
                principal.actor,
                current_password=body.current_password,
                new_password=body.new_password,
                current_session_id=principal.session_id,
            )
        except AppError as exc:
            errors = _refusal(
                db, exc, {WrongPassword: "current_password", WeakPassword: "new_password"}
            )
            status = exc.status
        else:
            flash(request, "password_changed")
            return see_other("/account/password")
    user = profiles.get_user(db, principal.actor)
    context = {"has_password": user.has_password, "errors": errors}
    return _page(request, "password.html", context, status)


# ---------------------------------------------------------------- sessions

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """A short, human name for a User-Agent: "Firefox on Windows"."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return str(browser or system)
    return "Unknown device" if not user_agent else user_agent[:60]


@router.get("/account/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, db: WebDb, principal: WebPrincipal) -> Response:
    rows = sessions.list_sessions(db, principal.actor)
    rows.sort(key=lambda s: s.id != principal.session_id)  # this device first
    items = [
        {"session": s, "device": device_label(s.device), "current": s.id == principal.session_id}
        for s in rows
    ]
    return _page(request, "sessions.html", {"items": items})


@router.post("/account/sessions/logout-all", dependencies=[CsrfChecked])
def logout_everywhere(request: Request, db: WebDb, actor: WebActor) -> Response:
    sessions.logout_all(db, actor)
    return _signed_out(request, "/login", "logged_out_everywhere")


@router.post("/account/sessions/{session_id}/end", dependencies=[CsrfChecked])
def end_session(request: Request, session_id: str, db: WebDb, principal: WebPrincipal) -> Response:
    sessions.end_session(db, principal.actor, session_id)
    if session_id == principal.session_id:
        return _signed_out(request, "/")
    if is_htmx(request):
        return HTMLResponse("")  # htmx removes the row
    flash(request, "session_ended")
    return see_other("/account/sessions")


# ------------------------------------------------------------- linked logins


def _linked_context(db: Session, actor: Actor) -> dict[str, Any]:
    settings = get_runtime().settings
    linked = oauth.linked_providers(db, settings, actor)
    names = {link.provider for link in linked}
    available = [p for p in oauth.enabled_providers(settings) if p.name not in names]
    user = profiles.get_user(db, actor)
    return {"linked": linked, "available": available, "has_password": user.has_password}


@router.get("/account/linked", response_class=HTMLResponse)
def linked_page(request: Request, db: WebDb, actor: WebActor, error: ErrorParam = None) -> Response:
    context = _linked_context(db, actor)
    if error:
        context["errors"] = {FORM_ERROR: OAUTH_ERRORS.get(error, OAUTH_DEFAULT_ERROR)}
    return _page(request, "linked.html", context)


@router.post("/account/linked/{provider}/unlink", dependencies=[CsrfChecked])
def unlink_provider(request: Request, provider: str, db: WebDb, actor: WebActor) -> Response:
    try:
        oauth.unlink(db, get_runtime().settings, actor, provider)
    except AppError as exc:
        errors = _refusal(db, exc)
        context = {**_linked_context(db, actor), "errors": errors}
        return _page(request, "linked.html", context, exc.status)
    flash(request, "provider_unlinked")
    return see_other("/account/linked")


# ------------------------------------------------------------------- teach


@router.get("/teach", response_class=HTMLResponse)
def teach_page(request: Request, actor: OptionalWebActor) -> Response:
    return _page(request, "teach.html", {"actor": actor})


@router.post("/teach", dependencies=[CsrfChecked])
def apply_to_teach(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    fields = _fields(form, "bio", "topics")
    topics = [t.strip() for t in fields["topics"].split(",") if t.strip()]
    body, errors = validate_form(InstructorApplicationIn, {"bio": fields["bio"], "topics": topics})
    status = 422
    if body is not None:
        try:
            application = roles.apply_to_teach(db, get_runtime(), actor, body)
        except AppError as exc:
            errors = _refusal(db, exc)
            status = exc.status
        else:
            approved = application.status == "approved"
            flash(request, "application_approved" if approved else "application_sent")
            return see_other("/teach")
    context = {"actor": actor, "values": fields, "errors": errors}
    return _page(request, "teach.html", context, status)
