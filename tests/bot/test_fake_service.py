"""``FakeService`` stays tied to ``NewsService``: a renamed engine method, or a changed
parameter, fails here rather than leaving the bot tests green against a stale double."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from retrieval.service import NewsService
from tests.bot.bot_doubles import FakeService

BOT = Path(__file__).resolve().parents[2] / "bot"


def _faked() -> list[str]:
    """The engine methods ``FakeService`` stands in for (its test helpers aside)."""
    return sorted(
        name
        for name, value in vars(FakeService).items()
        if callable(value) and not name.startswith("_") and name not in FakeService.TEST_HELPERS
    )


def _shape(fn: object) -> list[tuple[str, object, object, object]]:
    return [
        (p.name, p.kind, p.default, p.annotation)
        for p in inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize("name", _faked())
def test_each_faked_method_has_the_engine_signature(name: str) -> None:
    real = getattr(NewsService, name, None)
    assert callable(real), f"NewsService has no method {name}; update FakeService"
    assert _shape(getattr(FakeService, name)) == _shape(real)
    assert inspect.signature(getattr(FakeService, name)).return_annotation == (
        inspect.signature(real).return_annotation
    )


def _service_attributes() -> dict[str, str]:
    """``X`` of every ``<...>.service.X`` the bot reads, with where it is read."""
    found: dict[str, str] = {}
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            named = (isinstance(owner, ast.Name) and owner.id in ("service", "_service")) or (
                isinstance(owner, ast.Attribute) and owner.attr in ("service", "_service")
            )
            if named:
                found.setdefault(node.attr, f"{path.relative_to(BOT.parent)}:{node.lineno}")
    return found


def test_everything_the_bot_reads_from_the_engine_exists() -> None:
    used = _service_attributes()
    assert {"submit_answer", "trend"} <= set(used), "the walk finds the bot's engine calls"
    public = set(dir(NewsService)) | set(inspect.signature(NewsService).parameters)
    missing = {name: where for name, where in used.items() if name not in public}
    assert missing == {}


def test_the_fake_covers_every_engine_call_of_the_bot_unit_tests() -> None:
    """What the bot calls on the engine is faked, except calls the unit tests leave to
    the real engine (admin commands run over a real ``NewsService``)."""
    real_engine_only = {
        "close",
        "forget",
        "ingest_bytes",
        "sessions",
        "settings",
        "start_answer_processes",
    }
    called = set(_service_attributes()) - real_engine_only
    assert called <= set(_faked())
