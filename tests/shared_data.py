"""Where the suite finds data it does not own: the project's samples, and the shared,
read-only reference data beside the checkout (``../shared``, never copied in).

Every test and helper takes these paths from here. Tests ask for shared data through
the ``shared_data`` fixture (``tests/conftest.py``), which skips a test whose data is
absent; module-level helpers that must decide at import time use ``SHARED`` directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
# The shared seed page the suite ingests: a Business Standard scrape (site chrome and
# market tickers around the story of the South Korea and New Zealand leaders' summit).
SEED = SHARED / "seeds" / "000_546bd0455f068fcd.txt"


def shared_path(*parts: str) -> Path:
    """A path inside the shared data (which may be absent)."""
    return SHARED.joinpath(*parts)


class SharedData:
    """The shared data for one test: each path skips the test when it is absent."""

    @property
    def seed(self) -> Path:
        """The seed page (``SEED``)."""
        return self.path("seeds", SEED.name)

    def path(self, *parts: str) -> Path:
        found = shared_path(*parts)
        if not found.exists():
            pytest.skip(f"the shared data {'/'.join(parts)} is absent (../shared)")
        return found
