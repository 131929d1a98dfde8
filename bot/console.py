"""The ``newsbot`` console script: the engine's commands plus ``run``, ``worker``, ``sync``.

discord.py (and asyncio) are imported only when a Discord command runs, so engine
commands start fast and work without a token.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from retrieval.cli import commands as engine_cli
from retrieval.cli.startup import engine_loading
from retrieval.config import Settings


def _shard_ids(value: str) -> list[int]:
    try:
        ids = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("shard ids are comma-separated numbers") from None
    if not ids or min(ids) < 0:
        raise argparse.ArgumentTypeError("shard ids are comma-separated numbers >= 0")
    return ids


def _shard_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("the shard count is a number >= 1") from None
    if count < 1:
        raise argparse.ArgumentTypeError("the shard count is a number >= 1")
    return count


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # noqa: PLC0415 - discord.py and asyncio load only for bot commands

    from bot.app import run_bot  # noqa: PLC0415

    if args.shard_ids is not None and args.shard_count is None:
        raise SystemExit("newsbot run: --shard-ids needs --shard-count")
    if args.shard_ids and args.shard_count and max(args.shard_ids) >= args.shard_count:
        raise SystemExit("newsbot run: every shard id must be below --shard-count")
    return asyncio.run(
        run_bot(
            settings,
            shard_ids=args.shard_ids,
            shard_count=args.shard_count,
            message_content=settings.bot.message_content,
        )
    )


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # noqa: PLC0415

    from bot.app import sync_commands  # noqa: PLC0415 - as above

    count = asyncio.run(sync_commands(settings, args.guild))
    where = f"guild {args.guild}" if args.guild else "every server (global: may take a while)"
    sys.stdout.write(f"registered {count} slash commands for {where}\n")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # noqa: PLC0415

    from bot.worker_command import run_worker  # noqa: PLC0415 - as above

    return asyncio.run(run_worker(settings, once=args.once))


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run the Discord bot (token from $NEWSBOT_DISCORD_TOKEN)")
    p.add_argument("--shard-ids", type=_shard_ids, metavar="0,1", help="shards this process runs")
    p.add_argument(
        "--shard-count", type=_shard_count, metavar="N", help="total shards across processes"
    )
    p.set_defaults(handler=cmd_run)
    p = sub.add_parser("worker", help="poll feeds and post digests (one worker per job at a time)")
    p.add_argument("--once", action="store_true", help="run the jobs that are due, then exit")
    p.set_defaults(handler=cmd_worker)
    p = sub.add_parser("sync", help="register the slash commands with Discord")
    p.add_argument("--guild", type=int, metavar="ID", help="only this server (instant)")
    p.set_defaults(handler=cmd_sync)


# numpy's OpenBLAS starts one spinning thread per core when numpy is imported: about
# 30 ms of wall time and 100 ms of CPU on two cores for every command, and the same in
# every answering process. The engine does no large linear algebra (the summariser's
# similarity matrices are tens of sentences), and it spreads work over processes, so
# one BLAS thread per process is all it uses. Set before anything imports numpy;
# a value the user exported wins.
BLAS_THREADS_VARIABLE = "OPENBLAS_NUM_THREADS"


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault(BLAS_THREADS_VARIABLE, "1")
    return engine_cli.main(argv, engine_cli.build_parser(add_commands), loading=engine_loading)


if __name__ == "__main__":
    sys.exit(main())
