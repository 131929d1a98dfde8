"""The import rules of docs/ARCHITECTURE.md, checked on the source (an AST walk, so
imports inside functions and under ``TYPE_CHECKING`` count too).

1. ``bot`` imports ``retrieval``, never the reverse; nothing in ``retrieval`` imports
   discord.py.
2. Features (feeds, digests, bulk ingest, the worker, admin operations) build on the
   engine and the store, never on each other, except the imports listed in
   ``CROSS_FEATURE``, which must stay exactly the ones the code has.
3. The store imports nothing of the engine but the errors and the settings.
4. Pipeline stages (fetch, extract, index, ranking, answer, summarize) import no
   feature, no facade and no command line: they are the bottom of the pipeline.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_data import ROOT

# Feature packages and modules. Features build on the stages, the facade and the store.
FEATURES = frozenset(
    {
        "retrieval.ingest.feeds",
        "retrieval.ingest.bulk",
        "retrieval.ingest.url_ingest",
        "retrieval.digest",
        "retrieval.worker",
    }
)
# Cross-feature imports the code has today, each with its reason. Remove an entry when
# the import goes; a new one needs a reason here (and in docs/ARCHITECTURE.md).
CROSS_FEATURE = {
    # The job definitions (run by ``newsbot worker`` and the bot alike) call the feed
    # poller and the digest rounds: the scheduler sits above the features it schedules.
    ("retrieval.worker.jobs", "retrieval.ingest.feeds.manager"),
    ("retrieval.worker.jobs", "retrieval.ingest.feeds.feed_values"),
    ("retrieval.worker.jobs", "retrieval.ingest.feeds.settings"),
    ("retrieval.worker.jobs", "retrieval.digest.posting"),
    ("retrieval.worker.jobs", "retrieval.digest.facade"),
    # ``/ingest url`` reads the page's media type with the feed poller's helper.
    ("retrieval.ingest.url_ingest", "retrieval.ingest.feeds.entry_pages"),
}
STORE = "retrieval.store"
# What the store may import from the rest of ``retrieval``.
STORE_MAY_IMPORT = frozenset({"retrieval.errors", "retrieval.config", STORE})
# The pipeline's stages: the bottom of the engine.
STAGES = frozenset(
    {
        "retrieval.ingest.fetch",
        "retrieval.ingest.extract",
        "retrieval.ingest.stages",
        "retrieval.ingest.dedupe",
        "retrieval.ingest.passages",
        "retrieval.text",
        "retrieval.index",
        "retrieval.ranking",
        "retrieval.answer",
    }
)
# Above the stages: the facade, the features and the command line.
ABOVE_STAGES = FEATURES | {"retrieval.service", "retrieval.cli"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(package: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "versions" not in path.parts:  # migration scripts are frozen history
            yield _module_name(path), path


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # ``from retrieval.store import schema`` imports the module ``schema`` too.
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if _is_module(submodule):
                    names.add(submodule)
    return names


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _area(module: str, areas: frozenset[str]) -> str | None:
    """The area of ``areas`` that holds ``module`` (``retrieval.ingest.feeds.poll`` ->
    ``retrieval.ingest.feeds``), or None."""
    for area in areas:
        if module == area or module.startswith(f"{area}."):
            return area
    return None


def _edges(package: str = "retrieval") -> set[tuple[str, str]]:
    return {(module, name) for module, path in _sources(package) for name in _imports(path)}


EDGES = _edges()


def test_the_walk_sees_the_package() -> None:
    modules = {module for module, _ in _sources("retrieval")}
    assert {
        "retrieval.service",
        "retrieval.ingest.feeds.manager",
        "retrieval.store.models",
    } <= modules
    assert ("retrieval.service", "retrieval.store.models") in EDGES


@pytest.mark.parametrize("forbidden", ["discord", "bot"])
def test_the_engine_never_imports_discord_or_the_bot(forbidden: str) -> None:
    bad = sorted(
        (module, name)
        for module, name in EDGES
        if name == forbidden or name.startswith(f"{forbidden}.")
    )
    assert bad == []


def test_features_do_not_import_each_other_beyond_the_listed_exceptions() -> None:
    cross = set()
    for module, name in EDGES:
        source, target = _area(module, FEATURES), _area(name, FEATURES)
        if source is not None and target is not None and source != target:
            cross.add((module, name))
    assert cross == CROSS_FEATURE


def test_the_store_imports_only_errors_and_settings() -> None:
    bad = sorted(
        (module, name)
        for module, name in EDGES
        if _area(module, frozenset({STORE}))
        and name.startswith("retrieval.")
        and _area(name, STORE_MAY_IMPORT) is None
    )
    assert bad == []


def test_pipeline_stages_import_no_feature_facade_or_command_line() -> None:
    bad = sorted(
        (module, name)
        for module, name in EDGES
        if _area(module, STAGES) and _area(name, ABOVE_STAGES)
    )
    assert bad == []
