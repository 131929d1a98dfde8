"""Discord's rules that its OpenAPI description does not encode, as the API enforces them.

The description checks shapes, types and per-field lengths; these rules span fields
(totals, uniqueness, ordering, mutually exclusive keys) or differ for bots. Each rule is
a function from a payload to its problems ("rule: where: what"), registered in
``MESSAGE_RULES`` or ``COMMAND_RULES``; tests feed each one a payload that breaks it.
Numbers are from Discord's documentation (Message, Embed, Component, Application
Command and Uploading Files pages).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .recording import RecordedFile

JSON = dict[str, Any]

# A bot's message content (the description allows 4000 on channel messages: users' Nitro).
CONTENT_MAX = 2000
# Sum of every embed's title, description, field names and values, footer and author.
EMBEDS_TOTAL_MAX = 6000
# Action rows per message with classic (non-"components v2") components.
ACTION_ROWS_MAX = 5
# Bytes per uploaded file for a bot in a server without boosts.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Message flag: the message uses the newer layout components (no action row limit here).
FLAG_COMPONENTS_V2 = 1 << 15
# Component types (Discord "Component Types").
ACTION_ROW, BUTTON = 1, 2
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
# Button styles: link buttons carry a url and no custom_id; premium buttons a sku_id.
LINK_STYLE, PREMIUM_STYLE = 5, 6
# Keys that make a message non-empty.
_PAYLOAD_KEYS = ("content", "embeds", "components", "sticker_ids", "poll")
# Attachment ids below this are indexes of files uploaded with the request, not snowflakes
# of attachments already on the message (at most 10 files per message).
_UPLOAD_INDEX_MAX = 10

# Application command types and option types (Discord "Application Command Object").
CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING_OPTION = 3
# Names of chat commands and options: 1-32 word characters, dashes, apostrophes; lower
# case wherever the script has case.
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
DESCRIPTION_MAX = 100
# Characters across a command's names, descriptions and choice names/values.
COMMAND_TOTAL_MAX = 4000
CHAT_COMMANDS_MAX = 100
# String choice values (the description allows 6000; the documentation says 100).
CHOICE_VALUE_MAX = 100


@dataclass(frozen=True)
class MessageCall:
    """A message create or edit: its JSON body and the files uploaded with it."""

    body: JSON
    files: tuple[RecordedFile, ...] = ()
    creates: bool = True


MessageRule = Callable[[MessageCall], list[str]]
CommandRule = Callable[[list[JSON]], list[str]]


def _components(items: list[JSON], where: str = "components") -> Iterator[tuple[str, JSON]]:
    """Every component of a message, nested ones included, with its JSON path."""
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        path = f"{where}/{n}"
        yield path, item
        children = item.get("components")
        if isinstance(children, list):
            yield from _components(children, f"{path}/components")
        for key in ("accessory",):
            if isinstance(item.get(key), dict):
                yield f"{path}/{key}", item[key]


def content_length(call: MessageCall) -> list[str]:
    content = call.body.get("content")
    if isinstance(content, str) and len(content) > CONTENT_MAX:
        return [f"content: {len(content)} characters > {CONTENT_MAX} for a bot"]
    return []


def embed_chars(embed: JSON) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for item in embed.get("fields") or []:
        total += len(item.get("name") or "") + len(item.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    return total + len((embed.get("author") or {}).get("name") or "")


def embeds_total(call: MessageCall) -> list[str]:
    total = sum(embed_chars(e) for e in call.body.get("embeds") or [] if isinstance(e, dict))
    if total > EMBEDS_TOTAL_MAX:
        return [f"embeds: {total} characters in total > {EMBEDS_TOTAL_MAX}"]
    return []


def action_rows(call: MessageCall) -> list[str]:
    if int(call.body.get("flags") or 0) & FLAG_COMPONENTS_V2:
        return []
    rows = [c for c in call.body.get("components") or [] if c.get("type") == ACTION_ROW]
    if len(rows) > ACTION_ROWS_MAX:
        return [f"components: {len(rows)} action rows > {ACTION_ROWS_MAX}"]
    return []


def select_alone(call: MessageCall) -> list[str]:
    out = []
    for path, item in _components(call.body.get("components") or []):
        children = item.get("components") or []
        if (
            item.get("type") == ACTION_ROW
            and len(children) > 1
            and any(c.get("type") in SELECT_TYPES for c in children)
        ):
            out.append(f"{path}: a select menu must be alone in its action row")
    return out


def button_targets(call: MessageCall) -> list[str]:
    out = []
    for path, item in _components(call.body.get("components") or []):
        if item.get("type") != BUTTON:
            continue
        style = item.get("style")
        if style == LINK_STYLE:
            if not item.get("url") or "custom_id" in item:
                out.append(f"{path}: a link button has a url and no custom_id")
        elif style != PREMIUM_STYLE and (not item.get("custom_id") or "url" in item):
            out.append(f"{path}: a button of style {style} has a custom_id and no url")
    return out


def unique_custom_ids(call: MessageCall) -> list[str]:
    seen: set[str] = set()
    out = []
    for path, item in _components(call.body.get("components") or []):
        custom_id = item.get("custom_id")
        if custom_id is None:
            continue
        if custom_id in seen:
            out.append(f"{path}/custom_id: {custom_id!r} is used twice in one message")
        seen.add(custom_id)
    return out


def not_empty(call: MessageCall) -> list[str]:
    if not call.creates or call.files or any(call.body.get(k) for k in _PAYLOAD_KEYS):
        return []
    return ["<root>: cannot send an empty message (content, embeds, components or files)"]


def attachment_size(call: MessageCall) -> list[str]:
    return [
        f"{f.field}: {len(f.data)} bytes > {ATTACHMENT_MAX_BYTES} per file"
        for f in call.files
        if len(f.data) > ATTACHMENT_MAX_BYTES
    ]


def attachments_match_files(call: MessageCall) -> list[str]:
    """When the ``attachments`` array is sent, each ``files[n]`` is described by its entry
    ``id: n`` and vice versa (entries with real snowflakes keep attachments already on
    the message). Without the array Discord attaches the files in order."""
    uploads = {f.field for f in call.files}
    described = call.body.get("attachments")
    if described is None:
        return []
    out = []
    indexes = set()
    for n, entry in enumerate(described):
        raw = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        ref = int(raw) if raw.isdigit() else -1
        if 0 <= ref < _UPLOAD_INDEX_MAX:
            indexes.add(ref)
            if f"files[{ref}]" not in uploads:
                out.append(f"attachments/{n}: no files[{ref}] was uploaded")
    for upload in sorted(uploads):
        index = upload.removeprefix("files[").removesuffix("]")
        if not index.isdigit() or int(index) not in indexes:
            out.append(f"{upload}: not described in attachments")
    return out


MESSAGE_RULES: dict[str, MessageRule] = {
    "content_length": content_length,
    "embeds_total": embeds_total,
    "action_rows": action_rows,
    "select_alone": select_alone,
    "button_targets": button_targets,
    "unique_custom_ids": unique_custom_ids,
    "not_empty": not_empty,
    "attachment_size": attachment_size,
    "attachments_match_files": attachments_match_files,
}


def message_problems(call: MessageCall) -> list[str]:
    """Every message rule ``call`` breaks, each prefixed with the rule's name."""
    return [f"{name}: {p}" for name, rule in MESSAGE_RULES.items() for p in rule(call)]


# --- application commands ----------------------------------------------------------


def _levels(command: JSON, where: str) -> Iterator[tuple[str, list[JSON]]]:
    """The option lists of a command and of its sub-commands and groups, with paths."""
    options = [o for o in command.get("options") or [] if isinstance(o, dict)]
    yield where, options
    for n, option in enumerate(options):
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            yield from _levels(option, f"{where}/options/{n}")


def _chat(commands: list[JSON]) -> Iterator[tuple[str, JSON]]:
    for n, command in enumerate(commands):
        if isinstance(command, dict) and command.get("type", CHAT_INPUT) == CHAT_INPUT:
            yield str(n), command


def command_names(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        named = [(where, command)]
        for level, options in _levels(command, where):
            named += [(f"{level}/options/{n}", o) for n, o in enumerate(options)]
        for path, item in named:
            name = str(item.get("name") or "")
            if not COMMAND_NAME.match(name) or name != name.lower():
                out.append(f"{path}/name: {name!r} is not a lower-case command name")
    return out


def descriptions(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        described = [(where, command)]
        for level, options in _levels(command, where):
            described += [(f"{level}/options/{n}", o) for n, o in enumerate(options)]
        for path, item in described:
            text = item.get("description") or ""
            if not 1 <= len(text) <= DESCRIPTION_MAX:
                out.append(f"{path}/description: {len(text)} characters, not 1-{DESCRIPTION_MAX}")
    return out


def unique_option_names(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        for level, options in _levels(command, where):
            names = [o.get("name") for o in options]
            for name in sorted({n for n in names if names.count(n) > 1}, key=str):
                out.append(f"{level}/options: the name {name!r} is used twice")
    return out


def required_first(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        for level, options in _levels(command, where):
            optional_seen = False
            for n, option in enumerate(options):
                if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
                    continue
                if not option.get("required"):
                    optional_seen = True
                elif optional_seen:
                    out.append(f"{level}/options/{n}: a required option after optional ones")
    return out


def choices_or_autocomplete(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        for level, options in _levels(command, where):
            for n, option in enumerate(options):
                if option.get("autocomplete") and option.get("choices"):
                    out.append(f"{level}/options/{n}: choices and autocomplete together")
    return out


def subcommands_alone(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        for level, options in _levels(command, where):
            nesting = {o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options}
            if len(nesting) > 1:
                out.append(f"{level}/options: sub-commands mixed with plain options")
    return out


def _command_chars(item: JSON) -> int:
    total = len(item.get("name") or "") + len(item.get("description") or "")
    for choice in item.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total + sum(_command_chars(o) for o in item.get("options") or [])


def command_total(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        total = _command_chars(command)
        if total > COMMAND_TOTAL_MAX:
            out.append(f"{where}: {total} characters in names, descriptions and choices")
    return out


def chat_command_count(commands: list[JSON]) -> list[str]:
    count = sum(1 for _ in _chat(commands))
    if count > CHAT_COMMANDS_MAX:
        return [f"<root>: {count} chat commands > {CHAT_COMMANDS_MAX}"]
    return []


def string_choice_values(commands: list[JSON]) -> list[str]:
    out = []
    for where, command in _chat(commands):
        for level, options in _levels(command, where):
            for n, option in enumerate(options):
                out += choice_value_problems(option.get("choices"), f"{level}/options/{n}")
    return out


def choice_value_problems(choices: Any, where: str) -> list[str]:
    """String choice values over 100 characters (command choices and autocomplete)."""
    out = []
    for n, choice in enumerate(choices if isinstance(choices, list) else []):
        value = choice.get("value") if isinstance(choice, dict) else None
        if isinstance(value, str) and len(value) > CHOICE_VALUE_MAX:
            out.append(f"{where}/choices/{n}/value: {len(value)} characters > {CHOICE_VALUE_MAX}")
    return out


COMMAND_RULES: dict[str, CommandRule] = {
    "command_names": command_names,
    "descriptions": descriptions,
    "unique_option_names": unique_option_names,
    "required_first": required_first,
    "choices_or_autocomplete": choices_or_autocomplete,
    "subcommands_alone": subcommands_alone,
    "command_total": command_total,
    "chat_command_count": chat_command_count,
    "string_choice_values": string_choice_values,
}


def command_problems(commands: list[JSON]) -> list[str]:
    """Every command rule a registration (one command, or a bulk list) breaks."""
    return [f"{name}: {p}" for name, rule in COMMAND_RULES.items() for p in rule(commands)]
