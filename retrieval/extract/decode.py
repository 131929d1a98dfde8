"""Bytes to text: gzip members, byte-order marks, declared charsets, guessed charsets.

Order of trust: a BOM, then a charset the input declares (HTTP header or HTML meta),
then UTF-8 (strict), then Windows-1252 when it decodes to clean text, then
charset-normalizer's guess. cp1252 goes first because it is what the web means by
"Latin-1" and because on short Western texts charset-normalizer often prefers a code
page (cp775, cp1250) that turns accents into wrong letters with the same "chaos".
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
# charset-normalizer's mess ratio below which a cp1252 decoding is accepted; text in
# another code page read as cp1252 ("Ïðèâåò") scores far above it.
_MAX_LEGACY_MESS = 0.1
# Share of control characters (besides tab/newline/CR/FF) above which text is binary.
_MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
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


def decode_bytes(data: bytes, *, declared: str | None, input_name: str) -> str:
    """Text of ``data``; ``BinaryInput`` when it holds NUL bytes or decodes to no text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :].decode(encoding, errors="replace"), input_name)
    if b"\x00" in data:
        raise BinaryInput(
            f"{input_name} contains NUL bytes: not a text file", input_name=input_name
        )
    if declared and _known_codec(declared):
        try:
            return _checked(data.decode(declared), input_name)
        except UnicodeDecodeError:
            pass  # a wrong declaration is common; fall through to detection
    try:
        return _checked(data.decode("utf-8"), input_name)
    except UnicodeDecodeError:
        pass
    return _checked(_guess(data, input_name), input_name)


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _guess(data: bytes, input_name: str) -> str:
    try:
        legacy = data.decode(_PREFERRED_LEGACY)
    except UnicodeDecodeError:
        legacy = None
    if legacy is not None and float(mess_ratio(legacy, maximum_threshold=1.0)) < _MAX_LEGACY_MESS:
        return legacy
    best = from_bytes(data).best()
    if best is None:
        raise BinaryInput(
            f"{input_name}: cannot determine its text encoding", input_name=input_name
        )
    return str(best)


def _checked(text: str, input_name: str) -> str:
    if text and len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise BinaryInput(f"{input_name} is not text (control characters)", input_name=input_name)
    return text
