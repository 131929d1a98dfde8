"""Fuzzed queries: ``--since`` values, command lines, and questions asked of the engine.

``parse_since`` raises only ``QueryError``; argument parsing ends only in a namespace
or argparse's usage exit (code 2; code 0 for ``--help``); ``ask`` and ``news`` raise
only domain errors, and every answer they give renders within Discord's limits.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.console import add_commands
from bot.limits import live_mentions, payload_texts
from bot.render import Payload, ask_payload, news_payload, no_results_payload
from retrieval.cli.commands import build_parser
from retrieval.errors import QueryError
from retrieval.results import Answer, Scope, SearchFilters
from retrieval.service import NewsService
from tests.conftest import SAMPLES, make_settings
from tests.reliability.guard import documented, fuzz_settings, guarded, only
from tests.reliability.inputs import FIXTURES, hostile_lines
from tests.reliability.targets import cli_args, since

# ------------------------------------------------------------------ --since values
DIGITS = st.sampled_from(["0", "1", "7", "24", "99999", "100000", "٣", "𝟕", "०", "-1", "1.5"])
UNITS = st.sampled_from(["m", "min", "h", "hour", "hours", "d", "Days", "W", "weeks", "y", "x", ""])
SPACES = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\n"])
relative = st.builds(lambda *parts: "".join(parts), SPACES, DIGITS, SPACES, UNITS, SPACES)
PART = st.integers(-1, 10_000).map(str)
ZONE = st.sampled_from(["", "Z", "+00:00", "-14:00", "+14:00", "+99:99", "+05:30", "z", " UTC"])
iso = st.builds(
    lambda y, mo, d, h, mi, sep, zone: (
        f"{y.zfill(4)}-{mo.zfill(2)}-{d.zfill(2)}{sep}{h.zfill(2)}:{mi.zfill(2)}{zone}"
    ),
    PART,
    PART,
    PART,
    PART,
    PART,
    st.sampled_from(["T", " ", "t"]),
    ZONE,
)
dates = st.builds(lambda y, mo, d: f"{y.zfill(4)}-{mo.zfill(2)}-{d.zfill(2)}", PART, PART, PART)
since_values = st.one_of(
    relative,
    iso,
    dates,
    st.sampled_from(["", "all", "ANY", " all time ", "ever", "0001-01-01", "9999-12-31"]),
    st.text(max_size=40),
)


@fuzz_settings(200)
@given(since_values)
def test_since_values(value: str) -> None:
    guarded("query.since", lambda: since(value), size=len(value), allowed=only(QueryError))


# ------------------------------------------------------------------ command lines
def _commands() -> list[tuple[list[str], list[str]]]:
    """Each (sub)command of the ``newsbot`` parser: its words and its option strings."""
    found: list[tuple[list[str], list[str]]] = []
    pending: list[tuple[list[str], argparse.ArgumentParser]] = [([], build_parser(add_commands))]
    while pending:
        words, parser = pending.pop()
        options = [s for action in parser._actions for s in action.option_strings]
        found.append((words, options))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(([*words, name], sub) for name, sub in action.choices.items())
    return found


COMMANDS = _commands()
WORDS = sorted({w for words, options in COMMANDS for w in [*words, *options]} | {"--"})
VALUES = st.one_of(
    st.sampled_from(["0", "1", "-1", "7d", "global", "123", "1" * 5000, "٣", "a,b", "0,1", ""]),
    st.text(max_size=20),
)


@st.composite
def argv_lists(draw: st.DrawFn) -> list[str]:
    """A command's words, then its options and values in any order (or anything at all)."""
    if draw(st.booleans()):
        return draw(st.lists(st.one_of(st.sampled_from(WORDS), VALUES), max_size=8))
    words, options = draw(st.sampled_from(COMMANDS))
    rest = draw(st.lists(st.one_of(st.sampled_from(options or ["--"]), VALUES), max_size=6))
    return [*words, *rest]


def _asked_for_help(argv: list[str]) -> bool:
    return any(arg in ("-h", "--help") for arg in argv)


@fuzz_settings(200)
@given(argv_lists())
def test_command_lines(argv: list[str]) -> None:
    def allowed(error: BaseException) -> bool:
        if isinstance(error, SystemExit) and error.code == 0:
            return _asked_for_help(argv)
        return documented(error)

    guarded("query.argv", lambda: cli_args(argv), size=sum(map(len, argv)), allowed=allowed)


# ------------------------------------------------------------------ questions
@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsService]:
    """The sample articles and this suite's fixtures, ingested once for the module."""
    settings = make_settings(tmp_path_factory.mktemp("query_corpus"))
    service = NewsService.open(settings)
    inputs = sorted(SAMPLES.iterdir()) + sorted(FIXTURES.glob("*.[hjt]*"))
    outcomes = service.ingest_paths(inputs, scope=Scope(None))
    assert any(o.status == "added" for o in outcomes)
    yield service
    service.close()


questions = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["harbour", "ferry Marren", "reservoir water", "@everyone council", "the"]),
    hostile_lines.map(lambda line: line[:1_200]),
)


def _assert_renders(payload: Payload) -> None:
    assert payload.violations() == []
    assert not [m for t in payload_texts(payload.content, payload.embeds) for m in live_mentions(t)]


def _ask(service: NewsService, question: str, value: str, source: str | None) -> None:
    try:
        filters = SearchFilters(since=since(value), source=source)
    except QueryError:
        filters = SearchFilters(source=source)
    for answer in (
        service.ask(question, scope=Scope(None), filters=filters),
        service.news(question, scope=Scope(None), filters=filters, limit=10),
    ):
        assert isinstance(answer, Answer)
        payloads = [ask_payload(answer), news_payload(answer)] if answer.found else []
        for payload in [*payloads, no_results_payload(answer)]:
            _assert_renders(payload)


@fuzz_settings(60)
@given(questions, since_values, st.one_of(st.none(), st.text(max_size=30)))
def test_questions_to_the_engine(
    corpus: NewsService, question: str, value: str, source: str | None
) -> None:
    guarded(
        "query.ask",
        lambda: _ask(corpus, question, value, source),
        size=len(question),
        allowed=only(QueryError),
    )
