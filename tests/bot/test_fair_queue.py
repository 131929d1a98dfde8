"""The engine's fair queue: arrival order across users, one turn per user per round."""

from __future__ import annotations

import pytest

from bot.engine import FairQueue


def drain(queue: FairQueue[str]) -> list[str]:
    served = []
    while queue:
        served.append(queue.pop())
    return served


def test_one_item_per_user_is_served_in_arrival_order() -> None:
    queue: FairQueue[str] = FairQueue()
    for n in range(20):
        queue.push(f"user{n}", f"q{n}")
    assert len(queue) == 20
    assert drain(queue) == [f"q{n}" for n in range(20)]


def test_a_users_own_items_keep_their_order() -> None:
    queue: FairQueue[str] = FairQueue()
    for n in range(5):
        queue.push("alice", f"a{n}")
    assert drain(queue) == [f"a{n}" for n in range(5)]


def test_fifty_questions_of_one_user_do_not_delay_another_users_one() -> None:
    queue: FairQueue[str] = FairQueue()
    for n in range(50):
        queue.push("spammer", f"s{n}")
    queue.push("reader", "r0")
    served = drain(queue)
    assert served.index("r0") == 1, "the reader waits for one of the spammer's, not fifty"
    assert [x for x in served if x.startswith("s")] == [f"s{n}" for n in range(50)]


def test_users_take_turns_round_robin_in_order_of_arrival() -> None:
    queue: FairQueue[str] = FairQueue()
    for user, count in (("a", 3), ("b", 1), ("c", 2)):
        for n in range(count):
            queue.push(user, f"{user}{n}")
    assert drain(queue) == ["a0", "b0", "c0", "a1", "c1", "a2"]


def test_a_user_arriving_mid_burst_joins_the_back_of_the_round() -> None:
    queue: FairQueue[str] = FairQueue()
    for n in range(3):
        queue.push("a", f"a{n}")
        queue.push("b", f"b{n}")
    assert queue.pop() == "a0"
    queue.push("c", "c0")  # arrives while a and b still wait
    assert drain(queue) == ["b0", "a1", "c0", "b1", "a2", "b2"]


def test_a_lane_emptied_and_used_again_goes_to_the_back() -> None:
    queue: FairQueue[str] = FairQueue()
    queue.push("a", "a0")
    queue.push("b", "b0")
    assert queue.pop() == "a0"
    queue.push("a", "a1")
    assert drain(queue) == ["b0", "a1"]


def test_an_empty_queue_is_falsy_and_refuses_pop() -> None:
    queue: FairQueue[str] = FairQueue()
    assert not queue and len(queue) == 0
    with pytest.raises(IndexError):
        queue.pop()
