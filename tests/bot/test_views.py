"""The buttons under an answer: paging rights, sources, votes, timeout."""

from __future__ import annotations

import logging
import re
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.render import ask_payload
from bot.views import NO_MORE, ONLY_ASKER, THANKS_DOWN, THANKS_UP, AnswerView
from retrieval.results import Answer, Scope
from tests.bot.bot_doubles import FakeService, fake_interaction, sent_message

ASKER = 42
OTHER = 43


class Recorder:
    """The view's collaborators: a pager over a FakeService and a vote log."""

    def __init__(self, stories: int = 7) -> None:
        self.service = FakeService(stories)
        self.offsets: list[int] = []
        self.votes: list[tuple[int, int]] = []

    async def fetch(self, offset: int) -> Answer:
        self.offsets.append(offset)
        return self.service.ask("seoul", scope=Scope(7), offset=offset)

    async def vote(self, interaction: Any, value: int) -> None:
        self.votes.append((interaction.user.id, value))


async def _view(recorder: Recorder, offset: int = 0) -> AnswerView:
    answer = recorder.service.ask("seoul", scope=Scope(7), offset=offset)
    view = AnswerView(
        asker_id=ASKER,
        answer=answer,
        fetch_page=recorder.fetch,
        render=ask_payload,
        record_vote=recorder.vote,
        timeout=30.0,
    )
    view.message = sent_message()
    return view


async def test_only_the_asker_can_page() -> None:
    recorder = Recorder()
    view = await _view(recorder)
    interaction = fake_interaction(user_id=OTHER)
    await view.more.callback(interaction)
    interaction.response.send_message.assert_awaited_once()
    args, kwargs = interaction.response.send_message.call_args
    assert args == (ONLY_ASKER,) and kwargs["ephemeral"] is True
    assert recorder.offsets == []
    interaction.edit_original_response.assert_not_awaited()


async def test_the_asker_pages_to_the_next_results_in_place() -> None:
    recorder = Recorder(stories=5)
    view = await _view(recorder)
    assert not view.more.disabled
    interaction = fake_interaction(user_id=ASKER)
    await view.more.callback(interaction)
    interaction.response.defer.assert_awaited_once()
    assert recorder.offsets == [3]
    kwargs = interaction.edit_original_response.call_args.kwargs
    assert kwargs["view"] is view
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    names = [f.name for f in kwargs["embeds"][0].fields]
    assert names == ["[4] Yonhap · 2024-11-15", "[5] Yonhap · 2024-11-15"]
    # Stories 4-5 were the last ones: nothing more to page to.
    assert view.more.disabled
    assert view.answer.offset == 3


async def test_paging_past_the_end_disables_more() -> None:
    recorder = Recorder(stories=3)
    view = await _view(recorder)
    view.more.disabled = False
    interaction = fake_interaction(user_id=ASKER)
    await view.more.callback(interaction)
    assert view.more.disabled
    interaction.edit_original_response.assert_awaited_once_with(view=view)
    assert interaction.followup.send.call_args.args == (NO_MORE,)


async def test_anyone_can_see_the_sources_privately() -> None:
    view = await _view(Recorder())
    interaction = fake_interaction(user_id=OTHER)
    await view.sources.callback(interaction)
    kwargs = interaction.response.send_message.call_args.kwargs
    assert kwargs["ephemeral"] is True
    assert len(kwargs["embeds"][0].fields) == 3


@pytest.mark.parametrize(
    ("button", "vote", "thanks"), [("upvote", 1, THANKS_UP), ("downvote", -1, THANKS_DOWN)]
)
async def test_votes_are_recorded_and_acknowledged_privately(
    button: str, vote: int, thanks: str
) -> None:
    recorder = Recorder()
    view = await _view(recorder)
    interaction = fake_interaction(user_id=OTHER)
    await getattr(view, button).callback(interaction)
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert recorder.votes == [(OTHER, vote)]
    assert interaction.followup.send.call_args.args == (thanks,)
    assert interaction.followup.send.call_args.kwargs["ephemeral"] is True


def _channel_edit(monkeypatch: pytest.MonkeyPatch, view: AnswerView) -> AsyncMock:
    """Record edits made through the channel endpoint (``PartialMessage.edit``)."""
    assert view.message is not None
    view.message.channel = discord.PartialMessageable(state=MagicMock(), id=321)
    edit = AsyncMock()
    monkeypatch.setattr(discord.PartialMessage, "edit", edit)
    return edit


async def test_timeout_disables_every_button_through_the_channel_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = await _view(Recorder())
    edit = _channel_edit(monkeypatch, view)
    await view.on_timeout()
    buttons = [item for item in view.children if isinstance(item, discord.ui.Button)]
    assert len(buttons) == 4
    assert all(b.disabled for b in buttons)
    edit.assert_awaited_once_with(view=view)
    assert view.message is not None
    view.message.edit.assert_not_awaited()  # a followup's edit would use the dying token


@pytest.mark.parametrize(
    ("error", "level"),
    [
        (discord.NotFound(MagicMock(status=404, reason="Not Found"), "Unknown Message"), "INFO"),
        (discord.Forbidden(MagicMock(status=403, reason="Forbidden"), "Missing Access"), "WARNING"),
    ],
)
async def test_a_failed_timeout_edit_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: discord.HTTPException,
    level: str,
) -> None:
    view = await _view(Recorder())
    _channel_edit(monkeypatch, view).side_effect = error
    with caplog.at_level(logging.INFO, logger="bot.views"):
        await view.on_timeout()
    assert [r.levelname for r in caplog.records if r.name == "bot.views"] == [level]


async def test_a_failing_button_reports_an_error_id(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    view = await _view(recorder)

    async def broken(_offset: int) -> Answer:
        raise RuntimeError("boom")

    view._fetch_page = broken
    interaction = fake_interaction(user_id=ASKER)
    interaction.response.is_done.return_value = True
    with pytest.raises(RuntimeError) as raised:
        await view.more.callback(interaction)
    with caplog.at_level(logging.ERROR):
        await view.on_error(interaction, raised.value, view.more)
    text = interaction.followup.send.call_args.args[0]
    error_id = re.search(r"error id ([0-9a-f]{8})", text)
    assert error_id is not None
    assert error_id.group(1) in caplog.text and "RuntimeError: boom" in caplog.text
