"""Domain errors: every failure a user can cause or meet has a class here.

Callers (the CLI, the bot's error handler) map these to one-line messages; anything
that is not a ``NewsbotError`` is a bug and is logged with its traceback.
"""

from __future__ import annotations

from typing import ClassVar, Literal

# Exit statuses of the command line, one per class of failure, so scripts can tell
# "fix your input" from "try again later" without parsing messages. 69 and 74 are the
# sysexits.h values (EX_UNAVAILABLE, EX_IOERR) that service managers already know.
EXIT_FAILURE = 1  # this input or request failed; change it (others may have worked)
EXIT_USAGE = 2  # the command line or the configuration must change (argparse's status too)
EXIT_UNAVAILABLE = 69  # a service (the database server, Discord) cannot be reached: retry
EXIT_IO = 74  # local storage refuses: permission denied, disk full, read-only file system
EXIT_BUG = 70  # an unexpected error: a bug (sysexits EX_SOFTWARE)


class NewsbotError(Exception):
    """Base of all expected failures. ``reason`` is a short sentence fit for a user;
    ``exit_code`` is the command line's status for the class of failure."""

    exit_code: ClassVar[int] = EXIT_FAILURE

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (answers computed in worker processes).
        # Exception's own pickling calls ``cls(*args)``, which fails for subclasses with
        # keyword-only fields and loses the ones it can rebuild; this restores the
        # message and every attribute as they were.
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(
    cls: type[NewsbotError], args: tuple[object, ...], state: dict[str, object]
) -> NewsbotError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(NewsbotError):
    """The configuration file or environment is invalid."""

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(self, reason: str, *, key: str | None = None) -> None:
        super().__init__(f"{key}: {reason}" if key else reason)
        self.key = key


class InputError(NewsbotError):
    """An input (file, URL, JSONL line) cannot be turned into an article."""

    def __init__(self, reason: str, *, input_name: str = "") -> None:
        super().__init__(reason)
        self.input_name = input_name


class EmptyInput(InputError):
    """The input has no content at all."""


class BinaryInput(InputError):
    """The input is not text (a NUL byte or undecodable bytes)."""


class UnsupportedInput(InputError):
    """The input's type is not one we can extract from."""


class InputTooLarge(InputError):
    """The input exceeds the configured size cap."""

    def __init__(self, reason: str, *, input_name: str = "", limit: int = 0) -> None:
        super().__init__(reason, input_name=input_name)
        self.limit = limit


class NoArticleFound(InputError):
    """The input is readable but holds no article text."""


class MalformedRecord(InputError):
    """A structured record (a JSONL line) is not valid."""

    def __init__(self, reason: str, *, input_name: str = "", line: int | None = None) -> None:
        super().__init__(reason, input_name=input_name)
        self.line = line


class RecordTooLarge(MalformedRecord):
    """One record of a many-record file (a JSONL line) is over the per-record size cap."""

    def __init__(
        self,
        reason: str,
        *,
        input_name: str = "",
        line: int | None = None,
        size: int = 0,
        limit: int = 0,
    ) -> None:
        super().__init__(reason, input_name=input_name, line=line)
        self.size = size
        self.limit = limit


class QueryError(NewsbotError):
    """A query cannot be searched (empty after tokenizing, too long, bad option)."""


class ArticleNotFound(NewsbotError):
    """An article id or URL does not name an article visible in the caller's scope."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"no article matches {ref!r}")
        self.ref = ref


class DatabaseUrlError(ConfigError):
    """The database URL names no database SQLAlchemy can open: an unknown scheme, an
    unparsable URL, or a driver that is not installed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, key="database.url")


class StorageUnavailable(NewsbotError):
    """The database cannot be reached right now; the operation may be retried."""

    exit_code: ClassVar[int] = EXIT_UNAVAILABLE


class StorageRefused(StorageUnavailable):
    """Local storage refuses the database or the index snapshot: permission denied, a
    read-only file system, a full disk. Retrying does not help until someone fixes it,
    hence its own exit status; to a Discord user it is still "unavailable"."""

    exit_code: ClassVar[int] = EXIT_IO

    def __init__(self, reason: str, *, path: str = "") -> None:
        super().__init__(reason)
        self.path = path


class NoArticlesStored(NewsbotError):
    """A search or question ran on a database that holds no article yet (usually a
    database other than the one the articles went into)."""

    def __init__(self, location: str) -> None:
        super().__init__(
            f"no articles stored in {location} yet: run newsbot ingest with files, "
            "directories or URLs first (newsbot ingest samples, in a checkout), or see "
            "newsbot db info"
        )
        self.location = location


class ServiceUnreachable(NewsbotError):
    """A remote service (Discord) cannot be reached: no network, DNS failing, an outage."""

    exit_code: ClassVar[int] = EXIT_UNAVAILABLE

    def __init__(self, reason: str, *, service: str) -> None:
        super().__init__(reason)
        self.service = service


class EngineUnavailable(NewsbotError):
    """The engine (the database and index behind a command) is not running in this
    process: a bot built only to register slash commands, or a part asked for before its
    cog was loaded. ``part`` names what was asked for."""

    exit_code: ClassVar[int] = EXIT_UNAVAILABLE

    def __init__(self, reason: str, *, part: str = "engine") -> None:
        super().__init__(reason)
        self.part = part


class IndexSnapshotError(NewsbotError):
    """A saved index snapshot is missing, corrupt or from another format version."""


FetchErrorKind = Literal[
    "bad_url",  # unparsable URL, credentials in it, or no host
    "bad_scheme",  # anything but http and https
    "dns",  # the host name does not resolve
    "blocked_address",  # the host is or resolves to a non-public address
    "connection",  # refused, reset, or cut before the body ended
    "tls",  # the TLS handshake or certificate check failed
    "timeout",  # a connect, read, or total deadline ran out
    "bad_status",  # a status other than success, redirect, or an expected 304
    "too_many_redirects",  # more redirects than FetchSettings.max_redirects
    "bad_content_type",  # a media type the caller does not accept
    "bad_encoding",  # an unsupported or corrupt Content-Encoding
    "too_large",  # the body (on the wire or decoded) exceeds FetchSettings.max_bytes
    "decompression_bomb",  # the body inflates beyond FetchSettings.max_compression_ratio
]


class FetchError(NewsbotError):
    """A URL could not be fetched, or was refused before any connection was made.

    ``url`` is the URL of the hop that failed: the redirect target when a redirect is
    refused, otherwise the URL that was asked for.
    """

    def __init__(self, reason: str, *, url: str, kind: FetchErrorKind) -> None:
        super().__init__(reason)
        self.url = url
        self.kind: FetchErrorKind = kind


# Feeds -----------------------------------------------------------------


class NotAFeed(InputError):
    """The fetched document is not an RSS or Atom feed we can read."""


class FeedNotFound(NewsbotError):
    """No feed with this id is followed in the caller's scope."""

    def __init__(self, ref: int | str) -> None:
        super().__init__(f"no feed {ref} is followed here; see the feed list for ids")
        self.ref = ref


class FeedExists(NewsbotError):
    """The scope already follows this feed."""


class FeedLimitReached(NewsbotError):
    """The scope follows as many feeds as it may."""


class BadInterval(NewsbotError):
    """A poll interval that cannot be read or is shorter than allowed."""


# Digests ---------------------------------------------------------------


class BadSchedule(QueryError):
    """A time, time zone, day list or topic that cannot be read as a schedule."""


class ScheduleNotFound(NewsbotError):
    """No digest schedule with this id exists in the caller's server."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__(
            f"there is no digest {schedule_id} in this server; see /digest list for ids"
        )
        self.schedule_id = schedule_id


class ScheduleLimitReached(NewsbotError):
    """The server has as many digest schedules as it may."""


class PostFailed(NewsbotError):
    """Posting a digest failed. ``permanent`` failures (the channel is gone, the bot
    may not post there) pause the schedule; others only fail this run.

    ``message_ids`` are the messages that did go out before the failure.
    """

    def __init__(self, reason: str, *, permanent: bool, message_ids: tuple[int, ...] = ()) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.message_ids = message_ids
