"""Bytes to text: gzip members, byte-order marks, declared charsets checked against the bytes.

Order of trust: a BOM; then each declared charset (the HTTP header's, then the page's
``<meta>``), but only when the bytes agree with it; then detection. A declaration
loses to the bytes when it does not decode them, or when it names a single-byte code
page while the bytes are well-formed multi-byte UTF-8 (a template's stale
``charset=iso-8859-1`` over UTF-8 text: read as declared, every accent turns into
"Ã©"), or when its reading is mojibake that detection reads cleanly. Labels are read
as browsers read them: "iso-8859-1", "latin1" and "us-ascii" mean Windows-1252, and
"utf-16" without a BOM is ignored (UTF-16 without a BOM is recognised by its NULs).

Detection tries UTF-8 (strict), then Windows-1252 when it decodes to clean text, then
charset-normalizer's guess. cp1252 goes first because it is what the web means by
"Latin-1" and because on short Western texts charset-normalizer often prefers a code
page (cp775, cp1250) that turns accents into wrong letters with the same "chaos".

Control characters (NUL included) are dropped after decoding, with or without a BOM:
a stray NUL from a bad export is no reason to refuse a page. Only input that is mostly
control characters is refused, as binary.
"""

from __future__ import annotations

import codecs
import re
import zlib

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from retrieval.errors import BinaryInput, InputTooLarge

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_:.\-]+)", re.I)
# Bytes of an HTML input searched for a <meta charset>.
_META_SCAN_BYTES = 4096
_PREFERRED_LEGACY = "cp1252"
# Labels browsers decode as Windows-1252 (the WHATWG Encoding Standard): pages that say
# "ISO-8859-1" use its curly quotes and euro sign, which Latin-1 reads as controls.
_WINDOWS_1252_LABELS = frozenset(("iso8859-1", "latin-1", "ascii", "cp819"))
# charset-normalizer's mess ratio below which a cp1252 decoding is accepted; text in
# another code page read as cp1252 ("Ïðèâåò") scores far above it.
_MAX_LEGACY_MESS = 0.1
# A declared charset's reading with a mess ratio above this is checked against
# detection, which wins when its own reading is clearly cleaner (by _MESS_MARGIN).
_SUSPECT_MESS = 0.2
_MESS_MARGIN = 0.1
# Non-ASCII characters needed before a reading is judged mojibake: on a few symbols
# (curly quotes, a euro sign) the mess ratio says nothing.
_MIN_JUDGED_CHARS = 40
# Share of control characters (besides tab/newline/CR/FF) above which input is binary:
# text with stray controls has a few per thousand characters, binary formats are full
# of them.
_MAX_CONTROL_SHARE = 0.1
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x9f]")
# Leading bytes looked at for UTF-16 without a BOM (NUL in every other byte).
_UTF16_SNIFF = 512
# Share of the odd or even bytes that must be NUL to read the input as UTF-16.
_UTF16_NUL_SHARE = 0.9
# Decompression chunk size.
_CHUNK = 1 << 16


def gunzip_capped(data: bytes, *, limit: int, input_name: str) -> bytes:
    """Decompress gzip data, refusing output larger than ``limit`` bytes (zip bombs)."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += inflater.decompress(pending, _CHUNK)
            if len(out) > limit:
                raise InputTooLarge(
                    f"{input_name} decompresses to more than {limit} bytes",
                    input_name=input_name,
                    limit=limit,
                )
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as exc:
        raise BinaryInput(
            f"{input_name} is not a valid gzip file ({exc})", input_name=input_name
        ) from None
    if not inflater.eof:
        raise BinaryInput(f"{input_name} is a truncated gzip file", input_name=input_name)
    return bytes(out)


def charset_from_content_type(content_type: str | None) -> str | None:
    match = _CT_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def html_meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:_META_SCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def decode_bytes(
    data: bytes, *, declared: str | tuple[str | None, ...] | None, input_name: str
) -> str:
    """Text of ``data`` without control characters; ``BinaryInput`` when it is not text.

    ``declared`` is a charset label or several in order of trust (header, then meta).
    """
    labels = declared if isinstance(declared, tuple) else (declared,)
    return _checked(_decoded(data, [label for label in labels if label]), input_name)


def _decoded(data: bytes, labels: list[str]) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace")
    utf8 = _strict(data, "utf-8")
    for label in labels:
        codec = _codec(label)
        if codec is None:
            continue
        if codec != "utf-8" and utf8 is not None and not utf8.isascii():
            return utf8  # well-formed multi-byte UTF-8 is never a legacy code page's text
        text = utf8 if codec == "utf-8" else _strict(data, codec)
        if text is not None:
            # Bytes that are well-formed UTF-8 read as UTF-8 by detection too: a UTF-8
            # declaration that decodes them has nothing to lose to it (mojibake inside
            # UTF-8, text encoded twice, is no misreading of the bytes).
            return text if codec == "utf-8" else _unless_mojibake(data, text)
    if utf8 is not None:
        return utf8
    return _guess(data)


def _codec(label: str) -> str | None:
    """The Python codec a charset label names, as a browser reads it; None if unknown."""
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None  # without a BOM (read above) such a label is a mistake: browsers ignore it
    return _PREFERRED_LEGACY if name in _WINDOWS_1252_LABELS else name


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _unless_mojibake(data: bytes, text: str) -> str:
    """The declared reading, unless it is mess and detection finds a clean one."""
    non_ascii = len(text.encode("utf-8")) - len(text)  # roughly, the non-ASCII characters
    if (
        non_ascii < _MIN_JUDGED_CHARS
        or float(mess_ratio(text, maximum_threshold=1.0)) <= _SUSPECT_MESS
    ):
        return text
    guess = _guess_or_none(data)
    if guess is None:
        return text
    clean = float(mess_ratio(guess, maximum_threshold=1.0))
    return guess if clean + _MESS_MARGIN < float(mess_ratio(text, maximum_threshold=1.0)) else text


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a BOM: mostly-ASCII text has NUL in every other byte."""
    head = data[:_UTF16_SNIFF]
    half = len(head) // 2
    if half < 2:
        return None
    even, odd = head[0 : 2 * half : 2], head[1 : 2 * half : 2]
    if odd.count(0) >= _UTF16_NUL_SHARE * half and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= _UTF16_NUL_SHARE * half and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _guess(data: bytes) -> str:
    guess = _guess_or_none(data)
    # Nothing fits: keep what can be read rather than refuse (the control check decides).
    return guess if guess is not None else data.decode("utf-8", errors="replace")


def _guess_or_none(data: bytes) -> str | None:
    legacy = _strict(data, _PREFERRED_LEGACY)
    if legacy is not None and float(mess_ratio(legacy, maximum_threshold=1.0)) < _MAX_LEGACY_MESS:
        return legacy
    best = from_bytes(data).best()
    return None if best is None else str(best)


def _checked(text: str, input_name: str) -> str:
    """The text with its control characters dropped; binary input is refused.

    A form feed is white space to HTML and a page break to text: it becomes a line
    break, since lxml (and so every HTML extractor) refuses it in a document's text.
    """
    if "\f" in text:
        text = text.replace("\f", "\n")
    controls = len(_CONTROL.findall(text))
    if not controls:
        return text
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise BinaryInput(f"{input_name} is not text (control characters)", input_name=input_name)
    return _CONTROL.sub("", text)
