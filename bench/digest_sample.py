"""A real digest from the project's sample articles, printed as Discord would receive it.

Ingests ``samples/`` into a throwaway database, sets a daily digest (no topics) due a
few minutes after the ingest, moves the digest clock just past its due time, claims the
run exactly as the bot's scheduler does, and prints the JSON body of every
``POST /channels/{id}/messages`` the bot would send: built by discord.py's own
``handle_message_parameters`` with the bot's default (no) mentions merged in.

    .venv/bin/python bench/digest_sample.py [--role ROLE_ID] [--topics WORDS]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
from discord.http import handle_message_parameters

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.digest_post import nonce_for  # noqa: E402
from bot.digest_render import digest_mentions, digest_payloads  # noqa: E402
from retrieval.config import settings_from_mapping  # noqa: E402
from retrieval.digest.digest_values import DigestPost, ScheduleRequest  # noqa: E402
from retrieval.digest.facade import DigestService  # noqa: E402
from retrieval.results import Scope  # noqa: E402
from retrieval.service import NewsService  # noqa: E402

SAMPLES = ROOT / "samples"
ZONE = "Europe/London"
GUILD_ID = 111_111_111_111_111_111
CHANNEL_ID = 222_222_222_222_222_222


class Clock:
    """The digest clock, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def claim_sample_digest(news: NewsService, role: int | None, topics: str | None) -> DigestPost:
    clock = Clock(datetime.now(UTC).replace(second=0, microsecond=0))
    digests = DigestService(news, clock)
    due_local = (clock.now + timedelta(minutes=5)).astimezone(ZoneInfo(ZONE))
    info = digests.set_schedule(
        ScheduleRequest(
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            time=due_local.strftime("%H:%M"),
            timezone=ZONE,
            topics=topics,
            mention_role_id=role,
        )
    )
    clock.now = info.next_due_at + timedelta(minutes=1)
    (due,) = digests.due_runs()
    post = digests.claim(due)
    if post is None or post.run_id is None:
        raise SystemExit("the sample digest could not be claimed")
    return post


def request_bodies(post: DigestPost, policy: str) -> list[dict[str, object]]:
    """Each message as the JSON body discord.py posts for it."""
    bodies: list[dict[str, object]] = []
    for part, payload in enumerate(digest_payloads(post, policy), start=1):
        params = handle_message_parameters(
            content=payload.content,
            embeds=payload.embeds,
            nonce=nonce_for(post.run_id or 0, part),
            allowed_mentions=digest_mentions(post.schedule.mention_role_id),
            previous_allowed_mentions=discord.AllowedMentions.none(),
        )
        bodies.append(
            {"route": f"POST /channels/{post.schedule.channel_id}/messages", "json": params.payload}
        )
    return bodies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", type=int, default=None, help="a role id to mention")
    parser.add_argument("--topics", default=None, help="only stories about these words")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_from_mapping(
            {
                "database": {"url": f"sqlite:///{Path(tmp) / 'digest.db'}"},
                "index": {"snapshot_path": str(Path(tmp) / "digest.index")},
            }
        )
        news = NewsService.open(settings)
        try:
            outcomes = news.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
            added = sum(o.status == "added" for o in outcomes)
            print(f"# ingested {added} of {len(outcomes)} sample articles", file=sys.stderr)
            post = claim_sample_digest(news, args.role, args.topics)
            bodies = request_bodies(post, settings.digest.announce_empty)
        finally:
            news.close()
    print(json.dumps(bodies, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
