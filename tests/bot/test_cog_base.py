"""The steps every feature cog shares: acknowledging first, and engine autocompletes."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

from bot.app import NewsBot
from bot.cog_base import FeatureCog
from retrieval.errors import QueryError
from tests.bot.bot_doubles import fake_context, fake_interaction

COGS = Path(__file__).resolve().parents[2] / "bot" / "cogs"


def _deferrals(path: Path) -> list[int]:
    """Lines of ``path`` that call ``.defer(...)`` directly."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "defer"
    ]


def test_cogs_defer_only_through_acknowledge() -> None:
    direct = {p.name: lines for p in sorted(COGS.glob("*.py")) if (lines := _deferrals(p))}
    assert direct == {}, "defer with FeatureCog.acknowledge, which also wakes the engine"


def test_every_loaded_cog_is_a_feature_cog(news_bot: NewsBot) -> None:
    assert news_bot.cogs
    for name, cog in news_bot.cogs.items():
        # The extension loader imports its own module copies: compare by class name.
        bases = {cls.__name__ for cls in type(cog).__mro__}
        assert FeatureCog.__name__ in bases, name


async def test_a_slash_command_defers_then_wakes_held_engine_calls(news_bot: NewsBot) -> None:
    cog = FeatureCog(news_bot)
    interaction = fake_interaction()
    news_bot.acks.acknowledged = MagicMock()  # type: ignore[method-assign]
    await cog.acknowledge(interaction, ephemeral=True)
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    news_bot.acks.acknowledged.assert_called_once_with(interaction)


@pytest.mark.parametrize("slash", [False, True])
async def test_a_hybrid_command_defers_its_context(news_bot: NewsBot, slash: bool) -> None:
    cog = FeatureCog(news_bot)
    ctx: Any = fake_context()
    ctx.interaction = fake_interaction() if slash else None
    news_bot.acks.acknowledged = MagicMock()  # type: ignore[method-assign]
    await cog.acknowledge(ctx)
    ctx.defer.assert_awaited_once_with(ephemeral=False)
    assert news_bot.acks.acknowledged.call_count == (1 if slash else 0)


async def test_an_autocomplete_offers_nothing_when_the_engine_refuses(
    news_bot: NewsBot, caplog: pytest.LogCaptureFixture
) -> None:
    cog = FeatureCog(news_bot)

    def refuse() -> list[str]:
        raise QueryError("the database refused")

    assert await cog.engine_choices("source", lambda: ["Yonhap"]) == ["Yonhap"]
    assert await cog.engine_choices("source", refuse) == []
    assert "source autocomplete failed: the database refused" in caplog.text
