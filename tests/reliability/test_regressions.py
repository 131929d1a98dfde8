"""The hangs and crashes the fuzzing found, each pinned by the input that showed it.

Hangs: inputs of a few hundred kilobytes that took minutes, or feeds that took seconds
(the time each took before its fix is noted); each now takes well under a second, and
the behaviour it guarded is unchanged (the outputs of all 120 shared extraction pages
are identical before and after). Crashes: inputs that ended an ingest with an exception
instead of an outcome.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable

import pytest

from retrieval.config import Settings
from retrieval.errors import MalformedRecord, NewsbotError, NoArticleFound, NotAFeed
from retrieval.ingest.dedupe import canonical_url
from retrieval.ingest.extract import extract_bytes
from retrieval.ingest.extract import plaintext_meta as meta
from retrieval.ingest.extract.boilerplate import is_caption
from retrieval.ingest.extract.bylines import names_in
from retrieval.ingest.extract.plaintext import extract_text
from retrieval.ingest.feeds.parse import MAX_MARKUP, parse_feed
from retrieval.ingest.passages import split_passages, word_count
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.models import Article
from retrieval.text.normalize import normalize_text
from retrieval.text.sentences import sentence_texts, split_sentences

# Characters of the long runs below (the larger of the two sizes each is timed at).
RUN = 200_000
# A fixed input is timed at RUN / SCALE and at RUN characters: linear work grows by
# about SCALE, quadratic by SCALE**2. Growth under LINEAR_MAX passes. A ratio of two
# timings taken in one test holds on a loaded machine where a bound in seconds would not.
SCALE = 4
LINEAR_MAX = 10.0
# Each size is timed this often, the two sizes taking turns (so a busy spell of the
# machine falls on both), and the fastest time of each kept (a stall only adds time).
REPEATS = 3
HEADLINE = "Harbour Plan Approved By Council Today"
BODY = "The council met on Tuesday and voted to approve the new harbour plan for the town.\n" * 6


def _seconds(call: Callable[[], object]) -> float:
    """CPU seconds of ``call``: the machine's other work does not count."""
    start = time.process_time()
    with contextlib.suppress(NewsbotError):
        call()
    return time.process_time() - start


def _growth(make: Callable[[int], str], work: Callable[[str], object]) -> float:
    """How much longer ``work`` takes on ``make(RUN)`` than on ``make(RUN // SCALE)``."""
    small, large = make(RUN // SCALE), make(RUN)
    small_best = large_best = float("inf")
    for _ in range(REPEATS):
        small_best = min(small_best, _seconds(lambda: work(small)))
        large_best = min(large_best, _seconds(lambda: work(large)))
    return large_best / max(small_best, 1e-4)


@pytest.mark.parametrize(
    ("case", "make"),
    [
        # boilerplate._CAPTION, "photo: <run> ." : quadratic per "photo:" (135 s at RUN).
        ("caption", lambda n: f"{HEADLINE}\nx photo: {'a' * n} .\n{BODY}"),
        # bylines._ROLE via names_in, "By <run> x": quadratic (70 s).
        ("byline", lambda n: f"{HEADLINE}\nBy {'a' * n} x\n{BODY}"),
        # plaintext_meta._URL, a header line without spaces: quadratic (110 s) ...
        ("no-space line", lambda n: f"{HEADLINE}\n{'ad-' * (n // 3)}\n{BODY}"),
        # ... and cubic on a run of "@" (over an hour).
        ("run of @", lambda n: f"{HEADLINE}\n{'@' * n}\n{BODY}"),
        # plaintext_meta._COPYRIGHT, a run of "©": cubic (over an hour).
        ("run of ©", lambda n: f"{BODY}{'©' * n}\n"),
    ],
)
def test_extraction_of_long_hostile_lines_is_linear(case: str, make: Callable[[int], str]) -> None:
    assert _growth(make, lambda text: extract_text(text, name=f"{case}.txt")) < LINEAR_MAX


def test_word_count_of_a_long_punctuation_run_is_linear() -> None:
    # passages._WORD on 1 MB of "=" (a rule line): quadratic, hours.
    assert _growth(lambda n: "=" * (5 * n), split_passages) < LINEAR_MAX
    assert word_count("=" * 1_000_000) == 0
    assert word_count("== a= =b= 12 漢字 -- x") == 6


def test_sentence_splitting_of_many_non_final_stops_is_linear() -> None:
    # sentences._ends_sentence copied the sentence so far for every full stop in it:
    # 1.2 MB of "aG. " (stops that end nothing) took 3.5 s, 5 MB about a minute.
    assert _growth(lambda n: "aG. " * (n // 4), split_sentences) < LINEAR_MAX
    assert sentence_texts("Intro.\n\n(iv) The council voted. It passed.") == [
        "Intro.",
        "(iv) The council voted.",
        "It passed.",
    ]


def test_sentence_splitting_of_a_glued_run_of_stops_is_linear() -> None:
    # sentences._WESTERN_END was retried from every stop of a run not followed by space:
    # 4,766 "…" and then "@a.b" took 2 s, quadratic in the run.
    assert _growth(lambda n: "…" * (n // 10) + "@a.b", split_sentences) < LINEAR_MAX
    assert sentence_texts("Wait… what?! “Yes.” Done...x. End.") == [
        "Wait… what?!",
        "“Yes.”",
        "Done...x.",
        "End.",
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


FEED_URL = "https://feeds.example/news.xml"
ITEM = "<rss><channel><item><title>t</title>"
ATOM_XHTML = (
    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title><content type="xhtml">'
    '<div xmlns="http://www.w3.org/1999/xhtml">'
)


@pytest.mark.parametrize(
    ("case", "document"),
    [
        # 50,000 nested elements: feedparser read them twice over (2 s of CPU for
        # 350 KB; a 5 MB fetch would have taken half a minute).
        ("nested", "<rss><channel><item>" + "<title>" * 50_000 + "x"),
        # 40,000 elements in one entry, as markup or as XHTML content.
        ("flat", f"{ITEM}{'<x>y</x>' * 40_000}</item></channel></rss>"),
        ("xhtml", f"{ATOM_XHTML}{'<b>x</b>' * 40_000}</div></content></entry></feed>"),
        # 40,000 tags of HTML in an entry's text, sanitised tag by tag (1.8 s).
        ("html text", f"{ITEM}<description><![CDATA[{'<b>x</b>' * 40_000}]]></description>"
         "</item></channel></rss>"),
        # No XML at all: feedparser's lenient parser read every tag (1.5 s).
        ("soup", "<p>" * 40_000),
    ],
)  # fmt: skip
def test_feeds_with_more_markup_than_entries_need_are_refused_quickly(
    case: str, document: str
) -> None:
    started = time.process_time()
    with pytest.raises(NotAFeed):
        parse_feed(document.encode(), url=FEED_URL, content_type=None, max_entries=50)
    assert time.process_time() - started < 0.5, case


def test_a_feed_of_long_entries_keeps_the_entries_that_fit_the_markup_budget() -> None:
    paragraph = "<p>The council met on <b>Tuesday</b>.</p>" * 100  # 400 tags an entry
    items = "".join(
        f"<item><guid>g{n}</guid><title>Story {n}</title>"
        f"<description><![CDATA[{paragraph}]]></description></item>"
        for n in range(50)
    )
    document = f"<rss version='2.0'><channel><title>Valley</title>{items}</channel></rss>"
    parsed = parse_feed(document.encode(), url=FEED_URL, content_type=None, max_entries=50)
    kept = [item.key for item in parsed.items]
    assert parsed.total == 50 and 0 < len(kept) < 50
    assert kept == [f"g{n}" for n in range(len(kept))], "the top entries are the ones kept"
    assert len(kept) * 400 <= MAX_MARKUP
