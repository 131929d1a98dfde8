"""The layout's one rule a reader relies on: a name says which room a thing lives in.

Every module and package name under ``retrieval/`` and ``bot/`` is used once, at one
place, so ``search``, ``results`` or ``worker`` never leave a reader guessing which of
two is meant. Two kinds of name are shared on purpose: each feature's ``settings``
section (read by ``retrieval.config``), and the cogs in ``bot/cogs/``, each named after
the feature it serves (``bot/cogs/digest.py`` is the Discord side of
``retrieval/digest/``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.shared_data import ROOT

SHARED_ON_PURPOSE = frozenset({"__init__", "settings"})
NAMED_AFTER_FEATURES = ROOT / "bot" / "cogs"


def _names() -> dict[str, list[Path]]:
    places: dict[str, list[Path]] = defaultdict(list)
    for package in ("retrieval", "bot"):
        for path in sorted((ROOT / package).rglob("*")):
            rel = path.relative_to(ROOT)
            if "versions" in rel.parts or "__pycache__" in rel.parts:
                continue  # migration scripts are numbered history, not modules
            if path.parent == NAMED_AFTER_FEATURES:
                continue
            if path.suffix == ".py" or (path / "__init__.py").is_file():
                places[path.stem if path.is_file() else path.name].append(rel)
    return places


def test_the_walk_sees_modules_and_packages() -> None:
    names = _names()
    assert Path("retrieval/service.py") in names["service"]
    assert Path("retrieval/index") in names["index"]


def test_no_module_or_package_name_is_used_twice() -> None:
    repeated = {
        name: places
        for name, places in _names().items()
        if len(places) > 1 and name not in SHARED_ON_PURPOSE
    }
    assert repeated == {}
