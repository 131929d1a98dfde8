"""Extractive summaries: key sentences of an article, and sentences answering a question.

Every sentence returned is a verbatim span of the text it came from, so it can be
quoted and cited as is.
"""

from __future__ import annotations

from retrieval.summarize.answer import Candidate, Picked, answer_sentences
from retrieval.summarize.article import key_sentences
from retrieval.summarize.features import Tokenize

__all__ = ["Candidate", "Picked", "Tokenize", "answer_sentences", "key_sentences"]
