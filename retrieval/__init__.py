"""newsbot's engine: extraction, storage, BM25 ranking and cited answers (no Discord).

The public building blocks are importable from here; they load on first use, so a
process that only needs the settings or the errors does not pay for numpy and the
stemmer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.lazy import lazy_attributes

if TYPE_CHECKING:
    from retrieval.index import BM25Index, Hit, PassageFilter
    from retrieval.index.tokenizer import Tokenizer
    from retrieval.service import NewsService

__all__ = ["BM25Index", "Hit", "NewsService", "PassageFilter", "Tokenizer", "__version__"]

# The version, written here: pyproject.toml reads it when the package is built, and the
# user agent from here at run time, without looking up the installed distribution
# (importlib.metadata scans the installed packages for it). config.example.toml shows
# the default user agent with it, which tests/retrieval/test_config.py keeps equal.
__version__ = "0.1.0"

_HOMES = {
    "BM25Index": "retrieval.index",
    "Hit": "retrieval.index",
    "PassageFilter": "retrieval.index",
    "NewsService": "retrieval.service",
    "Tokenizer": "retrieval.index.tokenizer",
}


__getattr__ = lazy_attributes(__name__, _HOMES)
