"""The cleaner on arbitrary text: only our errors, and fast."""

from __future__ import annotations

import contextlib
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.errors import InputError
from retrieval.ingest.extract import ExtractOptions, extract_bytes
from retrieval.ingest.extract.plaintext import extract_text

_LINE = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "Home / News / A headline about things",
            "2 min read Last Updated : Sep 04 2024 | 1:42 PM IST",
            "Click here to connect with us on WhatsApp",
            "The council said on Monday that the plan would go ahead as agreed in May.",
            "AP Seoul",
            "Copyrights © 2024 Example Media Ltd. All rights reserved",
            "",
        ]
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, max_size=40))
def test_cleaner_raises_only_our_errors(lines: list[str]) -> None:
    text = "\n".join(lines)
    start = time.perf_counter()
    try:
        article = extract_text(text, name="fuzz.txt")
    except InputError:
        pass
    else:
        assert article.body.strip()
        assert article.title.strip()
    assert time.perf_counter() - start < 1.0


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000))
def test_bytes_raise_only_our_errors(data: bytes) -> None:
    with contextlib.suppress(InputError):
        list(extract_bytes(data, name="fuzz", options=ExtractOptions(max_input_bytes=10_000)))


def test_large_scrape_is_fast() -> None:
    paragraph = "The committee met again on Tuesday and agreed the budget for next year. "
    text = "\n".join(["Menu", "News", "Sport"] * 2000 + [paragraph * 3] * 2000)
    start = time.perf_counter()
    extract_text(text, name="big.txt")
    assert time.perf_counter() - start < 5.0
