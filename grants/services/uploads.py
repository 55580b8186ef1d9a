"""Uploaded files: what a file really is (by its content, never its name), a safe name to keep,
storing it, the columns every stored file has, serving it back, and removing it only once its row
is gone for good."""
from __future__ import annotations

import contextlib
import os
import struct
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Collection

from flask import Response, abort, current_app, redirect
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from grants.errors import Refusal
from grants.extensions import db
from grants.services.storage import ObjectTooLarge, StorageError, content_disposition, get_storage
from grants.types import UTCDateTime, utcnow

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
KNOWN_TYPES = (PDF, JPEG, PNG, DOCX, XLSX, ODT)
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx", ODT: ".odt"}
TYPE_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "DOCX", XLSX: "XLSX", ODT: "ODT"}  # as people know them
MAX_NAME = 200


OFFICE_TYPES = (DOCX, XLSX, ODT)
# An office document is a ZIP package. Only its directory is read, plus at most a few bytes of one entry,
# and a package whose directory is huge or whose entries unpack far beyond their packed size is refused:
# whoever opens the file later (an officer's office suite, a converter) would unpack it in full.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_DIRECTORY = 1024 * 1024  # bytes of central directory (about 15,000 short names)
ZIP_MAX_UNPACKED = 1024 * 1024 * 1024  # all entries together
ZIP_MAX_RATIO = 200  # unpacked / packed, for an entry above 1 MiB (office XML packs 5-50 times)
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR, _ZIP64_LOCATOR_SIZE = b"PK\x06\x07", 20
LARGE_ENTRY = 1024 * 1024  # below this, any ratio is harmless
MIMETYPE_MAX = 100  # bytes of OpenDocument's mimetype entry ever read


class ArchiveRefused(ValueError):
    """A ZIP package that must not be opened any further (a compression bomb or a malformed directory)."""


def sniff(stream: BinaryIO, allowed: Collection[str] = KNOWN_TYPES) -> str | None:
    """The file's type from its bytes, or None when it is none of the `allowed` kinds. A ZIP package is
    looked into only when an office type is allowed. Raises ArchiveRefused for a package that unpacks out
    of all proportion. Rewinds the stream."""
    start = stream.tell()
    head = stream.read(16)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"PK\x03\x04") and any(t in allowed for t in OFFICE_TYPES):
            stream.seek(start)
            return _office_type(stream)
        return None
    finally:
        stream.seek(start)


def _office_type(stream: BinaryIO) -> str | None:
    _check_directory(stream)
    try:
        with zipfile.ZipFile(stream) as package:
            entries = package.infolist()
            _check_entries(entries)
            names = {entry.filename for entry in entries}
            if _is_odt(package):
                return ODT
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, EOFError, NotImplementedError):
        return None
    return None


def _check_directory(stream: BinaryIO) -> None:
    """Read the end record before zipfile parses the directory (it holds every entry in memory)."""
    size = size_of(stream)
    # The record, a comment of up to 64 KiB after it, and room for a ZIP64 locator before it.
    tail_size = min(size, _ZIP64_LOCATOR_SIZE + _EOCD.size + 0xFFFF)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or at + _EOCD.size > len(tail):
        raise ArchiveRefused("no end of central directory")
    _, disk, _, _, entries, directory_size, _, _ = _EOCD.unpack_from(tail, at)
    # zipfile takes a ZIP64 record's figures over these whenever its locator precedes the end record: a
    # package that small never needs one, so a locator there is a way round the limits below.
    zip64 = tail[max(at - _ZIP64_LOCATOR_SIZE, 0):at].startswith(_ZIP64_LOCATOR)
    if disk != 0 or entries == 0xFFFF or directory_size == 0xFFFFFFFF or zip64:
        raise ArchiveRefused("multi-disk or ZIP64 package")
    if entries > ZIP_MAX_ENTRIES or directory_size > ZIP_MAX_DIRECTORY:
        raise ArchiveRefused(f"{entries} entries in a directory of {directory_size} bytes")


def _check_entries(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > ZIP_MAX_ENTRIES:
        raise ArchiveRefused(f"{len(entries)} entries")
    if sum(entry.file_size for entry in entries) > ZIP_MAX_UNPACKED:
        raise ArchiveRefused("unpacks to more than the limit")
    for entry in entries:
        if entry.file_size > LARGE_ENTRY and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
            raise ArchiveRefused(f"{entry.filename} unpacks {entry.file_size // max(entry.compress_size, 1)} times")


def _is_odt(package: zipfile.ZipFile) -> bool:
    # OpenDocument's first entry is `mimetype`, stored (never compressed), holding the type: read a few bytes.
    # Only a stored entry is read: a bzip2 or LZMA one is decompressed a whole chunk at a time, whatever its
    # declared size, so 4 KiB of it could unpack to gigabytes.
    try:
        entry = package.getinfo("mimetype")
    except KeyError:
        return False
    if entry.compress_type != zipfile.ZIP_STORED or entry.file_size > MIMETYPE_MAX:
        return False
    with package.open(entry) as content:
        return content.read(MIMETYPE_MAX).strip() == ODT.encode()


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

class UploadRejected(Refusal):
    """The file cannot be stored; the message tells the user why (in their language)."""

    status = 422


@dataclass(frozen=True)
class StoredUpload:
    key: str
    name: str
    content_type: str
    size: int
    sha256: str


def store(stream: BinaryIO, filename: str | None, *, key_prefix: str, allowed_types, max_size: int) -> StoredUpload:
    """Check a file by size and content, then stream it to storage under a fresh key."""
    too_large = _l("The file is larger than the allowed %(mb)s MB.", mb=max_size // (1024 * 1024))
    size = size_of(stream)
    if size == 0:
        raise UploadRejected(_l("The file is empty."))
    if size > max_size:
        raise UploadRejected(too_large)
    try:
        content_type = sniff(stream, allowed_types)
    except ArchiveRefused as error:
        current_app.logger.warning("upload refused: %s", error)
        raise UploadRejected(_l("This file is packed in a way that is not accepted: it would unpack to far more "
                                "than its size, or it has too many parts. Save it again as an ordinary document "
                                "or as PDF.")) from error
    if content_type is None or content_type not in allowed_types:
        raise UploadRejected(_l("This kind of file is not accepted here, whatever its name says. Accepted: %(types)s.",
                                types=", ".join(TYPE_NAMES.get(t, t) for t in allowed_types)))
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
    try:
        yield
    except BaseException:
        get_storage().delete(upload.key)
        raise


def keep(model: type, stream: BinaryIO, filename: str | None, *, key_prefix: str, allowed_types, max_size: int,
         **columns):
    """Store an upload (checked by size and content) and write its row of `model` (a StoredFile) with the other
    columns; flushed, so it has its id. If the row cannot be written, the stored object goes too."""
    upload = store(stream, filename, key_prefix=key_prefix, allowed_types=allowed_types, max_size=max_size)
    with recorded(upload):
        row = model(**columns)
        row.take(upload)
        db.session.add(row)
        db.session.flush()
    return row


def send_part(model: type, file_id: int, **owner):
    """Send the stored file `file_id` of `model` if it belongs to the owner named (e.g. control_id=7), else 404:
    the caller has already checked the person may read the owner."""
    stored = db.session.get(model, file_id)
    if stored is None or any(getattr(stored, name) != value for name, value in owner.items()):
        abort(404)
    return send_stored(stored)


def send_stored(stored_file):
    """Answer with a stored file the caller has already checked access to: a short-lived presigned URL
    (S3) or a stream through the app (local). `stored_file` has storage_key, original_name,
    content_type and size."""
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
    # content_type as stored (a bank file names its own charset; mimetype= would add a second one)
    return Response(chunks, content_type=stored_file.content_type, headers={
        "Content-Disposition": content_disposition(stored_file.original_name),
        "Content-Length": str(stored_file.size), "Cache-Control": "private, no-store"})


# --- the columns of a stored file ---------------------------------------------------------------------

class StoredFile:
    """Mixin for a row that stands for one stored object (an attachment, a call document, a report's photo)."""

    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))  # sniffed from the content, not the name
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def uploaded_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"))

    def take(self, upload: StoredUpload) -> None:
        """Fill the columns from a stored upload."""
        self.storage_key, self.original_name, self.content_type = upload.key, upload.name, upload.content_type
        self.size, self.sha256 = upload.size, upload.sha256


# --- removing a stored object with its row ------------------------------------------------------------

_DELETE_AFTER_COMMIT = "pomost_delete_after_commit"


def delete_after_commit(key: str) -> None:
    """Remove the stored object once the transaction that deletes its row commits (never before: a failed
    commit must not leave a row without its object)."""
    db.session.info.setdefault(_DELETE_AFTER_COMMIT, []).append(key)


@event.listens_for(Session, "after_commit")
def _delete_objects_of_deleted_rows(session) -> None:
    for key in session.info.pop(_DELETE_AFTER_COMMIT, []):
        try:
            get_storage().delete(key)
        except StorageError as error:  # an orphan object is harmless; a missing one would not be
            current_app.logger.warning("could not delete stored object %s: %s", key, error)


@event.listens_for(Session, "after_rollback")
def _keep_objects_of_kept_rows(session) -> None:
    session.info.pop(_DELETE_AFTER_COMMIT, None)
