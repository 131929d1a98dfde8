"""Fuzzed text processing: tokenizer, sentence splitter, passages and key sentences.

Each keeps its contract on any text (tokens without spaces, match spans inside the
text, sentences in order covering every non-space character, passages that are exact
slices, key sentences that are sentences of the text) and stays within budget.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.guard import fuzz_settings, guarded
from tests.reliability.inputs import (
    hostile_texts,
    line_mutations,
    mutate_lines,
    seed,
    seeds_of_kind,
)
from tests.reliability.targets import text_pipeline

TEXT_SEEDS = seeds_of_kind(".txt")


@fuzz_settings(60)
@given(st.text(max_size=2_000))
def test_arbitrary_unicode(text: str) -> None:
    guarded("text.unicode", lambda: text_pipeline(text), size=len(text))


@fuzz_settings(40)
@given(hostile_texts)
def test_hostile_lines(text: str) -> None:
    guarded("text.hostile", lambda: text_pipeline(text), size=len(text))


@fuzz_settings(25)
@given(st.sampled_from(TEXT_SEEDS), st.lists(line_mutations, max_size=6))
def test_mutated_scrapes(path: Path, mutations: list[object]) -> None:
    text = mutate_lines(seed(path)[1].decode("utf-8", "replace"), mutations)  # type: ignore[arg-type]
    guarded("text.scrapes", lambda: text_pipeline(text), size=len(text))
