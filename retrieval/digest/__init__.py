"""Scheduled digests: per-channel posts of what is new, exactly once per due time.

Discord-free: ``schedule`` computes due times, ``content`` picks and ranks stories,
``runs`` records claims in the database, ``service`` is the facade the bot calls and
``scheduler`` drives one tick of due runs through a poster the bot supplies. The
submodules are imported directly (``retrieval.digest.facade``) so that reading the
settings does not load the engine.
"""
