"""The one tokenizer used for passages and queries, so that both sides agree on terms.

Pipeline: NFKC, invisible characters dropped, apostrophe variants unified, casefold;
then Unicode words are found. A word made of Han, Kana or Hangul becomes overlapping
character bigrams (those scripts do not put spaces between words, and bigrams let a
Korean query find Korean text without a dictionary). Any other word loses a possessive
``'s``, is split at periods and commas that do not sit between two digits ("U.S.",
"end.Next") while number groups are joined ("1,750" -> "1750", "3.5" kept), and is
then dropped when it is a stopword or else Snowball-stemmed, irregular verb forms first
being mapped to their base form ("won" -> "win", "fled" -> "flee") so that a question
and the text meet whatever the tense. Hyphens, currency signs
and other punctuation separate words, so "Korea-Russia" and "Korea Russia" agree.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import chain

import regex
import Stemmer

from retrieval.errors import ConfigError
from retrieval.text.wordlists import irregular_forms
from retrieval.text.wordlists import stopwords as load_stopwords

# Han (Chinese characters, kanji), Hiragana, Katakana, Hangul, and the Katakana
# prolonged sound mark (which Unicode assigns to no single script).
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u30fc"
# Characters that render as nothing; they never split a word.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# Apostrophe look-alikes folded to U+0027 ("Korea’s", "Korea`s", "Koreaʼs").
_APOSTROPHES = "\u2019\u2018\u02bc\u0060\u00b4"
_FOLD = {**dict.fromkeys(map(ord, _INVISIBLE), None), **dict.fromkeys(map(ord, _APOSTROPHES), "'")}
_FOLD_PAIRS = tuple((chr(code), value or "") for code, value in _FOLD.items())

_W = rf"[[\p{{L}}\p{{N}}\p{{M}}]--[{_CJK}]]"
# Group 1: a CJK run; group 2: a word, possibly joined by ' . , to further word characters.
_WORD = regex.compile(rf"([{_CJK}]+)|({_W}+(?:['.,]{_W}+)*)", regex.V1)
# The same on raw text, where invisible characters and unnormalised joiners still occur.
_RAW_W = rf"[[\p{{L}}\p{{N}}\p{{M}}{_INVISIBLE}]--[{_CJK}]]"
_RAW_JOIN = rf"['.,{_APOSTROPHES}\uff07\uff0e\uff0c]"
_RAW_WORD = regex.compile(rf"([{_CJK}]+)|({_RAW_W}+(?:{_RAW_JOIN}{_RAW_W}+)*)", regex.V1)
# Periods and commas that are not between two digits split a word.
_SPLIT = regex.compile(r"(?<!\p{N})[.,]|[.,](?!\p{N})")
# ``_WORD``'s group 2 on ASCII text, where a letter, digit or mark is [A-Za-z0-9] and
# no CJK run can occur: ``re`` finds these words several times faster than ``regex``
# evaluates the set difference of ``_W`` at every character.
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:['.,][A-Za-z0-9]+)*")
_DIGIT_COMMA = regex.compile(r"(?<=\p{N}),(?=\p{N})")

# Words whose tokens are memoised; the cache is dropped when it grows past this.
_CACHE_LIMIT = 500_000
# Below this many texts, or this many characters, process start-up costs more than it saves.
_PARALLEL_MIN_TEXTS = 2_000
_PARALLEL_MIN_CHARS = 2_000_000
# Chunks per worker process: more chunks balance uneven texts, fewer cut pickling.
_CHUNKS_PER_WORKER = 4
# Version of the analysis (word lists, mapping rules): an index built by another version
# holds other terms, so a snapshot records it and is rebuilt when it differs.
ANALYSIS_VERSION = 2


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # What ``text.translate(_FOLD)`` does, by a fast scan per character folded (no output
    # of one is folded again): ``translate`` looks up every character of the text.
    for old, new in _FOLD_PAIRS:
        if old in text:
            text = text.replace(old, new)
    return text.casefold()


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


class Tokenizer:
    """Turns text into index terms; picklable, so it can be sent to worker processes."""

    def __init__(
        self, *, stopwords: bool = True, stem: bool = True, language: str = "english"
    ) -> None:
        if language.lower() not in Stemmer.algorithms():
            raise ConfigError(f"no stemmer for language {language!r}")
        self._use_stopwords = stopwords
        self._use_stem = stem
        self._language = language.lower()
        self._stopwords = load_stopwords(self._language) if stopwords else frozenset()
        self._stemmer = Stemmer.Stemmer(self._language) if stem else None
        self._base_forms = irregular_forms(self._language) if stem else {}
        self._cache = _WordCache(self._word_tokens)

    def __getstate__(self) -> dict[str, object]:
        # The stemmer is a C object and the cache is only an accelerator: send options only.
        return {
            "stopwords": self._use_stopwords,
            "stem": self._use_stem,
            "language": self._language,
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(  # type: ignore[misc]
            stopwords=bool(state["stopwords"]),
            stem=bool(state["stem"]),
            language=str(state["language"]),
        )

    def __repr__(self) -> str:
        return (
            f"Tokenizer(stopwords={self._use_stopwords}, stem={self._use_stem}, "
            f"language={self._language!r})"
        )

    @property
    def signature(self) -> str:
        """What decides the terms this tokenizer produces; equal signatures, equal terms."""
        return (
            f"v{ANALYSIS_VERSION}:{self._language}:stopwords={int(self._use_stopwords)}"
            f":stem={int(self._use_stem)}"
        )

    def tokenize(self, text: str) -> list[str]:
        """The terms of ``text`` in reading order (repeats kept: they are term frequencies)."""
        return self._terms(_normalize(text))

    def tokenize_spans(self, text: str, spans: Iterable[tuple[int, int]]) -> list[list[str]]:
        """``tokenize(text[start:end])`` for each span, normalising ``text`` only once when
        that gives the same terms: for ASCII text, where normalisation maps one character
        to one (lower case, the backtick to an apostrophe), so a slice of the normalised
        text is the normalised slice.
        Other text is normalised span by span (NFKC and case folding may change lengths
        and join characters across a span's edge)."""
        if not text.isascii():
            return [self.tokenize(text[start:end]) for start, end in spans]
        normalized = _normalize(text)
        return [self._terms(normalized[start:end]) for start, end in spans]

    def _terms(self, normalized: str) -> list[str]:
        if normalized.isascii():
            # Words only (no CJK run in ASCII), each looked up in C: a known word costs
            # no Python call, a new one is tokenized by the cache's ``__missing__``.
            return list(
                chain.from_iterable(map(self._cache.__getitem__, _ASCII_WORD.findall(normalized)))
            )
        out: list[str] = []
        cache = self._cache
        for run, word in _WORD.findall(normalized):
            if run:
                out.extend(_bigrams(run))
                continue
            tokens = cache.get(word)
            if tokens is None:
                tokens = self._word_tokens(word)
            out.extend(tokens)
        return out

    def tokenize_many(self, texts: Sequence[str], workers: int | None = None) -> list[list[str]]:
        """``tokenize`` over many texts, in worker processes when the batch is large."""
        workers = workers if workers is not None else (os.cpu_count() or 1)
        small = len(texts) < _PARALLEL_MIN_TEXTS or sum(map(len, texts)) < _PARALLEL_MIN_CHARS
        if workers <= 1 or small:
            return [self.tokenize(t) for t in texts]
        size = max(1, -(-len(texts) // (workers * _CHUNKS_PER_WORKER)))
        chunks = [(self, list(texts[i : i + size])) for i in range(0, len(texts), size)]
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [tokens for part in pool.map(_tokenize_chunk, chunks) for tokens in part]

    def match_spans(self, text: str, tokens: Collection[str]) -> list[tuple[int, int]]:
        """Spans ``(start, end)`` of ``text`` whose words yield one of ``tokens``.

        Offsets are into the original, unnormalised text, so a snippet can bold the query
        terms exactly where they occur. CJK matches are the matching bigrams, merged.
        """
        if not tokens:
            return []
        spans: list[tuple[int, int]] = []
        for match in _RAW_WORD.finditer(text):
            start, end = match.span()
            if match.group(1):
                spans.extend(self._cjk_spans(match.group(1), start, tokens))
            elif any(t in tokens for t in self._tokens_of_raw(match.group(2))):
                spans.append((start, end))
        return _merge(spans)

    def _tokens_of_raw(self, raw: str) -> Iterator[str]:
        cache = self._cache
        for run, word in _WORD.findall(_normalize(raw)):
            yield from _bigrams(run) if run else cache[word]

    def _cjk_spans(
        self, raw: str, start: int, tokens: Collection[str]
    ) -> Iterator[tuple[int, int]]:
        run = _normalize(raw)
        if len(run) != len(raw):
            # Normalisation changed the length: offsets inside the run are unknown.
            if any(t in tokens for t in _bigrams(run)):
                yield start, start + len(raw)
            return
        width = min(2, len(run))
        for i, gram in enumerate(_bigrams(run)):
            if gram in tokens:
                yield start + i, start + i + width

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        """Tokens of one normalised non-CJK word; memoised since words repeat a lot."""
        parts = [word]
        if "." in word or "," in word:
            parts = [p for p in _SPLIT.split(_DIGIT_COMMA.sub("", word)) if p]
        out: list[str] = []
        for part in parts:
            bare = part[:-2] if part.endswith("'s") else part
            if not bare or bare in self._stopwords:
                continue
            if self._stemmer is not None:
                bare = self._stemmer.stemWord(self._base_forms.get(bare, bare))
            out.append(bare)
        tokens = tuple(out)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = tokens
        return tokens


class _WordCache(dict[str, tuple[str, ...]]):
    """Tokens of words seen before; a word not seen is tokenized (and kept) on lookup."""

    def __init__(self, tokens_of: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._tokens_of = tokens_of

    def __missing__(self, word: str) -> tuple[str, ...]:
        return self._tokens_of(word)


def _tokenize_chunk(job: tuple[Tokenizer, list[str]]) -> list[list[str]]:
    tokenizer, texts = job
    return [tokenizer.tokenize(t) for t in texts]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
