"""Crafted archives cost the server a few bytes of reading, never their unpacked size.

Memory is measured in this process with tracemalloc around the type check: before the limits, the
`mimetype` bomb below made the check allocate its full 200 MiB.
"""
from __future__ import annotations

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
    with pytest.raises(ArchiveRefused) if crafted != "nested_archive" else _refused_as_no_office_type():
        assert sniff(io.BytesIO(content), (DOCX, XLSX, ODT)) is None
    peak = _peak_while(lambda: sniff(io.BytesIO(content), (DOCX, XLSX, ODT)))
    assert peak < FEW_MB, f"checking {crafted} ({len(content)} bytes) allocated {peak / MiB:.1f} MiB"


class _refused_as_no_office_type:
    """The nested archive is an ordinary ZIP: it is refused because it is no office document."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


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
