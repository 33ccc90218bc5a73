"""Media storage: local files with signed URLs and the media route, and S3 on a moto server."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from syllabus.config import ConfigError, Settings
from syllabus.kit.storage import (
    CHUNK_SIZE,
    InvalidStorageKey,
    LocalStorage,
    S3Storage,
    StorageError,
    StorageNotFound,
    StorageTooLarge,
    build_storage,
    content_disposition,
)
from syllabus.web.routes import media_files
from tests.support.s3_server import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    REGION,
    s3_bucket,  # noqa: F401
    s3_endpoint_url,  # noqa: F401
)

SECRET = "test-secret-key-0123456789-0123456789-abcdef"
MIB = 1024 * 1024
BODY = bytes(range(100))
PATTERN = bytes(range(251))  # a prime length, so misplaced chunks change the digest


class PatternStream:
    """A non-seekable upload body that generates `size` bytes and records each read."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.position = 0
        self.read_sizes: list[int] = []
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        self.read_sizes.append(size)
        size = self.remaining if size < 0 else min(size, self.remaining)
        offset = self.position % len(PATTERN)
        data = (PATTERN * (size // len(PATTERN) + 2))[offset : offset + size]
        self.position += size
        self.remaining -= size
        self.digest.update(data)
        return data


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(MIB):
        digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media", SECRET, url_ttl=600)


@pytest.fixture
def media_client(local_storage: LocalStorage) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(media_files.router)
    app.state.storage = local_storage
    with TestClient(app) as client:
        yield client


# --- local storage ---------------------------------------------------------------


def test_local_round_trip_streams_3_mib_in_chunks(local_storage: LocalStorage) -> None:
    source = PatternStream(3 * MIB + 123)

    written = local_storage.save("courses/1/lesson.mp4", cast(BinaryIO, source), "video/mp4")

    assert written == 3 * MIB + 123
    assert max(source.read_sizes) <= CHUNK_SIZE
    assert local_storage.exists("courses/1/lesson.mp4")
    assert local_storage.size("courses/1/lesson.mp4") == written
    handle, content_type = local_storage.open_with_type("courses/1/lesson.mp4")
    with handle:
        assert sha256_of(handle) == source.digest.hexdigest()
    assert content_type == "video/mp4"


def test_save_replaces_and_leaves_only_the_file(local_storage: LocalStorage) -> None:
    local_storage.save_bytes("a/notes.txt", b"first")
    local_storage.save_bytes("a/notes.txt", b"second version")

    with local_storage.open("a/notes.txt") as handle:
        assert handle.read() == b"second version"
    visible = [p.name for p in (local_storage.root / "a").iterdir() if not p.name.startswith(".")]
    assert visible == ["notes.txt"]
    assert not list((local_storage.root / "a").glob("*.tmp"))


def test_content_type_is_kept_or_guessed(local_storage: LocalStorage) -> None:
    local_storage.save_bytes("docs/guide.bin", b"%PDF", content_type="application/pdf")
    local_storage.save_bytes("img/cover.png", b"\x89PNG")
    local_storage.save_bytes("raw/blob", b"??")

    assert local_storage.content_type("docs/guide.bin") == "application/pdf"
    assert local_storage.content_type("img/cover.png") == "image/png"
    assert local_storage.content_type("raw/blob") == "application/octet-stream"


def test_upload_over_the_limit_is_refused_and_not_kept(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, SECRET, max_bytes=2 * MIB)

    with pytest.raises(StorageTooLarge):
        storage.save("big.bin", cast(BinaryIO, PatternStream(2 * MIB + 1)))

    assert not storage.exists("big.bin")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "a/../../b",
        "a/..",
        "./a",
        "/absolute",
        "a\\b",
        "a\x00b",
        "a//b",
        "a/",
        "",
        "x" * 513,
        "with space",
        "ünïcode",
        ".hidden",
    ],
)
def test_invalid_keys_are_rejected(local_storage: LocalStorage, key: str) -> None:
    with pytest.raises(InvalidStorageKey):
        local_storage.save_bytes(key, b"x")
    with pytest.raises(ValueError, match="key"):
        local_storage.open(key)
    with pytest.raises(InvalidStorageKey):
        local_storage.url(key)


def test_nothing_is_written_outside_the_root(local_storage: LocalStorage, tmp_path: Path) -> None:
    with pytest.raises(InvalidStorageKey):
        local_storage.save_bytes("../escaped.txt", b"x")
    assert not (tmp_path / "escaped.txt").exists()


def test_missing_file(local_storage: LocalStorage) -> None:
    assert not local_storage.exists("nope/file.txt")
    with pytest.raises(StorageNotFound):
        local_storage.open("nope/file.txt")
    with pytest.raises(StorageNotFound):
        local_storage.size("nope/file.txt")
    local_storage.delete("nope/file.txt")  # no error


def test_delete_and_delete_prefix(local_storage: LocalStorage) -> None:
    for key in ["c/1/a.mp4", "c/1/sub/b.pdf", "c/10/keep.mp4", "c/2/keep.txt"]:
        local_storage.save_bytes(key, b"data")

    local_storage.delete("c/2/keep.txt")
    assert not local_storage.exists("c/2/keep.txt")
    assert local_storage.delete_prefix("c/1/") == 2
    assert not local_storage.exists("c/1/a.mp4")
    assert not local_storage.exists("c/1/sub/b.pdf")
    assert not [p for p in (local_storage.root / "c" / "1").rglob("*") if p.is_file()]
    assert local_storage.exists("c/10/keep.mp4")
    assert local_storage.delete_prefix("c/1/") == 0
    assert local_storage.delete_prefix("nothing/here/") == 0
    with pytest.raises(InvalidStorageKey):
        local_storage.delete_prefix("../")


def test_signed_url_verifies(local_storage: LocalStorage) -> None:
    url = local_storage.url("c/1/a.mp4")

    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/media/c/1/a.mp4"
    assert local_storage.verify("c/1/a.mp4", query["exp"], query["sig"], None)
    assert not local_storage.verify("c/1/b.mp4", query["exp"], query["sig"], None)
    assert not local_storage.verify("c/1/a.mp4", str(int(query["exp"]) + 60), query["sig"], None)
    assert not local_storage.verify("c/1/a.mp4", query["exp"], "0" * 64, None)
    assert not local_storage.verify("c/1/a.mp4", query["exp"], query["sig"], "other.mp4")
    assert not local_storage.verify("c/1/a.mp4", "soon", query["sig"], None)
    assert not local_storage.verify("c/1/a.mp4", None, None, None)
    other_secret = LocalStorage(local_storage.root, SECRET + "-rotated")
    assert not other_secret.verify("c/1/a.mp4", query["exp"], query["sig"], None)


def test_expired_url_does_not_verify(local_storage: LocalStorage) -> None:
    query = parse_qs(urlsplit(local_storage.url("a.txt", expires_in=-1)).query)

    assert not local_storage.verify("a.txt", query["exp"][0], query["sig"][0], None)


def test_url_expiry_defaults_to_the_configured_ttl(local_storage: LocalStorage) -> None:
    query = parse_qs(urlsplit(local_storage.url("a.txt")).query)

    assert abs(int(query["exp"][0]) - (time.time() + 600)) < 5


def test_download_name_is_signed(local_storage: LocalStorage) -> None:
    query = parse_qs(urlsplit(local_storage.url("a.pdf", download_name="Cours n°1.pdf")).query)

    assert query["dl"] == ["Cours n°1.pdf"]
    assert local_storage.verify("a.pdf", query["exp"][0], query["sig"][0], "Cours n°1.pdf")
    assert not local_storage.verify("a.pdf", query["exp"][0], query["sig"][0], None)


def test_check(local_storage: LocalStorage, tmp_path: Path) -> None:
    local_storage.check()
    assert local_storage.root.is_dir()

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError):
        LocalStorage(blocker / "media", SECRET).check()


def test_build_storage(tmp_path: Path) -> None:
    local = build_storage(
        Settings(storage_backend="local", data_dir=tmp_path, media_url_ttl_seconds=60)
    )
    assert isinstance(local, LocalStorage)
    assert local.root == tmp_path / "media"
    assert local.url_ttl == 60

    s3 = build_storage(
        Settings(storage_backend="s3", s3_bucket="media", s3_endpoint_url="http://127.0.0.1:9")
    )
    assert isinstance(s3, S3Storage)
    with pytest.raises(ConfigError):
        build_storage(Settings(storage_backend="s3", s3_bucket=None))


# --- the media route ----------------------------------------------------------------


def test_media_route_serves_the_whole_file(
    media_client: TestClient, local_storage: LocalStorage
) -> None:
    local_storage.save_bytes("c/1/clip.mp4", BODY, "video/mp4")

    response = media_client.get(local_storage.url("c/1/clip.mp4"))

    assert response.status_code == 200
    assert response.content == BODY
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-length"] == "100"
    assert response.headers["accept-ranges"] == "bytes"
    cache = response.headers["cache-control"]
    assert cache.startswith("private, max-age=")
    assert 590 <= int(cache.rsplit("=", 1)[1]) <= 600
    assert "content-disposition" not in response.headers


@pytest.mark.parametrize(
    ("range_header", "expected", "content_range"),
    [
        ("bytes=10-19", BODY[10:20], "bytes 10-19/100"),
        ("bytes=95-", BODY[95:], "bytes 95-99/100"),
        ("bytes=-5", BODY[-5:], "bytes 95-99/100"),
        ("bytes=90-500", BODY[90:], "bytes 90-99/100"),
        ("bytes=-500", BODY, "bytes 0-99/100"),
    ],
)
def test_media_route_serves_ranges(
    media_client: TestClient,
    local_storage: LocalStorage,
    range_header: str,
    expected: bytes,
    content_range: str,
) -> None:
    local_storage.save_bytes("c/1/clip.mp4", BODY, "video/mp4")

    response = media_client.get(local_storage.url("c/1/clip.mp4"), headers={"Range": range_header})

    assert response.status_code == 206
    assert response.content == expected
    assert response.headers["content-range"] == content_range
    assert response.headers["content-length"] == str(len(expected))


@pytest.mark.parametrize("range_header", ["bytes=100-", "bytes=500-600", "bytes=-0"])
def test_media_route_refuses_unsatisfiable_ranges(
    media_client: TestClient, local_storage: LocalStorage, range_header: str
) -> None:
    local_storage.save_bytes("c/1/clip.mp4", BODY, "video/mp4")

    response = media_client.get(local_storage.url("c/1/clip.mp4"), headers={"Range": range_header})

    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */100"
    assert response.json()["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("range_header", ["bytes=0-1,5-6", "items=0-1", "bytes=9-2", "bytes=x"])
def test_media_route_ignores_ranges_it_does_not_handle(
    media_client: TestClient, local_storage: LocalStorage, range_header: str
) -> None:
    local_storage.save_bytes("c/1/clip.mp4", BODY, "video/mp4")

    response = media_client.get(local_storage.url("c/1/clip.mp4"), headers={"Range": range_header})

    assert response.status_code == 200
    assert response.content == BODY


def _tamper(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = value
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


@pytest.mark.parametrize(
    "make_url",
    [
        lambda good: _tamper(good, "sig", "0" * 64),
        lambda good: _tamper(good, "exp", "9999999999"),
        lambda good: _tamper(good, "exp", "tomorrow"),
        lambda good: good.replace("clip.mp4", "other.mp4", 1),
        lambda good: good.split("?", 1)[0],
        lambda good: "/media/..%2F..%2Fetc%2Fpasswd?" + good.split("?", 1)[1],
    ],
    ids=["sig", "exp", "exp-not-a-number", "other-key", "unsigned", "traversal"],
)
def test_media_route_refuses_bad_signatures(
    media_client: TestClient, local_storage: LocalStorage, make_url: Callable[[str], str]
) -> None:
    local_storage.save_bytes("c/1/clip.mp4", BODY, "video/mp4")
    local_storage.save_bytes("c/1/other.mp4", BODY, "video/mp4")

    response = media_client.get(make_url(local_storage.url("c/1/clip.mp4")))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": problem["detail"],
        "code": "invalid_signature",
    }
    assert problem["detail"]


def test_media_route_refuses_expired_links(
    media_client: TestClient, local_storage: LocalStorage
) -> None:
    local_storage.save_bytes("c/1/clip.mp4", BODY, "video/mp4")

    response = media_client.get(local_storage.url("c/1/clip.mp4", expires_in=-1))

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"


def test_media_route_404_for_a_signed_but_missing_file(
    media_client: TestClient, local_storage: LocalStorage
) -> None:
    response = media_client.get(local_storage.url("c/1/gone.mp4"))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_media_route_sends_attachment_with_download_name(
    media_client: TestClient, local_storage: LocalStorage
) -> None:
    local_storage.save_bytes("c/1/handout.pdf", b"%PDF-1.7", "application/pdf")
    url = local_storage.url("c/1/handout.pdf", download_name='Leçon 1 "intro".pdf')

    response = media_client.get(url)

    assert response.status_code == 200
    assert response.content == b"%PDF-1.7"
    assert response.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Le%C3%A7on%201%20%22intro%22.pdf"
    )
    assert media_client.get(_tamper(url, "dl", "evil.exe")).status_code == 403


def test_media_route_never_renders_uploaded_html_inline(
    media_client: TestClient, local_storage: LocalStorage
) -> None:
    local_storage.save_bytes("c/1/page.html", b"<script>alert(1)</script>", "text/html")

    response = media_client.get(local_storage.url("c/1/page.html"))

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_media_route_is_404_when_storage_is_not_local(tmp_path: Path) -> None:
    app = FastAPI()
    app.include_router(media_files.router)
    app.state.storage = S3Storage("media", endpoint_url="http://127.0.0.1:9")
    signer = LocalStorage(tmp_path, SECRET)

    with TestClient(app) as client:
        response = client.get(signer.url("a.txt"))

    assert response.status_code == 404
    assert json.loads(response.content)["code"] == "not_found"


# --- S3 on a moto server -------------------------------------------------------------


@pytest.fixture
def s3_storage(s3_endpoint_url: str, s3_bucket: str) -> Iterator[S3Storage]:  # noqa: F811
    storage = S3Storage(
        bucket=s3_bucket,
        endpoint_url=s3_endpoint_url,
        region=REGION,
        access_key_id=FAKE_ACCESS_KEY_ID,
        secret_access_key=FAKE_SECRET_ACCESS_KEY,
        url_ttl=300,
    )
    yield storage
    storage.delete_prefix("t/")


def test_s3_round_trip_of_a_multipart_stream(s3_storage: S3Storage) -> None:
    source = PatternStream(9 * MIB + 7)  # above the 8 MiB multipart threshold

    written = s3_storage.save("t/lesson.mp4", cast(BinaryIO, source), "video/mp4")

    assert written == 9 * MIB + 7
    assert s3_storage.exists("t/lesson.mp4")
    assert s3_storage.size("t/lesson.mp4") == written
    handle, content_type = s3_storage.open_with_type("t/lesson.mp4")
    with handle:
        assert sha256_of(handle) == source.digest.hexdigest()
    assert content_type == "video/mp4"


def test_s3_small_objects_and_guessed_types(s3_storage: S3Storage) -> None:
    assert s3_storage.save_bytes("t/notes.txt", b"hello") == 5

    with s3_storage.open("t/notes.txt") as handle:
        assert handle.read() == b"hello"
    assert s3_storage.content_type("t/notes.txt") == "text/plain"


def test_s3_missing_objects(s3_storage: S3Storage) -> None:
    assert not s3_storage.exists("t/missing.bin")
    with pytest.raises(StorageNotFound):
        s3_storage.open("t/missing.bin")
    with pytest.raises(StorageNotFound):
        s3_storage.size("t/missing.bin")
    s3_storage.delete("t/missing.bin")  # no error


def test_s3_rejects_invalid_keys(s3_storage: S3Storage) -> None:
    with pytest.raises(InvalidStorageKey):
        s3_storage.save_bytes("../x", b"x")
    with pytest.raises(InvalidStorageKey):
        s3_storage.url("/x")


def test_s3_delete_and_delete_prefix(s3_storage: S3Storage) -> None:
    for key in ["t/c/1/a.mp4", "t/c/1/b.pdf", "t/c/1/sub/c.png", "t/c/10/keep.mp4"]:
        s3_storage.save_bytes(key, b"data")

    s3_storage.delete("t/c/1/a.mp4")
    assert not s3_storage.exists("t/c/1/a.mp4")
    assert s3_storage.delete_prefix("t/c/1/") == 2
    assert not s3_storage.exists("t/c/1/sub/c.png")
    assert s3_storage.exists("t/c/10/keep.mp4")
    assert s3_storage.delete_prefix("t/c/1/") == 0


def test_s3_upload_over_the_limit_is_refused(s3_storage: S3Storage) -> None:
    s3_storage.max_bytes = 1 * MIB

    with pytest.raises(StorageTooLarge):
        s3_storage.save("t/big.bin", cast(BinaryIO, PatternStream(MIB + 1)))

    assert not s3_storage.exists("t/big.bin")


def test_s3_check(s3_storage: S3Storage, s3_endpoint_url: str) -> None:  # noqa: F811
    s3_storage.check()

    missing = S3Storage(
        "no-such-bucket",
        endpoint_url=s3_endpoint_url,
        access_key_id=FAKE_ACCESS_KEY_ID,
        secret_access_key=FAKE_SECRET_ACCESS_KEY,
    )
    with pytest.raises(StorageError):
        missing.check()


def test_s3_presigned_url_downloads_the_bytes(s3_storage: S3Storage) -> None:
    s3_storage.save_bytes("t/handout.pdf", b"%PDF-1.7 body", "application/pdf")

    plain = httpx.get(s3_storage.url("t/handout.pdf"), trust_env=False, timeout=10)
    named = httpx.get(
        s3_storage.url("t/handout.pdf", download_name="Leçon 1.pdf", expires_in=60),
        trust_env=False,
        timeout=10,
    )

    assert plain.status_code == 200
    assert plain.content == b"%PDF-1.7 body"
    assert plain.headers["content-type"] == "application/pdf"
    assert named.status_code == 200
    assert named.content == b"%PDF-1.7 body"
    assert named.headers["content-disposition"] == content_disposition("Leçon 1.pdf")


def test_s3_presigned_urls_are_signed_for_the_public_endpoint(
    s3_endpoint_url: str,  # noqa: F811
    s3_bucket: str,  # noqa: F811
) -> None:
    # The same server under another name, as MinIO behind the site's nginx would be.
    public = s3_endpoint_url.replace("127.0.0.1", "localhost")
    assert public != s3_endpoint_url
    storage = S3Storage(
        bucket=s3_bucket,
        endpoint_url=s3_endpoint_url,
        public_endpoint_url=public,
        region=REGION,
        access_key_id=FAKE_ACCESS_KEY_ID,
        secret_access_key=FAKE_SECRET_ACCESS_KEY,
    )
    try:
        storage.save_bytes("t/public.txt", b"through the proxy")
        url = storage.url("t/public.txt")
        assert url.startswith(f"{public}/{s3_bucket}/t/public.txt?")
        answer = httpx.get(url, trust_env=False, timeout=10)
        assert answer.status_code == 200
        assert answer.content == b"through the proxy"
    finally:
        storage.delete_prefix("t/")
