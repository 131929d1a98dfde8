"""Fixtures for the digest engine tests: a news service on a throwaway database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from retrieval.config import Settings
from retrieval.service import NewsService


@pytest.fixture
def news(settings: Settings) -> Iterator[NewsService]:
    service = NewsService.open(settings)
    yield service
    service.close()
