"""``newsbot feed add|list|remove|poll``: the bot owner's view of every feed.

``register(sub)`` adds the commands to the engine's parser. Handlers take
``(args, settings)`` and return the exit status, like the engine's other commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from retrieval.config import Settings
from retrieval.errors import NewsbotError
from retrieval.ingest.feeds.feed_values import FeedInfo, PollReport
from retrieval.ingest.feeds.poll_intervals import describe_every, parse_every
from retrieval.results import Scope

if TYPE_CHECKING:
    from retrieval.ingest.feeds.manager import FeedManager

EXIT_FAILURES = 1
EXIT_USAGE = 2


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _scope(value: str | None, settings: Settings) -> Scope:
    raw = (value if value is not None else settings.ingest.default_scope).strip()
    if raw in ("", "global"):
        return Scope(None)
    if not raw.isdigit():
        raise NewsbotError(f"scope must be 'global' or a Discord guild id, not {raw!r}")
    return Scope(int(raw))


@contextmanager
def _manager(settings: Settings) -> Iterator[FeedManager]:
    # Loaded by the feed commands only, so that building the parser stays light.
    from retrieval.ingest.feeds.manager import FeedManager  # noqa: PLC0415
    from retrieval.ingest.fetch import Fetcher  # noqa: PLC0415
    from retrieval.service import NewsService  # noqa: PLC0415

    """A manager over a freshly opened service; the index snapshot is saved on the way out."""
    service = NewsService.open(settings)
    try:
        with Fetcher(settings.fetch) as fetcher:
            yield FeedManager(service, fetcher)
        service.save_snapshot()
    finally:
        service.close()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _describe(info: FeedInfo) -> list[str]:
    scope = "global" if info.guild_id is None else f"guild {info.guild_id}"
    state = "paused" if info.paused else ("failing" if info.failures else "ok")
    lines = [
        f"[{info.feed_id}] {info.title or '(untitled)'} — {info.url}",
        f"    {scope}, every {describe_every(info.every_seconds)}, {state}; "
        f"{info.entries} entries seen, {info.articles} articles",
        f"    last fetch {_when(info.last_fetch_at)}, last new item {_when(info.last_new_at)}, "
        f"next fetch {'paused' if info.paused else _when(info.next_fetch_at)}",
    ]
    if info.last_error:
        lines.append(f"    last error: {info.last_error}")
    if info.paused_reason:
        lines.append(f"    {info.paused_reason}")
    return lines


def _info_json(info: FeedInfo) -> dict[str, object]:
    return {key: value for key, value in info.__dict__.items() if key != "resumed"}


def cmd_feed_add(args: argparse.Namespace, settings: Settings) -> int:
    every = (
        parse_every(args.every, minimum=settings.feeds.min_every_seconds) if args.every else None
    )
    with _manager(settings) as manager:
        info = manager.add(args.url, _scope(args.scope, settings), every)
    verb = "resumed" if info.resumed else "following"
    _out(f"{verb} feed {info.feed_id}: {info.title or info.url}")
    if not info.resumed:
        _out(f"    {info.entries} current entries marked as seen; new ones become articles")
    return 0


def cmd_feed_list(args: argparse.Namespace, settings: Settings) -> int:
    with _manager(settings) as manager:
        feeds = manager.list_all()
    for info in feeds:
        if args.json:
            _out(json.dumps(_info_json(info), default=str))
        else:
            _out("\n".join(_describe(info)))
    if not feeds and not args.json:
        _out("No feeds are followed.")
    return 0


def cmd_feed_remove(args: argparse.Namespace, settings: Settings) -> int:
    with _manager(settings) as manager:
        info = manager.remove_any(args.feed_id)
    _out(f"removed feed {info.feed_id}: {info.title or info.url} ({info.articles} articles kept)")
    return 0


def _counts(report: PollReport) -> str:
    duplicates = sum(o.status == "duplicate" for o in report.outcomes)
    failed = sum(o.status == "failed" for o in report.outcomes)
    parts = [f"{len(report.added)} new articles"]
    parts += [f"{duplicates} already stored"] if duplicates else []
    parts += [f"{failed} failed"] if failed else []
    return ", ".join(parts)


def _print_report(report: PollReport) -> None:
    name = report.title or report.url or "(removed)"
    summary = {
        "failed": f"failed: {report.error}",
        "gone": "removed meanwhile",
        "not_modified": "not modified",
        "unchanged": "nothing new",
        "updated": _counts(report),
    }[report.status]
    backlog = f" ({report.backlog} more entries next poll)" if report.backlog else ""
    _out(f"feed {report.feed_id} {name}: {summary}{backlog}")
    for outcome in report.outcomes:
        detail = f"[{outcome.article_id}] {outcome.title}" if outcome.article_id else ""
        reason = f"{detail} {outcome.reason or ''}".strip()
        _out(f"    {outcome.status:<10} {outcome.input}: {reason}")
    if report.paused_now:
        _err(f"feed {report.feed_id} is now paused after {report.failures} failures in a row")


def cmd_feed_poll(args: argparse.Namespace, settings: Settings) -> int:
    if args.feed_id is not None and args.all:
        _err("newsbot feed poll: give a feed id or --all, not both")
        return EXIT_USAGE
    with _manager(settings) as manager:
        if args.feed_id is not None:
            reports = [manager.poll(args.feed_id)]
        elif args.all:
            reports = [manager.poll(info.feed_id) for info in manager.list_all()]
        else:
            reports = manager.poll_due()
    for report in reports:
        _print_report(report)
    if not reports:
        _out("No feed is due.")
    return EXIT_FAILURES if any(r.status == "failed" for r in reports) else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``newsbot feed ...`` to the engine's parser."""
    p = sub.add_parser("feed", help="follow RSS and Atom feeds (every server's, as the owner)")
    actions = p.add_subparsers(dest="feed_command", required=True, metavar="ACTION")
    add = actions.add_parser

    a = add("add", help="follow a feed; its current entries are only marked as seen")
    a.add_argument("url", metavar="URL", help="the feed's address (RSS or Atom)")
    a.add_argument("--every", metavar="15m|1h|6h|1d", help="poll interval (default: [feeds])")
    a.add_argument("--scope", help="'global' (default) or a Discord guild id")
    a.set_defaults(handler=cmd_feed_add)

    a = add("list", help="every feed with its polling state")
    a.add_argument("--json", action="store_true", help="one JSON object per feed")
    a.set_defaults(handler=cmd_feed_list)

    a = add("remove", help="stop following a feed (its articles stay)")
    a.add_argument("feed_id", type=int, metavar="ID", help="the feed's id, from newsbot feed list")
    a.set_defaults(handler=cmd_feed_remove)

    a = add("poll", help="poll the due feeds now, or one feed, or --all")
    a.add_argument(
        "feed_id", type=int, nargs="?", metavar="ID", help="only this feed (id from feed list)"
    )
    a.add_argument("--all", action="store_true", help="poll every feed, due or not")
    a.set_defaults(handler=cmd_feed_poll)
