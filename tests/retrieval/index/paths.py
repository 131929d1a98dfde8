"""Settings that send small test indexes down the scoring path under test."""

from __future__ import annotations

import pytest

import retrieval.index.top as top_module


def prune_every_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """MaxScore pruning for every query of two terms or more, however small the index:
    a dozen passages would otherwise be scored by adding up (``top.prefer_top``)."""
    monkeypatch.setattr(top_module, "TOP_MAX_POSTINGS", -1)
    monkeypatch.setattr(top_module, "TOP_ALL_MAX_SLOTS", -1)
