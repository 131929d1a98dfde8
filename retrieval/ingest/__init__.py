"""Everything between a source and a stored article: ``fetch`` (safe HTTP), ``extract``
(bytes to articles), ``stages`` (normalise -> dedupe -> split into passages -> store),
``bulk`` (many inputs in parallel), ``feeds`` (RSS and Atom) and ``url_ingest`` (pages
admins hand the bot).

Nothing is imported here: ``retrieval.config`` reads the feature settings modules of
this package, and that must not load the pipeline.
"""
