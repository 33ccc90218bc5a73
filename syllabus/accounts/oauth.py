"""Signing in with Google, GitHub or an OIDC issuer, and the providers linked to an account.

`begin` sends the browser to the provider with a fresh state, nonce and PKCE
verifier, kept in a signed, short-lived cookie. `complete` checks them,
exchanges the code and decides whose account this is:

1. a provider account already linked signs in its user;
2. a signed-in user who started the flow links it to themselves;
3. a verified email that matches an account links it to that account (and
   activates it when pending: the provider proved the address);
4. otherwise a verified email makes a new active student without a password.

Emails the provider has not verified are refused: they could claim anyone's
address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from syllabus.accounts import repository as repo
from syllabus.accounts.actor import Actor
from syllabus.accounts.errors import (
    AccountBanned,
    AccountNotActive,
    EmailNotVerified,
    LastSignInMethod,
    OAuthAccountTaken,
    ProviderAlreadyLinked,
)
from syllabus.accounts.models import OAuthAccount, User
from syllabus.accounts.oauth_providers import (
    Identity,
    OAuthFailed,
    Provider,
    ProviderInfo,
    authorization_url,
    configured,
    enabled_providers,
    fetch_identity,
    get_provider,
    provider_label,
)
from syllabus.config import Settings
from syllabus.kit.db import utcnow
from syllabus.kit.errors import NotFound
from syllabus.kit.logging import get_logger
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import local_path, same

__all__ = [
    "STATE_COOKIE",
    "STATE_COOKIE_PATH",
    "STATE_MAX_AGE",
    "EmailNotVerified",
    "LinkedProvider",
    "OAuthAccountTaken",
    "OAuthFailed",
    "ProviderAlreadyLinked",
    "ProviderInfo",
    "begin",
    "complete",
    "enabled_providers",
    "get_provider",
    "linked_providers",
    "safe_next",
    "unlink",
]

log = get_logger("syllabus.oauth")

STATE_COOKIE = "syl_oauth"
STATE_COOKIE_PATH = "/api/v1/auth/oauth"
STATE_SALT = "oauth-state"
STATE_MAX_AGE = 600


@dataclass(frozen=True)
class LinkedProvider:
    provider: str
    label: str
    email: str | None
    linked_at: datetime


@dataclass(frozen=True)
class _Flow:
    provider: str
    state: str
    code_verifier: str
    nonce: str
    next_url: str


def safe_next(value: str | None) -> str:
    """A local path to return to after signing in; anything else becomes "/"."""
    return local_path(value) or "/"


def begin(
    settings: Settings, provider: str, *, redirect_uri: str, next_url: str | None
) -> tuple[str, str]:
    """The provider's authorization URL and the signed state cookie value to set."""
    chosen = get_provider(settings, provider)
    flow = _Flow(
        provider=chosen.name,
        state=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(48),
        nonce=secrets.token_urlsafe(24),
        next_url=safe_next(next_url),
    )
    url = authorization_url(
        chosen,
        redirect_uri=redirect_uri,
        state=flow.state,
        code_verifier=flow.code_verifier,
        nonce=flow.nonce,
    )
    cookie = _serializer(settings).dumps(
        {
            "p": flow.provider,
            "s": flow.state,
            "v": flow.code_verifier,
            "n": flow.nonce,
            "next": flow.next_url,
        }
    )
    return url, cookie


def complete(
    session: Session,
    rt: Runtime,
    provider: str,
    *,
    code: str | None,
    state: str | None,
    cookie_value: str | None,
    redirect_uri: str,
    current_user_id: str | None,
    error: str | None = None,
) -> tuple[User, str]:
    """Finish the provider's redirect: the user signed in (or linked) and where to go next."""
    chosen = get_provider(rt.settings, provider)
    if error:
        log.info("oauth.refused", provider=chosen.name, error=error[:40])
        if error == "access_denied":
            raise OAuthFailed(f"You did not allow {chosen.label} sign-in.")
        raise OAuthFailed(f"{chosen.label} could not sign you in. Try again.")
    flow = _check_state(rt.settings, chosen, state=state, cookie_value=cookie_value)
    if not code:
        raise OAuthFailed(f"{chosen.label} did not send an authorization code.")
    try:
        identity = fetch_identity(
            chosen,
            code=code,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
            redirect_uri=redirect_uri,
        )
    except OAuthFailed as exc:
        log.info("oauth.failed", provider=chosen.name, reason=exc.message)
        raise
    user = _resolve_user(session, chosen, identity, current_user_id)
    return user, flow.next_url


def linked_providers(session: Session, settings: Settings, actor: Actor) -> list[LinkedProvider]:
    return [
        LinkedProvider(
            provider=link.provider,
            label=provider_label(settings, link.provider),
            email=link.email,
            linked_at=link.created_at,
        )
        for link in repo.oauth_accounts(session, actor.id)
    ]


def unlink(session: Session, settings: Settings, actor: Actor, provider: str) -> None:
    """Remove a linked provider, unless that would leave no way to sign in."""
    links = list(repo.oauth_accounts(session, actor.id))
    targets = [link for link in links if link.provider == provider]
    if not targets:
        raise NotFound("That provider is not linked to your account.")
    user = repo.user_by_id(session, actor.id)
    if user is None:
        raise NotFound("No such user.")
    usable = configured(settings)
    other_ways = [link for link in links if link.provider != provider and link.provider in usable]
    if not user.has_password and not other_ways:
        raise LastSignInMethod(
            "This is your only way to sign in. Set a password or link another provider first."
        )
    for link in targets:
        session.delete(link)
    session.flush()
    log.info("oauth.unlinked", provider=provider, user_id=actor.id)


# --- internals --------------------------------------------------------------------


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=STATE_SALT)


def _check_state(
    settings: Settings, provider: Provider, *, state: str | None, cookie_value: str | None
) -> _Flow:
    expired = OAuthFailed(
        "The sign-in took too long or was started in another browser. Please try again."
    )
    if not cookie_value or not state:
        raise expired
    try:
        data: Any = _serializer(settings).loads(cookie_value, max_age=STATE_MAX_AGE)
        flow = _Flow(
            provider=str(data["p"]),
            state=str(data["s"]),
            code_verifier=str(data["v"]),
            nonce=str(data["n"]),
            next_url=safe_next(str(data["next"])),
        )
    except (BadData, KeyError, TypeError) as exc:
        raise expired from exc
    if flow.provider != provider.name or not same(flow.state, state):
        log.info("oauth.state_mismatch", provider=provider.name)
        raise expired
    return flow


def _resolve_user(
    session: Session, provider: Provider, identity: Identity, current_user_id: str | None
) -> User:
    """Whose account this is. Every refusal happens before the first write."""
    link = repo.oauth_account(session, provider.name, identity.subject)
    if link is not None:
        if current_user_id is not None and link.user_id != current_user_id:
            raise OAuthAccountTaken(
                f"This {provider.label} account is already linked to another Syllabus account."
            )
        user = repo.user_by_id(session, link.user_id)
        if user is None:  # pragma: no cover - the link cascades with its user
            raise OAuthFailed("This account no longer exists.")
        _require_can_sign_in(user)
        if identity.email and link.email != identity.email:
            link.email = identity.email
        log.info("oauth.signed_in", provider=provider.name, user_id=user.id)
        return user

    if current_user_id is not None:
        user = repo.user_by_id(session, current_user_id)
        if user is None:
            raise OAuthFailed("Sign in again, then link the provider.")
        _link(session, provider, identity, user)
        return user

    if not identity.email or not identity.email_verified:
        raise EmailNotVerified(
            f"{provider.label} did not confirm your email address. Verify it there, "
            "or sign up with email and password."
        )
    user = repo.user_by_email(session, identity.email)
    if user is not None:
        _require_can_sign_in(user, allow_pending=True)
        _link(session, provider, identity, user)
        if user.status == "pending":
            user.status = "active"
            repo.retire_activation_codes(session, user.id, utcnow())
        return user

    user = User(
        email=repo.normalize_email(identity.email),
        name=identity.name or identity.email.split("@", 1)[0][:120],
        password_hash=None,
        role="student",
        status="active",
    )
    session.add(user)
    session.flush()
    _add_link(session, provider, identity, user)
    log.info("oauth.account_created", provider=provider.name, user_id=user.id)
    return user


def _link(session: Session, provider: Provider, identity: Identity, user: User) -> None:
    if any(link.provider == provider.name for link in repo.oauth_accounts(session, user.id)):
        raise ProviderAlreadyLinked(
            f"Another {provider.label} account is already linked. Unlink it first."
        )
    _add_link(session, provider, identity, user)
    log.info("oauth.linked", provider=provider.name, user_id=user.id)


def _add_link(session: Session, provider: Provider, identity: Identity, user: User) -> None:
    session.add(
        OAuthAccount(
            user_id=user.id,
            provider=provider.name,
            subject=identity.subject,
            email=identity.email,
        )
    )
    session.flush()


def _require_can_sign_in(user: User, *, allow_pending: bool = False) -> None:
    if user.status == "banned":
        raise AccountBanned("This account is banned.")
    if user.status != "active" and not allow_pending:
        raise AccountNotActive("Activate your account with the code we emailed you first.")
