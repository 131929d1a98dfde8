"""newsbot's Discord adapter: discord.py cogs over the engine in ``retrieval``.

Only this package imports discord.py; the engine never does.
"""
