from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.ingest.dedupe import (
    _MERSENNE,
    _mod_mersenne,
    band_buckets,
    canonical_url,
    content_hash,
    fingerprints,
    minhash,
    similarity,
)

STORY = (
    "Harbourton council voted 31 to 9 on Tuesday night to approve a tidal energy barrage "
    "across the Wendle estuary, ending more than a decade of debate over the project. The "
    "scheme will use 64 low-head turbines set into a barrage between Gull Point and the old "
    "ferry slipway. Opponents warned that the barrage would change how silt moves."
)


def test_canonical_url_strips_tracking_and_noise() -> None:
    assert (
        canonical_url("HTTPS://News.Example.com:443/a/story/?utm_source=tw&id=7&fbclid=x#top")
        == "https://news.example.com/a/story?id=7"
    )
    assert canonical_url("http://example.com") == "http://example.com/"
    assert canonical_url("http://example.com:8080/x?b=2&a=1") == "http://example.com:8080/x?a=1&b=2"
    assert canonical_url("") is None
    assert canonical_url(None) is None


def test_content_hash_ignores_spacing_case_and_punctuation() -> None:
    assert content_hash("Hello,  world!\n\nNext.") == content_hash("hello world next")
    assert content_hash("Hello world") != content_hash("Hello there world")


def test_near_duplicates_are_similar_and_share_a_bucket() -> None:
    other = STORY.replace("Tuesday night", "Tuesday") + " The cooperative welcomed the vote."
    a, b = minhash(STORY), minhash(other)
    assert similarity(a, b) > 0.5
    assert set(band_buckets(a)) & set(band_buckets(b))
    unrelated = minhash("Millbrook will reopen the Valley Line with battery trains in 2027.")
    assert similarity(a, unrelated) < 0.1


def test_signatures_are_stable() -> None:
    assert minhash(STORY) == minhash(STORY)
    assert len(minhash(STORY)) == 64 * 4
    assert minhash("") == minhash("   ")


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_minhash_total(text: str) -> None:
    signature = minhash(text)
    assert similarity(signature, signature) == 1.0
    assert len(list(band_buckets(signature))) == 16


def test_signatures_match_the_stored_ones() -> None:
    """Signatures in existing databases were made by the first implementation: a
    faster one must give the same bytes, or new articles stop matching old ones."""
    assert hashlib.sha256(minhash(STORY)).hexdigest() == (
        "3b405812febbeb38121d49b790549a6f44c15e081613e2edfbf7f22e722aa9f9"
    )
    assert hashlib.sha256(minhash("Short text")).hexdigest() == (
        "5a8fbd8cdf067283ca09be5818b3f77405d51a0906f3ab6358a8b699e51cd835"
    )
    assert content_hash(STORY) == "151e83b7b2a99250acc6251e8d8f2d8d562c14e5cc2a49ef81fd6040bf2e4560"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_fingerprints_are_content_hash_and_minhash(text: str) -> None:
    assert fingerprints(text) == (content_hash(text), minhash(text))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), min_size=1, max_size=50))
def test_mersenne_reduction_is_the_remainder(values: list[int]) -> None:
    edges = [0, 1, 2**61 - 2, 2**61 - 1, 2**61, 2**62, 2**63, 2**64 - 2, 2**64 - 1]
    x = np.array(values + edges, dtype=np.uint64)
    assert (_mod_mersenne(x.copy()) == x % _MERSENNE).all()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_words_are_the_general_words(text: str) -> None:
    from retrieval.ingest import dedupe

    assert dedupe._words(text) == list(map(str.casefold, dedupe._WORD.findall(text)))
