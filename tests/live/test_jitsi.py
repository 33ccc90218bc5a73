"""Jitsi rooms: unguessable names, and join links signed with a JWT when configured."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from pydantic import ValidationError

from syllabus.config import Settings
from syllabus.kit.db import utcnow
from syllabus.live import jitsi


def test_room_names_are_random_and_long() -> None:
    names = {jitsi.new_room_name() for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert name.startswith("syllabus-")
        assert len(name) == len("syllabus-") + 32  # 128 random bits


def test_join_token_decodes_with_the_key_and_names_the_user() -> None:
    now = utcnow()
    token = jitsi.join_token(
        app_id="syllabus",
        key="k" * 32,
        server_url="https://meet.example.com",
        room="syllabus-abc",
        user_id="u1",
        name="Ada Teacher",
        email="ada@example.com",
        moderator=True,
        now=now,
        expires_at=now + timedelta(hours=1),
    )
    claims = jwt.decode(token, "k" * 32, algorithms=["HS256"], audience="jitsi")
    assert claims["iss"] == "syllabus"
    assert claims["sub"] == "meet.example.com"
    assert claims["room"] == "syllabus-abc"
    assert claims["context"]["user"]["name"] == "Ada Teacher"
    assert claims["context"]["user"]["moderator"] is True


def test_join_url_with_and_without_token() -> None:
    bare = jitsi.join_url("https://meet.jit.si/", "syllabus-abc", display_name="Sam", token=None)
    assert bare.startswith("https://meet.jit.si/syllabus-abc#")
    assert "jwt=" not in bare
    signed = jitsi.join_url("https://meet.jit.si", "syllabus-abc", display_name="Sam", token="t")
    assert parse_qs(urlsplit(signed).query)["jwt"] == ["t"]


def _rsa_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return pem, public


def test_a_jaas_key_signs_rs256_tokens_with_its_key_id() -> None:
    private, public = _rsa_pair()
    app_id = "vpaas-magic-cookie-0123456789abcdef"
    now = utcnow()
    token = jitsi.join_token(
        app_id=app_id,
        key=private,
        key_id=f"{app_id}/4f4910",
        server_url="https://8x8.vc",
        room="syllabus-abc",
        user_id="u2",
        name="Sam Student",
        email="sam@example.com",
        moderator=False,
        now=now,
        expires_at=now + timedelta(hours=1),
    )
    assert jwt.get_unverified_header(token) == {
        "alg": "RS256",
        "kid": f"{app_id}/4f4910",
        "typ": "JWT",
    }
    claims = jwt.decode(token, public, algorithms=["RS256"], audience="jitsi")
    assert claims["iss"] == "chat"
    assert claims["sub"] == app_id
    assert claims["room"] == "syllabus-abc"
    assert claims["context"]["user"]["name"] == "Sam Student"
    assert claims["context"]["user"]["moderator"] == "false"
    assert claims["context"]["features"]["recording"] == "false"
    # JaaS rooms live under the app id.
    url = jitsi.join_url(
        "https://8x8.vc", "syllabus-abc", display_name="Sam", token=token, tenant=app_id
    )
    assert url.startswith(f"https://8x8.vc/{app_id}/syllabus-abc?jwt=")


def test_a_jaas_key_without_its_key_id_is_refused() -> None:
    private, _ = _rsa_pair()
    now = utcnow()
    with pytest.raises(ValueError, match="SYLLABUS_JITSI_KEY_ID"):
        jitsi.join_token(
            app_id="vpaas-magic-cookie-x",
            key=private,
            server_url="https://8x8.vc",
            room="r",
            user_id="u",
            name="n",
            email="e@example.com",
            moderator=True,
            now=now,
            expires_at=now + timedelta(hours=1),
        )


def test_settings_refuse_a_jaas_key_without_its_id() -> None:
    private, _ = _rsa_pair()
    with pytest.raises(ValidationError, match="SYLLABUS_JITSI_KEY_ID"):
        Settings(jitsi_app_id="vpaas-magic-cookie-x", jitsi_key=private)
    configured = Settings(
        jitsi_app_id="vpaas-magic-cookie-x",
        jitsi_key=private,
        jitsi_key_id="vpaas-magic-cookie-x/1",
    )
    assert "BEGIN" not in repr(configured), "the key never shows in logs or reprs"
