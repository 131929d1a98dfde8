"""RSS and Atom feeds: follow a feed, poll it on a schedule, store its new entries.

The submodules are imported directly (``retrieval.ingest.feeds.manager``): this package is
also imported by ``retrieval.config`` for its settings, so it must stay light.
"""
