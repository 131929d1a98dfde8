"""The Discord bot process: intents, extensions, the engine queue, start and sync.

Gateway intents: **Guilds** and **Guild Messages**, plus the privileged **Message
Content** intent, which must also be switched on in the Discord developer portal (Bot ->
Privileged Gateway Intents). Without Message Content the bot still works: slash commands
need no intent, and Discord always shows a bot the text of messages that mention it, so
``@newsbot question`` and replies that mention the bot keep working; only text commands
such as ``!news`` stop, because the bot cannot read the prefix. Run with
``message_content=False`` for that mode.

Permissions to grant in each channel: Send Messages, Embed Links (answers are embeds),
Attach Files (``/trend`` charts), Read Message History (replies and follow-ups) and Use
Application Commands.

Slash commands are not registered on start (that is rate limited and slow to spread):
run ``newsbot sync [--guild ID]`` once after installing or upgrading.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation import ConversationMemory
from bot.cooldown import MessageCooldowns
from bot.engine import CALLS_PER_PROCESS, ENGINE_WORKERS, AckTracker, EngineRunner, engine_lane
from bot.error_replies import report_error
from bot.rest import UNREACHABLE, unreachable
from retrieval.config import Settings
from retrieval.errors import ConfigError, EngineUnavailable, NewsbotError
from retrieval.worker.job_runner import Job, Worker

if TYPE_CHECKING:
    # Imported for real only by ``run_bot``: building a bot (tests, ``sync``) must not
    # load the engine.
    from sqlalchemy.orm import Session

    from retrieval.results import Answer, Scope, SearchFilters
    from retrieval.service import AnswerKind, NewsService

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

TOKEN_ENV = "NEWSBOT_DISCORD_TOKEN"
# One extension per feature; each module has ``async def setup(bot)``.
EXTENSIONS = (
    "bot.cogs.news",
    "bot.cogs.ask",
    "bot.cogs.summary",
    "bot.cogs.sources",
    "bot.cogs.help",
    "bot.cogs.trend",
    "bot.cogs.digest",
    "bot.cogs.admin_ingest",
    "bot.cogs.feeds",
)
# Keep-alive connections to one host (Discord's API) for REST calls. discord.py's default
# is unlimited, so a burst of 200 interactions opened 200 new connections at once (against
# Discord, each a TLS handshake) and the defers waited behind their set-up: in
# bench/bot_load.py the acknowledgement p95 went from about 1.3 s to about 0.4 s with 30.
# A bounded pool reuses warm connections; further requests queue for one.
HTTP_CONNECTIONS_PER_HOST = 30
# Default seconds between catching the index up with articles ingested by other
# processes; ``run_bot`` uses ``[index] refresh_seconds``.
REFRESH_INTERVAL_SECONDS = 2.0
EXIT_USAGE = 2


def build_intents(*, message_content: bool) -> discord.Intents:
    """Guilds and guild messages, plus message content when it is enabled."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = message_content
    return intents


class NewsTree(app_commands.CommandTree["NewsBot"]):
    """The slash command tree; its errors go to the bot's one error path."""

    async def interaction_check(self, interaction: discord.Interaction[NewsBot], /) -> bool:
        # The first thing done with a command: from now on engine calls wait for its defer,
        # and the command's engine calls queue in its user's lane.
        interaction.client.acks.received(interaction)
        engine_lane.set(interaction.user.id)
        return True

    async def on_error(
        self, interaction: discord.Interaction[NewsBot], error: app_commands.AppCommandError, /
    ) -> None:
        await report_error(interaction, error)


class NewsBot(commands.AutoShardedBot):
    """newsbot on Discord: answers from ``service`` with the given settings.

    ``service`` may be ``None`` only to register slash commands (``sync_commands``), when
    no command runs. With ``answer_processes`` the bot starts the service's answering
    processes (``[engine] answer_processes``) once logged in. Extra keyword ``options``
    go to discord.py's client (e.g. ``proxy``).
    """

    def __init__(
        self,
        settings: Settings,
        service: NewsService | None,
        *,
        shard_ids: list[int] | None = None,
        shard_count: int | None = None,
        message_content: bool = True,
        refresh_interval: float | None = REFRESH_INTERVAL_SECONDS,
        answer_processes: bool = False,
        **options: Any,
    ) -> None:
        if shard_ids is not None:
            options["shard_ids"] = shard_ids
        super().__init__(
            # Mentions are questions, not a command prefix: "@newsbot news" asks about news.
            command_prefix=settings.bot.command_prefix,
            intents=build_intents(message_content=message_content),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=NewsTree,
            case_insensitive=True,
            strip_after_prefix=True,
            shard_count=shard_count,
            **options,
        )
        self.settings = settings
        self._service = service
        self.message_content = message_content
        self.conversations = ConversationMemory()
        self.message_cooldowns = MessageCooldowns(settings.bot)
        self._refresh_interval = refresh_interval
        self._answer_processes = answer_processes
        self._refresh_task: asyncio.Task[None] | None = None
        # Engine calls start only after pending interactions are acknowledged, in fair
        # turns per user (bot.engine).
        self.acks = AckTracker()
        self._engine = EngineRunner(self.acks, self._engine_capacity)
        # Background jobs (feed polls, digests): each cog adds its job to this scheduler
        # when it loads, the same scheduler and job definitions ``newsbot worker`` runs.
        # A job runs in one process at a time, the one holding its lease, so shards and
        # workers never overlap; the bot gives a lease back after each run, so a worker,
        # when one runs, takes the jobs over.
        self.scheduler = Worker(self._lease_session, [], keep_leases=False)
        self._scheduler_task: asyncio.Task[None] | None = None

    @property
    def service(self) -> NewsService:
        if self._service is None:
            raise EngineUnavailable("this bot was built only to register slash commands")
        return self._service

    @property
    def has_engine(self) -> bool:
        """False for a bot built only to register slash commands (``newsbot sync``): its
        cogs start no background jobs."""
        return self._service is not None

    def _lease_session(self) -> Session:
        return self.service.sessions()

    def schedule(self, job: Job) -> None:
        """Run the background ``job`` on its period from now on, whenever this process
        holds its lease (the scheduler starts once the bot is ready)."""
        self.scheduler.add(job)

    async def unschedule(self, name: str) -> None:
        """Stop the background job ``name`` here and give its lease to another process."""
        await self.scheduler.remove(name)

    async def _run_scheduler(self) -> None:
        """The scheduler's loop, once the bot is ready (the jobs' announcements and posts
        need its caches), until ``close`` cancels it."""
        await self.wait_until_ready()
        try:
            await self.scheduler.run(asyncio.Event())
        except Exception:  # each job's failures are caught; this is a bug of the loop
            log.exception("background jobs stopped")

    def _engine_capacity(self) -> int:
        """Engine calls run at once: a few per answering process, else ENGINE_WORKERS."""
        processes = self._service.answer_processes() if self._service is not None else 0
        return processes * CALLS_PER_PROCESS if processes else ENGINE_WORKERS

    async def run_engine(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking engine call in the service's executor, off the event loop, in
        its turn (the current command's user's lane), once the interactions received so
        far are acknowledged."""
        service = self.service
        return await self._engine.run(
            functools.partial(service.submit, fn, *args, **kwargs), lane=engine_lane.get()
        )

    async def run_answer(
        self,
        kind: AnswerKind,
        query: str,
        *,
        lane: int,
        scope: Scope,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Answer:
        """``ask`` or ``news`` like ``run_engine``, in an answering process when the
        service runs them (``NewsService.submit_answer``), in ``lane``'s (the asker's)
        turn."""
        service = self.service
        submit = functools.partial(
            service.submit_answer,
            kind,
            query,
            scope=scope,
            filters=filters,
            offset=offset,
            limit=limit,
        )
        return await self._engine.run(submit, lane=lane)

    async def login(self, token: str) -> None:
        """Log in over a bounded pool of REST connections (``HTTP_CONNECTIONS_PER_HOST``)."""
        if self.http.connector is discord.utils.MISSING:  # no ``connector`` option given
            self.http.connector = aiohttp.TCPConnector(
                limit=0, limit_per_host=HTTP_CONNECTIONS_PER_HOST
            )
        await super().login(token)

    async def setup_hook(self) -> None:
        if self._service is not None and self._answer_processes:
            # Once logged in, before the gateway connects: questions may come as soon as
            # it does, and a process takes about a second to open the snapshot.
            try:
                await asyncio.to_thread(self._service.start_answer_processes)
            except EngineUnavailable as exc:
                log.warning("%s; answering in the bot's threads", exc.reason)
        for name in EXTENSIONS:
            await self.load_extension(name)
        if self._service is not None and self._refresh_interval:
            self._refresh_task = asyncio.create_task(self._refresh_forever(self._refresh_interval))
        if self._service is not None and self._scheduler_task is None:
            self._scheduler_task = asyncio.create_task(self._run_scheduler())

    async def _refresh_forever(self, interval: float) -> None:
        """Pick up articles that ``newsbot ingest`` added while the bot runs."""
        while True:
            await asyncio.sleep(interval)
            try:
                applied = await self.run_engine(self.service.refresh)
            except NewsbotError as exc:
                log.warning("index refresh failed: %s", exc.reason)
            except Exception:
                log.exception("index refresh failed")
            else:
                if applied:
                    log.info("index refreshed: %d changes applied", applied)

    async def close(self) -> None:
        if self._refresh_task is not None:
            self._refresh_task.cancel()
        await super().close()  # unloads the cogs, which remove their background jobs
        if self._scheduler_task is not None:
            self._scheduler_task.cancel()  # a job in flight is not waited for
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler_task
        await self.scheduler.release_all()

    async def on_command_error(
        self, context: commands.Context[Any], exception: commands.CommandError, /
    ) -> None:
        await report_error(context, exception)


def _token() -> str:
    return os.environ.get(TOKEN_ENV, "").strip()


def _set_log_level(settings: Settings) -> None:
    level = settings.bot.log_level.upper()
    if level not in logging.getLevelNamesMapping():
        raise ConfigError(f"unknown log level {settings.bot.log_level!r}", key="bot.log_level")
    logging.getLogger().setLevel(level)


async def run_bot(
    settings: Settings,
    *,
    shard_ids: list[int] | None = None,
    shard_count: int | None = None,
    message_content: bool = True,
) -> int:
    """Run the bot until it is stopped; 0 on a clean stop, 2 when it cannot log in."""
    token = _token()
    if not token:
        sys.stderr.write(
            f"newsbot: set {TOKEN_ENV} to the bot token from the Discord developer portal "
            "(Applications -> your app -> Bot -> Reset Token)\n"
        )
        return EXIT_USAGE
    _set_log_level(settings)
    from retrieval.service import NewsService  # noqa: PLC0415 - see the import above

    service = await asyncio.to_thread(NewsService.open, settings)
    try:
        async with NewsBot(
            settings,
            service,
            shard_ids=shard_ids,
            shard_count=shard_count,
            message_content=message_content,
            refresh_interval=settings.index.refresh_seconds,
            answer_processes=True,
        ) as bot:
            await bot.start(token)
    except discord.LoginFailure:
        sys.stderr.write(
            f"newsbot: Discord rejected the token in {TOKEN_ENV}; reset it and retry\n"
        )
        return EXIT_USAGE
    except discord.PrivilegedIntentsRequired:
        sys.stderr.write(
            "newsbot: the Message Content intent is not enabled for this bot: switch it on in "
            "the developer portal (Bot -> Privileged Gateway Intents) or run without it\n"
        )
        return EXIT_USAGE
    except UNREACHABLE as exc:
        raise unreachable(exc) from exc
    finally:
        await asyncio.to_thread(functools.partial(service.close, save=True))
    return 0


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Register the slash commands globally, or copy them to one guild; returns the count.

    Guild registration is instant (good for testing); global registration can take up to
    an hour to reach every server.
    """
    token = _token()
    if not token:
        raise ConfigError(f"set {TOKEN_ENV} to the bot token to register commands")
    async with NewsBot(settings, None, refresh_interval=None) as bot:
        try:
            await bot.login(token)
            if guild_id is None:
                synced = await bot.tree.sync()
            else:
                guild = discord.Object(id=guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
        except discord.LoginFailure:
            raise ConfigError(f"Discord rejected the token in {TOKEN_ENV}") from None
        except UNREACHABLE as exc:
            raise unreachable(exc) from exc
    return len(synced)
