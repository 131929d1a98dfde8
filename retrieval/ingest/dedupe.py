"""Duplicate and near-duplicate detection.

Exact duplicates (the same page under a tracking-laden URL, or the same body text) are
refused; near-duplicates (one wire story on two sites) are stored but grouped into one
story with MinHash signatures bucketed by locality-sensitive hashing, so a lookup costs
a few indexed rows however many articles there are.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import regex

# Query parameters that identify a campaign or a click, never the content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "smid",
        "smtyp",
        "src",
        "source",
        "via",
        "share",
        "spm",
        "__twitter_impression",
        "ito",
        "itm_source",
        "itm_medium",
        "itm_campaign",
        "cid",
        "sr_share",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "at_")
DEFAULT_PORTS = {"http": 80, "https": 443}

# MinHash: 64 permutations in 16 bands of 4 rows; two bodies with Jaccard similarity s
# share a bucket with probability 1 - (1 - s^4)^16 (0.5 -> 0.64, 0.6 -> 0.88, 0.8 -> 1.0).
MINHASH_PERMUTATIONS = 64
LSH_BANDS = 16
LSH_ROWS = MINHASH_PERMUTATIONS // LSH_BANDS
# Words per shingle: long enough that shared boilerplate phrases do not make a match.
SHINGLE_WORDS = 5
_MERSENNE_BITS = np.uint64(61)
_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(0x6E657773)  # fixed: signatures must be stable across processes
_A = _rng.integers(1, (1 << 61) - 1, MINHASH_PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, MINHASH_PERMUTATIONS, dtype=np.uint64)
_A_LO, _A_HI = _A & np.uint64(0xFFFFFFFF), _A >> np.uint64(32)
_BLAKE2B_64 = functools.partial(hashlib.blake2b, digest_size=8)
_DIGEST = operator.methodcaller("digest")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
# ``_WORD`` on ASCII text (letters and digits are [A-Za-z0-9]), found by the faster
# ``re``; ASCII case folding is lower-casing, done once for the whole text.
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_EMPTY_SIGNATURE = np.full(MINHASH_PERMUTATIONS, np.iinfo(np.uint32).max, dtype=np.uint32)


def canonical_url(url: str | None) -> str | None:
    """The URL with case, default ports, fragments and tracking parameters normalised away."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # A malformed host ("http://[x") or port (":99999"): compared as written.
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return url.strip()
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def _words(text: str) -> list[str]:
    if text.isascii():
        return _ASCII_WORD.findall(text.lower())
    return list(map(str.casefold, _WORD.findall(text)))


def content_hash(body: str) -> str:
    """A hash of the body's words only: whitespace, punctuation and case do not matter."""
    return _content_hash(_words(body))


def minhash(body: str) -> bytes:
    """A MinHash signature of the body's word shingles (64 x uint32, little-endian)."""
    return _minhash(_words(body))


def fingerprints(body: str) -> tuple[str, bytes]:
    """``(content_hash(body), minhash(body))``, finding the body's words once."""
    words = _words(body)
    return _content_hash(words), _minhash(words)


def _content_hash(words: list[str]) -> str:
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def _shingles(words: list[str]) -> set[str]:
    """The distinct runs of SHINGLE_WORDS words (the whole text when it is shorter)."""
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)}
    # zip of shifted lists (shorter and shorter, so not strict): the windows are built
    # in C rather than by slicing in a loop.
    shifted = (words[i:] for i in range(SHINGLE_WORDS))
    return set(map(" ".join, zip(*shifted, strict=False)))


def _shingle_hashes(words: list[str]) -> np.ndarray:
    # Each shingle is hashed by C calls only (no Python frame per shingle).
    hashers = map(_BLAKE2B_64, map(str.encode, _shingles(words)))
    digests = b"".join(map(_DIGEST, hashers))
    return _mod_mersenne(np.frombuffer(digests, dtype=np.uint64).copy())


def _mod_mersenne(x: np.ndarray) -> np.ndarray:
    """``x % (2^61 - 1)`` for uint64 ``x``, in place, without a division.

    Since 2^61 = 1 (mod p), x = (x >> 61) + (x & p) (mod p), and that sum is below
    2p, so one subtraction, done where it does not wrap (``minimum``), finishes it.
    """
    high = x >> _MERSENNE_BITS
    np.bitwise_and(x, _MERSENNE, out=x)
    x += high
    reduced: np.ndarray = np.minimum(x, x - _MERSENNE, out=x)
    return reduced


def _minhash(words: list[str]) -> bytes:
    if not words:
        return _EMPTY_SIGNATURE.tobytes()
    hashes = _shingle_hashes(words)
    # (a * x + b) mod p for every permutation, with uint64 products (which wrap) of
    # x and the 32-bit halves of a: the values signatures have always been made of.
    x = hashes[:, None]
    lo = _mod_mersenne(_A_LO * x)
    hi = _mod_mersenne(_mod_mersenne(_A_HI * x) * np.uint64(1 << 32))
    lo += hi
    lo += _B
    values = _mod_mersenne(lo)
    signature = (values.min(axis=0) & np.uint64(0xFFFFFFFF)).astype("<u4")
    return bytes(signature.tobytes())


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures."""
    sa = np.frombuffer(a, dtype="<u4")
    sb = np.frombuffer(b, dtype="<u4")
    if sa.shape != sb.shape or not len(sa):
        return 0.0
    return float(np.mean(sa == sb))


def band_buckets(signature: bytes) -> Iterable[tuple[int, int]]:
    """(band, bucket) pairs: articles sharing any pair are near-duplicate candidates."""
    values = np.frombuffer(signature, dtype="<u4")
    for band in range(LSH_BANDS):
        chunk = values[band * LSH_ROWS : (band + 1) * LSH_ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        # Signed 63-bit so it fits a BIGINT column everywhere.
        yield band, int.from_bytes(digest, "little") >> 1
