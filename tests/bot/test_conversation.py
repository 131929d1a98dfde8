"""The memory that turns a reply to an answer into a follow-up question."""

from __future__ import annotations

from bot.conversation import FOLLOW_UP_MAX_WORDS, ConversationMemory, Turn
from retrieval.results import Scope, SearchFilters


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _turn(query: str = "yoon luxon") -> Turn:
    return Turn("ask", query, Scope(7), 42)


def test_recall_within_the_ttl_and_forget_after() -> None:
    clock = Clock()
    memory = ConversationMemory(ttl=60.0, clock=clock)
    memory.remember(1, _turn())
    clock.now += 59
    assert memory.recall(1) == _turn()
    clock.now += 2
    assert memory.recall(1) is None
    assert len(memory) == 0


def test_size_is_bounded_oldest_first() -> None:
    memory = ConversationMemory(ttl=60.0, max_entries=3, clock=Clock())
    for message_id in range(5):
        memory.remember(message_id, _turn(str(message_id)))
    assert len(memory) == 3
    assert memory.recall(0) is None and memory.recall(1) is None
    assert memory.recall(4) == _turn("4")


def test_expired_entries_are_dropped_when_new_ones_arrive() -> None:
    clock = Clock()
    memory = ConversationMemory(ttl=10.0, clock=clock)
    memory.remember(1, _turn())
    memory.remember(2, _turn())
    clock.now += 11
    memory.remember(3, _turn())
    assert len(memory) == 1


def test_follow_up_adds_the_new_words_and_keeps_the_context() -> None:
    filters = SearchFilters(source="Yonhap")
    turn = Turn("news", "yoon luxon", Scope(7), 42, filters, 3)
    follow = turn.follow_up("  what about   russia ", 43)
    assert follow == Turn("news", "yoon luxon what about russia", Scope(7), 43, filters, 3)


def test_follow_up_chains_stay_bounded() -> None:
    turn = _turn()
    for n in range(100):
        turn = turn.follow_up(f"word{n}", 42)
    words = turn.query.split()
    assert len(words) == FOLLOW_UP_MAX_WORDS
    assert words[-1] == "word99"
