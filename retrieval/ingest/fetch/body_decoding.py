"""Streamed body decoding with size and compression-ratio caps.

The HTTP client is told not to decompress, so every byte passes through here: the wire
bytes and the decoded bytes are both capped, and zlib is never asked for more output
than the remaining budget (``max_length``), so a gzip bomb costs at most ``max_bytes``
of memory and the CPU to inflate that much, however large it claims to be.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from retrieval.errors import FetchError

# zlib window settings: gzip wrapper, zlib wrapper, and raw deflate.
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_WBITS = -zlib.MAX_WBITS
# The compression ratio is judged only once this much has been decoded: tiny bodies
# (a few hundred bytes of repeated markup) can compress very well and are harmless.
RATIO_CHECK_FLOOR = 512 * 1024
# Most bytes inflated per zlib call, so the ratio is checked every this many bytes.
INFLATE_STEP = 256 * 1024
# Content-Encoding values we can decode; we only ever advertise these.
SUPPORTED_ENCODINGS = ("gzip", "deflate")
_ALIASES = {"x-gzip": "gzip", "identity": ""}
ACCEPT_ENCODING = ", ".join(SUPPORTED_ENCODINGS)


def content_coding(header: str | None, *, url: str) -> str:
    """The single coding named by a Content-Encoding header; "" for none.

    Stacked codings ("gzip, gzip") are refused: they only serve to multiply a bomb.
    """
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [_ALIASES.get(c, c) for c in codings]
    codings = [c for c in codings if c]
    if not codings:
        return ""
    if len(codings) > 1:
        raise FetchError(
            f"refused: stacked Content-Encoding {header!r}", url=url, kind="bad_encoding"
        )
    if codings[0] not in SUPPORTED_ENCODINGS:
        raise FetchError(
            f"refused: unsupported Content-Encoding {codings[0]!r}", url=url, kind="bad_encoding"
        )
    return codings[0]


def _deflate_wbits(head: bytes) -> int:
    """zlib-wrapped or raw deflate: servers send both under the name "deflate"."""
    zlib_header = (
        len(head) >= 2 and head[0] & 0x0F == zlib.DEFLATED and (head[0] << 8 | head[1]) % 31 == 0
    )
    return _ZLIB_WBITS if zlib_header else _RAW_WBITS


@dataclass
class BodyDecoder:
    """Accumulates one response body, decoding it and enforcing the caps as it goes."""

    coding: str
    url: str
    max_bytes: int
    max_ratio: float
    wire_bytes: int = 0
    decoded_bytes: int = 0
    _parts: list[bytes] = field(default_factory=list)
    _inflater: zlib._Decompress | None = None
    _pending: bytes = b""
    _members: int = 0

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes off the wire; raises FetchError when a cap is exceeded."""
        self.wire_bytes += len(chunk)
        if self.wire_bytes > self.max_bytes:
            raise self._too_large("the response")
        if not self.coding:
            self._emit(chunk)
        elif chunk:
            self._inflate(chunk)

    def finish(self) -> bytes:
        """The whole decoded body; a compressed body must have ended cleanly."""
        if self.coding and (self._members == 0 or self._pending or self._inflater is not None):
            raise FetchError(
                f"refused: the {self.coding} body is truncated or corrupt",
                url=self.url,
                kind="bad_encoding",
            )
        return b"".join(self._parts)

    def _emit(self, data: bytes) -> None:
        self.decoded_bytes += len(data)
        if self.decoded_bytes > self.max_bytes:
            raise self._too_large("the decompressed body")
        self._parts.append(data)

    def _inflate(self, chunk: bytes) -> None:
        data = self._pending + chunk
        self._pending = b""
        while data:
            if self._inflater is None:
                if self.coding == "deflate" and len(data) < 2 and self._members == 0:
                    self._pending = data  # need two bytes to tell zlib from raw deflate
                    return
                wbits = _GZIP_WBITS if self.coding == "gzip" else _deflate_wbits(data)
                self._inflater = zlib.decompressobj(wbits)
            data = self._inflate_step(self._inflater, data)

    def _inflate_step(self, inflater: zlib._Decompress, data: bytes) -> bytes:
        """Inflate ``data`` in bounded steps; returns the input left over for a next member.

        Each step yields at most ``INFLATE_STEP`` bytes, so the ratio check runs early and
        a bomb is stopped after a few steps rather than after filling the whole budget.
        """
        while True:
            budget = min(self.max_bytes - self.decoded_bytes + 1, INFLATE_STEP)
            try:
                out = inflater.decompress(data, budget)
            except zlib.error:
                raise FetchError(
                    f"refused: the {self.coding} body is corrupt", url=self.url, kind="bad_encoding"
                ) from None
            data = inflater.unconsumed_tail
            self._emit(out)
            self._check_ratio(compressed=self.wire_bytes - len(data))
            if not data:
                break
        if not inflater.eof:
            return b""
        self._members += 1
        self._inflater = None
        # gzip allows concatenated members; anything after a deflate stream is junk.
        rest = inflater.unused_data
        if self.coding == "gzip":
            return rest
        if rest.strip(b"\0"):
            raise FetchError(
                "refused: junk after the deflate body", url=self.url, kind="bad_encoding"
            )
        return b""

    def _check_ratio(self, *, compressed: int) -> None:
        if self.decoded_bytes < RATIO_CHECK_FLOOR:
            return
        ratio = self.decoded_bytes / max(compressed, 1)
        if ratio > self.max_ratio:
            raise FetchError(
                f"refused: the body inflates more than {self.max_ratio:g}:1 "
                "(likely a decompression bomb)",
                url=self.url,
                kind="decompression_bomb",
            )

    def _too_large(self, what: str) -> FetchError:
        return FetchError(
            f"refused: {what} is larger than {self.max_bytes} bytes",
            url=self.url,
            kind="too_large",
        )
