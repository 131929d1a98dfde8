"""End-to-end tests: the real bot and engine against the fake Discord."""
