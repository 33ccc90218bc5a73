"""Signed playback on the S3 backend (a moto server on loopback).

Playlists come through the app; the variant playlist's segment lines are
presigned bucket URLs, so segment bytes never pass through the app.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.config import Settings
from syllabus.kit.middleware import storage_origins
from syllabus.kit.runtime import Runtime
from syllabus.kit.storage import S3Storage
from syllabus.media import keys
from syllabus.media.playback import verify_stream_token
from tests.catalog.factories import make_course
from tests.factories import make_user
from tests.media.factories import make_ready_video
from tests.media.test_playback_api import token_of, uris, video_lesson
from tests.support.s3_server import (
    FAKE_SECRET_ACCESS_KEY,
    s3_bucket,  # noqa: F401
    s3_endpoint_url,  # noqa: F401
    s3_media_settings,  # noqa: F401
)

API = "/api/v1"


@pytest.fixture
def settings(s3_media_settings: Settings) -> Settings:  # noqa: F811
    """This module's runtime and app store media in the moto bucket."""
    return s3_media_settings


def sigv4_query_valid(url: str, secret: str, now: datetime) -> bool:
    """What S3 checks on a presigned GET: the SigV4 signature over host, key and query, and expiry.

    moto's server does not check query signatures, so the test checks them as S3 would.
    """
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = params.pop("X-Amz-Signature", "")
    amz_date, expires = params["X-Amz-Date"], int(params["X-Amz-Expires"])
    scope = params["X-Amz-Credential"].split("/", 1)[1]
    date, region, service, _ = scope.split("/")
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items())
    )
    canonical = "\n".join(
        ["GET", parts.path, query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    issued = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return hmac.compare_digest(expected, signature) and now <= issued + timedelta(seconds=expires)


def test_segments_are_presigned_bucket_urls(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    s3_endpoint_url: str,  # noqa: F811
    s3_bucket: str,  # noqa: F811
) -> None:
    assert isinstance(runtime.storage, S3Storage)
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    asset = make_ready_video(runtime, db, owner.id, seconds=2.0)
    lesson = video_lesson(db, course, asset, preview=True)

    body = client.get(f"{API}/lessons/{lesson.id}/playback").json()
    grant = verify_stream_token(runtime, token_of(body["hls_url"]))
    assert body["poster_url"].startswith(f"{s3_endpoint_url}/{s3_bucket}/")
    poster = httpx.get(body["poster_url"], trust_env=False, timeout=10)
    assert poster.status_code == 200
    assert poster.content[:2] == b"\xff\xd8"

    master = client.get(body["hls_url"])
    assert master.status_code == 200
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert uris(master.text) == ["360p/index.m3u8"], "variants stay relative: they need the app"

    base = body["hls_url"].rsplit("/", 1)[0]
    # Read before asking: the answer is never cacheable past what was left then.
    left_before = grant.seconds_left()
    variant = client.get(f"{base}/360p/index.m3u8")
    assert variant.status_code == 200
    assert int(variant.headers["cache-control"].rsplit("=", 1)[1]) <= left_before
    assert "#EXT-X-ENDLIST" in variant.text
    segment_urls = uris(variant.text)
    assert segment_urls
    now = datetime.now(UTC)
    for url in segment_urls:
        assert re.match(
            rf"{re.escape(s3_endpoint_url)}/{s3_bucket}/media/{asset.id}/hls/360p/seg_\d{{5}}\.ts\?",
            url,
        )
        assert int(dict(parse_qsl(urlsplit(url).query))["X-Amz-Expires"]) <= left_before
        assert sigv4_query_valid(url, FAKE_SECRET_ACCESS_KEY, now)

    first = segment_urls[0]
    fetched = httpx.get(first, trust_env=False, timeout=10)
    assert fetched.status_code == 200
    name = urlsplit(first).path.rsplit("/", 1)[1]
    with runtime.storage.open(f"{keys.hls_prefix(asset.id)}360p/{name}") as stored:
        assert fetched.content == stored.read()
    assert fetched.content[0] == 0x47, "an MPEG-TS packet starts with the sync byte"

    # A presigned URL binds its key and expiry: edited, it no longer verifies.
    other_key = first.replace(name, "seg_99999.ts")
    longer = re.sub(r"X-Amz-Expires=\d+", "X-Amz-Expires=604800", first)
    forged = re.sub(
        r"X-Amz-Signature=([0-9a-f])",
        lambda m: "X-Amz-Signature=" + ("1" if m[1] == "0" else "0"),
        first,
    )
    for tampered in (other_key, longer, forged):
        assert not sigv4_query_valid(tampered, FAKE_SECRET_ACCESS_KEY, now)
    assert not sigv4_query_valid(first, FAKE_SECRET_ACCESS_KEY, now + timedelta(days=1))


def test_a_segment_asked_of_the_app_is_sent_to_the_bucket(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    s3_endpoint_url: str,  # noqa: F811
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    asset = make_ready_video(runtime, db, owner.id, seconds=1.0)
    lesson = video_lesson(db, course, asset, preview=True)
    base = client.get(f"{API}/lessons/{lesson.id}/playback").json()["hls_url"].rsplit("/", 1)[0]

    response = client.get(f"{base}/360p/seg_00000.ts", follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"].startswith(f"{s3_endpoint_url}/")
    fetched = httpx.get(response.headers["location"], trust_env=False, timeout=10)
    assert fetched.status_code == 200
    with runtime.storage.open(f"{keys.hls_prefix(asset.id)}360p/seg_00000.ts") as stored:
        assert fetched.content == stored.read()
    assert client.get(f"{base}/%2E%2E/source", follow_redirects=False).status_code == 403


def test_pages_allow_the_bucket_in_their_content_security_policy(
    client: TestClient,
    s3_endpoint_url: str,  # noqa: F811
) -> None:
    csp = client.get("/").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))

    for name in ("connect-src", "media-src", "img-src"):
        assert s3_endpoint_url in directives[name].split(), name
    assert directives["script-src"] == "'self'", "scripts still come from the site only"


def test_aws_bucket_origins_match_the_presigned_urls(settings: Settings) -> None:
    for bucket, region in (
        ("course-media", "us-east-1"),
        ("course-media", "eu-west-2"),
        ("course.media", "us-east-1"),
        ("course.media", "eu-west-2"),
    ):
        aws = settings.model_copy(
            update={"s3_endpoint_url": None, "s3_bucket": bucket, "s3_region": region}
        )
        storage = S3Storage(bucket, region=region, access_key_id="a", secret_access_key="b")
        parts = urlsplit(storage.url("media/x/hls/360p/seg_00000.ts"))
        assert f"{parts.scheme}://{parts.netloc}" in storage_origins(aws)
    assert storage_origins(settings.model_copy(update={"storage_backend": "local"})) == []
    behind_proxy = settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_bucket": "media",
            "s3_endpoint_url": "http://minio:9000",
            "s3_public_endpoint_url": "https://learn.example.com",
        }
    )
    assert storage_origins(behind_proxy) == ["https://learn.example.com"]
