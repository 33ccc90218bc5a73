"""A real OpenID Connect provider on 127.0.0.1, so OAuth sign-in is proven over HTTP.

It speaks the parts of OIDC a relying party uses: discovery, the
authorization endpoint (which consents at once, as the preset `person`),
the token endpoint (client authentication, one-time codes, redirect URI and
the PKCE S256 verifier all checked), userinfo with a bearer token, and a
JWKS with the RSA key that signs its ID tokens. A GitHub-shaped twin lives
under `/github/` (OAuth 2 without ID tokens; `/github/api/user` and
`/github/api/user/emails`).

Tests arrange what it answers: `person` (who signs in), `deny` (the user
refuses consent), `id_token_overrides` (claims to corrupt), `rotate_key()`.
They read what it saw in `authorize_requests` and `token_requests`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Person:
    sub: str = "subject-1"
    email: str | None = "person@example.com"
    email_verified: bool = True
    name: str | None = "Pat Person"


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    person: Person
    github: bool


@dataclass
class OIDCProvider:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    port: int = 0
    person: Person = field(default_factory=Person)
    deny: bool = False
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    auth_methods: list[str] = field(
        default_factory=lambda: ["client_secret_basic", "client_secret_post"]
    )
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    userinfo_requests: int = 0

    def __post_init__(self) -> None:
        self.key = _new_key()
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, Person] = {}
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.person = Person()
        self.deny = False
        self.id_token_overrides = {}
        self.auth_methods = ["client_secret_basic", "client_secret_post"]
        self.authorize_requests.clear()
        self.token_requests.clear()
        self.userinfo_requests = 0

    def rotate_key(self) -> None:
        self.key = _new_key()

    # --- endpoints ------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": list(self.auth_methods),
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.key]).as_dict(private=False))

    def authorize(self, query: dict[str, str], *, github: bool) -> tuple[int, dict[str, str], str]:
        """Consent at once: 302 back to the client with a code, or 400 for a bad request."""
        self.authorize_requests.append(dict(query))
        if query.get("client_id") != self.client_id:
            return 400, {}, "unknown client_id"
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return 400, {}, "redirect_uri not registered"
        state = query.get("state", "")
        problems = []
        if query.get("response_type") != "code":
            problems.append("response_type must be code")
        if not state:
            problems.append("state is required")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problems.append("PKCE with S256 is required")
        if not github and (not query.get("nonce") or "openid" not in query.get("scope", "")):
            problems.append("openid scope and nonce are required")
        if problems:
            return _back(
                redirect_uri, error="invalid_request", state=state, desc="; ".join(problems)
            )
        if self.deny:
            return _back(redirect_uri, error="access_denied", state=state)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                code_challenge=query["code_challenge"],
                nonce=query.get("nonce"),
                person=Person(**vars(self.person)),
                github=github,
            )
        return _back(redirect_uri, code=code, state=state)

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        record: dict[str, str] = {"auth_method": "none", "result": "ok"}
        self.token_requests.append(record)

        def refuse(status: int, error: str) -> tuple[int, dict[str, Any]]:
            record["result"] = error
            return status, {"error": error}

        client_id, secret = _client_credentials(form, authorization, record)
        if client_id != self.client_id or not secrets.compare_digest(
            secret or "", self.client_secret
        ):
            return refuse(401, "invalid_client")
        if record["auth_method"] not in self.auth_methods:
            return refuse(401, "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return refuse(400, "unsupported_grant_type")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # one use only
        if grant is None or grant.client_id != client_id:
            return refuse(400, "invalid_grant")
        if form.get("redirect_uri") != grant.redirect_uri:
            return refuse(400, "invalid_grant")
        verifier = form.get("code_verifier", "")
        if not verifier or _s256(verifier) != grant.code_challenge:
            return refuse(400, "invalid_grant")
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = grant.person
        body: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer"}
        if grant.github:
            body["scope"] = "read:user,user:email"
        else:
            body["expires_in"] = 3600
            body["id_token"] = self._id_token(grant)
        return 200, body

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        person = grant.person
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": person.sub,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": grant.nonce,
            "email": person.email,
            "email_verified": person.email_verified,
            "name": person.name,
        }
        claims.update(self.id_token_overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        header = {"alg": "RS256", "kid": self.key.kid}
        return jwt.encode(header, claims, self.key, algorithms=["RS256"])

    def person_for(self, authorization: str | None) -> Person | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        with self._lock:
            return self._tokens.get(authorization[7:].strip())


def _new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _back(
    redirect_uri: str, *, state: str, desc: str = "", **params: str
) -> tuple[int, dict[str, str], str]:
    query = {**params, "state": state}
    if desc:
        query["error_description"] = desc
    separator = "&" if "?" in redirect_uri else "?"
    return 302, {"Location": f"{redirect_uri}{separator}{urlencode(query)}"}, ""


def _client_credentials(
    form: dict[str, str], authorization: str | None, record: dict[str, str]
) -> tuple[str | None, str | None]:
    if authorization and authorization.lower().startswith("basic "):
        record["auth_method"] = "client_secret_basic"
        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
        except ValueError:
            return None, None
        client_id, _, secret = decoded.partition(":")
        # RFC 6749 section 2.3.1: both parts are form-urlencoded before base64.
        return unquote_plus(client_id), unquote_plus(secret)
    if "client_secret" in form:
        record["auth_method"] = "client_secret_post"
    return form.get("client_id"), form.get("client_secret")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        provider = self.server.provider
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        authorization = self.headers.get("Authorization")
        if url.path == "/.well-known/openid-configuration":
            self._json(200, provider.discovery())
        elif url.path == "/jwks":
            self._json(200, provider.jwks())
        elif url.path in ("/authorize", "/github/authorize"):
            status, headers, text = provider.authorize(query, github=url.path.startswith("/github"))
            self._send(status, text.encode(), "text/plain", headers)
        elif url.path == "/userinfo":
            provider.userinfo_requests += 1
            person = provider.person_for(authorization)
            if person is None:
                self._json(401, {"error": "invalid_token"})
            else:
                self._json(200, {k: v for k, v in vars(person).items() if v is not None})
        elif url.path == "/github/api/user":
            person = provider.person_for(authorization)
            if person is None:
                self._json(401, {"message": "Bad credentials"})
            else:
                user = {"id": int(person.sub), "login": "octo", "name": person.name}
                self._json(200, user)
        elif url.path == "/github/api/user/emails":
            person = provider.person_for(authorization)
            if person is None:
                self._json(401, {"message": "Bad credentials"})
            else:
                emails = [
                    {"email": "noreply@users.github.test", "primary": False, "verified": True},
                    {"email": person.email, "primary": True, "verified": person.email_verified},
                ]
                self._json(200, emails)
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        form = {k: v[-1] for k, v in parse_qs(raw).items()}
        if url.path in ("/token", "/github/token"):
            status, body = self.server.provider.token(form, self.headers.get("Authorization"))
            self._json(status, body, {"Cache-Control": "no-store"})
        else:
            self._json(404, {"error": "not_found"})

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers or {})

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, provider: OIDCProvider) -> None:
        super().__init__(("127.0.0.1", provider.port), _Handler)
        self.provider = provider


@contextmanager
def running_oidc_provider(
    *, client_id: str, client_secret: str, redirect_uris: list[str]
) -> Iterator[OIDCProvider]:
    """Serve a provider on a free loopback port in a background thread."""
    provider = OIDCProvider(client_id, client_secret, redirect_uris)
    server = _Server(provider)
    provider.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
