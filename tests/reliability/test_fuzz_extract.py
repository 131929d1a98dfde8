"""Fuzzed extraction: mutated pages and hostile text raise only our errors, within budget.

Seeds are the shared extraction pages when present (else our fixtures); each example
applies a few byte- or line-level mutations to one of them. Hostile lines (a short
unit repeated thousands of times) are what exposed the quadratic patterns fixed in
the extractor, so they are mixed into every kind of input.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.guard import fuzz_settings, guarded
from tests.reliability.inputs import (
    byte_mutations,
    hostile_texts,
    line_mutations,
    mutate_bytes,
    mutate_lines,
    seed,
    seeds_of_kind,
)
from tests.reliability.targets import extract

HTML_SEEDS = seeds_of_kind(".html")
TEXT_SEEDS = seeds_of_kind(".txt")
# Names under which a mutated input is offered: its own, none (sniffed), another kind.
RENAMES = st.sampled_from(["", "upload", "page.html", "scrape.txt", "wire.jsonl", "page.html.gz"])


def _byte_mutated(target: str, path: Path, mutations: list[object], rename: str) -> None:
    """A seed with its bytes mutated, offered under its own name or ``rename``."""
    name, data = seed(path)
    mutated = mutate_bytes(data, mutations)  # type: ignore[arg-type]
    guarded(target, lambda: extract(mutated, rename or name), size=len(mutated))


def _line_mutated(target: str, path: Path, mutations: list[object]) -> None:
    """A seed with its lines mutated (dropped, repeated, swapped, joined, hostile)."""
    name, data = seed(path)
    text = mutate_lines(data.decode("utf-8", "replace"), mutations)  # type: ignore[arg-type]
    mutated = text.encode("utf-8", "surrogatepass")
    guarded(target, lambda: extract(mutated, name), size=len(mutated))


@fuzz_settings(30)
@given(st.sampled_from(HTML_SEEDS), st.lists(byte_mutations, max_size=6), RENAMES)
def test_byte_mutated_html_pages(path: Path, mutations: list[object], rename: str) -> None:
    _byte_mutated("extract.html.bytes", path, mutations, rename)


@fuzz_settings(30)
@given(st.sampled_from(HTML_SEEDS), st.lists(line_mutations, max_size=6))
def test_line_mutated_html_pages(path: Path, mutations: list[object]) -> None:
    _line_mutated("extract.html.lines", path, mutations)


@fuzz_settings(40)
@given(st.sampled_from(TEXT_SEEDS), st.lists(byte_mutations, max_size=6), RENAMES)
def test_byte_mutated_text_scrapes(path: Path, mutations: list[object], rename: str) -> None:
    _byte_mutated("extract.text.bytes", path, mutations, rename)


@fuzz_settings(40)
@given(st.sampled_from(TEXT_SEEDS), st.lists(line_mutations, max_size=8))
def test_line_mutated_text_scrapes(path: Path, mutations: list[object]) -> None:
    _line_mutated("extract.text.lines", path, mutations)


# Found by the line fuzzer: lines whose long runs some patterns rescanned from each
# character or split every way (the table rule took 35 s of CPU for 3,214 dashes and
# " x", the byline's patterns seconds for "By ", 30,684 tabs and " .", the copyright
# holder's 24 s for "www.", 10,200 "(c)" and "@a.b").
LONG_RUN_LINES = (
    "-" * 5000 + " x",
    "=" * 5000 + " x",
    "| " + "-" * 5000 + "x",
    "By " + "\t" * 30000 + " .",
    "By Ana" + " " * 30000 + "staff x",
    "Ana Ruiz" + "\xa0" * 30000 + ", 2024 x",
    "© Harbour News" + "," * 30000 + " ltd x",
    "12 comments" + " " * 30000 + "x",
    "a" + " " * 30000 + "| b",
    "Title" + "\t" * 30000 + "## x",
    "See" + " " * 30000 + "www.example.org x",
    "www." + "(c)" * 10200 + "@a.b",
)


def test_long_runs_within_a_line() -> None:
    for line in LONG_RUN_LINES:
        data = f"A headline\n\n{line}\n\nA paragraph of the article.\n".encode()
        guarded("extract.hostile", lambda data=data: extract(data, "x.txt"), size=len(data))


@fuzz_settings(40)
@given(hostile_texts, st.sampled_from(["x.txt", "x.html", "x"]))
def test_hostile_text_and_markup(text: str, name: str) -> None:
    if name.endswith(".html"):
        text = "<html><body><h1>A headline</h1><p>" + text.replace("\n", "</p><p>") + "</p>"
    data = text.encode("utf-8", "surrogatepass")
    guarded("extract.hostile", lambda: extract(data, name), size=len(data))


@fuzz_settings(40)
@given(st.binary(max_size=4096), st.sampled_from(["x.html", "x.txt", "x.jsonl", "x", "x.gz"]))
def test_arbitrary_bytes(data: bytes, name: str) -> None:
    guarded("extract.bytes", lambda: extract(data, name), size=len(data))
