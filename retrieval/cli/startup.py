"""How the console script's process loads the engine for a one-shot query.

Importing the engine (SQLAlchemy and its mappings, numpy, the index, the answer code)
creates many objects that live as long as the process and next to no garbage. Every
cyclic collection that runs meanwhile walks all the objects made so far, and the import
makes enough of them to trigger dozens; every collection afterwards, the one at exit
included, walks them again. A one-shot ``newsbot ask`` spent about a fifth of its time
so (``bench/bench_startup.py``: 0.49-0.59 s against 0.39-0.41 s).

So the collector is paused while the engine loads, and what was loaded is then frozen
(``gc.freeze``): later collections skip it. Only the process's own entry point does
this; a caller that runs commands in its own process (the tests) keeps its collector as
it is.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def engine_loading() -> Iterator[None]:
    """The collector off in the block; on leaving it, everything made so far frozen and
    the collector back as it was. Reference counting still frees what it can."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
