"""Autocomplete results Discord accepts: at most 25 choices, names and values 1-100 long.

Discord refuses the whole autocomplete response when one choice breaks a limit, so the
user sees no suggestions at all; every autocomplete in the cogs returns through
``fit_choices``, whatever its source (titles, feed names, time zones, or echoed input).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from discord import app_commands

from bot.limits import CHOICE_NAME_MAX, CHOICE_VALUE_MAX, CHOICES_MAX, text_len
from bot.safe_text import fit_plain

ChoiceValue = TypeVar("ChoiceValue", str, int, float)


def fit_choices(
    choices: Iterable[app_commands.Choice[ChoiceValue]],
) -> list[app_commands.Choice[ChoiceValue]]:
    """The first 25 choices that fit, names cut to fit.

    A string value that does not fit is dropped with its choice rather than cut: the
    value is what the command receives, and a cut one names something else.
    """
    out: list[app_commands.Choice[ChoiceValue]] = []
    for choice in choices:
        value = choice.value
        if isinstance(value, str) and not 0 < text_len(value) <= CHOICE_VALUE_MAX:
            continue
        name = fit_plain(choice.name, CHOICE_NAME_MAX)
        if not name.strip():
            continue
        out.append(app_commands.Choice(name=name, value=value))
        if len(out) == CHOICES_MAX:
            break
    return out


def chosen_id(ref: str, not_found: Callable[[str], Exception]) -> int:
    """The numeric id an admin typed or picked (autocompletes send ids as text), or
    ``not_found(ref)`` raised when it is not one."""
    ref = ref.strip()
    if not ref.isdigit():
        raise not_found(ref)
    return int(ref)
