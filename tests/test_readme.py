"""The README's command-line examples, run as a reader would paste them, on the samples.

Every line of the ``sh`` blocks under "Using the command line" runs in a shell, in order,
from a folder that holds the samples like a checkout does, with this checkout's
``newsbot`` on PATH and a private data directory. A line is left out only when it
matches ``NOT_RUN``, which says why; a rule that matches no line fails the test, so
the list cannot go stale. Each line that runs must exit 0 without a traceback and
print something (a search that finds nothing does not count).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SAMPLES

README = ROOT / "README.md"
SECTION = "## Using the command line"
# Lines not run, by prefix, and why.
NOT_RUN = (
    ("source .venv/bin/activate", "the test puts this checkout's newsbot on PATH itself"),
    ("newsbot ingest https://", "fetches a page from the network"),
    ("newsbot feed add https://", "fetches a feed from the network"),
    ("newsbot feed poll", "fetches every followed feed from the network"),
    ("newsbot run", "connects to Discord"),
    ("newsbot worker", "polls feeds over the network and posts digests to Discord"),
    ("newsbot sync", "registers slash commands with Discord"),
)
# What a search or question prints when it found nothing: an example must find something.
NOTHING_FOUND = ("Nothing in the stored articles matches", "Nothing matches.", "no articles")
# Seconds one command may take (the first builds the index; the rest are quick).
COMMAND_TIMEOUT = 120
# The section has more commands than this; fewer means the parsing broke.
MIN_COMMANDS_RUN = 10
_FENCE = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def section_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    body = text[start : end if end != -1 else len(text)]
    return [
        line.strip()
        for block in _FENCE.findall(body)
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def skip_reason(command: str) -> str | None:
    return next((why for prefix, why in NOT_RUN if command.startswith(prefix)), None)


def reader_environment(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working folder like a checkout's, and an environment like a fresh reader's."""
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "samples").symlink_to(SAMPLES, target_is_directory=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "newsbot"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bot.console "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
    }
    return work, env


def test_not_run_rules_each_match_a_readme_line() -> None:
    commands = section_commands()
    for prefix, why in NOT_RUN:
        assert any(c.startswith(prefix) for c in commands), f"stale rule {prefix!r} ({why})"


def test_every_command_line_example_works_on_the_samples(tmp_path: Path) -> None:
    work, env = reader_environment(tmp_path)
    ran = 0
    for command in section_commands():
        if skip_reason(command) is not None:
            continue
        done = subprocess.run(
            ["sh", "-c", command],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        context = f"{command}\nstdout: {done.stdout[:2000]}\nstderr: {done.stderr[:2000]}"
        assert done.returncode == 0, context
        assert "Traceback" not in done.stderr, context
        if " > " not in command:  # a line that writes a file prints nothing
            assert done.stdout.strip(), context
        assert not any(marker in done.stdout for marker in NOTHING_FOUND), context
        ran += 1
    assert ran >= MIN_COMMANDS_RUN
    # The examples went into the private data directory, nowhere else.
    assert (tmp_path / "data" / "newsbot.db").is_file()
    assert not list(work.glob("*.db"))
