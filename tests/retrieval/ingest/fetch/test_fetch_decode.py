"""The capped body decoder: correct output for honest bodies, early refusal for bombs."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.errors import FetchError
from retrieval.ingest.fetch.body_decoding import (
    INFLATE_STEP,
    RATIO_CHECK_FLOOR,
    BodyDecoder,
    content_coding,
)
from tests.retrieval.ingest.fetch.fetch_testserver import gzip_bomb

URL = "http://example.test/"


def decoder(coding: str, max_bytes: int = 5_000_000, max_ratio: float = 100.0) -> BodyDecoder:
    return BodyDecoder(coding=coding, url=URL, max_bytes=max_bytes, max_ratio=max_ratio)


def feed_all(dec: BodyDecoder, data: bytes, chunk: int) -> bytes:
    for start in range(0, len(data), chunk):
        dec.feed(data[start : start + chunk])
    return dec.finish()


TEXT = b"<p>The council met on Tuesday.</p>\n" * 200


@pytest.mark.parametrize(
    ("coding", "packed"),
    [
        ("", TEXT),
        ("gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", zlib.compress(TEXT, wbits=-zlib.MAX_WBITS)),
        ("gzip", gzip.compress(TEXT[:100]) + gzip.compress(TEXT[100:])),
    ],
    ids=["identity", "gzip", "zlib-deflate", "raw-deflate", "gzip-two-members"],
)
@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_honest_bodies_decode_exactly(coding: str, packed: bytes, chunk: int) -> None:
    assert feed_all(decoder(coding), packed, chunk) == TEXT


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=500))
def test_any_gzip_body_round_trips_in_any_chunking(body: bytes, chunk: int) -> None:
    assert feed_all(decoder("gzip"), gzip.compress(body), chunk) == body


def test_plain_body_over_the_cap_is_refused() -> None:
    dec = decoder("", max_bytes=1000)
    dec.feed(b"a" * 1000)
    with pytest.raises(FetchError) as caught:
        dec.feed(b"a")
    assert caught.value.kind == "too_large"


def test_a_gzip_bomb_is_stopped_by_the_ratio_long_before_it_is_inflated() -> None:
    dec = decoder("gzip")
    with pytest.raises(FetchError) as caught:
        feed_all(dec, gzip_bomb(), 16 * 1024)
    assert caught.value.kind == "decompression_bomb"
    assert dec.decoded_bytes <= RATIO_CHECK_FLOOR + INFLATE_STEP
    assert "100:1" in caught.value.reason


def test_without_a_ratio_limit_the_decoded_cap_still_stops_a_bomb() -> None:
    dec = decoder("gzip", max_bytes=3_000_000, max_ratio=1e9)
    with pytest.raises(FetchError) as caught:
        feed_all(dec, gzip_bomb(), 64 * 1024)
    assert caught.value.kind == "too_large"
    assert dec.decoded_bytes <= 3_000_001
    assert "decompressed" in caught.value.reason


def test_small_highly_compressible_bodies_are_not_mistaken_for_bombs() -> None:
    body = b" " * (RATIO_CHECK_FLOOR - 1)
    assert feed_all(decoder("gzip"), gzip.compress(body), 4096) == body


@pytest.mark.parametrize(
    ("coding", "data"),
    [
        ("gzip", b"this is not gzip at all"),
        ("gzip", gzip.compress(TEXT)[:-20]),
        ("deflate", zlib.compress(TEXT)[:50]),
        ("deflate", zlib.compress(TEXT) + b"junk"),
        ("gzip", b""),
    ],
    ids=["not-gzip", "truncated-gzip", "truncated-deflate", "junk-after-deflate", "empty"],
)
def test_corrupt_or_truncated_bodies_are_refused(coding: str, data: bytes) -> None:
    with pytest.raises(FetchError) as caught:
        feed_all(decoder(coding), data, 64)
    assert caught.value.kind == "bad_encoding"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ""),
        ("", ""),
        ("identity", ""),
        ("GZIP", "gzip"),
        ("x-gzip", "gzip"),
        ("deflate", "deflate"),
    ],
)
def test_content_coding_names(header: str | None, expected: str) -> None:
    assert content_coding(header, url=URL) == expected


@pytest.mark.parametrize("header", ["br", "zstd", "compress", "gzip, gzip", "deflate, gzip"])
def test_unsupported_or_stacked_codings_are_refused(header: str) -> None:
    with pytest.raises(FetchError) as caught:
        content_coding(header, url=URL)
    assert caught.value.kind == "bad_encoding"
