"""Word-level measures of a line of text: length, stopword share, capitalisation, endings.

Stopword lists are short on purpose (the most frequent function words of the
languages news pages come in): their share separates running prose (30-50%) from
navigation, headlines and name lists (near 0%).
"""

from __future__ import annotations

import functools
import re

_STOPWORD_TEXT = (
    # English
    "the a an and or but of to in on at for with by from as is are was were be been has "
    "have had it its this that these those he she they we you i his her their our not "
    "will would can could said says who which what when where than then there also after "
    "about into over more one two up out if so no do does did just"
    # German
    " der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es "
    "an als wie bei aus nach sind wird oder"
    # French
    " le la les de des du un une et est que qui dans pour pas sur au aux avec il elle "
    "ce ne se plus par sont"
    # Spanish / Portuguese / Italian
    " el los las y en que del se por con para su al lo como más o pero sus le ha "
    "em os da do das dos um uma não com na no nos mais por il di che è per non sono "
    "della alla nel dei gli si anche"
    # Dutch
    " het een van en op te dat zijn niet met voor"
    # Russian
    " и в во не что он на я с со как а то все она так его но да ты к у же вы за бы "
    "по только ее мне было вот от меня еще нет о из ему это для при"
    # Indonesian / Malay
    " yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke ada kita kami"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"\w+")
# Han, Hiragana, Katakana: scripts written without spaces between words.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Characters of unspaced script that count as one word (a rough average).
_CHARS_PER_WORD = 2
_TERMINAL = re.compile(r"[.!?…。！？:;]['\"”’»)\]]*\s*$")
# Opens a pattern, or a branch, that starts with white space: no match starts inside a
# run of it. A match there is also one a character earlier, so every match is the same,
# but a long run is no longer rescanned from each of its characters (quadratic in its
# length: a line of 30,684 tabs after "By " took seconds to clean).
NOT_INSIDE_SPACE_RUN = r"(?!(?<=\s)\s)"
_TRAILING_URL = re.compile(NOT_INSIDE_SPACE_RUN + r"\s+(?:https?://|www\.)\S+\s*$")
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’»)\]]*\s*$")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


# Lines whose word counts are remembered: the HTML cascade counts the same paragraph for
# several tests and candidates (the cleaner's lines, trafilatura's readings).
COUNTED_LINES_CACHE = 2048


@functools.lru_cache(maxsize=COUNTED_LINES_CACHE)
def word_count(text: str) -> int:
    """Words of spaced scripts plus an estimate for Chinese/Japanese runs."""
    if text.isascii():
        return len(_WORD.findall(text))
    unspaced = len(_UNSPACED.findall(text))
    if unspaced:
        text = _UNSPACED.sub(" ", text)
    return len(_WORD.findall(text)) + unspaced // _CHARS_PER_WORD


def stopword_share(text: str) -> float:
    tokens = [w.lower() for w in _WORD.findall(text)]
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t in _STOPWORDS) / len(tokens)


def capitalised_share(text: str) -> float:
    """Share of alphabetic words that start with a capital: high for Title Case headlines."""
    tokens = [w for w in _WORD.findall(text) if w[0].isalpha()]
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t[0].isupper()) / len(tokens)


def ends_clause(text: str) -> bool:
    """Ends like prose: sentence punctuation, colon or semicolon, maybe a closing quote.

    A link at the very end (quoted posts end with one) is looked past.
    """
    if "http" in text or "www." in text:  # what ``_TRAILING_URL`` needs to match
        text = _TRAILING_URL.sub("", text)
    return bool(_TERMINAL.search(text))


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(not c.islower() for c in letters)
