"""The periodic jobs, defined once: a name (its lease), a period and the engine call.

``newsbot worker`` schedules every one of them (``engine_jobs``); the bot schedules
the same definitions, each from the cog that owns the feature (``feed_job`` when the
feeds cog loads, ``digest_job`` when the digest cog loads), on the same scheduler
(``job_runner.Worker``). Whichever process holds a job's lease runs it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from retrieval.digest.facade import DigestService
from retrieval.digest.posting import DigestScheduler, Poster
from retrieval.ingest.feeds.manager import FeedManager
from retrieval.worker.job_runner import Job, Offload, blocking, in_executor

if TYPE_CHECKING:
    from retrieval.ingest.feeds.feed_values import PollReport
    from retrieval.ingest.feeds.settings import FeedSettings
    from retrieval.ingest.fetch import Fetcher
    from retrieval.service import NewsService

log = logging.getLogger(__name__)

# Lease names: a job runs in one process at a time, worker or bot, whoever holds it.
FEEDS_JOB = "feeds"
DIGESTS_JOB = "digests"


def poll_feeds(manager: FeedManager) -> list[PollReport]:
    """One round of feed polling: the feeds that are due, logged when there were any."""
    reports = manager.poll_due()
    if reports:
        added = sum(len(report.added) for report in reports)
        log.info("polled %d feeds: %d new articles", len(reports), added)
    return reports


def feed_job(
    settings: FeedSettings,
    manager: Callable[[], FeedManager],
    offload: Offload = asyncio.to_thread,
) -> Job:
    """Poll the feeds that are due, every ``[feeds] poll_period_seconds``, with the feed
    manager that ``manager`` gives when the job runs (the bot makes its own on first use)."""
    return Job(
        FEEDS_JOB, settings.poll_period_seconds, blocking(lambda: poll_feeds(manager()), offload)
    )


def digest_job(rounds: DigestScheduler, offload: Offload = asyncio.to_thread) -> Job:
    """Post the digests that are due, every ``[digest] loop_seconds``, through the
    scheduler's poster (which sends on the event loop, from the thread of ``offload``)."""
    return Job(DIGESTS_JOB, rounds.service.settings.loop_seconds, blocking(rounds.tick, offload))


def engine_jobs(service: NewsService, fetcher: Fetcher, poster: Poster | None = None) -> list[Job]:
    """Every job, as ``newsbot worker`` runs them, in the service's executor; digests
    only with a ``poster``."""
    offload = in_executor(service.submit)
    feeds = FeedManager(service, fetcher)
    jobs = [feed_job(service.settings.feeds, lambda: feeds, offload)]
    if poster is not None:
        digests = DigestService(service, settings=service.settings.digest)
        jobs.append(digest_job(DigestScheduler(digests, poster), offload))
    return jobs
