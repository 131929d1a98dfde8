"""Messages for the informational commands: /summary, /sources, /help and /trend."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.limits import EMBED_DESCRIPTION_MAX, EMBED_TITLE_MAX, EMBEDS_TOTAL_MAX, text_len
from bot.render import (
    COLOUR,
    FOOTER_MAX,
    Payload,
    add_citation_fields,
    byline,
    day,
    echo_query,
    quoted_sentences,
    shown_title,
)
from bot.safe_text import ELLIPSIS, fit_plain, fit_rich, is_blank, render_rich, safe_url
from retrieval.results import ArticleSummary, SourceStats, Trend

# Text of /help: (usage, what it does). ``{prefix}`` is the configured command prefix.
HELP_COMMANDS: tuple[tuple[str, str], ...] = (
    (
        "/ask question  ·  or mention me with a question",
        "A short answer: key sentences quoted verbatim "
        "from stored articles, each cited [n], then the sources with links. Reply to an answer "
        "to follow up on it.",
    ),
    (
        "/news query [since] [source] [limit]  ·  {prefix}news query",
        "The top stories for a "
        "query as cited snippets. `since` narrows the time window, `source` picks one outlet.",
    ),
    (
        "/summary article",
        "The key sentences of one article (pick it from the list, or paste its id or URL).",
    ),
    (
        "/trend query [days]",
        "A chart of how many articles matched the query each day, with "
        "the headlines of the busiest days.",
    ),
    (
        "/sources",
        "Which outlets this server can search, how many articles each, and how recent they are.",
    ),
)
# Shown as one field: admins (Manage Server or the configured role) fill and schedule.
HELP_ADMIN = (
    "`/ingest url` · `/ingest file` store an article for this server; "
    "`/feed add|list|remove` follow RSS/Atom feeds; `/article forget` removes an article; "
    "`/digest set|list|remove|preview` post a digest of new stories to a channel on a schedule."
)
HELP_BUTTONS = (
    "Under each answer: **More** shows the next results (for the person who asked), "
    "**Sources** lists every citation, 👍/👎 tell us whether the answer helped."
)


def summary_payload(summary: ArticleSummary) -> Payload:
    """An article's key sentences under its linked title."""
    title = fit_rich(shown_title(summary.title), EMBED_TITLE_MAX)
    embed = discord.Embed(colour=COLOUR, title=title, url=safe_url(summary.url))
    footer = fit_plain(
        f"{byline(summary.source, summary.published)} · article {summary.article_id}", FOOTER_MAX
    )
    embed.set_footer(text=footer)
    cap = min(EMBED_DESCRIPTION_MAX, EMBEDS_TOTAL_MAX - text_len(title) - text_len(footer))
    if summary.sentences:
        embed.description = quoted_sentences(summary.sentences, cap)
    else:
        embed.description = "This article has no text to summarise."
    return Payload(embeds=[embed])


def sources_payload(stats: Sequence[SourceStats]) -> Payload:
    """One line per source: article count and newest date, whole lines while they fit."""
    if not stats:
        return Payload(
            content="There are no articles to search yet: an admin can add some with "
            "`newsbot ingest`."
        )
    total = sum(s.articles for s in stats)
    footer = fit_plain(f"{total} articles from {len(stats)} sources", FOOTER_MAX)
    embed = discord.Embed(colour=COLOUR, title="What this server can search")
    embed.set_footer(text=footer)
    cap = min(
        EMBED_DESCRIPTION_MAX, EMBEDS_TOTAL_MAX - text_len(embed.title or "") - text_len(footer)
    )
    lines = [_source_line(stat) for stat in stats]
    if sum(text_len(line) + 1 for line in lines) > cap:
        # Whole lines while they fit, keeping room for the closing "and N more" line.
        reserve = text_len(f"{ELLIPSIS} and {len(lines)} more") + 1
        kept: list[str] = []
        used = 0
        for line in lines:
            if used + text_len(line) + 1 + reserve > cap:
                break
            kept.append(line)
            used += text_len(line) + 1
        lines = [*kept, f"{ELLIPSIS} and {len(stats) - len(kept)} more"]
    embed.description = "\n".join(lines)
    return Payload(embeds=[embed])


def _source_line(stat: SourceStats) -> str:
    name = fit_rich("unknown source" if is_blank(stat.source) else stat.source, EMBED_TITLE_MAX)
    plural = "article" if stat.articles == 1 else "articles"
    return f"**{name}**: {stat.articles} {plural}, newest {day(stat.newest)}"


def help_payload(prefix: str, *, message_content: bool) -> Payload:
    """What the bot does and how to use it."""
    embed = discord.Embed(
        colour=COLOUR,
        title="newsbot: answers from the news, with sources",
        description="I answer from the articles stored for this server, quoting them "
        "verbatim and citing every sentence. Nothing is made up: no sentence is written by me.",
    )
    shown_prefix = render_rich(prefix)
    for usage, text in HELP_COMMANDS:
        embed.add_field(name=usage.replace("{prefix}", shown_prefix), value=text, inline=False)
    embed.add_field(name="Buttons", value=HELP_BUTTONS, inline=False)
    embed.add_field(name="For admins", value=HELP_ADMIN, inline=False)
    if not message_content:
        embed.add_field(
            name="Text commands are off",
            value=f"{shown_prefix}news needs the Message Content intent; mention me or use "
            "the slash commands instead.",
            inline=False,
        )
    return Payload(embeds=[embed])


def trend_payload(trend: Trend, days: int, image_name: str | None) -> Payload:
    """The chart (an attachment named ``image_name``; None: no chart) with totals and the
    peak days' headlines cited."""
    embed = discord.Embed(
        colour=COLOUR,
        title=fit_rich(f"Articles about {trend.query}, last {days} days", EMBED_TITLE_MAX),
    )
    busiest = max(trend.days, key=lambda d: d.count, default=None)
    description = f"{trend.total} matching articles for {echo_query(trend.query)}."
    if busiest is not None and busiest.count:
        description += f" Busiest day: {busiest.day} ({busiest.count})."
    embed.description = description
    if image_name is not None:
        embed.set_image(url=f"attachment://{image_name}")
    avail = EMBEDS_TOTAL_MAX - text_len(embed.title or "") - text_len(description)
    add_citation_fields(embed, trend.peaks, avail, snippet=False)
    return Payload(embeds=[embed])
