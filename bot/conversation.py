"""Short-term memory of the bot's answers, so a reply to one is a follow-up question.

Only what is needed to continue is kept (the query, scope, filters and who asked), in
memory, bounded in size and age: a restart forgets it, which costs a user one retyped
question and keeps no message history on disk.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from retrieval.results import Scope, SearchFilters

# How long a reply to an answer still counts as a follow-up.
CONVERSATION_TTL_SECONDS = 3600.0
# Answers remembered at most (oldest forgotten first): a few MB at worst.
CONVERSATION_MAX_ENTRIES = 10_000
# A chain of follow-ups keeps only this many of the most recent query words.
FOLLOW_UP_MAX_WORDS = 40

Kind = Literal["ask", "news"]


@dataclass(frozen=True)
class Turn:
    """One answered question: enough to page it or to follow up on it."""

    kind: Kind
    query: str
    scope: Scope
    asker_id: int
    filters: SearchFilters = field(default_factory=SearchFilters)
    # Stories per page; None means the engine's default for the kind.
    limit: int | None = None

    def follow_up(self, text: str, asker_id: int) -> Turn:
        """The same context with the new words added to the previous query's."""
        words = f"{self.query} {text}".split()[-FOLLOW_UP_MAX_WORDS:]
        return dataclasses.replace(self, query=" ".join(words), asker_id=asker_id)


class ConversationMemory:
    """A TTL map from the id of a bot message to the turn it answered."""

    def __init__(
        self,
        *,
        ttl: float = CONVERSATION_TTL_SECONDS,
        max_entries: int = CONVERSATION_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._turns: OrderedDict[int, tuple[float, Turn]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    def remember(self, message_id: int, turn: Turn) -> None:
        self._expire()
        self._turns[message_id] = (self._clock() + self._ttl, turn)
        self._turns.move_to_end(message_id)
        while len(self._turns) > self._max:
            self._turns.popitem(last=False)

    def recall(self, message_id: int) -> Turn | None:
        entry = self._turns.get(message_id)
        if entry is None:
            return None
        expires, turn = entry
        if expires <= self._clock():
            del self._turns[message_id]
            return None
        return turn

    def _expire(self) -> None:
        """Drop expired entries; insertion order is expiry order, so stop at a live one."""
        now = self._clock()
        while self._turns:
            oldest = next(iter(self._turns.values()))
            if oldest[0] > now:
                break
            self._turns.popitem(last=False)
