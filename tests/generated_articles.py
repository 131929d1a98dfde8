"""Made-up articles for tests that need many distinct ones (bulk ingests, races).

Every article is different in body and URL (so none is a duplicate or a near-duplicate
of another), is long enough to make several passages, and carries a marker word of
its own (``marker0042``) that finds it and only it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from retrieval.ingest.extract import ExtractedArticle

_VOCABULARY = """
harbour council budget railway tunnel election minister tidal barrage ferry school hospital
wind farm bridge river flood drought harvest market export factory union strike court
ruling festival museum library stadium airport satellite vaccine research survey census
pension housing rent mortgage inflation tariff treaty summit protest reform coalition
senate parliament mayor governor province village coast
"""
WORDS = tuple(_VOCABULARY.split())
# Sentences per article and words per sentence: enough for two or three passages.
SENTENCES = 24
WORDS_PER_SENTENCE = (9, 16)


def marker(number: int) -> str:
    return f"marker{number:04d}"


def _sentence(rng: random.Random, number: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(*WORDS_PER_SENTENCE))
    # A per-article nonce word keeps every sentence unique to its article, so no two
    # articles look like one story to the near-duplicate check.
    words.insert(rng.randrange(len(words)), f"w{number:04d}{rng.randrange(10_000):04d}")
    return " ".join(words).capitalize() + "."


def record(number: int) -> dict[str, str]:
    """The JSON Lines record of article ``number`` (always the same for a number)."""
    rng = random.Random(number)
    sentences = [_sentence(rng, number) for _ in range(SENTENCES)]
    sentences[0] = f"The {marker(number)} report opens here. " + sentences[0]
    return {
        "id": f"gen-{number}",
        "title": f"Generated story {number} about {rng.choice(WORDS)}",
        "text": "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, SENTENCES, 4)),
        "url": f"https://generated.example/story/{number}",
        "source": "Generated Wire",
        "published": "2026-11-20T09:00:00+00:00",
    }


def extracted(number: int) -> ExtractedArticle:
    data = record(number)
    return ExtractedArticle(
        title=data["title"],
        body=data["text"],
        url=data["url"],
        source=data["source"],
        external_id=data["id"],
    )


def write_jsonl(path: Path, numbers: range) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for number in numbers:
            handle.write(json.dumps(record(number)) + "\n")
    return path
