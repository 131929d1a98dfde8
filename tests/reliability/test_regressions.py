"""The hangs and crashes the fuzzing found, each pinned by the input that showed it.

Hangs: inputs of a few hundred kilobytes that took minutes (the time each took before
its fix is noted); each now takes well under a second, and the behaviour it guarded
is unchanged (the outputs of all 120 shared extraction pages are identical before and
after). Crashes: inputs that ended an ingest with an exception instead of an outcome.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable

import pytest

from retrieval.config import Settings
from retrieval.dedupe import canonical_url
from retrieval.errors import MalformedRecord, NewsbotError, NoArticleFound
from retrieval.extract import extract_bytes
from retrieval.extract import plaintext_meta as meta
from retrieval.extract.boilerplate import is_caption
from retrieval.extract.bylines import names_in
from retrieval.extract.plaintext import extract_text
from retrieval.normalize import normalize_text
from retrieval.passages import split_passages, word_count
from retrieval.results import Scope
from retrieval.sentences import sentence_texts, split_sentences
from retrieval.service import NewsService
from retrieval.store.models import Article

# Seconds a fixed input may take (each takes a few tenths; each took minutes before).
FIXED_SECONDS = 2.0
# Characters of the long runs below.
RUN = 200_000
HEADLINE = "Harbour Plan Approved By Council Today"
BODY = "The council met on Tuesday and voted to approve the new harbour plan for the town.\n" * 6


def _seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(NewsbotError):
        call()
    return time.perf_counter() - start


@pytest.mark.parametrize(
    ("case", "text"),
    [
        # boilerplate._CAPTION, "photo: <run> ." : quadratic per "photo:" (135 s).
        ("caption", f"{HEADLINE}\nx photo: {'a' * RUN} .\n{BODY}"),
        # bylines._ROLE via names_in, "By <run> x": quadratic (70 s).
        ("byline", f"{HEADLINE}\nBy {'a' * RUN} x\n{BODY}"),
        # plaintext_meta._URL, a header line without spaces: quadratic (110 s) ...
        ("no-space line", f"{HEADLINE}\n{'ad-' * (RUN // 3)}\n{BODY}"),
        # ... and cubic on a run of "@" (over an hour).
        ("run of @", f"{HEADLINE}\n{'@' * RUN}\n{BODY}"),
        # plaintext_meta._COPYRIGHT, a run of "©": cubic (over an hour).
        ("run of ©", f"{BODY}{'©' * RUN}\n"),
    ],
)
def test_extraction_of_long_hostile_lines_is_fast(case: str, text: str) -> None:
    assert _seconds(lambda: extract_text(text, name=f"{case}.txt")) < FIXED_SECONDS


def test_word_count_of_a_long_punctuation_run_is_fast() -> None:
    # passages._WORD on 1 MB of "=" (a rule line): quadratic, hours.
    rule = "=" * 1_000_000
    assert _seconds(lambda: split_passages(rule)) < FIXED_SECONDS
    assert word_count(rule) == 0
    assert word_count("== a= =b= 12 漢字 -- x") == 6


def test_sentence_splitting_of_many_non_final_stops_is_fast() -> None:
    # sentences._ends_sentence copied the sentence so far for every full stop in it:
    # 1.2 MB of "aG. " (stops that end nothing) took 3.5 s, 5 MB about a minute.
    stops = "aG. " * 300_000
    assert _seconds(lambda: split_sentences(stops)) < FIXED_SECONDS + 0.5
    assert sentence_texts("Intro.\n\n(iv) The council voted. It passed.") == [
        "Intro.",
        "(iv) The council voted.",
        "It passed.",
    ]


def test_the_fixed_patterns_still_recognise_what_they_are_for() -> None:
    assert is_caption("The harbour at dawn. Photo: Jane Smith/Reuters")
    assert not is_caption("Photo: " + "a" * 3_000)  # longer than any caption
    assert names_in("By Tom Krisher, AP Auto Writer") == "Tom Krisher"
    assert meta._URL.search("send tips to desk@valley-post.example")
    assert not meta._URL.search("an @handle and a full stop.")
    found = meta._COPYRIGHT.search("Copyright © 2025 Valley Post. All rights reserved.")
    assert found is not None and found.group("name") == "Valley Post"


def test_deeply_nested_json_lines_are_malformed_records() -> None:
    # json.loads raised RecursionError, which escaped the extractor (and the sniffer).
    nested = b'{"text": ' + b"[" * 100_000 + b"}\n" + b'{"text": "A short but real article."}'
    records = list(extract_bytes(nested, name="deep.jsonl"))
    assert isinstance(records[0], MalformedRecord) and "nested too deeply" in records[0].reason
    assert not isinstance(records[1], MalformedRecord)
    with pytest.raises(NoArticleFound):  # sniffed as text, not JSON Lines: no prose in it
        list(extract_bytes(b"[" * 100_000, name="upload"))


def test_unstorable_characters_are_normalised_away() -> None:
    # A lone surrogate ("\ud800" in JSON) crashed every database write; NUL crashed
    # PostgreSQL's.
    assert normalize_text("a\x00b \ud800 \U0001f600") == "ab \ufffd \U0001f600"


def test_malformed_urls_are_compared_as_written() -> None:
    # urlsplit raised ValueError on a bad port or IPv6 host, inside ingest's prepare.
    for url in ("http://a:99999/x", "http://[x/y", "https://a:xx/"):
        assert canonical_url(url) == url


def test_hostile_metadata_is_stored_not_crashed_on(settings: Settings) -> None:
    body = BODY.replace("\n", " ")
    records = [
        {"text": f"{body} Lone \ud800 surrogate.", "title": "\udfff"},
        {"text": f"{body} NUL \u0000 inside.", "source": "Wire\u0000"},
        {"text": f"{body} Long language.", "language": "x" * 30, "byline": "y" * 400},
        {"text": f"{body} Long ids.", "id": "z" * 400, "dateline": "d" * 300},
        {"text": f"{body} Long URL.", "url": "https://e.example/" + "e" * 3_000},
        {"text": f"{body} Bad port.", "url": "http://a:99999/story"},
    ]
    data = "\n".join(json.dumps(r) for r in records).encode()
    service = NewsService.open(settings)
    try:
        outcomes = service.ingest_bytes(data, name="hostile.jsonl", scope=Scope(None))
        assert [o.status for o in outcomes] == ["added"] * len(records), outcomes
        with service.sessions() as session:
            stored = session.query(Article).order_by(Article.id).all()
            assert stored[2].language == "x" * 20 and stored[2].byline == "y" * 300
            assert stored[3].external_id is None and stored[3].dateline == "d" * 200
            assert stored[4].canonical_url is None and stored[4].url == records[4]["url"]
            assert "\x00" not in stored[1].body and "\ufffd" in stored[0].body
    finally:
        service.close()
