"""The console script's policy for loading the engine: collector paused, then frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from retrieval.cli.startup import engine_loading


@pytest.fixture
def collector() -> Iterator[None]:
    """Leaves the test process's collector as it found it."""
    enabled = gc.isenabled()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
        else:
            gc.disable()


def test_paused_while_loading_then_frozen_and_resumed(collector: None) -> None:
    gc.enable()
    gc.unfreeze()
    loaded = [object() for _ in range(10)]
    with engine_loading():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(loaded)


def test_a_collector_that_was_off_stays_off(collector: None) -> None:
    gc.disable()
    with engine_loading():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_import_that_fails_still_resumes_the_collector(collector: None) -> None:
    gc.enable()
    with pytest.raises(ImportError), engine_loading():
        raise ImportError("no such engine")
    assert gc.isenabled()
