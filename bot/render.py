"""Answers rendered as Discord messages that always fit Discord's limits.

Every builder allots the 6000-character embed budget up front (title and footer first,
then fields, then the description gets what is left, up to its own cap) and every piece
of article text passes through ``bot.safe_text`` (escaped, mentions broken, cut at a sentence
end with " …"). So a payload is valid by construction; the tests check it on random text.
Messages are sent with ``AllowedMentions.none()`` as well, so even a mention that slipped
through would ping no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import discord

from bot.limits import (
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    EMBEDS_MAX,
    EMBEDS_TOTAL_MAX,
    payload_violations,
    text_len,
)
from bot.safe_text import ELLIPSIS, fit_plain, fit_rich, is_blank, safe_url
from retrieval.results import Answer, AnswerSentence, Citation

NO_MENTIONS = discord.AllowedMentions.none()
COLOUR = discord.Colour.blurple()
# Characters of the user's query echoed in headings.
QUERY_ECHO_MAX = 200
# Footers are one line of metadata; more would be noise.
FOOTER_MAX = 200
# Source fields listed under an answer (the Sources button lists all of them).
ANSWER_FIELDS_MAX = 10
# A masked link needs room for at least this much label to be worth it.
LINK_LABEL_MIN = 16
# Other outlets named in an "also in" line.
ALSO_MAX = 3
UNTITLED = "(untitled)"
# The least room a field is ever given (6000 / 25 fields, less titles and footers).
FIELD_SHARE_MIN = 120


@dataclass
class Payload:
    """One message: content and embeds, to be sent with mentions disabled."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)

    def violations(self) -> list[str]:
        return payload_violations(self.content, self.embeds)

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send``/``send_message``/``followup.send``."""
        kwargs: dict[str, Any] = {"embeds": self.embeds, "allowed_mentions": NO_MENTIONS}
        if self.content is not None:
            kwargs["content"] = self.content
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``edit``: an explicit ``None`` clears the old content."""
        return {"content": self.content, "embeds": self.embeds, "allowed_mentions": NO_MENTIONS}


def day(published: datetime | None) -> str:
    return published.date().isoformat() if published else "undated"


def byline(source: str | None, published: datetime | None) -> str:
    return f"{source or 'unknown source'} · {day(published)}"


def echo_query(query: str) -> str:
    """The user's query, escaped and shortened, in bold for headings."""
    return f"**{fit_rich(' '.join(query.split()), QUERY_ECHO_MAX)}**"


def shown_title(title: str) -> str:
    return UNTITLED if is_blank(title) else title.strip()


def linked_title(title: str, url: str | None, cap: int) -> str:
    """The title as a masked link to its article when there is a usable URL."""
    title = shown_title(title)
    target = safe_url(url)
    overhead = len("[]()") + (text_len(target) if target else 0)
    if target and cap - overhead >= LINK_LABEL_MIN:
        return f"[{fit_rich(title, cap - overhead)}]({target})"
    return fit_rich(title, cap)


def also_line(citation: Citation, cap: int) -> str:
    """The line naming other outlets that carried the same story ("Also in: A, B")."""
    names = [o.source or o.title for o in citation.also[:ALSO_MAX]]
    if not names or cap <= 0:
        return ""
    more = len(citation.also) - len(names)
    text = "Also in: " + ", ".join(names) + (f" and {more} more" if more > 0 else "")
    return fit_rich(text, cap)


def field_caps(share: int) -> tuple[int, int]:
    """Name and value caps for a field allowed ``share`` characters in all.

    Callers give every field at least ``FIELD_SHARE_MIN``: 25 fields share 6000 characters.
    """
    share = max(share, FIELD_SHARE_MIN)
    name_cap = min(EMBED_FIELD_NAME_MAX, share // 4)
    return name_cap, min(EMBED_FIELD_VALUE_MAX, share - name_cap)


def citation_field(citation: Citation, share: int, *, snippet: bool) -> tuple[str, str]:
    """A source as an embed field: "[n] source · date", then its linked title."""
    name_cap, value_cap = field_caps(share)
    prefix = f"[{citation.n}] "
    name = prefix + fit_rich(byline(citation.source, citation.published), name_cap - len(prefix))
    has_more = (snippet and bool(citation.snippet.strip())) or bool(citation.also)
    parts = [linked_title(citation.title, citation.url, value_cap // 2 if has_more else value_cap)]
    room = value_cap - text_len(parts[0])
    if snippet and citation.snippet.strip() and room > LINK_LABEL_MIN:
        parts.append(fit_rich(citation.snippet, room - 1, citation.marks))
        room -= text_len(parts[-1]) + 1
    also = also_line(citation, room - 1)
    if also:
        parts.append(also)
    return name, "\n".join(parts)


def add_citation_fields(
    embed: discord.Embed, citations: Sequence[Citation], budget: int, *, snippet: bool
) -> int:
    """Fields for the citations within ``budget`` characters; returns the characters used."""
    shown = list(citations[:EMBED_FIELDS_MAX])
    if not shown:
        return 0
    share = min(EMBED_FIELD_NAME_MAX + EMBED_FIELD_VALUE_MAX, budget // len(shown))
    used = 0
    for citation in shown:
        name, value = citation_field(citation, share, snippet=snippet)
        embed.add_field(name=name, value=value, inline=False)
        used += text_len(name) + text_len(value)
    return used


def quoted_sentences(sentences: Sequence[AnswerSentence | str], cap: int) -> str:
    """Verbatim sentences as quote lines ("> text [1][2]"), whole sentences while they fit.

    When a sentence does not fit, the first one is cut inside; later ones are dropped and
    a final "…" line says so.
    """
    lines: list[str] = []
    used = 0
    for sentence in sentences:
        text = sentence if isinstance(sentence, str) else sentence.text
        cites = "" if isinstance(sentence, str) else "".join(f"[{n}]" for n in sentence.cites)
        tail = f" {cites}" if cites else ""
        flat = " ".join(text.split())
        line = f"> {fit_rich(flat, EMBED_DESCRIPTION_MAX)}{tail}"
        sep = 1 if lines else 0
        if used + sep + text_len(line) <= cap:
            lines.append(line)
            used += sep + text_len(line)
            continue
        if not lines:
            room = cap - len("> ") - text_len(tail)
            lines.append(f"> {fit_rich(flat, room)}{tail}" if room > LINK_LABEL_MIN else ELLIPSIS)
        elif used + 1 + len(ELLIPSIS) <= cap:
            lines.append(ELLIPSIS)
        break
    return "\n".join(lines)


def _page_label(answer: Answer) -> str:
    first = answer.offset + 1
    last = answer.offset + len(answer.citations) + len(answer.related)
    return f"results {first}–{last}" + (" · more available" if answer.has_more else "")


def add_related_field(embed: discord.Embed, related: Sequence[Citation], budget: int) -> int:
    """One "Related" field: the page's other matching stories, which no sentence quotes,
    as linked titles while they fit in ``budget``; returns the characters used."""
    if not related or budget < FIELD_SHARE_MIN or len(embed.fields) >= EMBED_FIELDS_MAX:
        return 0
    name = "Related"
    cap = min(EMBED_FIELD_VALUE_MAX, budget - len(name))
    share = cap // len(related)
    lines: list[str] = []
    used = 0
    for citation in related:
        prefix = f"[{citation.n}] "
        line = prefix + linked_title(citation.title, citation.url, share - len(prefix) - 1)
        if used + text_len(line) + 1 > cap:
            break
        lines.append(line)
        used += text_len(line) + 1
    if not lines:
        return 0
    value = "\n".join(lines)
    embed.add_field(name=name, value=value, inline=False)
    return len(name) + text_len(value)


def ask_payload(answer: Answer) -> Payload:
    """A chat-style answer: quoted key sentences cited [n], then the sources."""
    title = None if is_blank(answer.query) else fit_rich(answer.query, EMBED_TITLE_MAX)
    embed = discord.Embed(colour=COLOUR, title=title)
    footer = fit_plain(f"Verbatim from the sources below · {_page_label(answer)}", FOOTER_MAX)
    embed.set_footer(text=footer)
    avail = EMBEDS_TOTAL_MAX - text_len(embed.title or "") - text_len(footer)
    sources = answer.citations[:ANSWER_FIELDS_MAX]
    # Sources may take at most half of the budget; the answer itself gets the rest.
    used = add_citation_fields(embed, sources, avail // 2, snippet=False)
    used += add_related_field(embed, answer.related, avail // 2 - used)
    if answer.sentences:
        desc_cap = min(EMBED_DESCRIPTION_MAX, avail - used)
        embed.description = quoted_sentences(answer.sentences, desc_cap)
    else:
        embed.description = "No single sentence answers this; the closest stories are below."
    return Payload(embeds=[embed])


def news_payload(answer: Answer) -> Payload:
    """The top stories, one embed each: linked title, marked snippet, source and date."""
    shown = answer.citations[:EMBEDS_MAX]
    content = f"Top stories for {echo_query(answer.query)} ({_page_label(answer)})"
    share = EMBEDS_TOTAL_MAX // max(len(shown), 1)
    embeds = [_story_embed(c, share) for c in shown]
    return Payload(content=content, embeds=embeds)


def _story_embed(citation: Citation, share: int) -> discord.Embed:
    prefix = f"[{citation.n}] "
    title = prefix + fit_rich(
        citation.title.strip() or UNTITLED, min(EMBED_TITLE_MAX, share // 3) - len(prefix)
    )
    also = ", ".join(o.source or o.title for o in citation.also[:ALSO_MAX])
    footer_text = byline(citation.source, citation.published) + (
        f" · also in {also}" if also else ""
    )
    footer = fit_plain(footer_text, min(EMBED_FOOTER_MAX, FOOTER_MAX, share // 6))
    embed = discord.Embed(colour=COLOUR, title=title, url=safe_url(citation.url))
    desc_cap = min(EMBED_DESCRIPTION_MAX, share - text_len(title) - text_len(footer))
    if citation.snippet.strip():
        embed.description = fit_rich(citation.snippet, desc_cap, citation.marks)
    embed.set_footer(text=footer)
    return embed


def citations_payload(answer: Answer) -> Payload:
    """The full citation list of an answer (the Sources button), snippets included."""
    embed = discord.Embed(
        colour=COLOUR, title=fit_rich(f"Sources for {answer.query}", EMBED_TITLE_MAX)
    )
    footer = fit_plain(_page_label(answer).capitalize(), FOOTER_MAX)
    embed.set_footer(text=footer)
    avail = EMBEDS_TOTAL_MAX - text_len(embed.title or "") - text_len(footer)
    if answer.citations:
        add_citation_fields(embed, (*answer.citations, *answer.related), avail, snippet=True)
    else:
        embed.description = "No sources for this answer."
    return Payload(embeds=[embed])


def no_results_payload(answer: Answer) -> Payload:
    """Nothing matched: say so, with the engine's suggestion."""
    hint = answer.hint or "Try fewer or different words, or a wider time window."
    text = f"I found nothing for {echo_query(answer.query)}. {fit_rich(hint, CONTENT_MAX // 2)}"
    return Payload(content=text)


def notice_payload(text: str) -> Payload:
    """A short plain message of the bot's own (errors, acknowledgements)."""
    return Payload(content=fit_plain(text, CONTENT_MAX))
