"""What an uploaded file really is (by its content, never its name), and a safe name to keep."""
from __future__ import annotations

import os
import unicodedata
import zipfile
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
