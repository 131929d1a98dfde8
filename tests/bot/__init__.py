"""Unit tests of the Discord adapter (``bot/``)."""
