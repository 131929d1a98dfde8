from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_data import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "extract"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
