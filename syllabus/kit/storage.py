"""Media storage: one interface, a local folder for laptops and S3 for production.

Uploads are streamed in bounded chunks so a 2 GiB video never sits in memory.
Local files are served through signed, expiring URLs so the media route needs
no database lookup; S3 objects use presigned URLs for the same reason.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import mimetypes
import os
import re
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from urllib.parse import quote

from syllabus.config import ConfigError, Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK_SIZE = 1024 * 1024
MAX_KEY_LENGTH = 512
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_KEY_CHARS = re.compile(r"[A-Za-z0-9._/-]+")
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class StorageError(RuntimeError):
    """The backend failed; the message says which operation."""


class StorageNotFound(StorageError):
    """No object is stored under the key."""


class StorageTooLarge(StorageError):
    """The stream is longer than the caller's limit; nothing was kept."""


class InvalidStorageKey(ValueError):
    """The key could escape the storage root or is not portable across backends."""


def validate_key(key: str, *, prefix: bool = False) -> str:
    """Return `key` unchanged or raise; a prefix may also end with `/`."""
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY_CHARS.fullmatch(key):
        raise InvalidStorageKey("key must be 1-512 characters of A-Z a-z 0-9 . _ / -")
    parts = key.split("/")
    if prefix and len(parts) > 1 and parts[-1] == "":
        parts.pop()
    # Refusing segments that start with "." rules out "." and ".." and keeps the
    # local backend's hidden temp and sidecar files unaddressable.
    if any(not part or part.startswith(".") for part in parts):
        raise InvalidStorageKey("key segments must be non-empty and not start with '.'")
    return key


def guess_content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE


def content_disposition(download_name: str) -> str:
    """RFC 6266 attachment header; percent-encoding makes any name header-safe."""
    return f"attachment; filename*=UTF-8''{quote(download_name, safe='')}"


class _CountingReader:
    """Counts bytes as they stream through and stops once `limit` is passed.

    `read()` without a size returns one chunk, never the whole stream.
    """

    def __init__(self, stream: BinaryIO, limit: int | None) -> None:
        self._stream, self._limit, self.count = stream, limit, 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size is not None and size >= 0 else CHUNK_SIZE)
        self.count += len(data)
        if self._limit is not None and self.count > self._limit:
            raise StorageTooLarge(f"upload exceeds {self._limit} bytes")
        return data


class Storage(ABC):
    """What the application needs from a media store, whatever the backend.

    `open` and `size` raise StorageNotFound for a missing key, `delete` does
    not, and `check` raises StorageError when the backend is unusable.
    """

    url_ttl: int = 900
    max_bytes: int | None = None  # uploads above this raise StorageTooLarge

    @abstractmethod
    def save(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        """Store the stream under `key`, replacing any object; return bytes written."""

    def save_bytes(self, key: str, data: bytes, content_type: str | None = None) -> int:
        return self.save(key, io.BytesIO(data), content_type)

    @abstractmethod
    def open(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def content_type(self, key: str) -> str: ...

    def open_with_type(self, key: str) -> tuple[BinaryIO, str]:
        return self.open(key), self.content_type(key)

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Remove every key that starts with `prefix` (string match, as in S3)."""

    @abstractmethod
    def url(
        self, key: str, *, expires_in: int | None = None, download_name: str | None = None
    ) -> str:
        """A URL the browser fetches directly, valid for `expires_in` seconds."""

    @abstractmethod
    def check(self) -> None: ...


class LocalStorage(Storage):
    """Files under a folder; each content type sits in a hidden sidecar file."""

    def __init__(
        self,
        root: Path,
        secret_key: str,
        base_url_path: str = "/media",
        url_ttl: int = 900,
        max_bytes: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.base_url_path = "/" + base_url_path.strip("/")
        self.url_ttl, self.max_bytes = url_ttl, max_bytes
        # Purpose-bound key: these signatures cannot be replayed as other tokens.
        self._sign_key = hmac.new(secret_key.encode(), b"storage-url", hashlib.sha256).digest()

    def path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    @staticmethod
    def _sidecar(path: Path) -> Path:
        return path.with_name(f".{path.name}.type")

    def save(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        path, reader = self.path(key), _CountingReader(stream, self.max_bytes)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same folder as the target so os.replace is an atomic rename.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self._sidecar(path).write_text(
                content_type or guess_content_type(key), encoding="utf-8"
            )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return reader.count

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageNotFound(key) from None

    def content_type(self, key: str) -> str:
        try:
            return (
                self._sidecar(self.path(key)).read_text(encoding="utf-8").strip()
                or DEFAULT_CONTENT_TYPE
            )
        except OSError:
            return guess_content_type(key)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        if not self.exists(key):
            raise StorageNotFound(key)
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        path = self.path(key)
        if not path.is_dir():
            path.unlink(missing_ok=True)
            self._sidecar(path).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        validate_key(prefix, prefix=True)
        base = self.root.joinpath(*prefix.split("/")[:-1])
        removed = 0
        for dirpath, _dirs, filenames in os.walk(base):
            folder = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                key = name if folder == "." else f"{folder}/{name}"
                if key.startswith(prefix) and not name.startswith("."):
                    self.delete(key)
                    removed += 1
        return removed

    def _signature(self, key: str, exp: int, dl: str | None) -> str:
        # Keys and expiry times hold no newline, so this message is unambiguous.
        message = f"{key}\n{exp}\n{dl or ''}".encode()
        return hmac.new(self._sign_key, message, hashlib.sha256).hexdigest()

    def url(
        self, key: str, *, expires_in: int | None = None, download_name: str | None = None
    ) -> str:
        validate_key(key)
        exp = int(time.time()) + (self.url_ttl if expires_in is None else expires_in)
        url = f"{self.base_url_path}/{key}?exp={exp}&sig={self._signature(key, exp, download_name)}"
        return url + f"&dl={quote(download_name, safe='')}" if download_name else url

    def verify(
        self, key: str, exp: int | str | None, sig: str | None, dl: str | None = None
    ) -> bool:
        """True when the URL parameters were signed by `url` and have not expired."""
        if not sig or exp is None:
            return False
        try:
            validate_key(key)
            exp_int = int(exp)
        except ValueError:  # InvalidStorageKey is a ValueError too
            return False
        if exp_int < time.time():
            return False
        return hmac.compare_digest(self._signature(key, exp_int, dl), sig)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=".check-") as probe:
                probe.write(b"ok")
        except OSError as exc:
            raise StorageError(f"{self.root} is not writable: {exc}") from exc


class S3Storage(Storage):
    """Objects in an S3 (or MinIO) bucket; browsers download via presigned URLs."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        url_ttl: int = 900,
        max_bytes: int | None = None,
        public_endpoint_url: str | None = None,
    ) -> None:
        # Imported here so the local backend never pays for loading boto3.
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket, self.url_ttl, self.max_bytes = bucket, url_ttl, max_bytes
        # MinIO and moto serve buckets on a path, not on a virtual-host subdomain.
        s3_options: Any = {"addressing_style": "path"} if endpoint_url else {}
        config = Config(signature_version="s3v4", s3=s3_options, retries={"mode": "standard"})

        def client(endpoint: str | None) -> S3Client:
            return boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=config,
            )

        self._client: S3Client = client(endpoint_url)
        # Presigning is local arithmetic: a second client only to sign for the
        # address browsers use, when it is not the one the servers talk to.
        self._signer = client(public_endpoint_url) if public_endpoint_url else self._client
        part = 8 * CHUNK_SIZE  # memory per in-flight part; bounded by max_concurrency
        self._transfer = TransferConfig(
            multipart_threshold=part, multipart_chunksize=part, max_concurrency=4
        )

    def _head(self, key: str) -> Any:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
                raise StorageNotFound(key) from None
            raise StorageError(f"head_object {key}: {exc}") from exc

    def save(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        validate_key(key)
        reader = _CountingReader(stream, self.max_bytes)
        extra = {"ContentType": content_type or guess_content_type(key)}
        self._client.upload_fileobj(
            cast(BinaryIO, reader), self.bucket, key, ExtraArgs=extra, Config=self._transfer
        )
        return reader.count

    def open(self, key: str) -> BinaryIO:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=validate_key(key))
        except self._client.exceptions.NoSuchKey:
            raise StorageNotFound(key) from None
        return cast(BinaryIO, response["Body"])  # botocore's StreamingBody is an IOBase

    def content_type(self, key: str) -> str:
        return str(self._head(key).get("ContentType") or DEFAULT_CONTENT_TYPE)

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except StorageNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def delete_prefix(self, prefix: str) -> int:
        validate_key(prefix, prefix=True)
        removed = 0
        for page in self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            keys = [item["Key"] for item in page.get("Contents", [])]
            if not keys:
                continue
            # A page holds at most 1000 keys, which is delete_objects' limit too.
            response = self._client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
            )
            if response.get("Errors"):
                raise StorageError(
                    f"delete_objects failed for {len(response['Errors'])} keys under {prefix!r}"
                )
            removed += len(keys)
        return removed

    def url(
        self, key: str, *, expires_in: int | None = None, download_name: str | None = None
    ) -> str:
        params = {"Bucket": self.bucket, "Key": validate_key(key)}
        if download_name:
            params["ResponseContentDisposition"] = content_disposition(download_name)
        ttl = self.url_ttl if expires_in is None else expires_in
        return self._signer.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except Exception as exc:  # client and connection errors alike mean "not ready"
            raise StorageError(f"bucket {self.bucket!r}: {exc}") from exc


def build_storage(settings: Settings) -> Storage:
    """The backend the settings ask for; uploads are capped at `max_upload_bytes`."""
    ttl, limit = settings.media_url_ttl_seconds, settings.max_upload_bytes
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise ConfigError("SYLLABUS_STORAGE_BACKEND=s3 needs SYLLABUS_S3_BUCKET.")
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            public_endpoint_url=settings.s3_public_endpoint_url,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            url_ttl=ttl,
            max_bytes=limit,
        )
    return LocalStorage(settings.media_dir, settings.secret_key, url_ttl=ttl, max_bytes=limit)
