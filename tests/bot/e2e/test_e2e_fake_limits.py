"""The fake's copy of Discord's limits and mention rules (what the e2e assertions rely on)."""

from __future__ import annotations

import pytest

from tests.fakediscord import limit_violations, resolve_pings
from tests.fakediscord.limits import choice_violations
from tests.fakediscord.rules import command_problems


def _embed(**overrides: object) -> dict[str, object]:
    return {"title": "t", "description": "d"} | overrides


def test_a_message_at_every_limit_passes() -> None:
    fields = [{"name": "n" * 10, "value": "v" * 200} for _ in range(25)]
    message = {
        "content": "c" * 2000,
        "embeds": [_embed(title="t" * 256, description="d" * 400, fields=fields)],
    }
    assert limit_violations(message) == []


@pytest.mark.parametrize(
    ("message", "broken"),
    [
        ({"content": "c" * 2001}, "content"),
        ({"embeds": [_embed()] * 11}, "embeds: 11"),
        ({"embeds": [_embed(title="t" * 257)]}, "title"),
        ({"embeds": [_embed(description="d" * 4097)]}, "description"),
        ({"embeds": [_embed(fields=[{"name": "n", "value": "v"}] * 26)]}, "fields: 26"),
        ({"embeds": [_embed(fields=[{"name": "n", "value": "v" * 1025}])]}, "value"),
        ({"embeds": [_embed(fields=[{"name": "n" * 257, "value": "v"}])]}, "name"),
        ({"embeds": [_embed(fields=[{"name": "n", "value": ""}])]}, "required"),
        ({"embeds": [_embed(footer={"text": "f" * 2049})]}, "footer"),
        ({"embeds": [_embed(description="d" * 3001)] * 2}, "in total"),
        ({"components": [{"type": 1, "components": []}] * 6}, "action rows"),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "label": "x" * 81}]}]},
            "label",
        ),
        ({"allowed_mentions": {"parse": ["users"], "users": ["1"]}}, "conflict"),
    ],
)
def test_each_limit_is_enforced(message: dict[str, object], broken: str) -> None:
    problems = limit_violations(message)
    assert len(problems) == 1 and broken in problems[0], problems


def test_autocomplete_choice_limits() -> None:
    assert choice_violations([{"name": "a", "value": "a"}] * 25) == []
    assert len(choice_violations([{"name": "a", "value": "a"}] * 26)) == 1
    assert len(choice_violations([{"name": "a" * 101, "value": "a"}])) == 1


def test_without_allowed_mentions_everything_pings() -> None:
    pings = resolve_pings("@everyone <@1> <@!2> <@&3>", None, may_mention_everyone=True)
    assert pings.everyone and pings.users == {1, 2} and pings.roles == {3}


def test_empty_parse_pings_no_one() -> None:
    pings = resolve_pings(
        "@everyone @here <@1> <@&3>", {"parse": []}, may_mention_everyone=True, replied_user=9
    )
    assert not pings.anyone


def test_everyone_needs_the_permission() -> None:
    assert not resolve_pings("@here", None, may_mention_everyone=False).everyone


def test_explicit_user_list_and_replied_user() -> None:
    allowed = {"parse": [], "users": ["1"], "replied_user": True}
    pings = resolve_pings("<@1> <@2>", allowed, may_mention_everyone=True, replied_user=5)
    assert pings.users == {1, 5} and not pings.everyone


def test_command_registration_rules() -> None:
    good = {
        "name": "news",
        "description": "Top stories",
        "options": [
            {"name": "query", "description": "Words", "type": 3, "required": True},
            {"name": "limit", "description": "How many", "type": 4},
        ],
    }
    assert command_problems([good]) == []
    assert command_problems([good | {"name": "News"}])
    assert command_problems([good | {"description": "d" * 101}])
    swapped = good | {"options": list(reversed(good["options"]))}
    assert command_problems([swapped])
