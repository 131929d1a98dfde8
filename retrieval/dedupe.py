"""Duplicate and near-duplicate detection.

Exact duplicates (the same page under a tracking-laden URL, or the same body text) are
refused; near-duplicates (one wire story on two sites) are stored but grouped into one
story with MinHash signatures bucketed by locality-sensitive hashing, so a lookup costs
a few indexed rows however many articles there are.
"""

from __future__ import annotations

import hashlib
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
_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(0x6E657773)  # fixed: signatures must be stable across processes
_A = _rng.integers(1, (1 << 61) - 1, MINHASH_PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, MINHASH_PERMUTATIONS, dtype=np.uint64)
_WORD = regex.compile(r"[\p{L}\p{N}]+")
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
    return [w.casefold() for w in _WORD.findall(text)]


def content_hash(body: str) -> str:
    """A hash of the body's words only: whitespace, punctuation and case do not matter."""
    return hashlib.sha256(" ".join(_words(body)).encode()).hexdigest()


def _shingle_hashes(words: list[str]) -> np.ndarray:
    width = min(SHINGLE_WORDS, len(words))
    shingles = {" ".join(words[i : i + width]) for i in range(len(words) - width + 1)}
    digests = [hashlib.blake2b(s.encode(), digest_size=8).digest() for s in shingles]
    return np.frombuffer(b"".join(digests), dtype=np.uint64) % _MERSENNE


def minhash(body: str) -> bytes:
    """A MinHash signature of the body's word shingles (64 x uint32, little-endian)."""
    words = _words(body)
    if not words:
        return _EMPTY_SIGNATURE.tobytes()
    hashes = _shingle_hashes(words)
    # (a * x + b) mod p for every permutation; the products are kept below 2^64 by
    # reducing x first and using 32-bit halves of a.
    x = hashes[:, None]
    a_lo, a_hi = _A & np.uint64(0xFFFFFFFF), _A >> np.uint64(32)
    lo = (a_lo * x) % _MERSENNE
    hi = ((a_hi * x) % _MERSENNE * np.uint64(1 << 32)) % _MERSENNE
    values = (lo + hi + _B) % _MERSENNE
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
