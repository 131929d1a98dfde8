"""Reading the settings loads no feature: no HTTP client, database layer or numpy.

Every command and the bot read the settings first, and the settings module is what the
feature modules import for their options: if it imported the features, each process
would pay for all of them at start, and features could not import the settings without
cycles. Checked in a fresh interpreter, since this test run has loaded everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Third-party packages and newsbot modules the settings must not load.
HEAVY = ("aiohttp", "sqlalchemy", "numpy", "discord", "regex", "Stemmer", "trafilatura")
FEATURES = (
    "retrieval.index",
    "retrieval.service",
    "retrieval.ingest.fetch.fetcher",
    "retrieval.ingest.feeds.manager",
    "retrieval.digest.facade",
    "retrieval.ranking.ranker",
    "retrieval.store",
)


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def test_settings_module_loads_no_feature() -> None:
    loaded = _modules_loaded_by("import retrieval.config")
    assert "retrieval.config" in loaded
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not {m for m in loaded if m.startswith(FEATURES)}


def test_importing_the_settings_defers_what_only_loading_needs() -> None:
    """The TOML reader, the platform's directories and logging load when a file is
    read, the default data directory is asked for or a warning is written, not when a
    process imports the settings."""
    loaded = _modules_loaded_by("import retrieval.config")
    assert not {"tomllib", "platformdirs", "logging"} & loaded


def test_loading_default_settings_loads_no_feature() -> None:
    loaded = _modules_loaded_by(
        "from retrieval.config import Settings, settings_from_mapping\nsettings_from_mapping({})"
    )
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_the_engine_loads_no_extractor() -> None:
    """A one-shot ``newsbot ask`` opens the service: it must not pay for the extractors,
    the ingest rules, the summariser or the migration machinery."""
    loaded = _modules_loaded_by("import retrieval.service")
    assert "retrieval.service" in loaded
    unwanted = (
        "retrieval.ingest.extract",
        "retrieval.ingest.stages",
        "retrieval.ingest.bulk",
        "retrieval.answer.summarize",
    )
    assert not {m for m in loaded if m.startswith(unwanted)}
    third_party = ("trafilatura", "charset_normalizer", "alembic", "aiohttp", "discord", "lxml")
    assert not {m for m in loaded if m.split(".")[0] in third_party}
