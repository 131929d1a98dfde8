"""What kind of input a file or download is: by name, declared type, magic bytes, content.

The extension wins when it names a kind we read; a known non-text type (PDF, images,
archives) is refused with its name so the user learns why. Unknown extensions are
decided by sniffing the decoded text.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath

from retrieval.errors import UnsupportedInput
from retrieval.ingest.extract.model import InputKind

_EXTENSION_KINDS: dict[str, InputKind] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_CONTENT_TYPE_KINDS: dict[str, InputKind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "text",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/jsonlines": "jsonl",
}
# Leading bytes of common non-text formats, with the name shown to the user.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"%!PS", "a PostScript document"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# Extensions we know we cannot read, refused without looking at the bytes.
_UNSUPPORTED_EXTENSIONS = frozenset(
    [
        ".pdf",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".bmp",
        ".tif",
        ".tiff",
        ".svg",
        ".ico",
        ".zip",
        ".rar",
        ".7z",
        ".tar",
        ".bz2",
        ".xz",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".odt",
        ".ods",
        ".epub",
        ".mp3",
        ".mp4",
        ".wav",
        ".ogg",
        ".flac",
        ".avi",
        ".mov",
        ".mkv",
        ".webm",
        ".exe",
        ".dll",
        ".so",
        ".bin",
        ".iso",
        ".sqlite",
        ".db",
        ".woff",
        ".woff2",
        ".ttf",
    ]
)
_HTML_START = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html\b|head\b|\?xml)", re.I | re.S
)
_HTML_TAGS = re.compile(r"<(?:body|div|p|article|h1|title|meta)\b[^>]*>", re.I)
# Distinct structural tags that make an extensionless text HTML rather than prose.
_MIN_HTML_TAGS = 3
# Lines of a candidate JSONL input checked before deciding.
_JSONL_SNIFF_LINES = 5


def is_gzip(name: str, data: bytes) -> bool:
    """A gzip stream, named so or starting with the gzip magic bytes."""
    return data[:2] == b"\x1f\x8b" or name.lower().endswith(".gz")


def inner_name(name: str) -> str:
    """The name of a gzip member: ``page.html.gz`` -> ``page.html``."""
    return name[:-3] if name.lower().endswith(".gz") else name


def refuse_known_binary(name: str, data: bytes) -> None:
    """Raise ``UnsupportedInput`` for formats recognised by extension or magic bytes."""
    for magic, label in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedInput(f"{name} is {label}, not text", input_name=name)
    suffix = PurePath(name).suffix.lower()
    if suffix in _UNSUPPORTED_EXTENSIONS:
        raise UnsupportedInput(f"{name}: {suffix} files are not supported", input_name=name)


def kind_from_name(name: str) -> InputKind | None:
    return _EXTENSION_KINDS.get(PurePath(name).suffix.lower())


def kind_from_content_type(content_type: str | None) -> InputKind | None:
    if not content_type:
        return None
    return _CONTENT_TYPE_KINDS.get(content_type.split(";")[0].strip().lower())


def kind_from_content(text: str) -> InputKind:
    """Sniff decoded text: markup means HTML, JSON objects per line mean JSONL."""
    head = text[:4096]
    if _HTML_START.match(head) or len(set(_HTML_TAGS.findall(head.lower()))) >= _MIN_HTML_TAGS:
        return "html"
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if lines and lines[0].startswith("{") and _looks_like_jsonl(text):
        return "jsonl"
    return "text"


def _looks_like_jsonl(text: str) -> bool:
    checked = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            if not isinstance(json.loads(line), dict):
                return False
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            return False
        checked += 1
        if checked >= _JSONL_SNIFF_LINES:
            break
    return checked > 0


def detect_kind(name: str, text: str, content_type: str | None) -> InputKind:
    """The input kind from (in order) the file name, the declared type, the content."""
    return kind_from_name(name) or kind_from_content_type(content_type) or kind_from_content(text)
