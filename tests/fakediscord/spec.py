"""Request bodies checked against Discord's own OpenAPI description of its HTTP API.

The description (``../shared/discord/openapi.json``, OpenAPI 3.1, so JSON Schema
2020-12) is loaded once per process and registered as one ``referencing`` resource, so
its local ``$ref``s resolve; a validator is built per operation on first use and kept.

What the description gets wrong is normalised before validating (see ``normalise``):
Discord accepts integer fields sent as decimal strings (``default_member_permissions``)
and snowflakes sent as JSON numbers, which the description types strictly. Everything
it does not encode (cross-field rules, totals) is in ``rules``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tests.shared_data import shared_path

# Where the shared reference data keeps Discord's description (read-only, not vendored).
SPEC_PATH = Path(os.environ.get("NEWSBOT_DISCORD_OPENAPI", shared_path("discord", "openapi.json")))
# Any absolute URI will do: it is the base the description's "#/..." refs resolve from.
SPEC_URI = "https://discord.com/api/v10/openapi.json"
JSON_TYPE = "application/json"
# Bodies already validated, by (method, spec path, canonical JSON): a bot sends the same
# command list and the same small payloads again and again, and command payloads are
# slow to check (every option against all 11 option shapes).
_SEEN_MAX = 4096

# Integer fields Discord also accepts as decimal strings (permission bit sets).
_INT_STRINGS = frozenset({"default_member_permissions", "permissions", "allow", "deny"})
# Fields holding a snowflake (or a list of them) that clients may send as JSON numbers;
# ``id`` only inside ``attachments`` (a component's ``id`` is an integer).
_SNOWFLAKES = frozenset(
    {
        "message_id",
        "channel_id",
        "guild_id",
        "application_id",
        "users",
        "roles",
        "sticker_ids",
        "applied_tags",
    }
)


class SpecUnavailable(RuntimeError):
    """The description file is absent (the shared data is not checked out)."""


@dataclass
class Verdict:
    """The outcome of checking one body: empty ``problems`` means valid."""

    operation: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def normalise(value: Any, key: str = "") -> Any:
    """``value`` with the encodings Discord accepts but the description refuses undone."""
    if key == "attachments" and isinstance(value, list):
        return [
            {
                k: str(v) if k == "id" and isinstance(v, int) else normalise(v, k)
                for k, v in a.items()
            }
            if isinstance(a, dict)
            else a
            for a in value
        ]
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if key in _INT_STRINGS and isinstance(value, str) and value.isdigit():
        return int(value)
    if key in _SNOWFLAKES and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _explain(error: Any) -> str:
    """The JSON path and rule of one error, following ``anyOf``/``oneOf`` into the one
    branch whose discriminating ``type`` matched (else the union's own message)."""
    while error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        live = [
            subs
            for subs in branches.values()
            if not any(
                (s.validator in ("enum", "const") and list(s.relative_path) == ["type"])
                or (s.validator == "type" and not s.relative_path)
                for s in subs
            )
        ]
        if len(live) != 1:
            break
        error = live[0][0]
    where = "/".join(map(str, error.absolute_path)) or "<root>"
    message = error.message
    if len(message) > 160:
        message = f"fails {error.validator}={error.validator_value!r}"[:160]
    return f"{where}: {message}"


class DiscordSpec:
    """Discord's API description, with one cached validator per operation."""

    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(SPEC_URI, resource)
        self._validator_class = Draft202012Validator
        self._validators: dict[tuple[str, str], Any] = {}
        self._seen: dict[tuple[str, str, str], list[str]] = {}
        # method -> segment count -> path templates, for matching concrete paths.
        self._templates: dict[str, dict[int, list[tuple[str, ...]]]] = {}
        for path, item in document["paths"].items():
            parts = tuple(path.strip("/").split("/"))
            for method in item:
                self._templates.setdefault(method, {}).setdefault(len(parts), []).append(parts)

    def operation(self, method: str, path: str) -> str | None:
        """The description's path template for a concrete path, e.g.
        ``/webhooks/1/abc/messages/@original`` -> ``/webhooks/{webhook_id}/...@original``.

        Literal segments must match; the template with the most literal segments wins.
        """
        parts = path.strip("/").split("/")
        best: tuple[int, tuple[str, ...]] | None = None
        for template in self._templates.get(method.lower(), {}).get(len(parts), []):
            score = 0
            for want, got in zip(template, parts, strict=True):
                if want.startswith("{"):
                    continue
                if want != got:
                    break
                score += 1
            else:
                if best is None or score > best[0]:
                    best = (score, template)
        return None if best is None else "/" + "/".join(best[1])

    def body_schema_known(self, method: str, template: str) -> bool:
        operation = self.document["paths"][template].get(method.lower(), {})
        return JSON_TYPE in (operation.get("requestBody") or {}).get("content", {})

    def _validator(self, method: str, template: str) -> Any:
        key = (method.lower(), template)
        if key not in self._validators:
            pointer = (
                f"#/paths/{_escape(template)}/{key[0]}/requestBody/content/"
                f"{_escape(JSON_TYPE)}/schema"
            )
            self._validators[key] = self._validator_class(
                {"$ref": SPEC_URI + pointer}, registry=self._registry
            )
        return self._validators[key]

    def check(self, method: str, path: str, body: Any) -> Verdict | None:
        """Validate ``body`` for ``method path``; None when the operation has no JSON body
        in the description (GET, DELETE, typing...)."""
        template = self.operation(method, path)
        if template is None or body is None or not self.body_schema_known(method, template):
            return None
        operation = f"{method.upper()} {template}"
        payload = normalise(body)
        key = (method.lower(), template, json.dumps(payload, sort_keys=True))
        problems = self._seen.get(key)
        if problems is None:
            errors = self._validator(method, template).iter_errors(payload)
            problems = sorted({_explain(e) for e in errors})
            if len(self._seen) >= _SEEN_MAX:
                self._seen.clear()
            self._seen[key] = problems
        return Verdict(operation, list(problems))


@cache
def load_spec() -> DiscordSpec:
    """The description, parsed once per process; ``SpecUnavailable`` when it is absent."""
    if not SPEC_PATH.is_file():
        raise SpecUnavailable(f"Discord's API description is not at {SPEC_PATH}")
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return DiscordSpec(json.load(handle))


def spec_or_none() -> DiscordSpec | None:
    try:
        return load_spec()
    except SpecUnavailable:
        return None
