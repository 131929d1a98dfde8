"""Replies of the admin commands (/ingest, /article forget, /feed) and feed notices.

Each says what was stored (title, date, passages) or exactly why not, with every piece
of outside text (titles, URLs, reasons) escaped and cut to fit Discord's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.limits import (
    CHOICE_NAME_MAX,
    CONTENT_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TITLE_MAX,
    EMBEDS_MAX,
    EMBEDS_TOTAL_MAX,
    text_len,
)
from bot.render import COLOUR, FIELD_SHARE_MIN, Payload, byline, day, field_caps, shown_title
from bot.safe_text import ELLIPSIS, fit_plain, fit_rich
from retrieval.ingest.feeds.feed_values import FeedInfo, PollReport
from retrieval.ingest.feeds.poll_intervals import describe_every
from retrieval.ingest.stages import IngestOutcome
from retrieval.results import ArticleTitle

# Characters of a title, a name or a reason inside one reply line.
TITLE_MAX = 150
NAME_MAX = 120
REASON_MAX = 400
# Outcome lines listed for a multi-article file; the rest are only counted.
OUTCOME_LINES_MAX = 10
# Room kept for the "… and N more" line under a cut list.
MORE_LINE_ROOM = 20
PAUSED_COLOUR = discord.Colour.orange()


def _when(moment: datetime | None) -> str:
    """A Discord timestamp each reader sees in their own time zone ("3 hours ago")."""
    return discord.utils.format_dt(moment, "R") if moment else "never"


def outcome_line(outcome: IngestOutcome) -> str:
    """One outcome: what was stored (id, title, date, passages) or why not."""
    title = fit_rich(shown_title(outcome.title or ""), TITLE_MAX)
    if outcome.status == "added":
        return (
            f"Stored article {outcome.article_id}: **{title}** · {day(outcome.published)} · "
            f"{outcome.passages} passages"
        )
    if outcome.status == "duplicate":
        return f"Already stored as article {outcome.article_id}: **{title}**"
    name = fit_rich(outcome.input, NAME_MAX)
    return f"Not stored ({name}): {fit_rich(outcome.reason or 'no reason given', REASON_MAX)}"


def fit_lines(lines: Sequence[str], cap: int) -> str:
    """Whole lines while they fit in ``cap``; then a line saying how many were left out."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        room = cap - MORE_LINE_ROOM if index < len(lines) - 1 else cap
        if used + text_len(line) + 1 > room:
            left = len(lines) - index
            kept.append(f"{ELLIPSIS} and {left} more")
            break
        kept.append(line)
        used += text_len(line) + 1
    return "\n".join(kept)


def ingest_payload(name: str, outcomes: Sequence[IngestOutcome]) -> Payload:
    """The reply to /ingest: one line per article, with counts first for a batch."""
    lines = [outcome_line(o) for o in outcomes[:OUTCOME_LINES_MAX]]
    if len(outcomes) > 1:
        counts = {s: sum(o.status == s for o in outcomes) for s in ("added", "duplicate", "failed")}
        head = (
            f"From {fit_rich(name, NAME_MAX)}: {counts['added']} stored, "
            f"{counts['duplicate']} already stored, {counts['failed']} not stored."
        )
        hidden = len(outcomes) - len(lines)
        lines = [head, *lines] + ([f"{ELLIPSIS} and {hidden} more"] if hidden else [])
    if not outcomes:
        lines = [f"Nothing in {fit_rich(name, NAME_MAX)} could be read as an article."]
    return Payload(content=fit_lines(lines, CONTENT_MAX))


def forgot_payload(title: ArticleTitle) -> Payload:
    shown = fit_rich(shown_title(title.title), TITLE_MAX)
    where = fit_rich(byline(title.source, title.published), NAME_MAX)
    return Payload(
        content=(
            f"Forgot article {title.article_id}: **{shown}** ({where}). "
            "Its passages are out of the index; it no longer appears in answers."
        )
    )


def article_choice_name(title: ArticleTitle) -> str:
    label = (
        f"{title.article_id} · {shown_title(title.title)} · {byline(title.source, title.published)}"
    )
    return fit_plain(label, CHOICE_NAME_MAX)


def feed_name(info: FeedInfo | PollReport) -> str:
    return info.title or info.url


def feed_choice_name(info: FeedInfo) -> str:
    state = " (paused)" if info.paused else ""
    return fit_plain(f"{info.feed_id} · {feed_name(info)}{state}", CHOICE_NAME_MAX)


def feed_added_payload(info: FeedInfo) -> Payload:
    name = fit_rich(feed_name(info), TITLE_MAX)
    if info.resumed:
        text = (
            f"Resumed feed {info.feed_id}: **{name}**, checked every "
            f"{describe_every(info.every_seconds)}; its next fetch is within a minute or two."
        )
    else:
        text = (
            f"Following feed {info.feed_id}: **{name}**, checked every "
            f"{describe_every(info.every_seconds)}. Its {info.entries} current entries were "
            f"marked as seen; entries that appear from now on become articles of this server. "
            f"Next fetch {_when(info.next_fetch_at)}."
        )
    return Payload(content=fit_plain(text, CONTENT_MAX))


def feed_removed_payload(info: FeedInfo) -> Payload:
    name = fit_rich(feed_name(info), TITLE_MAX)
    return Payload(
        content=(
            f"Stopped following feed {info.feed_id}: **{name}**. The {info.articles} articles "
            "it brought stay; /article forget removes one."
        )
    )


def _feed_field(info: FeedInfo, share: int) -> tuple[str, str]:
    """A feed as an embed field: its state first, then its times, error and URL."""
    name_cap, value_cap = field_caps(share)
    prefix = f"[{info.feed_id}] "
    name = prefix + fit_plain(feed_name(info), name_cap - len(prefix))
    part = value_cap // 2
    lines = [
        f"every {describe_every(info.every_seconds)} · {info.articles} articles · "
        f"{info.entries} entries seen",
        f"**paused**: {fit_rich(info.paused_reason or 'too many failures', part)}"
        if info.paused
        else f"next fetch {_when(info.next_fetch_at)}",
        f"last fetch {_when(info.last_fetch_at)} · last new item {_when(info.last_new_at)}",
    ]
    if info.last_error and not info.paused:
        lines.append(f"last error: {fit_rich(info.last_error, part)}")
    lines.append(fit_rich(info.url, part))
    return name, fit_lines(lines, value_cap) or ELLIPSIS


def feed_list_payload(infos: Sequence[FeedInfo]) -> Payload:
    """This server's feeds with their state: last fetch, last new item, last error, next."""
    if not infos:
        return Payload(content="This server follows no feeds. Add one with /feed add.")
    shown = list(infos[: EMBED_FIELDS_MAX * EMBEDS_MAX])
    title = _feed_list_title(len(infos), len(infos))
    share = max(FIELD_SHARE_MIN, (EMBEDS_TOTAL_MAX - text_len(title)) // len(shown))
    fields = [_feed_field(info, share) for info in shown]
    # The share's floor lets many feeds overrun the 6000 characters that all embeds of
    # one message share: the last ones are left out until the rest fit, and the title
    # says how many are shown.
    while text_len(title) + sum(text_len(n) + text_len(v) for n, v in fields) > EMBEDS_TOTAL_MAX:
        fields.pop()
        title = _feed_list_title(len(fields), len(infos))
    embeds: list[discord.Embed] = []
    for start in range(0, len(fields), EMBED_FIELDS_MAX):
        embed = discord.Embed(colour=COLOUR, title=title if not embeds else None)
        for name, value in fields[start : start + EMBED_FIELDS_MAX]:
            embed.add_field(name=name, value=value, inline=False)
        embeds.append(embed)
    return Payload(embeds=embeds)


def _feed_list_title(shown: int, total: int) -> str:
    count = str(total) if shown == total else f"the first {shown} of {total}"
    return fit_plain(f"Feeds this server follows ({count})", EMBED_TITLE_MAX)


def feed_paused_payload(report: PollReport) -> Payload:
    """The notice posted where a feed was added when repeated failures pause it."""
    name = fit_rich(feed_name(report), TITLE_MAX)
    error = fit_rich(report.error or "unknown", REASON_MAX)
    embed = discord.Embed(
        colour=PAUSED_COLOUR,
        title=fit_plain(f"Feed {report.feed_id} paused", EMBED_TITLE_MAX),
        description=(
            f"**{name}** failed {report.failures} times in a row, so it is no longer checked.\n"
            f"Last error: {error}\n"
            "An admin can resume it by adding it again with /feed add, or drop it with "
            "/feed remove."
        ),
    )
    return Payload(embeds=[embed])
