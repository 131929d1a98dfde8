"""The ``newsbot`` command line over the engine: ``commands`` builds the parser and runs
each command; ``exit_status`` ends a failed run in one line; ``help_text`` holds its
words; ``info_commands`` the database questions; ``progress`` the ingest progress bar.

Nothing is imported here, so ``newsbot --help`` loads only what the parser needs.
"""
