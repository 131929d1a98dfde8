"""The one place tests find shared data: absent data skips, present data is found."""

from __future__ import annotations

import pytest

from tests.shared_data import SEED, SHARED, SharedData


def test_absent_shared_data_skips_the_test() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"no-such-folder/x\.txt is absent"):
        SharedData().path("no-such-folder", "x.txt")


def test_the_seed_is_found_where_the_shared_data_keeps_it(shared_data: SharedData) -> None:
    seed = shared_data.seed
    assert seed == SEED and seed.is_relative_to(SHARED) and seed.is_file()
