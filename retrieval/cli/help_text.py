"""The command line's words: its description, where-things-are epilog, exit statuses,
and the translation of the bot's command names in engine hints.

Plain text throughout: argparse prints help as it is, so no markup may appear in it.
"""

from __future__ import annotations

import argparse
import re
import textwrap

from retrieval.config import (
    DEFAULT_CONFIG_NAME,
    DEFAULT_DATABASE_NAME,
    ENV_CONFIG,
    ENV_DATA_DIR,
    ENV_DATABASE_URL,
    data_dir,
)
from retrieval.errors import EXIT_BUG, EXIT_FAILURE, EXIT_IO, EXIT_UNAVAILABLE, EXIT_USAGE

# The bot's commands that engine hints may name, and what a command-line user runs
# instead: the engine words its hints for the bot.
CLI_EQUIVALENTS = {"/sources": "newsbot sources"}
# Columns of the hand-wrapped parts of --help (argparse wraps the rest itself).
HELP_WIDTH = 79
_BOT_COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")


DESCRIPTION = (
    "Answer questions over stored news articles with key sentences quoted verbatim, "
    "each cited to its article. The same engine as the Discord bot."
)
EXIT_STATUSES = (
    f"exit status: 0 done; {EXIT_FAILURE} an input or request failed; {EXIT_USAGE} fix the "
    f"command line or the configuration; {EXIT_UNAVAILABLE} the database or Discord cannot "
    f"be reached (try again); {EXIT_IO} storage refuses (permission denied, disk full); "
    f"{EXIT_BUG} a bug. -v prints the traceback."
)


def epilog() -> str:
    """Where the database and the config are, as this machine resolves them."""
    wrap = textwrap.TextWrapper(width=HELP_WIDTH, subsequent_indent=" " * 12)
    lines = [
        "where things are:",
        *wrap.wrap(
            f"  database  ${ENV_DATABASE_URL}, else [database] url in the config, else "
            f"{data_dir() / DEFAULT_DATABASE_NAME} (the per-user data directory; "
            f"${ENV_DATA_DIR} moves it). newsbot db info shows the one in use."
        ),
        *wrap.wrap(
            f"  config    --config FILE, else ${ENV_CONFIG}, else ./{DEFAULT_CONFIG_NAME} when "
            "present, else built-in defaults (config.example.toml lists every setting)."
        ),
        "",
        *textwrap.wrap(EXIT_STATUSES, HELP_WIDTH),
    ]
    return "\n".join(lines)


def cli_hint(hint: str) -> str:
    """``hint`` with the bot's commands replaced by the command line's own."""
    return _BOT_COMMAND.sub(lambda m: CLI_EQUIVALENTS.get(m.group(0), m.group(0)), hint)


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number
