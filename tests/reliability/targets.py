"""The fuzz targets: each runs one component on one input and checks what it returns.

Shared by the short fuzz tests (``tests/reliability/test_fuzz_*.py``) and the long run
(``bench/fuzz_long.py``). A target returns normally, raises a documented error (which
``guard.guarded`` accepts), or fails an assertion about its result.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from datetime import datetime

from bot.console import add_commands
from retrieval.answer.summarize import key_sentences
from retrieval.cli.commands import build_parser
from retrieval.errors import InputError, MalformedRecord
from retrieval.index.tokenizer import Tokenizer
from retrieval.ingest.extract import ExtractedArticle, ExtractOptions, extract_bytes
from retrieval.ingest.feeds.entry_pages import entry_article
from retrieval.ingest.feeds.parse import parse_feed
from retrieval.ingest.passages import split_passages
from retrieval.ingest.stages import IngestOutcome
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.text.sentences import split_sentences
from retrieval.timeparse import parse_since

# The size cap of the fuzzed extractions (the default is 5 MB; mutated seeds stay far
# below it, and a smaller cap also exercises the refusal path).
MAX_INPUT_BYTES = 2_000_000
OPTIONS = ExtractOptions(max_input_bytes=MAX_INPUT_BYTES)
# Entries read from one fuzzed feed.
FEED_ENTRIES = 50
FEED_URL = "https://feeds.example/news.xml"
TOKENIZER = Tokenizer()
# Terms of a text that ``match_spans`` is asked to find.
MARKED_TERMS = 5


def _check_article(article: ExtractedArticle) -> None:
    assert article.title.strip(), "an article without a title"
    assert article.body.strip(), "an article without a body"
    assert article.published is None or isinstance(article.published, datetime)


def extract(data: bytes, name: str) -> list[ExtractedArticle | InputError]:
    """Every record of one input; whole-input failures raise, bad records are values."""
    records = list(extract_bytes(data, name=name, options=OPTIONS))
    for record in records:
        if isinstance(record, ExtractedArticle):
            _check_article(record)
        else:
            assert isinstance(record, MalformedRecord), record
            assert record.reason and "\n" not in record.reason
    return records


def text_pipeline(text: str) -> None:
    """Tokenizer, sentence splitter, passages and summary on one text, with their contracts."""
    tokens = TOKENIZER.tokenize(text)
    assert all(token and not any(c.isspace() for c in token) for token in tokens)
    spans = TOKENIZER.match_spans(text, set(tokens[:MARKED_TERMS]))
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 < a2 for (_a1, b1), (a2, _b2) in itertools.pairwise(spans))
    sentences = split_sentences(text)
    ends = 0
    for span in sentences:
        piece = text[span.start : span.end]
        assert span.start >= ends and piece == piece.strip() and piece, (span, piece)
        ends = span.end
    inside = "".join(text[span.start : span.end] for span in sentences)
    assert "".join(inside.split()) == "".join(text.split()), "a character outside every sentence"
    for n, passage in enumerate(split_passages(text)):
        assert passage.ordinal == n and passage.text == text[passage.start : passage.end]
    for span in key_sentences(text, 3, TOKENIZER.tokenize):
        assert span in sentences


def since(value: str) -> datetime | None:
    parsed = parse_since(value)
    assert parsed is None or parsed.tzinfo is not None
    return parsed


def cli_args(argv: list[str]) -> object:
    """``newsbot`` argument parsing (the bot's commands included), output swallowed."""
    parser = build_parser(add_commands)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        args = parser.parse_args(argv)
    assert callable(args.handler)
    return args


def feed(data: bytes) -> list[ExtractedArticle]:
    """A feed document and the articles its entries make from their own text."""
    parsed = parse_feed(data, url=FEED_URL, content_type=None, max_entries=FEED_ENTRIES)
    assert len(parsed.items) <= FEED_ENTRIES and parsed.total >= len(parsed.items)
    articles = []
    for item in parsed.items:
        assert item.key and len({i.key for i in parsed.items}) == len(parsed.items)
        try:
            article = entry_article(item, feed_title=parsed.title)
        except InputError as exc:  # documented: the entry has no text of its own
            assert exc.reason
            continue
        _check_article(article)
        articles.append(article)
    return articles


def ingest_jsonl(service: NewsService, data: bytes) -> list[IngestOutcome]:
    """A JSON Lines upload through the engine: one outcome per line, never an exception."""
    outcomes = service.ingest_bytes(data, name="upload.jsonl", scope=Scope(None))
    for outcome in outcomes:
        assert outcome.status in ("added", "duplicate", "failed"), outcome
        assert outcome.status != "failed" or outcome.reason, outcome
        assert outcome.status == "failed" or outcome.article_id is not None, outcome
    return outcomes
