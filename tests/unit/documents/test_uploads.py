"""Upload names and upload content."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal_app.documents.services.uploads import ALLOWED, UploadRefused, check_content, sanitize_filename

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return buffer.getvalue()


def _heic(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00" * 32


# -- names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("..", "bestand"),
        ("../x", "x"),
        ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
        ("/etc/passwd", "passwd"),
        ("", "bestand"),
        ("   ", "bestand"),
        (".hidden.pdf", "hidden.pdf"),
        ("rapport.PDF", "rapport.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("naam\r\nX-Header: 1.pdf", "naamX-Header_ 1.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("con", "_con"),
        ("lpt9.tar.gz", "_lpt9.tar.gz"),
        ("Com1 .txt", "_Com1.txt"),
        ("console.pdf", "console.pdf"),
        ("trailing. . .", "trailing"),
        ("<img src=x onerror=alert(1)>.pdf", "_img src=x onerror=alert(1)_.pdf"),
        (None, "bestand"),
        (42, "bestand"),
    ],
)
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw) == expected


def test_sanitize_removes_bidi_override():
    # "factuur<RLO>fdp.exe" would display as "factuurexe.pdf"
    name = sanitize_filename("factuur\u202efdp.exe")
    assert name == "factuurfdp.exe"
    for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f":
        assert ch not in sanitize_filename(f"a{ch}b{ch}.pdf")


def test_sanitize_nfc_normalises():
    decomposed = "akte conce\u0301pt.pdf"  # e + combining acute
    assert sanitize_filename(decomposed) == "akte concépt.pdf"


def test_sanitize_caps_at_200_bytes_keeping_extension():
    name = sanitize_filename("é" * 300 + ".pdf")
    assert len(name.encode("utf-8")) <= 200
    assert name.endswith(".pdf")
    assert set(name[:-4]) == {"é"}  # cut on a character boundary
    long_ascii = sanitize_filename("a" * 400 + ".docx")
    assert len(long_ascii.encode()) == 200 and long_ascii.endswith(".docx")


def test_sanitize_never_yields_a_path():
    for raw in ["../../a", "a/../../b", "..\\..", "./.", "C:\\x\\y.pdf", "\\\\server\\share\\z.pdf"]:
        name = sanitize_filename(raw)
        assert "/" not in name and "\\" not in name and not name.startswith(".")


# -- content -----------------------------------------------------------------


def test_minimal_pdf_is_accepted():
    assert check_content("akte.pdf", MINIMAL_PDF) == "application/pdf"


def test_pdf_html_polyglot_is_refused():
    polyglot = b"%PDF-1.4\n%<html><body><script>alert(document.cookie)</script></body></html>\n" + MINIMAL_PDF[9:]
    with pytest.raises(UploadRefused) as info:
        check_content("akte.pdf", polyglot)
    assert info.value.code == "upload.content_mismatch"


def test_html_before_pdf_header_is_refused():
    with pytest.raises(UploadRefused):
        check_content("akte.pdf", b"<html><script>alert(1)</script></html>\n" + MINIMAL_PDF)


def test_svg_is_never_allowed():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(UploadRefused) as info:
        check_content("plaatje.svg", svg)
    assert info.value.code == "upload.type_not_allowed"
    # ... nor when renamed to an allowed type
    for name in ("plaatje.png", "plaatje.txt", "plaatje.pdf"):
        with pytest.raises(UploadRefused) as info:
            check_content(name, svg)
        assert info.value.code == "upload.content_mismatch"


def test_exe_renamed_pdf_is_refused():
    exe = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 100
        + b"This program cannot be run in DOS mode"
    )
    with pytest.raises(UploadRefused) as info:
        check_content("factuur.pdf", exe)
    assert info.value.code == "upload.content_mismatch"
    with pytest.raises(UploadRefused) as info:
        check_content("factuur.exe", exe)
    assert info.value.code == "upload.type_not_allowed"


@pytest.mark.parametrize("name", ["x.html", "x.htm", "x.js", "x.exe", "x", "x.pdf.exe", "x.svgz", "x.xml"])
def test_extension_not_allowed(name):
    with pytest.raises(UploadRefused) as info:
        check_content(name, MINIMAL_PDF)
    assert info.value.code == "upload.type_not_allowed"


def test_images():
    assert check_content("foto.png", PNG) == "image/png"
    assert check_content("foto.JPG", JPEG) == "image/jpeg"
    assert check_content("foto.jpeg", JPEG) == "image/jpeg"
    with pytest.raises(UploadRefused):
        check_content("foto.png", JPEG)
    with pytest.raises(UploadRefused):
        check_content("foto.jpg", PNG)


def test_heic():
    assert check_content("foto.heic", _heic(b"heic", b"mif1", b"heic")) == "image/heic"
    assert check_content("foto.heic", _heic(b"mif1", b"mif1", b"heic")) == "image/heic"
    with pytest.raises(UploadRefused):
        check_content("foto.heic", _heic(b"avif", b"mif1", b"avif"))
    with pytest.raises(UploadRefused):
        check_content("foto.heic", _heic(b"isom", b"mp41"))  # an mp4


def test_office_documents():
    assert check_content("brief.doc", OLE) == ALLOWED["doc"]
    assert check_content("lijst.xls", OLE) == ALLOWED["xls"]
    docx = _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
    xlsx = _zip([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")])
    assert check_content("brief.docx", docx) == ALLOWED["docx"]
    assert check_content("lijst.xlsx", xlsx) == ALLOWED["xlsx"]
    with pytest.raises(UploadRefused):
        check_content("brief.doc", docx)
    with pytest.raises(UploadRefused):
        check_content("brief.docx", MINIMAL_PDF)


def test_odt_checks_mimetype_entry():
    odt = _zip([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>")])
    ods = _zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", b"<x/>")])
    assert check_content("brief.odt", odt) == ALLOWED["odt"]
    with pytest.raises(UploadRefused):
        check_content("brief.odt", ods)
    with pytest.raises(UploadRefused):
        check_content("brief.docx", odt)  # an ODT renamed .docx


def test_text_files():
    assert check_content("notitie.txt", "Geachte notaris,\nmet vriendelijke groet — Jörg".encode()) == "text/plain"
    assert check_content("latin.txt", "caf\xe9 cr\xe8me".encode("latin-1")) == "text/plain"
    # a head cut in the middle of a multi-byte character is still text
    assert check_content("cut.txt", ("a" * 10 + "é").encode()[:-1]) == "text/plain"
    refused = [
        b"  <html><body>hoi</body></html>",
        b"<svg onload=alert(1)>",
        b"hallo <SCRIPT>alert(1)</SCRIPT>",
        b"tekst\x00met nul",
        b"\x7fELF\x02\x01\x01",
        "\ufeff<html>".encode(),
    ]
    for data in refused:
        with pytest.raises(UploadRefused):
            check_content("notitie.txt", data)


def test_empty_file_is_refused():
    with pytest.raises(UploadRefused) as info:
        check_content("leeg.pdf", b"")
    assert info.value.code == "upload.empty"
