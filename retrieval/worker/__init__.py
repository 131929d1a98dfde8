"""Singleton background jobs (feed polling, digests) run under database leases.

``job_runner.Worker`` is the one scheduler; ``lease`` takes and renews the lease rows;
``jobs`` defines the jobs. ``newsbot worker`` (in ``bot.worker_command``) runs them all,
and the bot runs the same ones, each added by the cog of its feature.
"""
