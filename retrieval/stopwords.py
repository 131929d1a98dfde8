"""Stopword lists shipped with the package (no downloads at run time).

The lists live in ``retrieval/data/stopwords_<language>.txt`` so that they can be
read and reviewed as data; only English is shipped today.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from retrieval.errors import ConfigError

_DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def stopwords(language: str = "english") -> frozenset[str]:
    """The stopwords of ``language``: lower case, apostrophes as U+0027."""
    path = _DATA_DIR / f"stopwords_{language.lower()[:2]}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no stopword list for language {language!r}") from None
    words = (line.strip() for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))
