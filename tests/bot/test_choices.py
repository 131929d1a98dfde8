"""``fit_choices``: what every autocomplete returns through."""

from __future__ import annotations

import pytest
from discord import app_commands

from bot.choices import chosen_id, fit_choices
from bot.limits import CHOICE_NAME_MAX, CHOICE_VALUE_MAX, CHOICES_MAX
from retrieval.errors import ArticleNotFound, FeedNotFound


def test_at_most_25_choices_are_kept_in_order() -> None:
    choices = [app_commands.Choice(name=f"n{n}", value=n) for n in range(40)]
    assert [c.value for c in fit_choices(choices)] == list(range(CHOICES_MAX))


def test_long_names_are_cut_and_long_string_values_dropped() -> None:
    long = "x" * (CHOICE_VALUE_MAX + 1)
    fitted = fit_choices(
        [
            app_commands.Choice(name="n" * 300, value="ok"),
            app_commands.Choice(name="echo", value=long),
            app_commands.Choice(name="empty", value=""),
            app_commands.Choice(name="   ", value="blank name"),
        ]
    )
    assert [c.value for c in fitted] == ["ok"]
    assert len(fitted[0].name) <= CHOICE_NAME_MAX


def test_values_are_measured_in_utf16_units() -> None:
    emoji = "😀" * 60  # 120 UTF-16 units: the conservative measure of bot.limits
    assert fit_choices([app_commands.Choice(name="e", value=emoji)]) == []


def test_a_chosen_id_is_a_number_or_the_callers_not_found_error() -> None:
    assert chosen_id(" 42 ", FeedNotFound) == 42
    with pytest.raises(FeedNotFound) as refused:
        chosen_id("Harbour news", FeedNotFound)
    assert refused.value.ref == "Harbour news"
    with pytest.raises(ArticleNotFound):
        chosen_id("-3", ArticleNotFound)
