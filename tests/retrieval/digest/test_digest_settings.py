"""The ``[digest]`` settings: read from TOML, bad values refused at start-up."""

from __future__ import annotations

import pytest

from retrieval.config import settings_from_mapping
from retrieval.digest.settings import DigestSettings
from retrieval.errors import ConfigError


def test_digest_settings_are_read_from_the_config() -> None:
    settings = settings_from_mapping(
        {"digest": {"grace_minutes": 30, "announce_empty": "never", "loop_seconds": 5}}
    )
    assert settings.digest == DigestSettings(
        grace_minutes=30, announce_empty="never", loop_seconds=5.0
    )


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"grace_minutes": -1}, "digest.grace_minutes"),
        ({"announce_empty": "sometimes"}, "digest.announce_empty"),
        ({"loop_seconds": 0}, "digest.loop_seconds"),
        ({"max_stories": 11}, "digest.max_stories"),
        ({"retry_attempts": 0}, "digest.retry_attempts"),
        ({"retry_backoff_seconds": -0.5}, "digest.retry_backoff_seconds"),
        ({"grace_minute": 5}, "digest.grace_minute"),
    ],
)
def test_bad_digest_settings_are_config_errors(values: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"digest": values})
    assert key in info.value.reason
