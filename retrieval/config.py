"""One typed, frozen settings object, loaded from TOML.

Lookup order: an explicit path (``--config``), else ``$NEWSBOT_CONFIG``, else
``./config.toml`` when present, else the defaults below. ``NEWSBOT_DATABASE_URL``
overrides ``[database] url``. Without either, the database is a SQLite file in one fixed
per-user data directory, so every command finds the same articles whichever directory
it runs from. Secrets (the Discord token) never live here: they come
from the environment when they are needed.

Unknown sections or keys are errors, so a typo in a config file is caught at start-up
rather than silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.digest.settings import DigestSettings
from retrieval.errors import ConfigError
from retrieval.ingest.feeds.settings import FeedSettings
from retrieval.ingest.fetch.settings import FetchSettings
from retrieval.ranking.settings import RankingSettings

# Settings of earlier versions that no longer mean anything, with the reason: a config
# file that still sets one loads with a warning instead of failing.
RETIRED_SETTINGS = {
    "ranking.feedback_pool": "feedback now ranks the expanded query over the whole index",
}

ENV_CONFIG = "NEWSBOT_CONFIG"
ENV_DATABASE_URL = "NEWSBOT_DATABASE_URL"
ENV_DATA_DIR = "NEWSBOT_DATA_DIR"
DEFAULT_CONFIG_NAME = "config.toml"
APP_NAME = "newsbot"
DEFAULT_DATABASE_NAME = "newsbot.db"
SQLITE_PREFIX = "sqlite:///"


def data_dir() -> Path:
    """The default home of the database and its index: ``$NEWSBOT_DATA_DIR``, else the
    platform's per-user data directory (``$XDG_DATA_HOME/newsbot``, by default
    ``~/.local/share/newsbot``, on Linux). A fixed place, unlike the working directory,
    so ``newsbot ask`` run from anywhere sees what ``newsbot ingest`` stored."""
    override = os.environ.get(ENV_DATA_DIR, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


@dataclass(frozen=True)
class DatabaseSettings:
    # Any SQLAlchemy URL; empty means newsbot.db in the per-user data directory.
    url: str = ""
    # Log every SQL statement (debugging only).
    echo: bool = False

    @property
    def is_default(self) -> bool:
        """Whether newsbot chose the location (no URL was configured)."""
        return not self.url

    def resolved_url(self) -> str:
        """The URL to connect to, with the default location filled in."""
        return self.url or f"{SQLITE_PREFIX}{data_dir() / DEFAULT_DATABASE_NAME}"

    def sqlite_file(self) -> Path | None:
        """The database file, for a file-backed SQLite URL (else ``None``)."""
        url = self.resolved_url()
        if not url.startswith(SQLITE_PREFIX):
            return None
        path = url[len(SQLITE_PREFIX) :].partition("?")[0]
        # sqlite:///file:PATH?mode=ro&uri=true: SQLite's URI form of the same file.
        path = path.removeprefix("file:")
        return Path(path) if path and path != ":memory:" else None


@dataclass(frozen=True)
class IndexSettings:
    # Where the BM25 index snapshot is saved; empty means "beside the SQLite file",
    # or ``newsbot.index`` in the per-user data directory for other databases.
    snapshot_path: str = ""
    # BM25Okapi parameters, as in rank_bm25 (its defaults).
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    # How many passages to rank before grouping them into stories.
    candidates: int = 50
    # Seconds between a long-running process's (the bot's) checks of the database's
    # change log for articles other processes added or removed: the bound on how long
    # an ingest takes to become searchable everywhere.
    refresh_seconds: float = 2.0


@dataclass(frozen=True)
class IngestSettings:
    # Inputs larger than this many bytes are refused before they are read; in a JSONL
    # file, each record (line) larger than this is refused and the others are read.
    max_input_bytes: int = 5_000_000
    # Passage size targets in words (whole sentences are never split).
    passage_min_words: int = 60
    passage_max_words: int = 150
    # Jaccard similarity of word 5-shingles above which two articles are one story.
    near_duplicate_threshold: float = 0.6
    # Scope of articles ingested from the command line: "global" or a Discord guild id.
    default_scope: str = "global"


@dataclass(frozen=True)
class AnswerSettings:
    # Citations (stories) in one answer.
    max_citations: int = 3
    # Key sentences in one answer.
    max_sentences: int = 4
    # Characters of passage shown as a citation snippet.
    snippet_chars: int = 240


@dataclass(frozen=True)
class SummarySettings:
    # Key sentences in an article summary (``/summary``, digests, ``newsbot summarize``).
    sentences: int = 3


@dataclass(frozen=True)
class BotSettings:
    # Prefix of text commands (``!news``); mentions always work.
    command_prefix: str = "!"
    # Ask Discord for the Message Content intent (needed by ``!news``; enable it in the
    # developer portal). Off: text commands are unavailable, mentions still answer.
    message_content: bool = True
    # Per-user cooldown: ``cooldown_rate`` commands every ``cooldown_seconds``.
    cooldown_rate: int = 3
    cooldown_seconds: float = 10.0
    # Seconds after which the buttons under an answer stop working.
    view_timeout: float = 600.0
    # Members with this role (by name) may use admin commands besides Manage Server.
    admin_role: str = ""
    # Log level of the bot process.
    log_level: str = "INFO"


@dataclass(frozen=True)
class EngineSettings:
    # Threads of the engine's one executor (``NewsService.submit``): the bot's engine
    # calls (2 at once, ``bot.engine.ENGINE_WORKERS``, answers included when no
    # answering processes run), the feed poller and the digest scheduler (one each), and
    # ``newsbot worker``'s jobs: with four, a job never waits for a command's thread.
    threads: int = 4
    # Processes that answer questions in the bot (``ask`` and ``news``: /ask, /news,
    # mentions, follow-ups and their pages), each opening the same database and the
    # memory-mapped index snapshot and catching up with the change log before it
    # answers. Answers are CPU bound and Python runs one thread at a time, so threads
    # use one core: with processes a burst of questions is spread over the cores (about
    # one per core; bench/bot_load.py). 0 answers in the threads above. One-shot
    # commands (``newsbot ask``) never start them.
    answer_processes: int = 2


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    bot: BotSettings = field(default_factory=BotSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    # Pseudo-relevance feedback on: +0.007 nDCG@10 on SciFact (bench/eval_ranking.py).
    ranking: RankingSettings = field(default_factory=lambda: RankingSettings(feedback=True))
    feeds: FeedSettings = field(default_factory=FeedSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)

    def snapshot_path(self) -> Path:
        """The index snapshot directory derived from the settings."""
        if self.index.snapshot_path:
            return Path(self.index.snapshot_path)
        database = self.database.sqlite_file()
        if database is not None:
            return database.with_suffix(".index")
        return data_dir() / "newsbot.index"


def _coerce(value: Any, annotation: Any, key: str) -> Any:
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        for option in typing.get_args(annotation):
            try:
                return _coerce(value, option, key)
            except ConfigError:
                continue
        raise ConfigError(f"expected {annotation}, got {value!r}", key=key)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(annotation)
        if not isinstance(value, list):
            raise ConfigError(f"expected a list, got {value!r}", key=key)
        return tuple(_coerce(v, item_type, key) for v in value)
    if annotation is type(None):
        if value is None:
            return None
        raise ConfigError(f"expected nothing, got {value!r}", key=key)
    if isinstance(annotation, type) and (
        not isinstance(value, annotation) or (annotation is int and isinstance(value, bool))
    ):
        raise ConfigError(f"expected {annotation.__name__}, got {value!r}", key=key)
    return value


def _build(base: Any, data: dict[str, Any], prefix: str) -> Any:
    """``base`` (a dataclass instance of defaults) with the table's values applied."""
    cls = type(base)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    retired = {name for name in data if f"{prefix}{name}" in RETIRED_SETTINGS}
    for name in sorted(retired):
        key = f"{prefix}{name}"
        import logging

        logging.getLogger(__name__).warning("%s is ignored: %s", key, RETIRED_SETTINGS[key])
    data = {name: value for name, value in data.items() if name not in retired}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError("unknown setting", key=f"{prefix}{unknown[0]}")
    changes: dict[str, Any] = {}
    for name, value in data.items():
        hint = hints[name]
        key = f"{prefix}{name}"
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError("expected a table", key=key)
            changes[name] = _build(getattr(base, name), value, f"{key}.")
        else:
            changes[name] = _coerce(value, hint, key)
    return dataclasses.replace(base, **changes)


def settings_from_mapping(data: dict[str, Any]) -> Settings:
    """Settings from a parsed TOML document (validated, unknown keys rejected)."""
    settings: Settings = _build(Settings(), data, "")
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    ingest = settings.ingest
    if ingest.passage_min_words <= 0 or ingest.passage_max_words < ingest.passage_min_words:
        raise ConfigError("need 0 < passage_min_words <= passage_max_words", key="ingest")
    if not 0.0 < ingest.near_duplicate_threshold <= 1.0:
        raise ConfigError("must be in (0, 1]", key="ingest.near_duplicate_threshold")
    if ingest.max_input_bytes <= 0:
        raise ConfigError("must be positive", key="ingest.max_input_bytes")
    if settings.index.k1 < 0 or not 0.0 <= settings.index.b <= 1.0:
        raise ConfigError("need k1 >= 0 and 0 <= b <= 1", key="index")
    if settings.index.refresh_seconds <= 0:
        raise ConfigError("must be positive", key="index.refresh_seconds")
    if settings.answer.max_citations < 1 or settings.answer.max_sentences < 1:
        raise ConfigError("must be at least 1", key="answer")
    if settings.engine.threads < 1:
        raise ConfigError("must be at least 1", key="engine.threads")
    if settings.engine.answer_processes < 0:
        raise ConfigError("must be 0 or more", key="engine.answer_processes")


def resolve_config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The config file to read, following the documented lookup order."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(ENV_CONFIG)
    if from_env:
        return Path(from_env)
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None


def load_settings(explicit: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from the config file found by the lookup order, plus environment overrides."""
    path = resolve_config_path(explicit)
    data: dict[str, Any] = {}
    if path is not None:
        import tomllib

        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    settings = settings_from_mapping(data)
    url = os.environ.get(ENV_DATABASE_URL)
    if url:
        settings = dataclasses.replace(
            settings, database=dataclasses.replace(settings.database, url=url)
        )
    return settings
