"""``--help`` documents every command, option and argument in plain text, and says
where the database and the config are."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from bot import console as bot_cli
from retrieval.cli import commands as cli
from retrieval.config import data_dir


def parsers(
    parser: argparse.ArgumentParser, path: str = "newsbot"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, f"{path} {name}")


def full_parser() -> argparse.ArgumentParser:
    """The ``newsbot`` console script's parser: the engine's commands and the bot's."""
    return cli.build_parser(bot_cli.add_commands)


def test_every_command_option_and_argument_has_plain_help() -> None:
    seen = 0
    for path, parser in parsers(full_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    assert choice.help, f"{path} {choice.dest}: no help"
                continue
            name = "/".join(action.option_strings) or action.dest
            assert action.help, f"{path} {name}: no help"
            assert "``" not in action.help, f"{path} {name}: markup in help"
            seen += 1
        assert "``" not in (parser.description or "")
        assert "``" not in (parser.epilog or "")
    assert seen > 50  # the walk reached the subcommands


def test_top_level_help_says_where_the_database_and_config_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        full_parser().parse_args(["--help"])
    out = " ".join(capsys.readouterr().out.split())  # undo the wrapping
    assert str(data_dir() / "newsbot.db") in out
    assert "$NEWSBOT_DATABASE_URL" in out and "$NEWSBOT_DATA_DIR" in out
    assert "--config FILE, else $NEWSBOT_CONFIG, else ./config.toml" in out
    assert "newsbot db info" in out
    assert "exit status:" in out


def test_ask_limit_says_what_it_counts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        full_parser().parse_args(["ask", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--limit N at most N stories" in out
