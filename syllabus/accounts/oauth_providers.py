"""OAuth / OpenID Connect providers: which are enabled, where they live, and who signed in.

Google and any configured OIDC issuer are read from their discovery
document; GitHub is plain OAuth 2 with its REST API for the profile. Every
exchange goes through Authlib's httpx client, synchronously. Discovery
documents and key sets are cached in memory for an hour; an ID token signed
with a key we have not seen refreshes the key set once.

Nothing here logs or returns a token, a code or a client secret.
"""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from syllabus.accounts.errors import OAuthFailed
from syllabus.config import Settings
from syllabus.kit.errors import NotFound

with warnings.catch_warnings():
    # Authlib warns when it falls back from the `httpx2` fork to httpx, which is what we ship.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

TIMEOUT = httpx.Timeout(10.0)
CACHE_SECONDS = 3600
ID_TOKEN_LEEWAY = 120
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")

GOOGLE_ISSUER = "https://accounts.google.com"
GITHUB_AUTHORIZE_URL = "https://github.com/login/oauth/authorize"
GITHUB_TOKEN_URL = "https://github.com/login/oauth/access_token"  # noqa: S105 - a URL
GITHUB_API_URL = "https://api.github.com"
LABELS = {"google": "Google", "github": "GitHub"}


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    label: str


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str
    # OIDC providers have an issuer; GitHub does not.
    issuer: str | None
    # Plain http is accepted for loopback issuers and outside production.
    allow_http: bool

    @property
    def is_oidc(self) -> bool:
        return self.issuer is not None


@dataclass(frozen=True)
class Endpoints:
    authorize: str
    token: str
    userinfo: str | None = None
    jwks_uri: str | None = None
    issuer: str | None = None
    token_auth_method: str = "client_secret_basic"  # noqa: S105 - a method name
    id_token_algorithms: tuple[str, ...] = ("RS256",)


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def configured(settings: Settings) -> dict[str, Provider]:
    """The enabled providers by name: those with both a client id and a secret."""
    allow_http = not settings.is_production
    candidates = [
        ("google", settings.oauth_google_client_id, settings.oauth_google_client_secret,
         GOOGLE_ISSUER, "openid email profile"),
        ("github", settings.oauth_github_client_id, settings.oauth_github_client_secret,
         None, "read:user user:email"),
        ("oidc", settings.oauth_oidc_client_id, settings.oauth_oidc_client_secret,
         settings.oauth_oidc_issuer, "openid email profile"),
    ]  # fmt: skip
    providers: dict[str, Provider] = {}
    for name, client_id, secret, issuer, scope in candidates:
        if not client_id or not secret or (name == "oidc" and not issuer):
            continue
        providers[name] = Provider(
            name=name,
            label=provider_label(settings, name),
            client_id=client_id,
            client_secret=secret,
            scope=scope,
            issuer=issuer.rstrip("/") if issuer else None,
            allow_http=allow_http,
        )
    return providers


def enabled_providers(settings: Settings) -> list[ProviderInfo]:
    return [ProviderInfo(p.name, p.label) for p in configured(settings).values()]


def get_provider(settings: Settings, name: str) -> Provider:
    provider = configured(settings).get(name)
    if provider is None:
        raise NotFound("No such sign-in provider.")
    return provider


def provider_label(settings: Settings, name: str) -> str:
    if name == "oidc":
        return settings.oauth_oidc_name
    return LABELS.get(name, name)


def clear_cache() -> None:
    """Forget cached discovery documents and key sets."""
    with _cache_lock:
        _cache.clear()


def authorization_url(
    provider: Provider, *, redirect_uri: str, state: str, code_verifier: str, nonce: str
) -> str:
    """Where to send the browser: the provider's consent page with state, nonce and PKCE."""
    endpoints = provider_endpoints(provider)
    extra = {"nonce": nonce} if provider.is_oidc else {}
    with _client(provider, endpoints, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            endpoints.authorize, state=state, code_verifier=code_verifier, **extra
        )
    return str(url)


def fetch_identity(
    provider: Provider, *, code: str, code_verifier: str, nonce: str, redirect_uri: str
) -> Identity:
    """Exchange the code (with the PKCE verifier) and read who signed in."""
    endpoints = provider_endpoints(provider)
    with _client(provider, endpoints, redirect_uri) as client:
        try:
            token = client.fetch_token(
                endpoints.token,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except OAuthError as exc:
            raise OAuthFailed(
                f"{provider.label} refused the sign-in ({exc.error}). Try again."
            ) from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise OAuthFailed(f"Could not reach {provider.label} to finish signing in.") from exc
        if provider.is_oidc:
            return _oidc_identity(provider, endpoints, client, dict(token), nonce)
        return _github_identity(provider, client)


def provider_endpoints(provider: Provider) -> Endpoints:
    if not provider.is_oidc:
        return Endpoints(
            authorize=GITHUB_AUTHORIZE_URL,
            token=GITHUB_TOKEN_URL,
            token_auth_method="client_secret_post",  # noqa: S106 - a method name
        )
    assert provider.issuer is not None
    document = _get_json(provider, f"{provider.issuer}/.well-known/openid-configuration")
    if not isinstance(document, dict):
        raise _unusable(provider, "its discovery document is not a JSON object")
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != provider.issuer:
        raise _unusable(provider, "its discovery document names another issuer")
    urls = {}
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        value = document.get(key)
        if value is None and key == "userinfo_endpoint":
            continue
        if not isinstance(value, str) or not _acceptable_url(provider, value):
            raise _unusable(provider, f"its {key} is missing or not https")
        urls[key] = value
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in methods:
        auth_method = "client_secret_basic"
    elif "client_secret_post" in methods:
        auth_method = "client_secret_post"
    else:
        raise _unusable(provider, "it accepts no client secret at its token endpoint")
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(alg for alg in ID_TOKEN_ALGORITHMS if alg in offered)
    if not algorithms:
        raise _unusable(provider, "it signs ID tokens with no algorithm we accept")
    return Endpoints(
        authorize=urls["authorization_endpoint"],
        token=urls["token_endpoint"],
        userinfo=urls.get("userinfo_endpoint"),
        jwks_uri=urls["jwks_uri"],
        issuer=issuer,
        token_auth_method=auth_method,
        id_token_algorithms=algorithms,
    )


# --- identity ---------------------------------------------------------------------


def _oidc_identity(
    provider: Provider,
    endpoints: Endpoints,
    client: OAuth2Client,
    token: dict[str, Any],
    nonce: str,
) -> Identity:
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OAuthFailed(f"{provider.label} did not return an ID token.")
    claims = _verify_id_token(provider, endpoints, id_token, nonce, token.get("access_token"))
    if not claims.get("email") and endpoints.userinfo:
        info = _api_json(provider, client, endpoints.userinfo)
        if not isinstance(info, dict) or info.get("sub") != claims["sub"]:
            raise OAuthFailed(f"{provider.label} answered for another user.")
        claims = {**info, **{k: v for k, v in claims.items() if v is not None}}
    return _identity(
        provider,
        subject=claims.get("sub"),
        email=claims.get("email"),
        verified=claims.get("email_verified"),
        name=claims.get("name") or claims.get("preferred_username"),
    )


def _verify_id_token(
    provider: Provider, endpoints: Endpoints, id_token: str, nonce: str, access_token: Any
) -> dict[str, Any]:
    """Signature against the provider's key set; iss, aud, exp, iat and nonce checked."""
    assert endpoints.jwks_uri is not None
    assert endpoints.issuer is not None
    issuers = [endpoints.issuer]
    if provider.name == "google":
        issuers.append("accounts.google.com")  # Google uses both spellings.
    registry = JWSRegistry(
        algorithms=list(endpoints.id_token_algorithms), strict_check_header=False
    )
    decoded = None
    for refresh in (False, True):
        try:
            keys = KeySet.import_key_set(_get_json(provider, endpoints.jwks_uri, fresh=refresh))
            decoded = jwt.decode(id_token, keys, registry=registry)
            break
        except InvalidKeyIdError as exc:
            if refresh:
                raise _bad_id_token(provider, exc) from exc
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise _bad_id_token(provider, exc) from exc
    assert decoded is not None
    options: dict[str, Any] = {
        "iss": {"essential": True, "values": issuers},
        "aud": {"essential": True, "value": provider.client_id},
    }
    params = {"nonce": nonce, "client_id": provider.client_id}
    if isinstance(access_token, str):
        params["access_token"] = access_token
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(leeway=ID_TOKEN_LEEWAY)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise _bad_id_token(provider, exc) from exc
    return dict(claims)


def _github_identity(provider: Provider, client: OAuth2Client) -> Identity:
    user = _api_json(provider, client, f"{GITHUB_API_URL}/user")
    emails = _api_json(provider, client, f"{GITHUB_API_URL}/user/emails")
    if not isinstance(user, dict) or not isinstance(emails, list):
        raise OAuthFailed(f"{provider.label} sent an unexpected profile.")
    primary = next(
        (e for e in emails if isinstance(e, dict) and e.get("primary") and e.get("verified")),
        None,
    )
    return _identity(
        provider,
        subject=str(user.get("id") or ""),
        email=primary.get("email") if primary else None,
        verified=primary is not None,
        name=user.get("name") or user.get("login"),
    )


def _identity(
    provider: Provider, *, subject: Any, email: Any, verified: Any, name: Any
) -> Identity:
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise OAuthFailed(f"{provider.label} did not say who signed in.")
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        email = None
    # Some issuers send the flag as a string.
    verified = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    return Identity(
        subject=subject,
        email=email,
        email_verified=bool(email and verified),
        name=name.strip()[:120] if isinstance(name, str) and name.strip() else None,
    )


# --- HTTP -------------------------------------------------------------------------

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def _client(provider: Provider, endpoints: Endpoints, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        token_endpoint_auth_method=endpoints.token_auth_method,
        scope=provider.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )


def _get_json(provider: Provider, url: str, *, fresh: bool = False) -> Any:
    """A public JSON document (discovery, key set), cached for CACHE_SECONDS."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(url)
    if hit is not None and not fresh and hit[0] > now:
        return hit[1]
    if not _acceptable_url(provider, url):
        raise _unusable(provider, "its address is not https")
    try:
        response = httpx.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OAuthFailed(f"Could not reach {provider.label}. Try again later.") from exc
    with _cache_lock:
        _cache[url] = (now + CACHE_SECONDS, data)
    return data


def _api_json(provider: Provider, client: OAuth2Client, url: str) -> Any:
    """A JSON resource read with the user's access token."""
    headers = {"Accept": "application/json"}
    if not provider.is_oidc:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    try:
        response = client.get(url, headers=headers)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError, OAuthError) as exc:
        raise OAuthFailed(f"Could not read your profile from {provider.label}.") from exc


def _acceptable_url(provider: Provider, url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and (provider.allow_http or _is_loopback(parts.hostname))


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ip_address(host).is_loopback
    except ValueError:
        return False


def _unusable(provider: Provider, why: str) -> OAuthFailed:
    return OAuthFailed(f"{provider.label} sign-in is misconfigured: {why}.")


def _bad_id_token(provider: Provider, exc: Exception) -> OAuthFailed:
    reason = getattr(exc, "error", "") or type(exc).__name__
    return OAuthFailed(f"{provider.label} sent an ID token we cannot accept ({reason}).")
