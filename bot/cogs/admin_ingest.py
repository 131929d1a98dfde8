"""``/ingest url``, ``/ingest file`` and ``/article forget``: admins add and remove articles.

Articles an admin adds belong to that server: its members search them together with the
global articles, and no other server ever sees them. Replies are ephemeral (only the
admin sees them) and say what was stored or exactly why not.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.admin_checks import acquire_fetcher, admin_group, admin_only, release_fetcher
from bot.app import NewsBot
from bot.choices import chosen_id, fit_choices
from bot.cog_base import FeatureCog
from bot.flow import scope_of
from bot.limits import CHOICES_MAX
from bot.render_admin import article_choice_name, forgot_payload, ingest_payload
from retrieval.errors import ArticleNotFound, EngineUnavailable
from retrieval.ingest.fetch import Fetcher
from retrieval.ingest.stages import IngestOutcome
from retrieval.ingest.url_ingest import MAX_ID_DIGITS, ingest_url, own_titles

# Longest URL accepted (the fetcher refuses longer ones anyway).
URL_MAX = 2000


class AdminIngestCog(FeatureCog, name="Admin ingest"):
    ingest = admin_group("ingest", "Add articles to this server's collection (admins)")
    article = admin_group("article", "Manage the articles this server added (admins)")

    def __init__(self, bot: NewsBot) -> None:
        super().__init__(bot)
        self._fetcher: Fetcher | None = None

    async def cog_load(self) -> None:
        self._fetcher = acquire_fetcher(self.bot)

    async def cog_unload(self) -> None:
        self._fetcher = None
        await release_fetcher(self.bot)

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            raise EngineUnavailable("the admin ingest cog is not loaded", part="fetcher")
        return self._fetcher

    @ingest.command(name="url", description="Fetch a web page and store its article")
    @app_commands.describe(url="The article's address, starting with http:// or https://")
    @admin_only
    async def ingest_url(
        self, interaction: discord.Interaction[NewsBot], url: app_commands.Range[str, 1, URL_MAX]
    ) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        outcomes = await self.bot.run_engine(
            ingest_url,
            self.bot.service,
            self.fetcher,
            url.strip(),
            scope=scope_of(interaction.guild_id),
        )
        await self.reply_privately(interaction, ingest_payload(url.strip(), outcomes))

    @ingest.command(name="file", description="Store the articles in an HTML, TXT or JSONL file")
    @app_commands.describe(file="An .html page, a .txt scrape, or .jsonl with one article a line")
    @admin_only
    async def ingest_file(
        self, interaction: discord.Interaction[NewsBot], file: discord.Attachment
    ) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        outcomes = await self._ingest_attachment(interaction, file)
        await self.reply_privately(interaction, ingest_payload(file.filename, outcomes))

    async def _ingest_attachment(
        self, interaction: discord.Interaction[NewsBot], file: discord.Attachment
    ) -> list[IngestOutcome]:
        limit = self.bot.settings.ingest.max_input_bytes
        too_large = f"the file is {file.size:,} bytes, over the {limit:,}-byte limit"
        if file.size > limit:
            return [IngestOutcome(file.filename, "failed", reason=too_large)]
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            reason = f"the file could not be downloaded from Discord (HTTP {exc.status})"
            return [IngestOutcome(file.filename, "failed", reason=reason)]
        if len(data) > limit:  # the declared size was wrong
            return [IngestOutcome(file.filename, "failed", reason=too_large)]
        return await self.bot.run_engine(
            self.bot.service.ingest_bytes,
            data,
            name=file.filename,
            scope=scope_of(interaction.guild_id),
            content_type=file.content_type,
        )

    @article.command(name="forget", description="Remove an article this server added")
    @app_commands.describe(article="Start typing its title, or give the article id")
    @admin_only
    async def forget(
        self,
        interaction: discord.Interaction[NewsBot],
        article: app_commands.Range[str, 1, MAX_ID_DIGITS],
    ) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        article_id = chosen_id(article, ArticleNotFound)
        title = await self.bot.run_engine(
            self.bot.service.forget, article_id, scope=scope_of(interaction.guild_id)
        )
        await self.reply_privately(interaction, forgot_payload(title))

    @forget.autocomplete("article")
    @admin_only
    async def article_choices(
        self, interaction: discord.Interaction[NewsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        titles = await self.engine_choices(
            "article",
            own_titles,
            self.bot.service,
            scope=scope_of(interaction.guild_id),
            prefix=str(current),
            limit=CHOICES_MAX,
        )
        return fit_choices(
            app_commands.Choice(name=article_choice_name(t), value=str(t.article_id))
            for t in titles
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AdminIngestCog(bot))
