"""What an uploaded file really is (by its content, never its name), and a safe name to keep."""
from __future__ import annotations

import contextlib
import os
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
KNOWN_TYPES = (PDF, JPEG, PNG, DOCX, XLSX, ODT)
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx", ODT: ".odt"}
MAX_NAME = 200


def sniff(stream: BinaryIO) -> str | None:
    """The file's type from its bytes, or None when it is none of the accepted kinds. Rewinds the stream."""
    start = stream.tell()
    head = stream.read(16)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"PK\x03\x04"):
            stream.seek(start)
            return _office_type(stream)
        return None
    finally:
        stream.seek(start)


def _office_type(stream: BinaryIO) -> str | None:
    # Office documents are ZIP packages; what is inside tells them apart (and from any other ZIP).
    try:
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
            if "mimetype" in names and package.read("mimetype").strip() == ODT.encode():
                return ODT
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def safe_name(filename: str | None, content_type: str) -> str:
    """The user's file name for display and download: last path part only, no control characters,
    bounded length, unicode kept (NFC); never used as a storage path."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")).strip()
    name = name.lstrip(".") or "file" + EXTENSIONS.get(content_type, "")
    stem, ext = os.path.splitext(name)
    if len(name) > MAX_NAME:
        name = stem[: MAX_NAME - len(ext)] + ext
    return name


def size_of(stream: BinaryIO) -> int:
    start = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(start)
    return size


# --- storing an upload -------------------------------------------------------------------------------

class UploadRejected(Exception):
    """The file cannot be stored; the message tells the user why (in their language)."""


@dataclass(frozen=True)
class StoredUpload:
    key: str
    name: str
    content_type: str
    size: int
    sha256: str


def store(stream: BinaryIO, filename: str | None, *, key_prefix: str, allowed_types, max_size: int) -> StoredUpload:
    """Check a file by size and content, then stream it to storage under a fresh key."""
    from flask import current_app
    from flask_babel import lazy_gettext as _l

    from grants.services.storage import ObjectTooLarge, StorageError, get_storage

    too_large = _l("The file is larger than the allowed %(mb)s MB.", mb=max_size // (1024 * 1024))
    size = size_of(stream)
    if size == 0:
        raise UploadRejected(_l("The file is empty."))
    if size > max_size:
        raise UploadRejected(too_large)
    content_type = sniff(stream)
    if content_type is None or content_type not in allowed_types:
        raise UploadRejected(_l("This kind of file is not accepted here, whatever its name says. Accepted: %(types)s.",
                                types=", ".join(t.rsplit("/", 1)[-1] for t in allowed_types)))
    key = f"{key_prefix}/{uuid.uuid4().hex}"
    try:
        stored = get_storage().put(key, stream, content_type=content_type, max_size=max_size)
    except ObjectTooLarge as error:
        raise UploadRejected(too_large) from error
    except StorageError as error:
        current_app.logger.warning("upload to %s failed: %s", key, error)
        raise UploadRejected(_l("The file could not be stored just now. Your draft is safe; try again in a "
                                "few minutes.")) from error
    return StoredUpload(key=stored.key, name=safe_name(filename, content_type), content_type=content_type,
                        size=stored.size, sha256=stored.sha256)


@contextlib.contextmanager
def recorded(upload: StoredUpload):
    """Around writing the upload's row: if that fails, the stored object goes too (no object without a row)."""
    from grants.services.storage import get_storage

    try:
        yield
    except BaseException:
        get_storage().delete(upload.key)
        raise


def send_stored(stored_file):
    """Answer with a stored file the caller has already checked access to: a short-lived presigned URL
    (S3) or a stream through the app (local). `stored_file` has storage_key, original_name,
    content_type and size."""
    from flask import Response, abort, redirect

    from grants.services.storage import StorageError, content_disposition, get_storage

    storage = get_storage()
    try:
        url = storage.download_url(stored_file.storage_key, filename=stored_file.original_name,
                                   content_type=stored_file.content_type)
        if url:
            return redirect(url)
        chunks = storage.iter_chunks(stored_file.storage_key)
    except StorageError:
        abort(503)
    # The chunks come from an open stream and need no request context while they are sent.
    return Response(chunks, mimetype=stored_file.content_type, headers={
        "Content-Disposition": content_disposition(stored_file.original_name),
        "Content-Length": str(stored_file.size), "Cache-Control": "private, no-store"})
