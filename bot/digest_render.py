"""Digests and ``/digest`` replies as Discord messages that always fit Discord's limits.

A digest is one embed per story (linked headline, key sentences quoted verbatim, every
outlet that carried it), packed into as few messages as the limits allow: at most 10
embeds and 6000 embed characters per message. Each story embed is capped at
``STORY_EMBED_MAX`` so four always share a message. Article text goes through
``bot.safe_text`` (markdown escaped, mentions broken); the only live mention a digest may
carry is its configured role, and ``digest_mentions`` lets Discord ping that role only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.limits import (
    CHOICE_NAME_MAX,
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    EMBEDS_MAX,
    EMBEDS_TOTAL_MAX,
    embed_total,
    text_len,
)
from bot.render import (
    COLOUR,
    FOOTER_MAX,
    LINK_LABEL_MIN,
    Payload,
    byline,
    quoted_sentences,
    shown_title,
)
from bot.safe_text import ELLIPSIS, fit_plain, fit_rich, safe_url

if TYPE_CHECKING:
    from retrieval.digest.content import DigestSource, DigestStory
    from retrieval.digest.digest_values import DigestPost, ScheduleInfo

# Characters of one story embed: four of them fill a message's 6000.
STORY_EMBED_MAX = 1_450
# Characters of a headline shown as an embed title.
HEADLINE_MAX = 200
# Characters of an outlet's name in the sources line.
SOURCE_LABEL_MAX = 60
# Characters of the topics echoed in a header.
TOPICS_ECHO_MAX = 200
DIGEST_TITLE = "News digest"


def digest_mentions(role_id: int | None) -> discord.AllowedMentions:
    """Nobody may be pinged but the schedule's role (and only when it has one)."""
    roles: list[discord.abc.Snowflake] = [discord.Object(id=role_id)] if role_id else []
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def send_kwargs(payload: Payload, role_id: int | None) -> dict[str, Any]:
    """``Messageable.send`` arguments for a digest message."""
    return payload.send_kwargs() | {"allowed_mentions": digest_mentions(role_id)}


def _since(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "f")


def _topics(topics: str) -> str:
    return f" · {fit_rich(topics, TOPICS_ECHO_MAX)}" if topics else ""


def header(post: DigestPost, part: int, parts: int) -> str:
    """The first message's text: what this is, how much is new, since when."""
    digest = post.digest
    if part > 1:
        return f"**{DIGEST_TITLE}** (continued, {part}/{parts})"
    shown = len(digest.stories)
    noun = "story" if shown == 1 else "stories"
    text = f"**{DIGEST_TITLE}**{_topics(digest.topics)} · {shown} new {noun}"
    if digest.matched > shown:
        text += f" (the top {shown} of {digest.matched})"
    text += f" since {_since(digest.window_start)}"
    if post.preview:
        return f"Preview of digest {post.schedule.id}, not posted: {text}"
    role = post.schedule.mention_role_id
    return f"<@&{role}> {text}" if role else text


def empty_text(post: DigestPost, policy: str) -> str:
    """The one message of a digest with nothing new."""
    digest = post.digest
    topics = f" about {fit_rich(digest.topics, TOPICS_ECHO_MAX)}" if digest.topics else ""
    text = f"**{DIGEST_TITLE}**: nothing new{topics} since {_since(digest.window_start)}."
    if post.preview:
        return f"Preview of digest {post.schedule.id}, not posted: {text}"
    if policy == "once":
        text += " I will stay quiet until there is news."
    return text


def sources_line(sources: Sequence[DigestSource], cap: int) -> str:
    """ "Sources: [Outlet A](url) · [Outlet B](url) and 2 more", whole entries while they fit."""
    lead = "Sources: " if len(sources) > 1 else "Source: "
    parts: list[str] = []
    used = text_len(lead)
    for n, source in enumerate(sources):
        label = fit_rich(source.source or shown_title(source.title), SOURCE_LABEL_MAX)
        target = safe_url(source.url)
        entry = f"[{label}]({target})" if target else label
        rest = len(sources) - n - 1
        reserve = text_len(f" and {rest} more") if rest else 0
        sep = text_len(" · ") if parts else 0
        if used + sep + text_len(entry) + reserve > cap:
            if parts:
                return lead + " · ".join(parts) + f" and {len(sources) - n} more"
            return fit_rich(f"{len(sources)} sources", cap) if cap > 0 else ""
        parts.append(entry)
        used += sep + text_len(entry)
    return lead + " · ".join(parts)


def story_embed(story: DigestStory, cap: int = STORY_EMBED_MAX) -> discord.Embed:
    """One story: linked headline, quoted key sentences, the outlets that carried it."""
    lead = story.sources[0] if story.sources else None
    title = fit_rich(shown_title(story.headline), min(EMBED_TITLE_MAX, HEADLINE_MAX))
    # The headline links to the first outlet with a usable URL (a scrape may have none).
    link = next((url for url in (safe_url(s.url) for s in story.sources) if url), None)
    embed = discord.Embed(colour=COLOUR, title=title, url=link)
    outlets = len({s.source or s.url or s.title for s in story.sources})
    footer_text = byline(lead.source if lead else None, story.published)
    if outlets > 1:
        footer_text += f" · carried by {outlets} outlets"
    footer = fit_plain(footer_text, FOOTER_MAX)
    embed.set_footer(text=footer)
    room = min(EMBED_DESCRIPTION_MAX, cap - text_len(title) - text_len(footer))
    sources = sources_line(story.sources, min(room, room // 3 + LINK_LABEL_MIN * 4))
    quoted = quoted_sentences(story.sentences, room - text_len(sources) - 2)
    embed.description = "\n\n".join(part for part in (quoted, sources) if part) or ELLIPSIS
    return embed


def pack(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds in order, as few per message as the count and character limits allow."""
    messages: list[list[discord.Embed]] = []
    total = 0
    for embed in embeds:
        size = embed_total(embed)
        if not messages or len(messages[-1]) >= EMBEDS_MAX or total + size > EMBEDS_TOTAL_MAX:
            messages.append([])
            total = 0
        messages[-1].append(embed)
        total += size
    return messages


def digest_payloads(post: DigestPost, policy: str = "once") -> list[Payload]:
    """Every message of a digest, in order (one notice when it is empty)."""
    if post.digest.empty:
        return [Payload(content=_fit_content(empty_text(post, policy)))]
    groups = pack([story_embed(story) for story in post.digest.stories])
    return [
        Payload(content=_fit_content(header(post, n, len(groups))), embeds=group)
        for n, group in enumerate(groups, start=1)
    ]


def _fit_content(text: str) -> str:
    return text if text_len(text) <= CONTENT_MAX else fit_plain(text, CONTENT_MAX)


# ------------------------------------------------------------------- /digest replies
def schedule_summary(info: ScheduleInfo) -> str:
    """One schedule in a sentence: where, when, what, who is pinged."""
    text = f"<#{info.channel_id}> at {info.local_time} {info.timezone}, {info.days}"
    text += f": {fit_rich(info.topics, TOPICS_ECHO_MAX)}" if info.topics else ": all new stories"
    text += f", up to {info.max_stories} stories"
    if info.mention_role_id:
        text += f", mentioning <@&{info.mention_role_id}>"
    return text


def _status(info: ScheduleInfo) -> str:
    if info.paused_reason is not None:
        return f"**Paused**: {fit_rich(info.paused_reason, 300)} Set it again to resume."
    status = f"Next: {_since(info.next_due_at)}"
    last = info.last_run
    if last is not None:
        status += f" · last ({_since(last.due_at)}): {last.state}"
        if last.state == "posted":
            status += f", {last.story_count} stories"
        if last.reason:
            status += f" ({fit_rich(last.reason, 200)})"
    return status


def schedules_payload(schedules: Sequence[ScheduleInfo]) -> Payload:
    """``/digest list``: every schedule of the server with its state, whole lines."""
    if not schedules:
        return Payload(content="No digests are scheduled here. Add one with /digest set.")
    embed = discord.Embed(colour=COLOUR, title="Scheduled digests")
    lines = [f"`{s.id}` {schedule_summary(s)}\n{_status(s)}" for s in schedules]
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + text_len(line) + 2 > EMBED_DESCRIPTION_MAX - 40:
            kept.append(f"{ELLIPSIS} and {len(lines) - len(kept)} more")
            break
        kept.append(line)
        used += text_len(line) + 2
    embed.description = "\n\n".join(kept)
    return Payload(embeds=[embed])


def schedule_set_text(info: ScheduleInfo) -> str:
    return f"Digest {info.id} set: {schedule_summary(info)}. First one: {_since(info.next_due_at)}."


def paused_notice(info: ScheduleInfo, reason: str) -> str:
    """Told to the admins when a schedule is paused (well under the content limit)."""
    return (
        f"The digest {info.id} for <#{info.channel_id}> ({info.local_time} {info.timezone}) "
        f"is paused: {fit_rich(reason, 500)} Fix it, then run /digest set again to resume."
    )


def schedule_choice(info: ScheduleInfo, channel_name: str | None) -> str:
    """An autocomplete entry for a schedule."""
    where = f"#{channel_name}" if channel_name else f"channel {info.channel_id}"
    what = info.topics or "all news"
    text = f"{info.id}: {where} {info.local_time} {info.timezone} · {what}"
    return fit_plain(text + (" (paused)" if info.paused else ""), CHOICE_NAME_MAX)
