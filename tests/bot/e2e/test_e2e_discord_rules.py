"""What the fake learned from Discord's API description and documentation, against newsbot.

Each test here fails on a bot that breaks one of Discord's rules the fake used to let
pass: interaction token lifetimes, the visibility of the first followup after a public
deferral, and the gate that validates every request body.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.views import AnswerView
from tests.bot.e2e.newsbot_harness import RunningNewsBot, assert_quiet_and_within_limits
from tests.fakediscord import FakeDiscord, InteractionState, RecordedRequest
from tests.fakediscord.interaction_routes import TOKEN_LIFETIME_SECONDS
from tests.fakediscord.rest import rate_limit_every

QUESTION = "What did Yoon and Luxon condemn?"
# Seconds a test waits for a request the bot makes on its own (a view's timeout edit).
EDIT_TIMEOUT = 5.0


async def _answer_view(bot: Any, message_id: int) -> AnswerView:
    """The live view under the answer message ``message_id`` (the bot attaches it once
    Discord's answer to the send has arrived, just after the fake recorded the send)."""
    store = bot._connection._view_store
    deadline = asyncio.get_running_loop().time() + EDIT_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        for items in list(store._views.values()):
            for item in list(items.values()):
                view = item.view
                message = getattr(view, "message", None)
                if isinstance(view, AnswerView) and message and message.id == message_id:
                    return view
        await asyncio.sleep(0.01)
    raise AssertionError(f"no answer view for message {message_id}")


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for row in message.get("components") or [] for item in row["components"]]


async def _ask(newsbot: RunningNewsBot) -> tuple[InteractionState, dict[str, Any]]:
    fake = newsbot.fake
    await newsbot.bot.tree.sync()
    state = await fake.slash("ask", {"question": QUESTION})
    _, reply = await fake.interaction_reply(state)
    return state, reply


async def test_buttons_are_disabled_after_the_interaction_token_expired(
    newsbot: RunningNewsBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A view outliving its 15-minute token must still disable its buttons."""
    fake = newsbot.fake
    _, reply = await _ask(newsbot)
    # Sources and the votes are live on every answer (More only when there is a next page).
    assert any(not b.get("disabled") for b in _buttons(reply))
    view = await _answer_view(newsbot.bot, int(reply["id"]))
    fake.advance_clock(TOKEN_LIFETIME_SECONDS + 1)
    since = fake.mark()
    with caplog.at_level(logging.INFO, logger="bot.views"):
        await asyncio.wait_for(view.on_timeout(), EDIT_TIMEOUT)
    stored = fake.store.get(int(reply["id"]))
    assert all(b.get("disabled") for b in _buttons(stored)), [str(r) for r in fake.requests[since:]]
    assert "could not disable" not in caplog.text
    assert_quiet_and_within_limits(fake)


async def test_an_error_after_a_public_deferral_is_not_sent_as_a_private_followup(
    newsbot: RunningNewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first followup after a public "thinking" deferral replaces it publicly, whatever
    its ephemeral flag: the bot must say the error in that message knowingly."""
    fake = newsbot.fake
    from retrieval.errors import StorageUnavailable

    def down(*_args: Any, **_kwargs: Any) -> Any:
        raise StorageUnavailable("the database is down")

    monkeypatch.setattr(newsbot.service, "ask", down)
    await newsbot.bot.tree.sync()
    state = await fake.slash("ask", {"question": QUESTION})
    _, reply = await fake.interaction_reply(state)
    assert "database is unavailable" in reply["content"]
    assert fake.interaction_routes.ignored_ephemeral == [], "the error was meant to be private"
    assert reply["id"] == str(state.original_id), "the error resolves the thinking message"
    assert fake.errors() == []


async def test_every_request_of_a_session_is_validated(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    if fake.validation.spec is None:
        pytest.skip("Discord's API description (../shared/discord/openapi.json) is absent")
    await _ask(newsbot)
    assert fake.validation.checked > 0
    assert fake.validation.rejected == []


async def test_an_invalid_body_is_refused_and_fails_the_test(fake_discord: FakeDiscord) -> None:
    """Bodies breaking the description are answered 400 with the path and kept for the
    fixture, which fails the test at teardown (here emptied by hand)."""
    if fake_discord.validation.spec is None:
        pytest.skip("Discord's API description (../shared/discord/openapi.json) is absent")
    import aiohttp

    channel = fake_discord.world.channel.id
    url = f"{fake_discord.api_base}/channels/{channel}/messages"
    body = {"embeds": [{"title": "t", "color": "#ff0000"}]}
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as r:
        assert r.status == 400
        answer = await r.json()
    assert answer["code"] == 50035
    problem = answer["errors"]["_errors"][0]["message"]
    assert "embeds/0/color" in problem and "integer" in problem
    with pytest.raises(AssertionError, match="embeds/0/color"):
        fake_discord.validation.assert_clean()
    assert fake_discord.validation.rejected == [], "reported once"


@pytest.mark.parametrize("in_guild", [False, True])
async def test_sync_payloads_pass_the_description(
    fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch, in_guild: bool
) -> None:
    """``newsbot sync [--guild ID]`` (``sync_commands``) registers commands Discord accepts."""
    from bot.app import TOKEN_ENV, sync_commands
    from retrieval.config import Settings

    guild_id = fake_discord.world.guild.id if in_guild else None
    monkeypatch.setenv(TOKEN_ENV, fake_discord.token)
    before = fake_discord.validation.checked
    with fake_discord.patched():
        count = await sync_commands(Settings(), guild_id)
    puts = [r for r in fake_discord.requests if r.method == "PUT" and "/commands" in r.path]
    assert len(puts) == 1 and puts[0].ok, [str(r) for r in fake_discord.requests]
    assert ("/guilds/" in puts[0].path) is in_guild
    assert count == len(puts[0].body) == len(fake_discord.core.commands[guild_id])
    if fake_discord.validation.spec is not None:
        assert fake_discord.validation.checked > before
    assert fake_discord.errors() == []


# Routes that carry answers; every other call of them is answered 429 below.
ANSWER_ROUTES = frozenset(
    {
        "POST /interactions/{interaction_id}/{token}/callback",
        "POST /webhooks/{application_id}/{token}",
        "PATCH /webhooks/{application_id}/{token}/messages/{message_id}",
        "POST /channels/{channel_id}/messages",
    }
)
RATE_LIMITED_EVERY = 2
ASKERS = 3


async def test_rate_limited_answers_are_delivered_exactly_once(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    await newsbot.bot.tree.sync()
    fake.api.fault_hook = rate_limit_every(RATE_LIMITED_EVERY, ANSWER_ROUTES)
    users = [fake.world.add_user(f"limited{n}").username for n in range(ASKERS)]
    states = [await fake.slash("ask", {"question": QUESTION}, user=u) for u in users]
    since = fake.mark()
    asked = await fake.send_message("!news South Korea")
    for state in states:
        await fake.interaction_reply(state)

    def replies_to_mention(request: RecordedRequest) -> bool:
        reference = request.message.get("message_reference") or {}
        return (
            request.ok
            and request.route == "POST /channels/{channel_id}/messages"
            and str(reference.get("message_id")) == asked["id"]
        )

    await fake.wait_for_request(replies_to_mention, since=since)
    fake.api.fault_hook = None

    limited = [r for r in fake.requests if r.status == 429]
    assert limited and all(r.injected for r in limited)
    # Deferrals and answers alike were refused at least once each round.
    assert len(limited) >= ASKERS, [str(r) for r in fake.requests]
    done = [r for r in fake.requests if r.ok and r.route in ANSWER_ROUTES]
    for state in states:
        mine = [r for r in done if r.params.get("token") == state.token]
        assert sorted(r.route.split(" ")[0] for r in mine) == ["POST", "POST"], [
            str(r) for r in mine
        ]  # one deferral, one answer
    assert len([r for r in done if replies_to_mention(r)]) == 1
    assert_quiet_and_within_limits(fake)
