"""Tuning of scheduled digests: the ``[digest]`` section of the config file.

Validated in ``__post_init__`` (as the fetch and feed settings are) so a bad value is a
``ConfigError`` at start-up rather than a digest that silently never posts.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.errors import ConfigError

# What a digest with nothing new does: "once" says so once until news returns,
# "always" says so every time, "never" stays silent.
ANNOUNCE_EMPTY_CHOICES = ("once", "always", "never")
# Stories one digest may carry: ten embeds fill one Discord message.
MAX_STORIES_LIMIT = 10


@dataclass(frozen=True)
class DigestSettings:
    # Minutes after its due time a digest missed while the bot was down is still
    # posted; later ones are skipped (logged, and recorded as a skipped run).
    grace_minutes: int = 120
    # When there is nothing new: "once", "always" or "never" (see above).
    announce_empty: str = "once"
    # Seconds between the bot's checks for digests that are due.
    loop_seconds: float = 30.0
    # Stories in a digest when whoever sets it up does not choose (at most 10).
    max_stories: int = 5
    # Attempts at sending one message when Discord answers 5xx or 429 or the network
    # fails, and the wait before the first retry (doubled after each failure).
    retry_attempts: int = 4
    retry_backoff_seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.grace_minutes < 0:
            raise ConfigError("must not be negative", key="digest.grace_minutes")
        if self.announce_empty not in ANNOUNCE_EMPTY_CHOICES:
            choices = ", ".join(ANNOUNCE_EMPTY_CHOICES)
            raise ConfigError(f"must be one of {choices}", key="digest.announce_empty")
        if self.loop_seconds <= 0:
            raise ConfigError("must be positive", key="digest.loop_seconds")
        if not 1 <= self.max_stories <= MAX_STORIES_LIMIT:
            raise ConfigError(f"must be 1-{MAX_STORIES_LIMIT}", key="digest.max_stories")
        if self.retry_attempts < 1:
            raise ConfigError("must be at least 1", key="digest.retry_attempts")
        if self.retry_backoff_seconds < 0:
            raise ConfigError("must not be negative", key="digest.retry_backoff_seconds")
