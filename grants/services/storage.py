"""Object storage for uploaded files: one interface, a local-folder backend and an S3 backend.

Uploads are streamed: every backend reads the source in bounded chunks, hashing and counting as
it goes, so a large attachment never sits in memory whole and its sha256 is known the moment it
is stored. A failed or oversized upload leaves nothing behind under its key. Keys are relative,
slash-separated paths chosen by the app (never by users), and are validated anyway so that a bug
elsewhere cannot escape the storage root.

Every backend failure (boto3, botocore, OSError) surfaces as StorageError with the original
exception chained, so callers can show one clear message and /healthz can report one state.
"""
from __future__ import annotations

import abc
import hashlib
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from grants.config import ConfigurationError

EXTENSION_KEY = "pomost_storage"
CHUNK_SIZE = 1024 * 1024
# Both equal and small: s3transfer buffers whole parts of a non-seekable stream in memory, so
# peak memory per upload is roughly (in-memory parts + 1) * part size.
S3_PART_SIZE = 8 * 1024 * 1024
S3_MAX_CONCURRENCY = 2
S3_MAX_IN_MEMORY_PARTS = 2
# SigV4 refuses presigned URLs that live longer than seven days.
S3_MAX_URL_TTL = 7 * 24 * 3600
# What S3-compatible servers answer when a bucket has no object lock, or the server knows none.
S3_NO_OBJECT_LOCK = ("ObjectLockConfigurationNotFoundError", "NotImplemented")
LOCAL_TEMP_PREFIX = ".upload-"


class StorageError(Exception):
    """The storage backend failed or is unusable; the message says which and why."""


class ObjectNotFound(StorageError):
    """No object is stored under the key."""


class ObjectTooLarge(StorageError):
    """The source was longer than the allowed max_size; nothing was stored."""

    def __init__(self, max_size: int) -> None:
        super().__init__(f"The file is larger than the allowed {max_size} bytes.")
        self.max_size = max_size


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Retention:
    """How the store keeps an object: whether it refuses to change or remove it, and in words."""

    locked: bool
    how: str

    def __str__(self) -> str:
        return self.how


def validate_key(key: str) -> str:
    """Return key unchanged if it is a safe relative object key, else raise ValueError."""
    if not isinstance(key, str) or not key:
        raise ValueError("A storage key must be a non-empty string.")
    if "\x00" in key or "\\" in key:
        raise ValueError(f"Storage key {key!r} contains a NUL or a backslash.")
    if key.startswith("/"):
        raise ValueError(f"Storage key {key!r} must be relative.")
    # Empty and "." segments would alias another key on a filesystem but not on S3.
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"Storage key {key!r} contains an empty, '.' or '..' segment.")
    return key


def validate_prefix(prefix: str) -> str:
    """Return prefix unchanged if it names a folder of keys ('name/' or 'a/b/'), else raise ValueError."""
    if not isinstance(prefix, str) or not prefix.endswith("/"):
        raise ValueError(f"A storage prefix must end with '/', got {prefix!r}.")
    validate_key(prefix[:-1])
    return prefix


def _check_max_size(max_size: int | None) -> None:
    if max_size is not None and max_size < 0:
        raise ValueError("max_size must not be negative.")


# Letters NFKD does not decompose into ASCII; "ł" matters most, as the default locale is Polish.
_ASCII_LETTERS = str.maketrans({
    "ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
})


def _ascii_filename_part(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_ASCII_LETTERS))
    text = re.sub(r"\s+", " ", text.encode("ascii", "ignore").decode("ascii"))
    return re.sub(r"[^A-Za-z0-9 ._()+,=@-]", "_", text)


def content_disposition(filename: str) -> str:
    """Return an RFC 6266 'attachment' header value with an ASCII fallback and a UTF-8 filename*."""
    # Only the last path component, and no control characters: the name comes from a user.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip() or "download"
    stem, ext = os.path.splitext(name)
    stem = _ascii_filename_part(stem).strip(" ._")
    ext = re.sub(r"[^A-Za-z0-9]", "", _ascii_filename_part(ext))
    # Old clients show the fallback; a name made only of replaced characters helps nobody.
    if not any(ch.isalnum() for ch in stem):
        stem = "download"
    fallback = stem + ("." + ext if ext else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class _HashingReader:
    """A read-only view of a source stream that hashes, counts and enforces max_size.

    read(n) returns exactly n bytes unless the source is exhausted, because s3transfer treats a
    short read as the end of a part and S3 rejects non-final parts under 5 MiB. It asks the
    source for at most CHUNK_SIZE bytes at a time. It deliberately has no seek/tell, so boto3
    treats it as a non-seekable stream and never tries to rewind or measure the source.
    """

    def __init__(self, source: BinaryIO, max_size: int | None) -> None:
        self._source = source
        self._max_size = max_size
        self._hash = hashlib.sha256()
        self.size = 0
        self.source_error: BaseException | None = None

    def read(self, size: int | None = -1) -> bytes:
        """Return up to size bytes (all remaining if size is negative or None)."""
        parts: list[bytes] = []
        wanted = -1 if size is None or size < 0 else size
        got = 0
        while wanted < 0 or got < wanted:
            ask = CHUNK_SIZE if wanted < 0 else min(CHUNK_SIZE, wanted - got)
            try:
                chunk = self._source.read(ask)
            except BaseException as exc:
                # Remembered so put() can re-raise the caller's own error rather than a wrapped one.
                self.source_error = exc
                raise
            if not chunk:
                break
            self.size += len(chunk)
            if self._max_size is not None and self.size > self._max_size:
                raise ObjectTooLarge(self._max_size)
            self._hash.update(chunk)
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def readable(self) -> bool:
        """Always True: this is a source stream."""
        return True

    def hexdigest(self) -> str:
        """Return the sha256 of everything read so far."""
        return self._hash.hexdigest()


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable()) and stream.tell() >= 0
    except (AttributeError, OSError, ValueError):
        return False


def _iterate(stream: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    try:
        while chunk := stream.read(chunk_size):
            yield chunk
    finally:
        stream.close()


class Storage(abc.ABC):
    """Where uploaded files live; every method takes a validated relative key."""

    name: str = ""

    @classmethod
    @abc.abstractmethod
    def from_config(cls, config: Mapping[str, Any]) -> Storage:
        """Build the backend from a Flask config mapping."""

    @abc.abstractmethod
    def put(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str | None = None,
        max_size: int | None = None,
    ) -> StoredObject:
        """Store the stream's bytes under key, streaming; raise ObjectTooLarge past max_size."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Return a readable binary stream of the object; raise ObjectNotFound if missing."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under key."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """Return the stored object's size in bytes; raise ObjectNotFound if missing."""

    @abc.abstractmethod
    def download_url(
        self, key: str, *, filename: str, content_type: str | None = None, ttl: int | None = None
    ) -> str | None:
        """Return a direct, time-limited download URL, or None when the app must stream it."""

    @abc.abstractmethod
    def keys(self, prefix: str) -> list[str]:
        """Return the sorted keys of every object stored under a folder prefix such as 'name/'."""

    @abc.abstractmethod
    def deleted_keys(self, prefix: str) -> list[str]:
        """Return the sorted keys under a folder prefix that were deleted but whose earlier versions are kept."""

    @abc.abstractmethod
    def retain(self, key: str, until: datetime) -> Retention:
        """Keep the object from being changed or removed until then where the store can; say how it is kept."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageError if the backend cannot be used right now."""

    def ensure_bucket(self) -> None:
        """Create the backing container if the backend has one and it is missing."""

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the object's bytes in chunks; raise ObjectNotFound now, not on first next()."""
        return _iterate(self.open(key), chunk_size)

    def sha256(self, key: str) -> str:
        """Return the hex sha256 of the stored bytes, computed by streaming them."""
        digest = hashlib.sha256()
        for chunk in self.iter_chunks(key):
            digest.update(chunk)
        return digest.hexdigest()


class LocalStorage(Storage):
    """Objects are files under a root folder; suits a single server or a shared volume."""

    name = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LocalStorage:
        """Build from STORAGE_PATH."""
        path = config.get("STORAGE_PATH")
        if not path:
            raise ConfigurationError("POMOST_STORAGE_PATH must be set for local storage.")
        return cls(path)

    def _path(self, key: str) -> Path:
        validate_key(key)
        # resolve() also follows symlinks, so a link planted inside the root cannot lead out of it.
        path = (self.root / key).resolve()
        if path == self.root or not path.is_relative_to(self.root):
            raise ValueError(f"Storage key {key!r} points outside the storage folder.")
        return path

    def put(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str | None = None,
        max_size: int | None = None,
    ) -> StoredObject:
        """Store the stream's bytes under key, streaming; raise ObjectTooLarge past max_size."""
        path = self._path(key)
        _check_max_size(max_size)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Same folder as the target so os.replace is a rename on one filesystem, i.e. atomic.
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=LOCAL_TEMP_PREFIX, suffix=".tmp")
        except OSError as exc:
            raise StorageError(f"Cannot write to storage folder {self.root}: {exc}") from exc
        reader = _HashingReader(stream, max_size)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    out.write(chunk)
                out.flush()
                # Without fsync a crash right after replace could leave an empty file under the key.
                os.fsync(out.fileno())
            os.replace(tmp_name, path)
        except BaseException as exc:
            _unlink_quietly(tmp_name)
            if isinstance(exc, OSError) and exc is not reader.source_error:
                raise StorageError(f"Cannot store {key!r} in {self.root}: {exc}") from exc
            raise
        return StoredObject(key=key, size=reader.size, sha256=reader.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """Return a readable binary stream of the object; raise ObjectNotFound if missing."""
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"No stored object {key!r}.") from exc
        except OSError as exc:
            raise StorageError(f"Cannot read {key!r} from {self.root}: {exc}") from exc

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except (IsADirectoryError, NotADirectoryError):
            # A "folder" key is not an object, so there is nothing to delete under it.
            pass
        except OSError as exc:
            raise StorageError(f"Cannot delete {key!r} from {self.root}: {exc}") from exc

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under key."""
        try:
            return self._path(key).is_file()
        except OSError as exc:
            raise StorageError(f"Cannot inspect {key!r} in {self.root}: {exc}") from exc

    def size(self, key: str) -> int:
        """Return the stored object's size in bytes; raise ObjectNotFound if missing."""
        path = self._path(key)
        try:
            if not path.is_file():
                raise ObjectNotFound(f"No stored object {key!r}.")
            return path.stat().st_size
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"No stored object {key!r}.") from exc
        except OSError as exc:
            raise StorageError(f"Cannot inspect {key!r} in {self.root}: {exc}") from exc

    def download_url(
        self, key: str, *, filename: str, content_type: str | None = None, ttl: int | None = None
    ) -> str | None:
        """Return None: local files have no URL of their own, so the app streams them."""
        self._path(key)
        return None

    def keys(self, prefix: str) -> list[str]:
        """Return the sorted keys of the files under the prefix's folder (not the temporary files of uploads)."""
        folder = self._path(validate_prefix(prefix)[:-1])
        try:
            files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(LOCAL_TEMP_PREFIX)]
        except OSError as exc:
            raise StorageError(f"Cannot list {prefix!r} in {self.root}: {exc}") from exc
        return sorted(p.relative_to(self.root).as_posix() for p in files)

    def deleted_keys(self, prefix: str) -> list[str]:
        """Return none: a folder keeps no trace of a deleted file."""
        validate_prefix(prefix)
        return []

    def retain(self, key: str, until: datetime) -> Retention:
        """Keep nothing: whoever administers the server can change a file, so say so."""
        self._path(key)
        return Retention(False, f"not locked: a local folder ({self.root}) cannot refuse its administrators a change")

    def check(self) -> None:
        """Raise StorageError unless the storage folder exists (or can be made) and is writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            # os.access ignores read-only mounts and ACLs; only a real write proves writability.
            with tempfile.TemporaryFile(dir=self.root, prefix=".check-") as probe:
                probe.write(b"ok")
        except OSError as exc:
            raise StorageError(f"Storage folder {self.root} is not writable: {exc}") from exc


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        # The original failure matters more than a leftover temp file.
        pass


class _S3Stream(io.RawIOBase):
    """Raw stream over a botocore StreamingBody that reports network failures as StorageError."""

    def __init__(self, body: Any, key: str) -> None:
        super().__init__()
        self._body = body
        self._key = key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._body.read(len(buffer))
        except Exception as exc:
            raise StorageError(f"Reading {self._key!r} from S3 failed: {exc}") from exc
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Storage(Storage):
    """Objects live in one S3 (or S3-compatible, e.g. MinIO) bucket."""

    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        region: str | None = "us-east-1",
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        url_ttl: int = 300,
        connect_timeout: float = 5,
        read_timeout: float = 60,
        max_attempts: int = 3,
    ) -> None:
        import boto3
        from botocore.config import Config

        if not bucket:
            raise ConfigurationError("POMOST_S3_BUCKET must be set for S3 storage.")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region or "us-east-1"
        self.url_ttl = int(url_ttl)
        config = Config(
            # Explicit SigV4 so presigned URLs carry X-Amz-Expires and work in every region.
            signature_version="s3v4",
            # S3-compatible servers behind a custom endpoint rarely support virtual-host buckets.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )
        # A private session: the default one is shared process-wide and is not thread-safe.
        session = boto3.session.Session(
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            region_name=self.region,
        )
        self.client = session.client("s3", endpoint_url=endpoint_url or None, config=config)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Storage:
        """Build from the S3_* settings (timeouts and retry count are optional)."""
        return cls(
            bucket=config.get("S3_BUCKET") or "",
            region=config.get("S3_REGION"),
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            access_key_id=config.get("S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
            url_ttl=int(config.get("S3_URL_TTL") or 300),
            connect_timeout=float(config.get("S3_CONNECT_TIMEOUT") or 5),
            read_timeout=float(config.get("S3_READ_TIMEOUT") or 60),
            max_attempts=int(config.get("S3_MAX_ATTEMPTS") or 3),
        )

    def _where(self) -> str:
        return f"bucket {self.bucket!r}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def _error(self, action: str, key: str | None, exc: BaseException) -> StorageError:
        what = f"{action} {key!r} in " if key is not None else f"{action} "
        return StorageError(f"S3 storage failed to {what}{self._where()}: {exc}")

    @staticmethod
    def _is_missing(exc: BaseException) -> bool:
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return False
        # HEAD responses have no body, so a missing key (or bucket) shows only as code "404";
        # NoSuchBucket on other calls is a misconfiguration, not a missing object.
        return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")

    @staticmethod
    def _failures() -> tuple[type[BaseException], ...]:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        return (BotoCoreError, ClientError, Boto3Error, OSError)

    def put(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str | None = None,
        max_size: int | None = None,
    ) -> StoredObject:
        """Store the stream's bytes under key, streaming; raise ObjectTooLarge past max_size."""
        from boto3.s3.transfer import TransferConfig

        validate_key(key)
        _check_max_size(max_size)
        transfer = TransferConfig(
            multipart_threshold=S3_PART_SIZE,
            multipart_chunksize=S3_PART_SIZE,
            max_concurrency=S3_MAX_CONCURRENCY,
            # The CRT client would bypass our reader's part-sized reads and memory bound.
            preferred_transfer_client="classic",
        )
        # Not a boto3 constructor argument, but the underlying s3transfer setting; without it up
        # to ten parts of a non-seekable stream can be buffered at once.
        transfer.max_in_memory_upload_chunks = S3_MAX_IN_MEMORY_PARTS
        extra = {"ContentType": content_type} if content_type else None
        if _seekable(stream):
            # A file on disk (uploads are spooled there by the form parser): hash it in one pass,
            # then let s3transfer read each part straight from the file instead of buffering parts.
            start = stream.tell()
            reader = _HashingReader(stream, max_size)
            while reader.read(CHUNK_SIZE):
                pass
            stream.seek(start)
            source: BinaryIO = stream
        else:
            reader = source = _HashingReader(stream, max_size)
        try:
            # On any failure, including ObjectTooLarge raised from our reader, s3transfer aborts
            # the multipart upload, and a single PutObject is never sent; so nothing is stored.
            self.client.upload_fileobj(source, self.bucket, key, ExtraArgs=extra, Config=transfer)
        except StorageError:
            raise
        except BaseException as exc:
            if exc is reader.source_error or not isinstance(exc, self._failures()):
                raise
            raise self._error("store", key, exc) from exc
        return StoredObject(key=key, size=reader.size, sha256=reader.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """Return a readable binary stream of the object; raise ObjectNotFound if missing."""
        validate_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self._failures() as exc:
            if self._is_missing(exc):
                raise ObjectNotFound(f"No stored object {key!r}.") from exc
            raise self._error("read", key, exc) from exc
        stream = io.BufferedReader(_S3Stream(response["Body"], key), buffer_size=CHUNK_SIZE)
        return stream  # type: ignore[return-value]

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        validate_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except self._failures() as exc:
            if self._is_missing(exc):
                return
            raise self._error("delete", key, exc) from exc

    def _head(self, key: str) -> dict[str, Any] | None:
        validate_key(key)
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except self._failures() as exc:
            if self._is_missing(exc):
                return None
            raise self._error("inspect", key, exc) from exc

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under key."""
        return self._head(key) is not None

    def size(self, key: str) -> int:
        """Return the stored object's size in bytes; raise ObjectNotFound if missing."""
        head = self._head(key)
        if head is None:
            raise ObjectNotFound(f"No stored object {key!r}.")
        return int(head["ContentLength"])

    def download_url(
        self, key: str, *, filename: str, content_type: str | None = None, ttl: int | None = None
    ) -> str | None:
        """Return a presigned GET URL valid for ttl seconds that downloads as an attachment."""
        validate_key(key)
        ttl = self.url_ttl if ttl is None else int(ttl)
        if not 1 <= ttl <= S3_MAX_URL_TTL:
            raise ValueError(f"ttl must be between 1 and {S3_MAX_URL_TTL} seconds, not {ttl}.")
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": content_disposition(filename),
        }
        if content_type:
            params["ResponseContentType"] = content_type
        try:
            # Signing is local; it does not check that the object exists.
            return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)
        except self._failures() as exc:
            raise self._error("sign a download URL for", key, exc) from exc

    def keys(self, prefix: str) -> list[str]:
        """Return the sorted keys of the objects under the prefix, page by page."""
        validate_prefix(prefix)
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
        except self._failures() as exc:
            raise self._error("list", prefix, exc) from exc

    def deleted_keys(self, prefix: str) -> list[str]:
        """Return the keys whose newest version is a delete marker: in a versioned bucket (as object lock makes
        it) a plain DELETE only hides an object, and what it hid is still there."""
        validate_prefix(prefix)
        try:
            pages = self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix)
            return sorted(m["Key"] for page in pages for m in page.get("DeleteMarkers", []) if m["IsLatest"])
        except self._failures() as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") == "NotImplemented":
                return []  # a server without versions keeps nothing of a deleted object
            raise self._error("list the versions of", prefix, exc) from exc

    def retain(self, key: str, until: datetime) -> Retention:
        """Lock the object (COMPLIANCE mode) where the bucket has object lock; else say what keeps it, if anything.

        A bucket whose object lock has a default retention locks every new object by itself, so that rule is
        left to work (a second, different lock on top would be refused or would weaken it)."""
        validate_key(key)
        try:
            lock = self.client.get_object_lock_configuration(Bucket=self.bucket)["ObjectLockConfiguration"]
        except self._failures() as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") not in S3_NO_OBJECT_LOCK:
                raise self._error("inspect the object lock of", None, exc) from exc
            return self._versioning()
        default = lock.get("Rule", {}).get("DefaultRetention")
        if default:
            period = f"{default['Days']} days" if "Days" in default else f"{default.get('Years')} years"
            return Retention(True, f"locked by the bucket's default object lock ({default['Mode']}, {period})")
        try:
            self.client.put_object_retention(Bucket=self.bucket, Key=key,
                                             Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until})
        except self._failures() as exc:
            raise self._error("lock", key, exc) from exc
        return Retention(True, f"locked by S3 object lock (COMPLIANCE) until {until:%Y-%m-%d}")

    def _versioning(self) -> Retention:
        try:
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
        except self._failures() as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") != "NotImplemented":
                raise self._error("inspect the versioning of", None, exc) from exc
            status = None
        if status == "Enabled":
            return Retention(False, "not locked: the bucket has versioning but no object lock, so an overwritten or "
                                    "deleted object keeps its earlier version, yet nothing stops the deletion")
        return Retention(False, "not locked: the bucket has neither object lock nor versioning; create it with "
                                "object lock to keep each object from being changed or removed")

    def check(self) -> None:
        """Raise StorageError unless the bucket is reachable with these credentials."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self._failures() as exc:
            raise self._error("reach", None, exc) from exc

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except self._failures() as exc:
            if not self._is_missing(exc):
                raise self._error("reach", None, exc) from exc
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            # us-east-1 is the one region that rejects an explicit location constraint.
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**kwargs)
        except self._failures() as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                # Another worker created it between our head and create; that is what we wanted.
                return
            raise self._error("create", None, exc) from exc


BACKENDS: dict[str, type[Storage]] = {"local": LocalStorage, "s3": S3Storage}


def create_storage(config: Mapping[str, Any]) -> Storage:
    """Build the backend named by config["STORAGE"] ("local" or "s3")."""
    name = config.get("STORAGE") or "local"
    try:
        backend = BACKENDS[name]
    except (KeyError, TypeError):
        raise ConfigurationError(
            f"POMOST_STORAGE must be one of {', '.join(sorted(BACKENDS))}, not {name!r}."
        ) from None
    return backend.from_config(config)


def init_app(app: Any) -> Storage:
    """Create the app's storage from its config and register it on app.extensions."""
    storage = create_storage(app.config)
    app.extensions[EXTENSION_KEY] = storage
    return storage


def get_storage() -> Storage:
    """Return the current app's storage instance."""
    from flask import current_app

    try:
        return current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "Storage is not initialised: call grants.services.storage.init_app(app)."
        ) from None
