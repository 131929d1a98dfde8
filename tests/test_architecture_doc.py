"""docs/ARCHITECTURE.md names modules; each one it names must exist, so the page cannot
silently describe a layout the code has left."""

from __future__ import annotations

import re

from tests.shared_data import ROOT

DOC = ROOT / "docs" / "ARCHITECTURE.md"
# A path in backticks: ``retrieval/ingest/stages.py``, ``index/``, ``store/schema.py``.
_PATH = re.compile(r"`([a-z_]+(?:/[a-z_]+)*(?:/|\.py))`")
# Short paths in the page are relative to the root, a package, or a folder the page
# names in full (``retrieval/ingest/`` then ``fetch/`` in the same row).
PACKAGES = ("", "retrieval/", "bot/")


def test_every_module_the_architecture_page_names_exists() -> None:
    named = set(_PATH.findall(DOC.read_text(encoding="utf-8")))
    assert len(named) > 40, "the pattern finds the page's paths"
    folders = {p for p in named if p.endswith("/") and (ROOT / p).is_dir()}
    bases = (*PACKAGES, *folders)
    missing = sorted(p for p in named if not any((ROOT / base / p).exists() for base in bases))
    assert missing == []


def test_the_readme_links_the_architecture_page() -> None:
    assert "(docs/ARCHITECTURE.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
