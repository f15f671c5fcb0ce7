"""Text of a draft deed and the comparison of two versions.

`extract_text` runs once, when staff publish a version (PDF through pypdf, DOCX
through the standard library's zipfile and XML parser); the text is stored with
the version so a comparison never opens the files again. `compare` diffs two
stored texts word by word and returns passages marked unchanged, added or removed.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from xml.etree import ElementTree

log = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DRAFT_MIMES = frozenset({PDF, DOCX})
DRAFT_EXTENSIONS = ("pdf", "docx")

# Bounds so an odd file cannot make publishing (or a comparison) slow.
MAX_PAGES = 400
MAX_TEXT_CHARS = 400_000
MAX_DOCX_XML_BYTES = 30 * 1024 * 1024
# An unchanged passage longer than this many words is shortened in the comparison.
CONTEXT_WORDS = 25

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TOKEN = re.compile(r"\S+\s*")


def _normalise(text: str) -> str:
    """One space between words, one line break between paragraphs, bounded length."""
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_TEXT_CHARS]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts: list[str] = []
    size = 0
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES or size > MAX_TEXT_CHARS:
            break
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
        if info.file_size > MAX_DOCX_XML_BYTES:
            raise ValueError("document.xml too large")
        with archive.open(info) as handle:
            xml = handle.read(MAX_DOCX_XML_BYTES + 1)
    root = ElementTree.fromstring(xml)
    paragraphs: list[str] = []
    for paragraph in root.iter(f"{_W}p"):
        pieces: list[str] = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                pieces.append(node.text)
            elif node.tag == f"{_W}tab":
                pieces.append(" ")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                pieces.append("\n")
        paragraphs.append("".join(pieces))
    return "\n".join(paragraphs)


def extract_text(data: bytes, mime: str) -> str:
    """The readable text of a PDF or DOCX draft; "" when there is none (a scan) or the file is unreadable."""
    try:
        if mime == PDF:
            return _normalise(_pdf_text(data))
        if mime == DOCX:
            return _normalise(_docx_text(data))
    except Exception as error:  # an unreadable file still gets published; only the comparison is empty
        log.warning("draft text extraction failed: %s", type(error).__name__)
    return ""


class Change(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class Passage:
    kind: Change
    text: str


def _tokens(text: str) -> list[str]:
    # Words with their trailing space or line break, so joined tokens give back the text.
    return _TOKEN.findall(text)


def _shorten(tokens: list[str], *, first: bool, last: bool) -> str:
    """An unchanged passage: whole when short, else only the words next to the changes."""
    if len(tokens) <= 2 * CONTEXT_WORDS:
        return "".join(tokens)
    head = [] if first else tokens[:CONTEXT_WORDS]
    tail = [] if last else tokens[-CONTEXT_WORDS:]
    return "".join(head) + "… " + "".join(tail)


def compare(old: str, new: str) -> list[Passage]:
    """Passages from `old` to `new`: unchanged, removed (only in old) and added (only in new)."""
    a, b = _tokens(old), _tokens(new)
    # Compare the words only: a word that moved to the end of a line is still the same word.
    matcher = SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b], autojunk=False)
    opcodes = matcher.get_opcodes()
    passages: list[Passage] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            text = _shorten(a[i1:i2], first=index == 0, last=index == len(opcodes) - 1)
            passages.append(Passage(Change.SAME, text))
            continue
        if tag in ("delete", "replace"):
            passages.append(Passage(Change.REMOVED, "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            passages.append(Passage(Change.ADDED, "".join(b[j1:j2])))
    return passages


def has_changes(passages: list[Passage]) -> bool:
    return any(passage.kind is not Change.SAME for passage in passages)
