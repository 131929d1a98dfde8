"""Word lists shipped with the package (no downloads at run time): stopwords and the
base forms of irregular verbs.

The lists live in ``retrieval/data/<list>_<language>.txt`` so that they can be read and
reviewed as data; only English is shipped today.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from retrieval.errors import ConfigError

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@cache
def stopwords(language: str = "english") -> frozenset[str]:
    """The stopwords of ``language``: lower case, apostrophes as U+0027."""
    path = _DATA_DIR / f"stopwords_{language.lower()[:2]}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no stopword list for language {language!r}") from None
    return frozenset(_data_lines(text))


@cache
def irregular_forms(language: str = "english") -> dict[str, str]:
    """Irregular inflected forms mapped to their base form ("won" -> "win"); empty for a
    language without a list (its stemmer alone then decides)."""
    path = _DATA_DIR / f"irregular_{language.lower()[:2]}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return dict(_pair(line) for line in _data_lines(text))


def _pair(line: str) -> tuple[str, str]:
    form, base = line.split()
    return form, base


def _data_lines(text: str) -> list[str]:
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
