"""Extractive summaries: the key sentences of an article.

Every sentence returned is a verbatim span of the text it came from, so it can be
quoted and cited as is.
"""

from __future__ import annotations

from retrieval.answer.summarize.article import key_sentences
from retrieval.answer.summarize.features import Tokenize

__all__ = ["Tokenize", "key_sentences"]
