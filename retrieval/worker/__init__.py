"""Singleton background jobs (feed polling, digests) run under database leases.

``runner.Worker`` runs jobs; ``lease`` takes and renews the lease rows; ``jobs`` builds
the engine's jobs. ``newsbot worker`` (in ``bot.worker_command``) puts them together.
"""
