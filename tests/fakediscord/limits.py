"""Discord's message limits and mention rules, as the real API enforces them.

The fake server rejects an over-limit message with the 400 "Invalid Form Body" Discord
would send, and computes who a message actually pings from its content and
``allowed_mentions``: a test then asserts on the outcome rather than on the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .rules import ACTION_ROWS_MAX, CONTENT_MAX, EMBEDS_TOTAL_MAX

JSON = dict[str, Any]

# Limits from the Discord API documentation (message, embed and component objects).
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
ROW_COMPONENTS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(?:everyone|here)")
_ACTION_ROW = 1


def _too_long(name: str, value: object, limit: int) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"{name}: {len(value)} characters > {limit}"]
    return []


def _embed_text_length(embed: JSON) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for item in embed.get("fields") or []:
        total += len(item.get("name") or "") + len(item.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def _embed_violations(index: int, embed: JSON) -> list[str]:
    where = f"embeds[{index}]"
    out = _too_long(f"{where}.title", embed.get("title"), EMBED_TITLE_MAX)
    out += _too_long(f"{where}.description", embed.get("description"), EMBED_DESCRIPTION_MAX)
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_MAX:
        out.append(f"{where}.fields: {len(fields)} fields > {EMBED_FIELDS_MAX}")
    for n, item in enumerate(fields):
        name, value = item.get("name"), item.get("value")
        if not name or not value:
            out.append(f"{where}.fields[{n}]: name and value are required")
        out += _too_long(f"{where}.fields[{n}].name", name, EMBED_FIELD_NAME_MAX)
        out += _too_long(f"{where}.fields[{n}].value", value, EMBED_FIELD_VALUE_MAX)
    out += _too_long(
        f"{where}.footer.text", (embed.get("footer") or {}).get("text"), EMBED_FOOTER_MAX
    )
    out += _too_long(
        f"{where}.author.name", (embed.get("author") or {}).get("name"), EMBED_AUTHOR_MAX
    )
    return out


def _component_violations(components: list[JSON]) -> list[str]:
    out: list[str] = []
    rows = [c for c in components if c.get("type") == _ACTION_ROW]
    if len(rows) > ACTION_ROWS_MAX:
        out.append(f"components: {len(rows)} action rows > {ACTION_ROWS_MAX}")
    for r, row in enumerate(rows):
        children = row.get("components") or []
        if len(children) > ROW_COMPONENTS_MAX:
            out.append(f"components[{r}]: {len(children)} items > {ROW_COMPONENTS_MAX}")
        for c, child in enumerate(children):
            where = f"components[{r}].components[{c}]"
            out += _too_long(f"{where}.custom_id", child.get("custom_id"), CUSTOM_ID_MAX)
            out += _too_long(f"{where}.label", child.get("label"), BUTTON_LABEL_MAX)
    return out


def _allowed_mentions_violations(allowed: JSON | None) -> list[str]:
    if not allowed:
        return []
    parse = allowed.get("parse") or []
    out = []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            out.append(f"allowed_mentions: parse {kind!r} and an explicit {kind} list conflict")
    return out


def limit_violations(message: JSON) -> list[str]:
    """Every way ``message`` (a create/edit message payload) breaks a Discord limit."""
    out = _too_long("content", message.get("content"), CONTENT_MAX)
    embeds = message.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        out.append(f"embeds: {len(embeds)} embeds > {EMBEDS_MAX}")
    for index, embed in enumerate(embeds):
        out += _embed_violations(index, embed)
    total = sum(_embed_text_length(e) for e in embeds)
    if total > EMBEDS_TOTAL_MAX:
        out.append(f"embeds: {total} characters in total > {EMBEDS_TOTAL_MAX}")
    out += _component_violations(message.get("components") or [])
    out += _allowed_mentions_violations(message.get("allowed_mentions"))
    return out


def choice_violations(choices: list[JSON]) -> list[str]:
    """Every way an autocomplete result breaks a Discord limit."""
    out = []
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        out.append(f"choices: {len(choices)} > {AUTOCOMPLETE_CHOICES_MAX}")
    for n, choice in enumerate(choices):
        out += _too_long(f"choices[{n}].name", choice.get("name"), CHOICE_NAME_MAX)
        out += _too_long(f"choices[{n}].value", choice.get("value"), CHOICE_VALUE_MAX)
    return out


def assert_within_limits(message: JSON) -> None:
    """Fail with the full list of broken limits, if any."""
    problems = limit_violations(message)
    assert not problems, "message breaks Discord limits:\n" + "\n".join(problems)


@dataclass(frozen=True)
class Pings:
    """Who a sent message notifies."""

    everyone: bool
    users: frozenset[int]
    roles: frozenset[int]

    @property
    def anyone(self) -> bool:
        return self.everyone or bool(self.users) or bool(self.roles)


def resolve_pings(
    content: str,
    allowed_mentions: JSON | None,
    *,
    may_mention_everyone: bool,
    replied_user: int | None = None,
) -> Pings:
    """Apply Discord's mention rules: without ``allowed_mentions`` everything parses."""
    if allowed_mentions is None:
        parse = {"users", "roles", "everyone"}
        explicit_users: set[int] = set()
        explicit_roles: set[int] = set()
        ping_replied = True
    else:
        parse = set(allowed_mentions.get("parse") or [])
        explicit_users = {int(u) for u in allowed_mentions.get("users") or []}
        explicit_roles = {int(r) for r in allowed_mentions.get("roles") or []}
        ping_replied = bool(allowed_mentions.get("replied_user", False))
    users = {int(u) for u in _USER_MENTION.findall(content)}
    roles = {int(r) for r in _ROLE_MENTION.findall(content)}
    pinged_users = users if "users" in parse else users & explicit_users
    if replied_user is not None and ping_replied:
        pinged_users.add(replied_user)
    return Pings(
        everyone=bool(_EVERYONE.search(content)) and "everyone" in parse and may_mention_everyone,
        users=frozenset(pinged_users),
        roles=frozenset(roles if "roles" in parse else roles & explicit_roles),
    )
