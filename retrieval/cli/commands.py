"""The ``newsbot`` command line: the same engine calls the Discord bot makes.

Commands that need Discord (``run``, ``sync``) are added by ``bot.console``, which wraps
this parser, so the engine never imports the bot. Help texts are plain text: argparse
prints them as they are.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from retrieval.cli import info_commands as cli_info
from retrieval.cli.exit_status import report_failure
from retrieval.cli.help_text import DESCRIPTION, HELP_WIDTH, cli_hint, epilog, positive
from retrieval.cli.progress import ProgressBar
from retrieval.config import DEFAULT_CONFIG_NAME, ENV_CONFIG, Settings, load_settings
from retrieval.errors import EXIT_FAILURE, FetchError, InputError, NewsbotError, QueryError
from retrieval.ingest.feeds.feed_commands import register as register_feed_commands
from retrieval.results import Answer, Citation, Scope, SearchFilters

if TYPE_CHECKING:
    from retrieval.ingest.extract import ExtractedArticle
    from retrieval.ingest.stages import IngestOutcome
    from retrieval.service import NewsService

# The engine (SQLAlchemy, numpy, the extractors, the HTTP client) is imported by the
# command that uses it, not here: ``newsbot --help`` and a one-shot ``newsbot ask`` would
# otherwise load every feature first (PLC0415 is allowed in this module for that).

Handler = Callable[[argparse.Namespace, Settings], int]
EXIT_FAILURES = EXIT_FAILURE
_positive = positive


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _jsonl(obj: object, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


# ------------------------------------------------------------------------ inputs
def expand_inputs(items: Sequence[str]) -> Iterator[Path]:
    """Files named, and files under directories named (recursively, sorted), as the
    walk finds them: a directory of a million files is never listed whole."""
    from retrieval.ingest.bulk import walk_files

    for item in items:
        path = Path(item)
        if path.is_dir():
            yield from walk_files(path)
        else:
            yield path


def _scope_from(settings: Settings, value: str | None) -> Scope:
    raw = value if value is not None else settings.ingest.default_scope
    if raw in ("", "global"):
        return Scope(None)
    if not raw.isdigit():
        raise NewsbotError(f"scope must be 'global' or a Discord guild id, not {raw!r}")
    return Scope(int(raw))


def _filters(args: argparse.Namespace) -> SearchFilters:
    from retrieval.timeparse import parse_since

    return SearchFilters(
        since=parse_since(getattr(args, "since", None)), source=getattr(args, "source", None)
    )


# ---------------------------------------------------------------------- commands
def extracted_articles(
    items: Sequence[str], settings: Settings, failures: list[str]
) -> Iterator[tuple[Path, ExtractedArticle]]:
    """Articles extracted from files and directories; each failure is reported on stderr
    and appended to ``failures``, and the other inputs go on."""
    from retrieval.ingest.extract import ExtractOptions, extract_path

    options = ExtractOptions(max_input_bytes=settings.ingest.max_input_bytes)
    for path in expand_inputs(items):
        try:
            records: list[ExtractedArticle | InputError] = list(extract_path(path, options))
        except InputError as exc:
            records = [exc]
        for record in records:
            if isinstance(record, InputError):
                failures.append(str(path))
                _err(f"{path}: {record.reason}")
            else:
                yield path, record


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.ingest.extract import article_to_json

    failures: list[str] = []
    for path, record in extracted_articles(args.paths, settings, failures):
        if args.json:
            _jsonl(article_to_json(record, str(path)))
        else:
            _out(f"# {record.title}")
            meta = [str(v) for v in (record.source, record.byline, record.dateline) if v]
            if record.published:
                meta.append(record.published.isoformat())
            if meta:
                _out(" | ".join(meta))
            if record.description:
                _out(f"\n{record.description}")
            _out(f"\n{record.body}\n")
    return EXIT_FAILURES if failures else 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Files and directories are streamed (JSONL record by record), never read whole
    first; a bar on stderr shows progress when it is a terminal, never under --json."""
    from retrieval.ingest.bulk import ingest_many
    from retrieval.service import NewsService

    scope = _scope_from(settings, args.scope)
    urls = [item for item in args.inputs if "://" in item]
    files = [item for item in args.inputs if "://" not in item]
    bar = ProgressBar(sys.stderr, enabled=not args.json and sys.stderr.isatty())
    on_terminal = sys.stdout.isatty()
    if bar.enabled:  # the total for the time left: a walk, nothing read
        bar.total_bytes = sum(_file_size(path) for path in expand_inputs(files))
    counts: Counter[str] = Counter()
    service = NewsService.open(settings)
    try:
        stream = itertools.chain(
            ingest_many(service, expand_inputs(files), scope, read=bar.read),
            _ingest_urls(service, urls, scope),
        )
        for outcome in stream:
            if on_terminal or outcome.status == "failed":  # a line under the bar: erase it
                bar.clear()
            _report(outcome, args.json)
            bar.record()
            counts[outcome.status] += 1
        service.save_snapshot()
    finally:
        bar.close()
        service.close()
    _err(f"added {counts['added']}, duplicate {counts['duplicate']}, failed {counts['failed']}")
    return EXIT_FAILURES if counts["failed"] else 0


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _ingest_urls(
    service: NewsService, urls: Sequence[str], scope: Scope
) -> Iterator[IngestOutcome]:
    """Fetch each URL through the safe fetcher and ingest what comes back."""
    from retrieval.ingest.fetch import ARTICLE_TYPES, Fetcher
    from retrieval.ingest.stages import IngestOutcome

    if not urls:
        return
    with Fetcher(service.settings.fetch) as fetcher:
        for url in urls:
            try:
                page = fetcher.fetch(url, accept=ARTICLE_TYPES)
            except FetchError as exc:
                yield IngestOutcome(url, "failed", reason=exc.reason)
            else:
                yield from service.ingest_bytes(
                    page.body,
                    name=url,
                    scope=scope,
                    url=page.url,
                    content_type=_content_type(page.content_type, page.charset),
                )


def _content_type(media_type: str, charset: str | None) -> str:
    return f"{media_type}; charset={charset}" if charset else media_type


def _report(outcome: IngestOutcome, as_json: bool) -> None:
    if as_json:
        _jsonl(outcome.to_json())
    elif outcome.status == "failed":
        _err(f"failed     {outcome.input}: {outcome.reason}")
    elif outcome.status == "duplicate":
        _out(f"duplicate  {outcome.input}: {outcome.reason}")
    else:
        plural = "" if outcome.passages == 1 else "s"
        _out(
            f"added      {outcome.input}: [{outcome.article_id}] {outcome.title} "
            f"({outcome.passages} passage{plural})"
        )


def answer_to_json(answer: Answer) -> dict[str, object]:
    return {
        "query": answer.query,
        "sentences": [{"text": s.text, "cites": list(s.cites)} for s in answer.sentences],
        "citations": [citation_to_json(c) for c in answer.citations],
        "related": [citation_to_json(c) for c in answer.related],
        **({"hint": answer.hint} if answer.hint else {}),
    }


def citation_to_json(c: Citation) -> dict[str, object]:
    return {
        "n": c.n,
        "article_id": c.article_id,
        "title": c.title,
        "source": c.source,
        "published": c.published.isoformat() if c.published else None,
        "url": c.url,
        "external_id": c.external_id,
        "snippet": c.marked_snippet(),
        "also": [
            {
                "article_id": o.article_id,
                "external_id": o.external_id,
                "title": o.title,
                "source": o.source,
                "url": o.url,
            }
            for o in c.also
        ],
    }


def print_answer(answer: Answer) -> None:
    if not answer.found:
        _out(cli_hint(answer.hint or "Nothing found."))
        return
    for sentence in answer.sentences:
        cites = "".join(f"[{n}]" for n in sentence.cites)
        _out(f"{sentence.text} {cites}")
    if answer.sentences:
        _out()
    for c in answer.citations:
        _print_citation(c)
    if answer.related:
        _out()
        _out("Related:")
        for c in answer.related:
            _print_citation(c)


def _print_citation(c: Citation) -> None:
    when = c.published.strftime("%Y-%m-%d %H:%M %z") if c.published else "undated"
    _out(f"[{c.n}] {c.title} — {c.source or 'unknown source'}, {when}")
    if c.url:
        _out(f"    {c.url}")
    _out(f"    {c.marked_snippet()}")
    for other in c.also:
        _out(f"    also: {other.title} — {other.source or 'unknown source'}")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.service import NewsService

    if bool(args.batch) == bool(args.question):
        raise NewsbotError("give a question, or --batch FILE (one question per line)")
    service = NewsService.open(settings)
    try:
        if args.batch:
            return _ask_batch(service, args, settings)
        answer = service.ask(
            " ".join(args.question),
            scope=_scope_from(settings, args.scope),
            filters=_filters(args),
            limit=args.limit,
        )
    finally:
        service.close()
    if args.json:
        _jsonl(answer_to_json(answer))
    else:
        print_answer(answer)
    return 0


def batch_questions(lines: Iterable[str]) -> Iterator[tuple[object | None, str]]:
    """(id, question) for each non-blank line: a JSON object with "question" and "id"
    (or "qid"), or a plain line of text (no id). A JSON line without a question gives
    an empty question, which ``ask`` refuses with a reason like any other."""
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text.startswith("{"):
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                record = None
            if isinstance(record, dict):
                qid = record.get("id", record.get("qid"))
                question = record.get("question")
                yield qid, question if isinstance(question, str) else ""
                continue
        yield None, text


def _ask_batch(service: NewsService, args: argparse.Namespace, settings: Settings) -> int:
    """One answer per question, in input order, from one open engine. A refused question
    is an answer line with its reason, so one bad line never stops the batch."""
    scope = _scope_from(settings, args.scope)
    filters = _filters(args)
    with ExitStack() as stack:
        source = (
            sys.stdin
            if args.batch == "-"
            else stack.enter_context(Path(args.batch).open(encoding="utf-8"))
        )
        for qid, question in batch_questions(source):
            keyed: dict[str, object] = {} if qid is None else {"id": qid}
            try:
                if not question.strip():
                    raise QueryError("the line has no question")
                answer = service.ask(question, scope=scope, filters=filters, limit=args.limit)
            except QueryError as exc:
                if args.json:
                    _jsonl({**keyed, "query": question, "error": exc.reason})
                else:
                    _out(f"## {question}\nrefused: {exc.reason}\n")
                continue
            if args.json:
                _jsonl({**keyed, **answer_to_json(answer)})
            else:
                _out(f"## {question}")
                print_answer(answer)
                _out()
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.service import NewsService

    service = NewsService.open(settings)
    try:
        if args.batch:
            return _search_batch(service, Path(args.batch), args.limit or 100)
        if not args.query:
            raise NewsbotError("give a query, or --batch FILE")
        hits = service.search_passages(
            " ".join(args.query),
            scope=_scope_from(settings, args.scope),
            limit=args.limit or 10,
            filters=_filters(args),
        )
    finally:
        service.close()
    for rank, hit in enumerate(hits, start=1):
        if args.json:
            _jsonl(
                {
                    "rank": rank,
                    "score": hit.score,
                    "passage_id": hit.passage.id,
                    "article_id": hit.article.id,
                    "title": hit.article.title,
                    "source": hit.article.source_name,
                    "text": hit.passage.text,
                }
            )
        else:
            _out(f"{rank:>3}. {hit.score:8.3f}  [{hit.article.id}] {hit.article.title}")
            _out(f"     {hit.passage.text[:200]}")
    if not hits and not args.json:
        _out("Nothing matches.")
    return 0


def _search_batch(service: NewsService, path: Path, limit: int) -> int:
    """TREC run lines for ``qid<TAB>query`` lines: articles ranked by their best passage."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            qid, _, query = line.rstrip("\n").partition("\t")
            for rank, (docid, score) in enumerate(service.rank_articles(query, k=limit), start=1):
                _out(f"{qid} Q0 {docid} {rank} {score:.6f} newsbot")
    return 0


def cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.answer.summarize import key_sentences
    from retrieval.index.tokenizer import Tokenizer

    tokenize = Tokenizer().tokenize
    count = args.sentences or settings.summary.sentences
    if args.jsonl:
        with Path(args.jsonl).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    text = str(record["text"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    _err(f"{args.jsonl}:{number}: not a JSON object with a text field")
                    continue
                spans = key_sentences(text, count, tokenize)
                _jsonl(
                    {
                        "id": record.get("id"),
                        "summary": "\n".join(text[s.start : s.end] for s in spans),
                    }
                )
        return 0
    failures: list[str] = []
    for path, record in extracted_articles(args.paths, settings, failures):
        sentences = [
            record.body[s.start : s.end] for s in key_sentences(record.body, count, tokenize)
        ]
        if args.json:
            _jsonl({"input": str(path), "title": record.title, "sentences": sentences})
        else:
            _out(f"# {record.title}")
            for sentence in sentences:
                _out(f"- {sentence}")
            _out()
    return EXIT_FAILURES if failures else 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.store.database import make_engine, migrate
    from retrieval.store.database_info import database_location

    engine = make_engine(settings.database)
    try:
        migrate(engine, args.revision)
    finally:
        engine.dispose()
    _out(f"database {database_location(settings)} at {args.revision}")
    return 0


# ------------------------------------------------------------------------ parser
AddCommands = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def build_parser(extra: AddCommands | None = None) -> argparse.ArgumentParser:
    """The parser of the engine's commands; ``extra`` adds more (the bot's)."""
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description=textwrap.fill(DESCRIPTION, HELP_WIDTH),
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"TOML settings file (else ${ENV_CONFIG}, else ./{DEFAULT_CONFIG_NAME})",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log progress to stderr, and print the traceback of a failure",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="print the article extracted from files (no database)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to read")
    p.add_argument("--json", action="store_true", help="one JSON object per article")
    p.set_defaults(handler=cmd_extract)

    p = sub.add_parser("ingest", help="store articles from files, directories and URLs")
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="an HTML, text or JSON Lines file, a directory (read recursively), or an http(s) URL",
    )
    p.add_argument("--scope", help="'global' (default) or a Discord guild id")
    p.add_argument("--json", action="store_true", help="one JSON outcome per line")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question with cited key sentences")
    p.add_argument("question", nargs="*", help="the question, in plain words")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help='questions one per line (JSON objects with "question" and "id" or "qid", or '
        "plain text; - for stdin); prints one answer per line, in input order, with the "
        "input's id; a refused question gives a line with an error",
    )
    _query_options(
        p, limit="at most N stories to draw sentences from (default: [answer] max_citations, 3)"
    )
    p.set_defaults(handler=cmd_ask, needs_articles=True)

    p = sub.add_parser("search", help="ranked passages, or TREC runs with --batch")
    p.add_argument("query", nargs="*", help="the words to search for")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help="read qid<TAB>query lines and print TREC run lines: qid Q0 DOCID RANK SCORE "
        "newsbot, where DOCID is the article's external id (the id field of JSON Lines "
        "input) when it has one, else its number",
    )
    _query_options(p, limit="passages shown (default 10; 100 articles a query with --batch)")
    p.set_defaults(handler=cmd_search, needs_articles=True)

    p = sub.add_parser("summarize", help="key sentences of articles (no database)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to read")
    p.add_argument(
        "--jsonl",
        metavar="FILE",
        help='read {"id", "text"} lines; print {"id", "summary"} lines',
    )
    p.add_argument(
        "--sentences",
        type=positive,
        metavar="N",
        help="key sentences per article (default: [summary] sentences, 3)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per article")
    p.set_defaults(handler=cmd_summarize)

    p = sub.add_parser("db", help="where the database is, and schema migrations")
    db_sub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply schema migrations (also done on first use)")
    up.add_argument(
        "revision",
        nargs="?",
        default="heads",
        help="the schema revision to reach (default: heads, the newest)",
    )
    up.set_defaults(handler=cmd_db)
    cli_info.register(sub, db_sub)
    register_feed_commands(sub)
    if extra is not None:
        extra(sub)
    return parser


def _query_options(p: argparse.ArgumentParser, *, limit: str = "at most N results") -> None:
    p.add_argument("--limit", type=positive, metavar="N", help=limit)
    p.add_argument(
        "--since",
        metavar="WHEN",
        help="only articles published since then: 7d, 24h, 2w, or a date such as 2025-01-31",
    )
    p.add_argument("--source", metavar="NAME", help="only this source (see newsbot sources)")
    p.add_argument("--scope", help="'global' (default) or a Discord guild id")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def main(
    argv: Sequence[str] | None = None,
    parser: argparse.ArgumentParser | None = None,
    *,
    loading: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> int:
    """Run one command; ``loading`` wraps loading the engine for a query (the console
    script passes ``startup.engine_loading``, the process's own policy)."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(args.config)
        if getattr(args, "needs_articles", False):
            # A query loads the engine first thing: loaded here, within ``loading``,
            # it is found loaded by the handler.
            with loading():
                import retrieval.service  # noqa: F401
                from retrieval.store.database_info import require_articles

            # A question on an empty (often: another) database says so, rather than
            # "nothing matches"; and never creates that database.
            require_articles(settings)
        handler: Handler = args.handler
        file = settings.database.sqlite_file()
        existed = file is None or file.exists()
        status = handler(args, settings)
        if not existed and file is not None and file.exists():
            # Said once, so whoever wonders where their articles went can find them.
            _err(f"newsbot: created the database {file}")
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``newsbot ask ... | head``): not an error of ours. Point
        # stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        return report_failure(exc, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
