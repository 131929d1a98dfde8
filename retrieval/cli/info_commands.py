"""``newsbot db info`` and ``newsbot sources``: what the database is and what it holds.

The command line's counterparts of the bot's ``/sources``, plus the one question a
newcomer has when an answer looks wrong: which database is this?
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from retrieval.config import Settings, resolve_config_path
from retrieval.errors import QueryError
from retrieval.results import Scope

if TYPE_CHECKING:
    from retrieval.store.database_info import DatabaseInfo

# Ages shorter than this many seconds read "just now".
JUST_NOW_SECONDS = 60


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def describe_age(moment: datetime, now: datetime | None = None) -> str:
    """ "3 minutes ago", "2 days ago": the unit a person would use."""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < JUST_NOW_SECONDS:
        return "just now"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def info_lines(info: DatabaseInfo, config: str) -> list[str]:
    chosen = (
        "the default: set [database] url or $NEWSBOT_DATABASE_URL to use another"
        if info.default_location
        else "from [database] url or $NEWSBOT_DATABASE_URL"
    )
    lines = [f"database  {info.location} ({chosen})"]
    if not info.exists:
        lines.append("          not created yet: newsbot ingest creates it")
    lines += [
        f"articles  {info.articles}",
        f"passages  {info.passages}",
        f"sources   {info.sources}",
    ]
    saved = (
        f"saved {describe_age(info.snapshot_saved)} ({info.snapshot_saved:%Y-%m-%d %H:%M} UTC)"
        if info.snapshot_saved
        else "not saved yet (rebuilt from the database when needed)"
    )
    lines.append(f"index     {info.snapshot}, {saved}")
    lines.append(f"config    {config}")
    return lines


def cmd_db_info(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.store.database_info import database_info  # noqa: PLC0415 - the engine loads on use

    info = database_info(settings)
    config_path = resolve_config_path(args.config)
    if args.json:
        _out(
            json.dumps(
                {
                    **info.__dict__,
                    "snapshot": str(info.snapshot),
                    "config": str(config_path) if config_path else None,
                },
                default=str,
            )
        )
        return 0
    config = str(config_path) if config_path else "none (built-in defaults)"
    _out("\n".join(info_lines(info, config)))
    return 0


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    raw = (args.scope or "global").strip()
    if raw != "global" and not raw.isdigit():
        raise QueryError(f"scope must be 'global' or a Discord guild id, not {raw!r}")
    scope = Scope(None if raw == "global" else int(raw))
    from retrieval.service import NewsService  # noqa: PLC0415
    from retrieval.store.database_info import require_articles  # noqa: PLC0415 - the engine loads on use

    require_articles(settings)
    service = NewsService.open(settings)
    try:
        stats = service.sources(scope=scope)
    finally:
        service.close()
    for row in stats:
        newest = row.newest.strftime("%Y-%m-%d") if row.newest else "undated"
        if args.json:
            _out(json.dumps({"source": row.source, "articles": row.articles, "newest": newest}))
        else:
            _out(f"{row.articles:>6}  {row.source} (newest {newest})")
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    db_sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``newsbot sources`` and ``newsbot db info`` to the engine's parser."""
    p = sub.add_parser(
        "sources", help="the outlets that can be searched, with article counts and newest dates"
    )
    p.add_argument(
        "--scope",
        metavar="GUILD",
        help="also count this Discord server's own articles (default: global articles only)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per source")
    p.set_defaults(handler=cmd_sources)

    info = db_sub.add_parser(
        "info", help="where the database and index are, and how many articles they hold"
    )
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=cmd_db_info)
