"""FetchSettings validation and the per-host politeness gate on its own."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from retrieval.errors import ConfigError
from retrieval.ingest.fetch import FetchSettings
from retrieval.ingest.fetch.politeness import HostGate


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_bytes", 0),
        ("connect_timeout", 0.0),
        ("read_timeout", -1.0),
        ("total_timeout", 0.0),
        ("max_redirects", -1),
        ("host_min_interval", -0.5),
        ("max_compression_ratio", 0.5),
        ("allow_networks", ("10.0.0.0/33",)),
        ("allow_networks", ("intranet",)),
        ("allow_hosts", (" . ",)),
        ("user_agent", "newsbot\r\nX-Injected: 1"),
    ],
)
def test_invalid_settings_are_config_errors_naming_the_key(field: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        FetchSettings(**{field: value})  # type: ignore[arg-type]
    assert caught.value.key == f"fetch.{field}"


def test_defaults_are_valid_and_match_the_documented_values() -> None:
    settings = FetchSettings()
    assert (settings.max_bytes, settings.max_redirects, settings.total_timeout) == (
        5_000_000,
        5,
        30.0,
    )
    assert settings.allow_networks == settings.allow_hosts == ()


async def test_one_host_is_served_one_request_at_a_time_with_the_gap() -> None:
    gate = HostGate(0.1)
    spans: list[tuple[float, float]] = []

    async def request() -> None:
        async with gate.turn("Example.TEST."):
            start = time.monotonic()
            await asyncio.sleep(0.02)
            spans.append((start, time.monotonic()))

    await asyncio.gather(request(), request(), request())
    spans.sort()
    for (_, previous_end), (next_start, _) in itertools.pairwise(spans):
        assert next_start >= previous_end + 0.1 * 0.95


async def test_different_hosts_do_not_wait_for_each_other() -> None:
    gate = HostGate(10.0)
    inside = asyncio.Event()

    async def hold(host: str) -> None:
        async with gate.turn(host):
            inside.set()
            await asyncio.sleep(0.05)

    async def other() -> float:
        await inside.wait()
        start = time.monotonic()
        async with gate.turn("b.test"):
            return time.monotonic() - start

    _, waited = await asyncio.gather(hold("a.test"), other())
    assert waited < 0.05
