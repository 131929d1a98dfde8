"""Discord's OpenAPI description as the fake uses it: path matching, normalising, verdicts."""

from __future__ import annotations

import pytest

from tests.fakediscord.spec import DiscordSpec, load_spec, normalise, spec_or_none
from tests.fakediscord.validation import CALLBACK_ROUTE, Validation

CALLBACK = "/interactions/1/tok/callback"


@pytest.fixture(scope="module")
def spec() -> DiscordSpec:
    found = spec_or_none()
    if found is None:
        pytest.skip("Discord's API description (../shared/discord/openapi.json) is absent")
    return found


def test_the_description_is_loaded_once(spec: DiscordSpec) -> None:
    assert load_spec() is spec


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("POST", "/channels/5/messages", "/channels/{channel_id}/messages"),
        (
            "PATCH",
            "/webhooks/1/tok/messages/@original",
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        ),
        (
            "PATCH",
            "/webhooks/1/tok/messages/77",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ),
        ("POST", CALLBACK, "/interactions/{interaction_id}/{interaction_token}/callback"),
        (
            "PUT",
            "/applications/1/guilds/2/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ),
    ],
)
def test_concrete_paths_find_their_operation(
    spec: DiscordSpec, method: str, path: str, template: str
) -> None:
    assert spec.operation(method, path) == template


def test_a_valid_callback_passes(spec: DiscordSpec) -> None:
    body = {"type": 4, "data": {"content": "hi", "allowed_mentions": {"parse": []}}}
    verdict = spec.check("POST", CALLBACK, body)
    assert verdict is not None and verdict.ok


def test_a_wrong_type_is_named_by_path_and_rule(spec: DiscordSpec) -> None:
    body = {"type": 4, "data": {"embeds": [{"title": "t", "color": "#ff0000"}]}}
    verdict = spec.check("POST", CALLBACK, body)
    assert verdict is not None
    assert verdict.problems == ["data/embeds/0/color: '#ff0000' is not of type 'integer', 'null'"]


def test_long_choice_names_are_refused(spec: DiscordSpec) -> None:
    body = {"type": 8, "data": {"choices": [{"name": "n" * 101, "value": "v"}]}}
    verdict = spec.check("POST", CALLBACK, body)
    assert verdict is not None and not verdict.ok


def test_bodiless_operations_are_not_checked(spec: DiscordSpec) -> None:
    assert spec.check("GET", "/users/@me", None) is None


def test_encodings_discord_accepts_are_normalised() -> None:
    body = {
        "default_member_permissions": "32",
        "message_reference": {"message_id": 5},
        "attachments": [{"id": 0, "filename": "a.png"}],
        "components": [{"type": 1, "id": 1, "components": []}],
    }
    assert normalise(body) == {
        "default_member_permissions": 32,
        "message_reference": {"message_id": "5"},
        "attachments": [{"id": "0", "filename": "a.png"}],
        "components": [{"type": 1, "id": 1, "components": []}],
    }


def test_string_permissions_pass_after_normalising(spec: DiscordSpec) -> None:
    command = {"name": "digest", "description": "d", "default_member_permissions": "32"}
    verdict = spec.check("PUT", "/applications/1/commands", [command])
    assert verdict is not None and verdict.ok


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"embeds": [{"title": "t", "url": "https://e.com/" + "a" * 2048}]}, "data/embeds/0/url"),
        ({"components": [{"type": 1, "components": []}]}, "data/components/0/components"),
        ({"embeds": [{"title": "t", "color": 1 << 24}]}, "data/embeds/0/color"),
    ],
)
def test_limits_the_description_encodes(spec: DiscordSpec, data: object, where: str) -> None:
    verdict = spec.check("POST", CALLBACK, {"type": 4, "data": data})
    assert verdict is not None and verdict.problems, data
    assert all(p.startswith(where) for p in verdict.problems), verdict.problems


def test_more_than_25_autocomplete_choices_are_refused(spec: DiscordSpec) -> None:
    choices = [{"name": f"n{n}", "value": f"v{n}"} for n in range(26)]
    verdict = spec.check("POST", CALLBACK, {"type": 8, "data": {"choices": choices}})
    assert verdict is not None and not verdict.ok


def test_a_deferred_check_refuses_the_same_body_after_the_run(spec: DiscordSpec) -> None:
    validation = Validation(spec=spec, deferred=True)
    good = {"type": 4, "data": {"content": "hi", "allowed_mentions": {"parse": []}}}
    bad = {"type": 4, "data": {"embeds": [{"title": "t", "color": "#ff0000"}]}}
    assert validation.check("POST", CALLBACK, CALLBACK_ROUTE, good, ()) == []
    assert validation.check("POST", CALLBACK, CALLBACK_ROUTE, bad, ()) == []
    assert validation.checked == 0 and not validation.rejected

    refused = validation.check_deferred()
    assert [r.request for r in refused] == [f"POST {CALLBACK}"]
    assert any("color" in p for p in refused[0].problems)
    assert validation.checked == 2 and validation.rejected == refused
    assert validation.check_deferred() == []  # each body is checked once
