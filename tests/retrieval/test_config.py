from __future__ import annotations

import tomllib
from pathlib import Path

import platformdirs
import pytest

from retrieval.config import (
    DatabaseSettings,
    Settings,
    data_dir,
    load_settings,
    settings_from_mapping,
)
from retrieval.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_use_sqlite_in_the_data_directory_whatever_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    places = []
    for cwd in (tmp_path, tmp_path.parent):
        monkeypatch.chdir(cwd)
        settings = load_settings()
        assert settings.database.is_default
        places.append((settings.database.sqlite_file(), settings.snapshot_path()))
    assert (
        places[0]
        == places[1]
        == (
            tmp_path / "data" / "newsbot.db",
            tmp_path / "data" / "newsbot.index",
        )
    )


def test_without_an_override_the_data_directory_is_the_platforms_per_user_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSBOT_DATA_DIR", raising=False)
    expected = platformdirs.user_data_path("newsbot", appauthor=False)
    assert data_dir() == expected
    assert DatabaseSettings().sqlite_file() == expected / "newsbot.db"


def test_a_configured_sqlite_url_is_used_as_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x' / 'news.db'}"
    database = DatabaseSettings(url=url)
    assert not database.is_default
    assert database.resolved_url() == url
    assert database.sqlite_file() == tmp_path / "x" / "news.db"
    assert DatabaseSettings(url="sqlite:///:memory:").sqlite_file() is None
    assert DatabaseSettings(url="postgresql+psycopg://u@h/db").sqlite_file() is None


def test_example_config_is_complete_and_equals_defaults() -> None:
    with (ROOT / "config.example.toml").open("rb") as handle:
        data = tomllib.load(handle)
    assert settings_from_mapping(data) == Settings()
    # Every setting is documented in the example.
    for section, values in Settings().__dict__.items():
        assert set(values.__dict__) == set(data[section]), section


def test_lookup_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text("[answer]\nmax_citations = 5\n")
    other = tmp_path / "other.toml"
    other.write_text("[answer]\nmax_citations = 7\n")
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    assert load_settings().answer.max_citations == 5
    monkeypatch.setenv("NEWSBOT_CONFIG", str(other))
    assert load_settings().answer.max_citations == 7
    explicit = tmp_path / "explicit.toml"
    explicit.write_text("[answer]\nmax_citations = 2\n")
    assert load_settings(explicit).answer.max_citations == 2


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[database]\nurl = "sqlite:///a.db"\n')
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", "sqlite:///b.db")
    assert load_settings(path).database.url == "sqlite:///b.db"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[answer]\nmax_citatons = 3\n", "answer.max_citatons"),
        ("[nosuch]\nx = 1\n", "nosuch"),
        ('[index]\nk1 = "high"\n', "index.k1"),
        ("[bot]\ncooldown_rate = true\n", "bot.cooldown_rate"),
        ("[ingest]\nnear_duplicate_threshold = 1.5\n", "ingest.near_duplicate_threshold"),
    ],
)
def test_invalid_settings_are_errors(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert key in info.value.reason


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.answer.max_citations = 9  # type: ignore[misc]


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[answer\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken)


def test_a_retired_setting_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_from_mapping({"ranking": {"feedback_pool": 1000, "feedback_terms": 7}})
    assert settings.ranking.feedback_terms == 7
    assert "ranking.feedback_pool is ignored" in caplog.text
    with pytest.raises(ConfigError):
        settings_from_mapping({"ranking": {"feedback_pools": 1000}})
