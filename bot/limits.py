"""Discord's message limits, and a checker that lists every way a payload breaks them.

Discord rejects an over-limit message with a 400 ("Invalid Form Body"), so the renderer
must stay inside these numbers by construction; the checker lets tests prove it.

Lengths are measured in UTF-16 code units (``text_len``). That is never less than the
number of code points, so text that fits by this measure fits whichever way Discord counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
# Sum of every embed's title, description, field names and values, footer and author.
EMBEDS_TOTAL_MAX = 6000
# Embed and link URLs longer than this are refused by Discord.
URL_MAX = 2048
# Bytes per uploaded file for a bot in a server without boosts (larger uploads get 413).
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Application command choices (autocomplete results and static choices).
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100

# A mention Discord would turn into a ping (or a channel link) if it were allowed to.
LIVE_MENTION = re.compile(r"@(?:everyone|here)|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)


def text_len(text: str) -> int:
    """Length in UTF-16 code units: astral characters (emoji, rare CJK) count twice."""
    return len(text.encode("utf-16-le")) // 2


def embed_total(embed: discord.Embed) -> int:
    """The characters of one embed that count towards the per-message total."""
    total = text_len(embed.title or "") + text_len(embed.description or "")
    for item in embed.fields:
        total += text_len(item.name or "") + text_len(item.value or "")
    total += text_len(embed.footer.text or "") + text_len(embed.author.name or "")
    return total


def _too_long(where: str, text: str | None, limit: int) -> list[str]:
    if text is not None and text_len(text) > limit:
        return [f"{where}: {text_len(text)} > {limit}"]
    return []


def embed_violations(embed: discord.Embed, where: str = "embed") -> list[str]:
    """Every per-embed limit this embed breaks (empty when it is valid)."""
    out = _too_long(f"{where}.title", embed.title, EMBED_TITLE_MAX)
    out += _too_long(f"{where}.description", embed.description, EMBED_DESCRIPTION_MAX)
    out += _too_long(f"{where}.url", embed.url, URL_MAX)
    if len(embed.fields) > EMBED_FIELDS_MAX:
        out.append(f"{where}.fields: {len(embed.fields)} > {EMBED_FIELDS_MAX}")
    for n, item in enumerate(embed.fields):
        if not (item.name or "").strip() or not (item.value or "").strip():
            out.append(f"{where}.fields[{n}]: name and value must not be blank")
        out += _too_long(f"{where}.fields[{n}].name", item.name, EMBED_FIELD_NAME_MAX)
        out += _too_long(f"{where}.fields[{n}].value", item.value, EMBED_FIELD_VALUE_MAX)
    out += _too_long(f"{where}.footer", embed.footer.text, EMBED_FOOTER_MAX)
    out += _too_long(f"{where}.author", embed.author.name, EMBED_AUTHOR_MAX)
    return out


def payload_violations(content: str | None, embeds: Sequence[discord.Embed]) -> list[str]:
    """Every message limit that this content and these embeds break together."""
    out = _too_long("content", content, CONTENT_MAX)
    if len(embeds) > EMBEDS_MAX:
        out.append(f"embeds: {len(embeds)} > {EMBEDS_MAX}")
    for index, embed in enumerate(embeds):
        out += embed_violations(embed, f"embeds[{index}]")
    total = sum(embed_total(e) for e in embeds)
    if total > EMBEDS_TOTAL_MAX:
        out.append(f"embeds: {total} characters in total > {EMBEDS_TOTAL_MAX}")
    return out


def payload_texts(content: str | None, embeds: Sequence[discord.Embed]) -> list[str]:
    """Every string of a payload a reader sees: for mention and escaping checks."""
    texts = [content or ""]
    for embed in embeds:
        texts += [embed.title or "", embed.description or ""]
        texts += [embed.footer.text or "", embed.author.name or ""]
        for item in embed.fields:
            texts += [item.name or "", item.value or ""]
    return texts


def live_mentions(text: str) -> list[str]:
    """The mentions in ``text`` that have not been neutralised."""
    return LIVE_MENTION.findall(text)
