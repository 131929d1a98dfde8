"""The engine's worker jobs, one call each: build the job, hand it to ``Worker``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.ingest.feeds.manager import FeedManager
from retrieval.worker.job_runner import Job, Submit, blocking

if TYPE_CHECKING:
    from retrieval.ingest.fetch import Fetcher
    from retrieval.service import NewsService

# Lease names: a job runs in one process at a time, worker or bot, whoever holds it.
FEEDS_JOB = "feeds"
DIGESTS_JOB = "digests"


def feed_job(manager: FeedManager, submit: Submit) -> Job:
    """Poll the feeds that are due, every ``[feeds] poll_period_seconds``, through
    ``submit`` (the engine's executor)."""
    period = manager.settings.poll_period_seconds
    return Job(FEEDS_JOB, period, blocking(manager.poll_due, submit))


def engine_jobs(service: NewsService, fetcher: Fetcher) -> list[Job]:
    """Every job that needs only the engine (no Discord), run in its executor."""
    return [feed_job(FeedManager(service, fetcher), service.submit)]
