"""Each rule of ``rules`` against a payload that breaks it, and payloads that keep them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakediscord.recording import RecordedFile
from tests.fakediscord.rules import (
    ATTACHMENT_MAX_BYTES,
    COMMAND_RULES,
    MESSAGE_RULES,
    MessageCall,
    command_problems,
    message_problems,
)


def _button(custom_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "b", "custom_id": custom_id} | extra


def _row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def _file(n: int, size: int = 3) -> RecordedFile:
    return RecordedFile(f"files[{n}]", f"f{n}.png", "image/png", b"x" * size)


_SELECT = {"type": 3, "custom_id": "pick", "options": [{"label": "a", "value": "a"}]}
_GOOD_MESSAGE = MessageCall(
    {
        "content": "c" * 2000,
        "embeds": [{"title": "t", "description": "d" * 3000}, {"description": "d" * 2999}],
        "components": [_row(_button(f"b{n}"), _button(f"c{n}")) for n in range(5)] + [],
        "attachments": [{"id": "0"}],
    },
    (_file(0),),
)

BAD_MESSAGES: dict[str, MessageCall] = {
    "content_length": MessageCall({"content": "c" * 2001}),
    "embeds_total": MessageCall({"embeds": [{"description": "d" * 3001}] * 2}),
    "action_rows": MessageCall({"components": [_row(_button(f"b{n}")) for n in range(6)]}),
    "select_alone": MessageCall({"components": [_row(_SELECT, _button("b"))]}),
    "button_targets": MessageCall(
        {"components": [_row({"type": 2, "style": 5, "label": "l", "custom_id": "x"})]}
    ),
    "unique_custom_ids": MessageCall({"components": [_row(_button("x")), _row(_button("x"))]}),
    "not_empty": MessageCall({"content": "", "embeds": []}),
    "attachment_size": MessageCall(
        {"attachments": [{"id": "0"}]}, (_file(0, ATTACHMENT_MAX_BYTES + 1),)
    ),
    "attachments_match_files": MessageCall({"attachments": [{"id": "1"}]}, (_file(0),)),
}


def _command(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "news",
        "description": "Top stories",
        "options": [
            {"type": 3, "name": "query", "description": "Words", "required": True},
            {"type": 4, "name": "limit", "description": "How many"},
        ],
    } | overrides


def _sub(name: str) -> dict[str, Any]:
    return {"type": 1, "name": name, "description": "d"}


BAD_COMMANDS: dict[str, list[dict[str, Any]]] = {
    "command_names": [_command(name="News")],
    "descriptions": [_command(description="")],
    "unique_option_names": [
        _command(options=[_sub("a"), _sub("a")]),
    ],
    "required_first": [_command(options=list(reversed(_command()["options"])))],
    "choices_or_autocomplete": [
        _command(
            options=[
                {
                    "type": 3,
                    "name": "q",
                    "description": "d",
                    "autocomplete": True,
                    "choices": [{"name": "a", "value": "a"}],
                }
            ]
        )
    ],
    "subcommands_alone": [
        _command(options=[_sub("a"), {"type": 3, "name": "q", "description": "d"}])
    ],
    "command_total": [
        _command(
            options=[
                {
                    "type": 3,
                    "name": f"o{n}",
                    "description": "d" * 100,
                    "choices": [{"name": "n" * 100, "value": f"{m}"} for m in range(25)],
                }
                for n in range(2)
            ]
        )
    ],
    "chat_command_count": [_command(name=f"c{n}") for n in range(101)],
    "string_choice_values": [
        _command(
            options=[
                {
                    "type": 3,
                    "name": "q",
                    "description": "d",
                    "choices": [{"name": "a", "value": "v" * 101}],
                }
            ]
        )
    ],
}


def test_every_rule_has_a_breaking_payload_here() -> None:
    assert set(BAD_MESSAGES) == set(MESSAGE_RULES)
    assert set(BAD_COMMANDS) == set(COMMAND_RULES)


def test_a_message_at_every_limit_keeps_the_rules() -> None:
    assert message_problems(_GOOD_MESSAGE) == []


@pytest.mark.parametrize("rule", sorted(BAD_MESSAGES))
def test_each_message_rule_refuses_its_bad_payload(rule: str) -> None:
    problems = message_problems(BAD_MESSAGES[rule])
    assert problems and all(p.startswith(f"{rule}: ") for p in problems), problems


def test_an_edit_may_leave_out_everything() -> None:
    assert message_problems(MessageCall({"content": None}, creates=False)) == []


def test_link_buttons_need_a_url_and_other_buttons_a_custom_id() -> None:
    link = {"type": 2, "style": 5, "label": "l", "url": "https://example.com"}
    assert message_problems(MessageCall({"components": [_row(link, _button("b"))]})) == []
    no_id = {"type": 2, "style": 1, "label": "b"}
    assert message_problems(MessageCall({"components": [_row(no_id)]}))


def test_files_sent_without_an_attachments_array_are_attached_in_order() -> None:
    assert message_problems(MessageCall({"content": "c"}, (_file(0),))) == []


def test_an_upload_missing_from_the_attachments_array_is_refused() -> None:
    body = {"attachments": [{"id": "0"}]}
    problems = message_problems(MessageCall(body, (_file(0), _file(1))))
    assert problems == ["attachments_match_files: files[1]: not described in attachments"]


def test_kept_attachments_are_referred_to_by_snowflake() -> None:
    body = {"attachments": [{"id": "1234567890123456789"}, {"id": "0"}]}
    assert message_problems(MessageCall(body, (_file(0),), creates=False)) == []


def test_valid_commands_keep_the_rules() -> None:
    group = {
        "type": 2,
        "name": "digest",
        "description": "d",
        "options": [_sub("set"), _sub("list")],
    }
    commands = [
        _command(),
        _command(name="digest", options=[group]),
        {"type": 3, "name": "Save Article"},  # message commands: any case, no description
    ]
    assert command_problems(commands) == []


@pytest.mark.parametrize("rule", sorted(BAD_COMMANDS))
def test_each_command_rule_refuses_its_bad_payload(rule: str) -> None:
    problems = command_problems(BAD_COMMANDS[rule])
    assert problems and all(p.startswith(f"{rule}: ") for p in problems), problems
