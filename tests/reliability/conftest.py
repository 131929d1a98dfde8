"""Fixtures of the reliability tests: the fake Discord server."""

from __future__ import annotations

from tests.fakediscord.fixtures import fake_discord

__all__ = ["fake_discord"]
