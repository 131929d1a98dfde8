"""Digests in a soak run: schedules set through ``/digest set``, the posts they make
watched as they happen, and the count of due times posted once, lost or doubled.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from retrieval.service import NewsService
from retrieval.store.digest_models import RUN_POSTED, DigestRun, DigestSchedule
from tests.fakediscord import FakeDiscord, RecordedRequest, events
from tests.fakediscord.interaction_routes import INTERACTION_COMMAND
from tests.fakediscord.model import FakeChannel
from tests.fakediscord.server import sent_message

OPTION_SUB_COMMAND, OPTION_INTEGER, OPTION_CHANNEL, OPTION_ROLE = 1, 4, 7, 8
_NONCE = re.compile(r"^dg(\d+)p(\d+)$")


async def set_schedule(
    fake: FakeDiscord, channel: FakeChannel, local_time: str, role_id: int | None
) -> str:
    """``/digest set`` by the server owner, as Discord sends a sub-command; the reply."""
    owner = fake.world.owner
    everything = str(fake.world.guild.permissions_of(owner.id).value)
    options: list[dict[str, Any]] = [
        {"name": "channel", "type": OPTION_CHANNEL, "value": str(channel.id)},
        {"name": "time", "type": 3, "value": local_time},
        {"name": "timezone", "type": 3, "value": "UTC"},
        {"name": "max_stories", "type": OPTION_INTEGER, "value": 10},
    ]
    resolved: dict[str, Any] = {
        "channels": {str(channel.id): channel.to_json() | {"permissions": everything}}
    }
    if role_id is not None:
        role = next(r for r in fake.world.guild.roles if r.id == role_id)
        options.append({"name": "mention_role", "type": OPTION_ROLE, "value": str(role_id)})
        resolved["roles"] = {str(role_id): role.to_json()}
    command = fake.registered_command("digest", channel.guild_id)
    assert command is not None, "/digest is not registered"
    data = {
        "id": command["id"],
        "name": "digest",
        "type": 1,
        "options": [{"type": OPTION_SUB_COMMAND, "name": "set", "options": options}],
        "resolved": resolved,
    }
    state = events.new_interaction(INTERACTION_COMMAND, fake.world.channel, owner)
    await fake._dispatch_interaction(state, data)
    _, reply = await fake.interaction_reply(state)
    return str(reply.get("content") or "")


@dataclass
class DigestWatch:
    """Every digest message created in the digest channels, by nonce (seen before trims)."""

    channels: set[str]
    created: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unlabelled: int = 0  # messages in a digest channel without a digest nonce

    def observe(self, request: RecordedRequest) -> None:
        """Note a digest message the request created (call once per request, in order)."""
        message = sent_message(request)
        if request.method != "POST" or message is None:
            return
        if str(message.get("channel_id")) not in self.channels:
            return
        nonce = str(request.message.get("nonce") or "")
        if _NONCE.match(nonce):
            self.created[nonce].add(str(message["id"]))
        else:
            self.unlabelled += 1


@dataclass
class DigestTally:
    due: int = 0  # due times that passed while the bot ran
    posted_once: int = 0  # ... posted exactly once
    lost: int = 0  # ... with no posted run, or a run whose message never appeared
    doubled: int = 0  # ... whose message appeared more than once
    parts: int = 0  # messages the posted digests took
    with_stories: int = 0  # posted digests that carried stories (the rest said so)


def first_dues(service: NewsService) -> dict[int, datetime]:
    """Each schedule's next due time: read right after the schedules are set."""
    with service.sessions() as session:
        rows = session.execute(select(DigestSchedule.id, DigestSchedule.next_due_at)).all()
    return {schedule_id: _utc(due) for schedule_id, due in rows}


def tally(
    service: NewsService, watch: DigestWatch, first: dict[int, datetime], until: datetime
) -> DigestTally:
    """Compare the schedules' daily due times (from ``first`` up to ``until``) with their
    runs and their posts."""
    with service.sessions() as session:
        runs = session.scalars(select(DigestRun)).all()
    by_due = {(run.schedule_id, _utc(run.due_at)): run for run in runs}
    parts: dict[int, list[set[str]]] = defaultdict(list)
    for nonce, ids in watch.created.items():
        parts[_run_of(nonce)].append(ids)
    result = DigestTally()
    for schedule_id, due in ((s, d) for s, start in first.items() for d in _days(start, until)):
        result.due += 1
        run = by_due.get((schedule_id, due))
        if run is None or run.state != RUN_POSTED or not watch.created.get(f"dg{run.id}p1"):
            result.lost += 1
        elif any(len(ids) > 1 for ids in parts[run.id]):
            result.doubled += 1
        else:
            result.posted_once += 1
            result.parts += len(parts[run.id])
            result.with_stories += run.story_count > 0
    return result


def _days(start: datetime, until: datetime) -> list[datetime]:
    out = []
    while start <= until:
        out.append(start)
        start += timedelta(days=1)
    return out


def _run_of(nonce: str) -> int:
    match = _NONCE.match(nonce)
    return int(match.group(1)) if match else 0


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
