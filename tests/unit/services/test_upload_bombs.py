"""Crafted archives cost the server a few bytes of reading, never their unpacked size.

Memory is measured in this process with tracemalloc around the type check: before the limits, the
`mimetype` bomb below made the check allocate its full 200 MiB.
"""
from __future__ import annotations

import contextlib
import io
import tracemalloc
import zipfile

import pytest

from grants.services import uploads
from grants.services.uploads import DOCX, ODT, PDF, XLSX, ArchiveRefused, sniff

MiB = 1024 * 1024
FEW_MB = 4 * MiB
ZEROS = bytes(MiB)


def _zip(entries: dict[str, bytes | int]) -> bytes:
    """A deflated ZIP; an int stands for that many MiB of zeros, written in chunks (never held whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, content in entries.items():
            if isinstance(content, int):
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                with package.open(info, "w", force_zip64=False) as entry:
                    for _ in range(content):
                        entry.write(ZEROS)
            else:
                package.writestr(name, content)
    return out.getvalue()


@pytest.fixture(scope="module")
def mimetype_bomb() -> bytes:
    # An OpenDocument-looking package whose `mimetype` unpacks to 200 MiB (the probe's 199 KiB upload).
    return _zip({"mimetype": 200, "content.xml": b"<office:document/>"})


@pytest.fixture(scope="module")
def office_with_huge_entry() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": 300})


@pytest.fixture(scope="module")
def nested_archive() -> bytes:
    # 42.zip's shape: archives of archives of bombs, ten wide.
    inner = _zip({f"bomb{i}.bin": 20 for i in range(4)})
    middle = _zip({f"layer{i}.zip": inner for i in range(10)})
    return _zip({f"top{i}.zip": middle for i in range(10)})


@pytest.fixture(scope="module")
def many_entries() -> bytes:
    # Tiny entries by the ten thousand: the directory alone would fill memory with ZipInfo objects.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        package.writestr("[Content_Types].xml", b"<Types/>")
        for i in range(20_000):
            package.writestr(f"word/p{i}.xml", b"")
    return out.getvalue()


def _peak_while(check) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            check()
        except ArchiveRefused:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("crafted", ["mimetype_bomb", "office_with_huge_entry", "nested_archive", "many_entries"])
def test_crafted_archives_are_refused_within_a_few_megabytes(crafted, request):
    content = request.getfixturevalue(crafted)
    # The nested archive is an ordinary ZIP: it is refused because it is no office document.
    with pytest.raises(ArchiveRefused) if crafted != "nested_archive" else contextlib.nullcontext():
        assert sniff(io.BytesIO(content), (DOCX, XLSX, ODT)) is None
    peak = _peak_while(lambda: sniff(io.BytesIO(content), (DOCX, XLSX, ODT)))
    assert peak < FEW_MB, f"checking {crafted} ({len(content)} bytes) allocated {peak / MiB:.1f} MiB"


def test_an_archive_is_not_opened_where_only_pdf_is_accepted(mimetype_bomb, monkeypatch):
    def opened(*args, **kwargs):
        raise AssertionError("the ZIP was opened although only PDF is accepted")

    monkeypatch.setattr(uploads.zipfile, "ZipFile", opened)
    assert sniff(io.BytesIO(mimetype_bomb), (PDF,)) is None
    assert _peak_while(lambda: sniff(io.BytesIO(mimetype_bomb), (PDF,))) < 64 * 1024


def test_real_office_documents_still_pass():
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>" * 1000})
    xlsx = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", ODT)  # stored, as OpenDocument requires
        package.writestr("content.xml", b"<office:document-content/>")
    assert sniff(io.BytesIO(docx)) == DOCX
    assert sniff(io.BytesIO(xlsx)) == XLSX
    assert sniff(io.BytesIO(out.getvalue())) == ODT


def test_a_zip_comment_does_not_hide_the_directory():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", b"<Types/>")
        package.writestr("xl/workbook.xml", b"<workbook/>")
        package.comment = b"x" * 60_000
    assert sniff(io.BytesIO(out.getvalue())) == XLSX


def test_truncated_or_garbage_archives_are_no_type():
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    with pytest.raises(ArchiveRefused):
        sniff(io.BytesIO(docx[: len(docx) // 2]))
    assert sniff(io.BytesIO(b"PK\x03\x04" + bytes(100) + b"PK\x05\x06" + bytes(18))) is None


def _bzip2_mimetype_bomb() -> bytes:
    """A mimetype entry that says 50 bytes, bzip2-compressed from 300 MiB of zeros (a few hundred bytes)."""
    import bz2
    import struct
    import zlib

    compressor = bz2.BZ2Compressor(9)
    packed = b"".join(compressor.compress(ZEROS) for _ in range(300)) + compressor.flush()
    name, declared = b"mimetype", 50
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 46, 0, zipfile.ZIP_BZIP2, 0, 0, zlib.crc32(b""), len(packed),
                        declared, len(name), 0) + name
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 46, 46, 0, zipfile.ZIP_BZIP2, 0, 0, zlib.crc32(b""),
                          len(packed), declared, len(name), 0, 0, 0, 0, 0, 0) + name
    body = local + packed
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(body), 0)
    return body + central + end


def test_a_compressed_mimetype_is_never_unpacked():
    """A review found a bzip2 mimetype entry declaring 50 bytes: reading 100 bytes of it unpacked 600 MiB."""
    bomb = _bzip2_mimetype_bomb()
    assert len(bomb) < 2048
    assert _peak_while(lambda: sniff(io.BytesIO(bomb), (ODT,))) < FEW_MB
    assert sniff(io.BytesIO(bomb), (ODT,)) is None


def test_a_zip64_record_cannot_hide_a_huge_directory():
    """zipfile trusts a ZIP64 record over the end record it precedes: a package of 20,000 entries claiming one
    in its end record must be refused before its directory is read."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        package.writestr("[Content_Types].xml", b"<Types/>")
        for i in range(20_000):
            package.writestr(f"word/p{i}.xml", b"")
    data = bytearray(out.getvalue())
    at = data.rfind(b"PK\x05\x06")
    # Write a ZIP64 end record and locator declaring the real directory, and a harmless-looking end record.
    import struct

    entries, dir_size, dir_offset = struct.unpack_from("<HLL", data, at + 10)
    entries = 20_001
    zip64_end = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, dir_size, dir_offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    fake_end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, 47, dir_offset, 0)
    crafted = bytes(data[:at]) + zip64_end + locator + fake_end
    with pytest.raises(ArchiveRefused):
        sniff(io.BytesIO(crafted), (DOCX,))
    assert _peak_while(lambda: sniff(io.BytesIO(crafted), (DOCX,))) < FEW_MB
