"""The gate every request body passes before a handler sees it.

Two checks, in order: Discord's OpenAPI description (``spec``: shapes, types, per-field
lengths) and the rules the description does not encode (``rules``). A body failing
either is answered with Discord's 400 "Invalid Form Body" naming the JSON path and the
rule, and is kept in ``rejected`` so the test that produced it fails even if the client
swallowed the error. ``checked`` counts the bodies validated against the description,
so a test can prove the gate was on.

A load benchmark may defer the description check (``deferred``): checking a body
against the description costs the fake more than the bot spends producing it, and
the fake shares the machine with the bot it measures, so the bodies are kept and
checked after the timed run (``check_deferred``); the rules are still checked at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .recording import RecordedFile
from .rules import MessageCall, choice_value_problems, command_problems, message_problems
from .spec import DiscordSpec, spec_or_none

# Fake routes whose body is a message: created (True) or edited (False).
MESSAGE_ROUTES = {
    "POST /channels/{channel_id}/messages": True,
    "POST /webhooks/{application_id}/{token}": True,
    "PATCH /channels/{channel_id}/messages/{message_id}": False,
    "PATCH /webhooks/{application_id}/{token}/messages/{message_id}": False,
}
CALLBACK_ROUTE = "POST /interactions/{interaction_id}/{token}/callback"
# Interaction callback types whose ``data`` is a message (created, edited) or choices.
_CALLBACK_MESSAGE, _CALLBACK_UPDATE, _CALLBACK_AUTOCOMPLETE = 4, 7, 8
COMMAND_ROUTES = frozenset(
    {
        "PUT /applications/{application_id}/commands",
        "PUT /applications/{application_id}/guilds/{guild_id}/commands",
        "POST /applications/{application_id}/commands",
        "POST /applications/{application_id}/guilds/{guild_id}/commands",
    }
)


@dataclass(frozen=True)
class Rejection:
    """A request the gate refused, for the failure message of the test."""

    request: str
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.request}:\n  " + "\n  ".join(self.problems)


@dataclass
class Validation:
    """Counts and rejections of one fake Discord; the description is shared by all."""

    spec: DiscordSpec | None = field(default_factory=spec_or_none)
    checked: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    deferred: bool = False
    pending: list[tuple[str, str, Any]] = field(default_factory=list)

    def rule_problems(self, route: str, body: Any, files: tuple[RecordedFile, ...]) -> list[str]:
        """What the rules module says of a body sent to ``route`` (a fake route template)."""
        if route in COMMAND_ROUTES:
            commands = body if isinstance(body, list) else [body]
            return command_problems([c for c in commands if isinstance(c, dict)])
        if not isinstance(body, dict):
            return []
        if route in MESSAGE_ROUTES:
            return message_problems(MessageCall(body, files, creates=MESSAGE_ROUTES[route]))
        if route != CALLBACK_ROUTE:
            return []
        kind, data = body.get("type"), body.get("data")
        data = data if isinstance(data, dict) else {}
        if kind in (_CALLBACK_MESSAGE, _CALLBACK_UPDATE):
            creates = kind == _CALLBACK_MESSAGE
            return message_problems(MessageCall(data, files, creates=creates))
        if kind == _CALLBACK_AUTOCOMPLETE:
            return [
                f"string_choice_values: {p}"
                for p in choice_value_problems(data.get("choices"), "data")
            ]
        return []

    def check(
        self, method: str, path: str, route: str, body: Any, files: tuple[RecordedFile, ...]
    ) -> list[str]:
        """Every problem of one request body ([] when Discord would accept it)."""
        problems: list[str] = []
        if self.spec is not None and body is not None:
            if self.deferred:
                self.pending.append((method, path, body))
            else:
                problems += self._description_problems(method, path, body)
        if body is not None or files:
            problems += self.rule_problems(route, body, files)
        if problems:
            self.rejected.append(Rejection(f"{method} {path}", tuple(problems)))
        return problems

    def check_deferred(self) -> list[Rejection]:
        """Check the bodies kept while ``deferred`` against the description; the refused
        ones are returned (and kept in ``rejected``)."""
        pending, self.pending = self.pending, []
        refused = []
        for method, path, body in pending:
            problems = self._description_problems(method, path, body)
            if problems:
                refused.append(Rejection(f"{method} {path}", tuple(problems)))
        self.rejected.extend(refused)
        return refused

    def _description_problems(self, method: str, path: str, body: Any) -> list[str]:
        assert self.spec is not None
        verdict = self.spec.check(method, path, body)
        if verdict is None:
            return []
        self.checked += 1
        return [f"openapi {verdict.operation}: {p}" for p in verdict.problems]

    def assert_clean(self) -> None:
        """Fail with every body the gate refused (call once the client is done); each
        refusal is reported once, so a later check does not fail the test again."""
        rejected, self.rejected = self.rejected, []
        assert not rejected, "Discord would refuse these requests:\n" + "\n".join(
            str(r) for r in rejected
        )
